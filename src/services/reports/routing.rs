//! "一呼四应" routing: a report's point resolves to building, compound and grid, and its
//! tier picks a named responder — the building head, the property company, the
//! compound's consultation body (议事会) or the community.

use geo::Point;

use crate::crs::Crs;
use crate::index::Snapshot;
use crate::model::reports::{Routed, Tier};
use crate::model::{ContactRole, Layer};
use crate::services::locate::{ContactCard, Location, locate};

/// Who answers at a tier: the name the resident sees and the public work phone (none for a
/// body without a contact card, such as the community office).
#[derive(Debug, Clone, PartialEq)]
struct Responder {
    name: String,
    phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RoutingError {
    #[error("the point is outside every grid of the district{}", nearest.as_ref().map(|n| format!(" (the nearest grid is {n})")).unwrap_or_default())]
    OutsideDistrict { nearest: Option<String> },
}

/// Routes a report at a WGS84 point to the responder of `tier`.
pub fn route(snapshot: &Snapshot, point: Point, tier: Tier) -> Result<Routed, RoutingError> {
    let found = locate(snapshot, point, Crs::Wgs84);
    let Some(chain) = found.grid_chain.as_ref().filter(|_| found.inside_grid || found.building.is_some()) else {
        let nearest = found.outside.as_ref().and_then(|o| o.nearest_grid).map(|g| format!("{} {}", g.id, g.name));
        return Err(RoutingError::OutsideDistrict { nearest });
    };
    let Responder { name: responder, phone: responder_phone } = responder(&found, tier);
    Ok(Routed {
        tier,
        responder,
        responder_phone,
        building_id: found.building.as_ref().map(|b| b.id.to_owned()),
        compound_id: found.compound.as_ref().map(|c| c.id.to_owned()),
        micro_grid_id: chain.micro_grid.map(|m| m.id.to_owned()),
        grid_id: chain.grid.id.to_owned(),
        community_id: chain.community.id.to_owned(),
        street_id: chain.street.id.to_owned(),
    })
}

fn card<'a>(found: &'a Location<'a>, role: ContactRole) -> Option<&'a ContactCard<'a>> {
    found.contacts.iter().find(|c| c.role == role)
}

fn named(card: &ContactCard) -> Responder {
    Responder { name: format!("{} {}", card.role_label, card.name), phone: Some(card.phone.to_owned()) }
}

/// The responder for a tier, falling back one step when the place has no such person: a
/// compound without a property company is looked after by the community, as in practice.
fn responder(found: &Location, tier: Tier) -> Responder {
    let community = || {
        card(found, ContactRole::CommunityCadre)
            .or_else(|| card(found, ContactRole::GridWorker))
            .map(named)
            .unwrap_or_else(|| Responder { name: "社区 community office".to_owned(), phone: None })
    };
    match tier {
        Tier::Neighbourhood => card(found, ContactRole::BuildingHead)
            .filter(|c| c.serves == Layer::Buildings)
            .or_else(|| card(found, ContactRole::GridWorker))
            .map(named)
            .unwrap_or_else(community),
        Tier::Property => match (card(found, ContactRole::PropertyManager), found.compound.as_ref()) {
            (Some(manager), Some(compound)) => {
                let company = compound.property_company.unwrap_or("物业");
                Responder { name: format!("{company} · {} {}", manager.role_label, manager.name), phone: Some(manager.phone.to_owned()) }
            }
            (None, Some(compound)) if compound.property_company.is_some() => {
                Responder { name: compound.property_company.unwrap_or_default().to_owned(), phone: None }
            }
            _ => community(),
        },
        Tier::Public => match found.compound.as_ref() {
            // The consultation body is convened by the community cadre.
            Some(compound) => {
                let convenor = community();
                Responder { name: format!("{}业主议事会 (召集人 {})", compound.name, convenor.name), ..convenor }
            }
            None => community(),
        },
        Tier::Community => community(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{DemoOptions, generate};
    use geo::InteriorPoint;

    fn city() -> Snapshot {
        Snapshot::build(generate(&DemoOptions::default()), 1).unwrap()
    }

    /// The responder is the contact of `role` at the point, by name and phone.
    fn assert_answered_by(routed: &Routed, snapshot: &Snapshot, point: Point, role: ContactRole) {
        let found = locate(snapshot, point, Crs::Wgs84);
        let contact = card(&found, role).unwrap_or_else(|| panic!("no {role} at {point:?}"));
        assert!(routed.responder.contains(contact.name), "{} is not the {role} {}", routed.responder, contact.name);
        assert_eq!(routed.responder_phone.as_deref(), Some(contact.phone), "{}", routed.responder);
    }

    #[test]
    fn each_tier_names_its_responder() {
        let snapshot = city();
        let data = &snapshot.data;
        let with_company = data
            .buildings
            .iter()
            .find(|b| b.compound_id.as_ref().is_some_and(|c| data.compounds.iter().any(|k| &k.id == c && k.property_company.is_some())))
            .expect("a building in a managed compound");
        let point = with_company.geometry.interior_point().unwrap();

        let head = route(&snapshot, point, Tier::Neighbourhood).unwrap();
        assert_eq!(head.building_id.as_deref(), Some(with_company.id.as_str()));
        let contact = data.contacts.iter().find(|c| c.scope.id() == with_company.id && c.role == ContactRole::BuildingHead).unwrap();
        assert!(head.responder.contains(&contact.name));
        assert_eq!(head.responder_phone.as_deref(), Some(contact.phone.as_str()));

        let property = route(&snapshot, point, Tier::Property).unwrap();
        let compound = data.compounds.iter().find(|c| Some(&c.id) == with_company.compound_id.as_ref()).unwrap();
        assert!(property.responder.starts_with(compound.property_company.as_deref().unwrap()), "{}", property.responder);
        assert_answered_by(&property, &snapshot, point, ContactRole::PropertyManager);

        let public = route(&snapshot, point, Tier::Public).unwrap();
        assert!(public.responder.starts_with(&format!("{}业主议事会", compound.name)));

        let community = route(&snapshot, point, Tier::Community).unwrap();
        assert_answered_by(&community, &snapshot, point, ContactRole::CommunityCadre);
        assert_eq!(community.grid_id, head.grid_id);
        assert_eq!(community.micro_grid_id.as_deref(), Some(with_company.grid_id.as_str()));
    }

    #[test]
    fn property_matters_in_a_compound_without_property_company_go_to_the_community() {
        let snapshot = city();
        let data = &snapshot.data;
        let unmanaged = data.compounds.iter().find(|c| c.property_company.is_none()).expect("an old compound without property");
        let building = data.buildings.iter().find(|b| b.compound_id.as_ref() == Some(&unmanaged.id)).unwrap();
        let point = building.geometry.interior_point().unwrap();
        let routed = route(&snapshot, point, Tier::Property).unwrap();
        assert_answered_by(&routed, &snapshot, point, ContactRole::CommunityCadre);
    }

    #[test]
    fn points_outside_the_district_are_refused_naming_the_nearest_grid() {
        let snapshot = city();
        let error = route(&snapshot, Point::new(103.0, 30.0), Tier::Community).unwrap_err();
        let RoutingError::OutsideDistrict { nearest } = &error;
        assert!(nearest.is_some());
        assert!(error.to_string().contains("outside every grid"));
    }
}
