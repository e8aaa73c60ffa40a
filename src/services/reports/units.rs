//! Which 处置单位 answers a case: the unit of the kind its tier calls for, serving the place
//! the case was routed to (README, "The workflow"). Pure functions over the snapshot, so the
//! workflow can dispatch and escalate with them and tests can check them on the demo.

use crate::index::Snapshot;
use crate::model::reports::{Routed, Tier};
use crate::model::{Layer, Unit, UnitKind};

/// The unit that answers a case at this place and tier:
/// - neighbourhood: the community office serving the case's community;
/// - property: the property company serving the compound, else the community office;
/// - public: the compound's owners' council (业主议事会), else the community office;
/// - community: the community office, else the street department.
///
/// Within a kind, a unit serving the compound beats one serving the community, which beats
/// one serving the street; ties go to the smaller id. `None` when no unit of any kind the
/// tier allows serves the place.
pub fn unit_for<'a>(snapshot: &'a Snapshot, routed: &Routed, tier: Tier) -> Option<&'a Unit> {
    let kinds: &[UnitKind] = match tier {
        Tier::Neighbourhood => &[UnitKind::CommunityOffice],
        Tier::Property => &[UnitKind::PropertyCompany, UnitKind::CommunityOffice],
        Tier::Public => &[UnitKind::OwnersCouncil, UnitKind::CommunityOffice],
        Tier::Community => &[UnitKind::CommunityOffice, UnitKind::StreetDepartment],
    };
    let levels = place_levels(snapshot, routed);
    kinds
        .iter()
        .find_map(|&kind| levels.iter().find_map(|served| served.iter().filter(|u| u.kind == kind).min_by(|a, b| a.id.cmp(&b.id)).copied()))
}

/// Every unit serving the place (its compound, community and street), each once: the
/// choices for the dispatcher's "change the unit" menu. The compound's first, then the
/// community's, then the street's, each by id.
pub fn units_for_place<'a>(snapshot: &'a Snapshot, routed: &Routed) -> Vec<&'a Unit> {
    let mut units: Vec<&Unit> = Vec::new();
    for mut served in place_levels(snapshot, routed) {
        served.sort_by(|a, b| a.id.cmp(&b.id));
        for unit in served {
            if !units.iter().any(|u| u.id == unit.id) {
                units.push(unit);
            }
        }
    }
    units
}

/// The units serving the case's compound, community and street, most specific first. An
/// id the snapshot does not hold (the data changed since routing) serves nobody.
fn place_levels<'a>(snapshot: &'a Snapshot, routed: &Routed) -> [Vec<&'a Unit>; 3] {
    let serving = |layer: Layer, id: Option<&str>| -> Vec<&'a Unit> {
        let Some(area) = id.and_then(|id| snapshot.find(layer, id)) else { return Vec::new() };
        snapshot.units_serving(layer, area).iter().map(|&u| &snapshot.data.units[u as usize]).collect()
    };
    [
        serving(Layer::Compounds, routed.compound_id.as_deref()),
        serving(Layer::Communities, Some(&routed.community_id)),
        serving(Layer::Streets, Some(&routed.street_id)),
    ]
}

#[cfg(test)]
mod tests {
    use geo::InteriorPoint;

    use super::*;
    use crate::demo::{DemoOptions, OWNERS_COUNCIL_HOUSEHOLDS, generate};
    use crate::model::Compound;
    use crate::services::reports::routing::route;

    fn city() -> Snapshot {
        Snapshot::build(generate(&DemoOptions::default()), 1).unwrap()
    }

    /// A case routed to a point inside a building of `compound`.
    fn case_in(snapshot: &Snapshot, compound: &Compound) -> Routed {
        let building = snapshot.data.buildings.iter().find(|b| b.compound_id.as_ref() == Some(&compound.id)).unwrap();
        let routed = route(snapshot, building.geometry.interior_point().unwrap(), Tier::Neighbourhood).unwrap();
        assert_eq!(routed.compound_id.as_ref(), Some(&compound.id));
        routed
    }

