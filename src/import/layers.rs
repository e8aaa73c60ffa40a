//! One GeoJSON feature → one record of its layer. The property schema of each layer is
//! documented in README.md ("Import formats"); keep the two in step.

use serde_json::{Map, Value};

use super::fields::Fields;
use super::geometry::{Shape, check_geometry};
use crate::model::lifecircle::Rules;
use crate::model::{
    Building, CandidateSite, Community, Compound, Contact, ContactScope, Dataset, FacilityKind, Grid, GridLevel, Layer, Station, Street,
    Unit, Walkway,
};

/// Mean persons per household in China (2020 census, 2.62), used when a building gives
/// households but no population.
pub const PERSONS_PER_HOUSEHOLD: f64 = 2.62;

/// Why one feature was rejected: its id if it had one, and every reason.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureProblems {
    pub id: Option<String>,
    pub reasons: Vec<String>,
}

/// Parses one feature of `layer` and appends the record to `data`.
pub fn parse_feature(layer: Layer, feature: Value, data: &mut Dataset) -> Result<(), FeatureProblems> {
    let Value::Object(mut feature) = feature else {
        return Err(FeatureProblems { id: None, reasons: vec![format!("not a JSON object: {feature}")] });
    };
    let mut reasons = Vec::new();
    if feature.get("type").and_then(Value::as_str) != Some("Feature") {
        reasons.push("\"type\" must be \"Feature\"".to_owned());
    }
    let properties = match feature.remove("properties") {
        Some(Value::Object(map)) => map,
        None | Some(Value::Null) => Map::new(),
        Some(other) => {
            reasons.push(format!("\"properties\" must be an object, got {other}"));
            Map::new()
        }
    };
    let mut fields = Fields::new(properties);
    let id = feature_id(feature.remove("id"), &mut fields);
    let geometry = match check_geometry(feature.remove("geometry").unwrap_or(Value::Null), shape_of(layer)) {
        Ok(geometry) => geometry,
        Err(problems) => {
            reasons.extend(problems);
            None
        }
    };
    let record = fill(layer, &mut fields, id.clone(), geometry);
    reasons.append(&mut fields.problems);
    match record {
        Some(record) if reasons.is_empty() => {
            record.push_into(data);
            Ok(())
        }
        _ => Err(FeatureProblems { id, reasons }),
    }
}

fn shape_of(layer: Layer) -> Shape {
    match layer {
        Layer::Stations | Layer::CandidateSites => Shape::Point,
        Layer::Contacts | Layer::Units => Shape::Nothing,
        Layer::Walkways => Shape::Line,
        _ => Shape::Area,
    }
}

/// The feature's `id` member, else `properties.id`; both may be given if they agree.
fn feature_id(member: Option<Value>, fields: &mut Fields) -> Option<String> {
    let member = match member {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(other) => {
            fields.problems.push(format!("\"id\" must be a non-empty string or a number, got {other}"));
            return None;
        }
    };
    let property = fields.optional_text("id");
    match (member, property) {
        (Some(a), Some(b)) if a != b => {
            fields.problems.push(format!("feature id {a:?} and properties.id {b:?} disagree"));
            None
        }
        (Some(id), _) | (None, Some(id)) => Some(id),
        (None, None) => {
            fields.problems.push("no id: give the feature an \"id\" or a \"properties.id\"".to_owned());
            None
        }
    }
}

enum AnyRecord {
    Street(Street),
    Community(Community),
    Grid(Grid),
    Compound(Compound),
    Building(Building),
    Station(Station),
    Contact(Contact),
    Walkway(Walkway),
    Unit(Unit),
    CandidateSite(CandidateSite),
}

impl AnyRecord {
    fn push_into(self, data: &mut Dataset) {
        match self {
            AnyRecord::Street(r) => data.streets.push(r),
            AnyRecord::Community(r) => data.communities.push(r),
            AnyRecord::Grid(r) => data.grids.push(r),
            AnyRecord::Compound(r) => data.compounds.push(r),
            AnyRecord::Building(r) => data.buildings.push(r),
            AnyRecord::Station(r) => data.stations.push(r),
            AnyRecord::Contact(r) => data.contacts.push(r),
            AnyRecord::Walkway(r) => data.walkways.push(r),
            AnyRecord::Unit(r) => data.units.push(r),
            AnyRecord::CandidateSite(r) => data.candidate_sites.push(r),
        }
    }
}