    fn unit<'a>(snapshot: &'a Snapshot, routed: &Routed, tier: Tier) -> &'a Unit {
        unit_for(snapshot, routed, tier).unwrap_or_else(|| panic!("no unit for {tier} at {:?}", routed.compound_id))
    }

    #[test]
    fn each_tier_picks_its_kind_of_unit_serving_the_place() {
        let snapshot = city();
        let data = &snapshot.data;
        let managed = data.compounds.iter().find(|c| c.property_company.is_some() && c.households >= OWNERS_COUNCIL_HOUSEHOLDS).unwrap();
        let routed = case_in(&snapshot, managed);

        let office = unit(&snapshot, &routed, Tier::Neighbourhood);
        assert_eq!(office.kind, UnitKind::CommunityOffice);
        assert!(office.community_ids.contains(&routed.community_id));

        let company = unit(&snapshot, &routed, Tier::Property);
        assert_eq!((company.kind, Some(&company.name)), (UnitKind::PropertyCompany, managed.property_company.as_ref()));
        assert!(company.compound_ids.contains(&managed.id));

        let council = unit(&snapshot, &routed, Tier::Public);
        assert_eq!(council.kind, UnitKind::OwnersCouncil);
        assert_eq!(council.compound_ids, std::slice::from_ref(&managed.id));

        assert_eq!(unit(&snapshot, &routed, Tier::Community).id, office.id);
    }

    #[test]
    fn without_the_tiers_unit_the_community_office_answers() {
        let snapshot = city();
        let data = &snapshot.data;
        let unmanaged = data.compounds.iter().find(|c| c.property_company.is_none()).expect("a compound without property company");
        let routed = case_in(&snapshot, unmanaged);
        let office = unit(&snapshot, &routed, Tier::Neighbourhood);
        assert_eq!(unit(&snapshot, &routed, Tier::Property).id, office.id);

        let small = data.compounds.iter().find(|c| c.households < OWNERS_COUNCIL_HOUSEHOLDS).expect("a compound without owners' council");
        let routed = case_in(&snapshot, small);
        assert_eq!(unit(&snapshot, &routed, Tier::Public).kind, UnitKind::CommunityOffice);
    }

    #[test]
    fn a_unit_serving_the_compound_beats_the_community_and_the_street_and_ties_go_by_id() {
        let mut data = generate(&DemoOptions::default());
        let compound = data.compounds[0].clone();
        let community = compound.community_id.clone().unwrap();
        let street = data.communities.iter().find(|c| c.id == community).unwrap().street_id.clone();
        // Without community offices, the community tier falls to the street department.
        data.units.retain(|u| u.kind != UnitKind::CommunityOffice);
        let office = |id: &str, compounds: Vec<String>, communities: Vec<String>, streets: Vec<String>| Unit {
            id: id.into(),
            name: format!("office {id}"),
            kind: UnitKind::CommunityOffice,
            phone: None,
            compound_ids: compounds,
            community_ids: communities,
            street_ids: streets,
        };
        let snapshot = Snapshot::build(data.clone(), 1).unwrap();
        let routed = case_in(&snapshot, &compound);
        assert_eq!(unit(&snapshot, &routed, Tier::Community).kind, UnitKind::StreetDepartment);

        data.units.push(office("Z-street", vec![], vec![], vec![street.clone()]));
        let snapshot = Snapshot::build(data.clone(), 1).unwrap();
        assert_eq!(unit(&snapshot, &routed, Tier::Community).id, "Z-street");

        data.units.push(office("Y-community", vec![], vec![community.clone()], vec![]));
        let snapshot = Snapshot::build(data.clone(), 1).unwrap();
        assert_eq!(unit(&snapshot, &routed, Tier::Community).id, "Y-community");

        data.units.push(office("X-compound-2", vec![compound.id.clone()], vec![], vec![]));
        data.units.push(office("X-compound-1", vec![compound.id.clone()], vec![], vec![]));
        let snapshot = Snapshot::build(data, 1).unwrap();
        assert_eq!(unit(&snapshot, &routed, Tier::Community).id, "X-compound-1");
        assert_eq!(unit(&snapshot, &routed, Tier::Neighbourhood).id, "X-compound-1");
    }

    #[test]
    fn the_menu_lists_every_unit_of_the_place_once_most_specific_first() {
        let snapshot = city();
        let data = &snapshot.data;
        let managed = data.compounds.iter().find(|c| c.property_company.is_some()).unwrap();
        let routed = case_in(&snapshot, managed);
        let menu = units_for_place(&snapshot, &routed);
        let expected: Vec<&Unit> = data
            .units
            .iter()
            .filter(|u| {
                u.compound_ids.contains(&managed.id)
                    || u.community_ids.contains(&routed.community_id)
                    || u.street_ids.contains(&routed.street_id)
            })
            .collect();
        assert_eq!(menu.len(), expected.len());
        assert!(expected.iter().all(|u| menu.iter().any(|m| m.id == u.id)));
        assert_eq!(menu[0].kind, UnitKind::PropertyCompany);
        let kinds: Vec<UnitKind> = menu.iter().map(|u| u.kind).collect();
        for kind in [UnitKind::CommunityOffice, UnitKind::StreetDepartment, UnitKind::PoliceStation, UnitKind::UrbanManagement] {
            assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
        }
        // Most specific first: the street's units come after every compound and community unit.
        let first_street = menu.iter().position(|u| u.street_ids.contains(&routed.street_id)).unwrap();
        assert!(menu[first_street..].iter().all(|u| u.street_ids.contains(&routed.street_id)));
    }
}