/// Reads the layer's properties. Every field is read even after a failure so that all
/// problems are reported; the record exists only if everything was present.
fn fill(layer: Layer, f: &mut Fields, id: Option<String>, geometry: Option<geo::Geometry>) -> Option<AnyRecord> {
    let record = match layer {
        Layer::Streets => {
            let name = f.text("name");
            AnyRecord::Street(Street { id: id?, name: name?, geometry: geometry? })
        }
        Layer::Communities => {
            let (name, street_id) = (f.text("name"), f.text("street_id"));
            AnyRecord::Community(Community { id: id?, name: name?, street_id: street_id?, geometry: geometry? })
        }
        Layer::Grids => {
            let name = f.text("name");
            let level = f.choice::<GridLevel>("level");
            let community_id = f.text("community_id");
            let parent_id = f.optional_text("parent_id");
            let households = f.optional_count("households").unwrap_or(0);
            match (level, &parent_id) {
                (Some(GridLevel::MicroGrid), None) => {
                    f.problems.push("a micro_grid needs \"parent_id\", the grid it belongs to".into());
                }
                (Some(GridLevel::Grid), Some(parent)) => {
                    f.problems.push(format!("a grid of level \"grid\" has no parent, but parent_id is {parent:?}"));
                }
                _ => {}
            }
            AnyRecord::Grid(Grid {
                id: id?,
                name: name?,
                level: level?,
                community_id: community_id?,
                parent_id,
                households,
                geometry: geometry?,
            })
        }
        Layer::Compounds => {
            let name = f.text("name");
            let kind = f.choice("kind");
            let property_company = f.optional_text("property_company");
            let households = f.optional_count("households").unwrap_or(0);
            let community_id = f.optional_text("community_id");
            AnyRecord::Compound(Compound {
                id: id?,
                name: name?,
                kind: kind?,
                property_company,
                households,
                community_id,
                geometry: geometry?,
            })
        }
        Layer::Buildings => {
            let label = f.text("label");
            let compound_id = f.optional_text("compound_id");
            let grid_id = f.text("grid_id");
            let floors: Option<u16> = f.count("floors");
            let units: u16 = f.optional_count("units").unwrap_or(1);
            let households: Option<u32> = f.count("households");
            let population = f.optional_count("population");
            let has_elevator = f.flag("has_elevator");
            let elderly: Option<u32> = f.optional_count("elderly");
            let children: Option<u32> = f.optional_count("children");
            if floors == Some(0) || units == 0 {
                f.problems.push("\"floors\" and \"units\" must be at least 1".into());
            }
            let households = households?;
            AnyRecord::Building(Building {
                id: id?,
                label: label?,
                compound_id,
                grid_id: grid_id?,
                floors: floors?,
                units,
                households,
                population: population.unwrap_or((f64::from(households) * PERSONS_PER_HOUSEHOLD).round() as u32),
                has_elevator: has_elevator?,
                elderly,
                children,
                geometry: geometry?,
            })
        }
        Layer::Stations => {
            let name = f.text("name");
            let kind: Option<FacilityKind> = f.choice("kind");
            // A facility beyond the nine stations seldom names a "1+N+X" level: its life
            // circle gives one.
            let level = f.optional_choice("level");
            let opening_hours = f.optional_text("opening_hours");
            let phone = f.optional_text("phone");
            let community_id = f.optional_text("community_id");
            let capacity = f.optional_count("capacity");
            let kind = kind?;
            AnyRecord::Station(Station {
                id: id?,
                name: name?,
                kind,
                level: level.unwrap_or_else(|| Rules::default().of(kind).circle.station_level()),
                opening_hours,
                phone,
                community_id,
                capacity,
                geometry: geometry?,
            })
        }
        Layer::Contacts => {
            let role = f.choice("role");
            let name = f.text("name");
            let phone = f.text("phone");
            let scopes = f.present(&ContactScope::PROPERTIES);
            let scope = match scopes.as_slice() {
                [property] => f.text(property).and_then(|id| ContactScope::from_property(property, id)),
                _ => {
                    f.problems.push(format!(
                        "a contact serves exactly one of {}; found {}",
                        ContactScope::PROPERTIES.join(", "),
                        if scopes.is_empty() { "none".to_owned() } else { scopes.join(", ") }
                    ));
                    None
                }
            };
            AnyRecord::Contact(Contact { id: id?, role: role?, name: name?, phone: phone?, scope: scope? })
        }
        Layer::Walkways => {
            let kind = f.optional_text("kind").unwrap_or_else(|| "footway".to_owned());
            let name = f.optional_text("name");
            AnyRecord::Walkway(Walkway { id: id?, kind, name, geometry: geometry? })
        }
        Layer::Units => {
            let name = f.text("name");
            let kind = f.choice("kind");
            let phone = f.optional_text("phone");
            let [compound_ids, community_ids, street_ids] = Unit::AREA_PROPERTIES.map(|(property, _, _)| f.id_list(property));
            if [&compound_ids, &community_ids, &street_ids].iter().all(|ids| ids.as_ref().is_some_and(Vec::is_empty)) {
                f.problems.push("a unit serves at least one area: give compound_ids, community_ids or street_ids".into());
            }
            AnyRecord::Unit(Unit {
                id: id?,
                name: name?,
                kind: kind?,
                phone,
                compound_ids: compound_ids?,
                community_ids: community_ids?,
                street_ids: street_ids?,
            })
        }
        Layer::CandidateSites => {
            let name = f.text("name");
            let kind = f.choice("kind");
            let area_m2 = f.optional_positive("area_m2");
            let community_id = f.optional_text("community_id");
            AnyRecord::CandidateSite(CandidateSite { id: id?, name: name?, kind: kind?, area_m2, community_id, geometry: geometry? })
        }
    };
    Some(record)
}
