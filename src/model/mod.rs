//! The domain records every layer shares: what import produces, store keeps, index serves.
//!
//! Geometry is WGS84 lon/lat degrees (`geo::Geometry<f64>`), kept as the type it arrived
//! in (Polygon stays Polygon) so that it round-trips exactly.

pub mod categories;
mod kinds;
pub mod lifecircle;
pub mod notify;
pub mod photos;
pub mod reports;
pub mod scope;
pub mod time;
pub mod vocabulary;

pub use kinds::{CircleLevel, CompoundKind, ContactRole, DemandGroup, FacilityKind, GridLevel, Layer, SiteKind, StationLevel, UnitKind};

use geo::Geometry;
use serde::Serialize;

/// 街道 street office: the top of the administrative chain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Street {
    pub id: String,
    pub name: String,
    #[serde(skip)]
    pub geometry: Geometry,
}

/// 社区 community, inside one street.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Community {
    pub id: String,
    pub name: String,
    pub street_id: String,
    #[serde(skip)]
    pub geometry: Geometry,
}

/// 网格 grid or 微网格 micro-grid; a micro-grid's parent is a grid.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Grid {
    pub id: String,
    pub name: String,
    pub level: GridLevel,
    pub community_id: String,
    pub parent_id: Option<String>,
    pub households: u32,
    #[serde(skip)]
    pub geometry: Geometry,
}

/// 小区 compound: a gated estate, usually with a property company.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Compound {
    pub id: String,
    pub name: String,
    pub kind: CompoundKind,
    pub property_company: Option<String>,
    pub households: u32,
    pub community_id: Option<String>,
    #[serde(skip)]
    pub geometry: Geometry,
}

/// 楼栋 building. `grid_id` is the finest grid that owns it (usually a micro-grid).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Building {
    pub id: String,
    /// As residents say it: "3栋", "12幢".
    pub label: String,
    pub compound_id: Option<String>,
    pub grid_id: String,
    pub floors: u16,
    pub units: u16,
    pub households: u32,
    pub population: u32,
    pub has_elevator: bool,
    /// Residents aged 60 or more, when the import knows or estimated them.
    pub elderly: Option<u32>,
    /// Children under 6, when the import knows or estimated them.
    pub children: Option<u32>,
    #[serde(skip)]
    pub geometry: Geometry,
}

/// A service station or other facility (a Point).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Station {
    pub id: String,
    pub name: String,
    pub kind: FacilityKind,
    pub level: StationLevel,
    pub opening_hours: Option<String>,
    pub phone: Option<String>,
    pub community_id: Option<String>,
    /// Places or seats (day-care beds, canteen seats, kindergarten places), when known: the
    /// supply of the two-step floating catchment.
    pub capacity: Option<u32>,
    #[serde(skip)]
    pub geometry: Geometry,
}

/// 候选站址: a place a new station could go (a Point), for the set-covering plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CandidateSite {
    pub id: String,
    pub name: String,
    pub kind: SiteKind,
    /// Floor or plot area, when known.
    pub area_m2: Option<f64>,
    pub community_id: Option<String>,
    #[serde(skip)]
    pub geometry: Geometry,
}

/// A piece of the walking network: a street, footpath or compound gate people can walk,
/// as a LineString (or MultiLineString). Lines are joined where they share a coordinate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Walkway {
    pub id: String,
    /// What it is, in OpenStreetMap's `highway` words where it came from there
    /// (`footway`, `residential`, …); the demo also uses `gate` for a compound entrance.
    pub kind: String,
    pub name: Option<String>,
    #[serde(skip)]
    pub geometry: Geometry,
}

/// Whom a contact serves; serialises as the one `*_id` property that names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactScope {
    StreetId(String),
    CommunityId(String),
    GridId(String),
    CompoundId(String),
    BuildingId(String),
}

impl ContactScope {
    pub const PROPERTIES: [&'static str; 5] = ["street_id", "community_id", "grid_id", "compound_id", "building_id"];

    /// The layer the scope id points into.
    pub fn layer(&self) -> Layer {
        match self {
            ContactScope::StreetId(_) => Layer::Streets,
            ContactScope::CommunityId(_) => Layer::Communities,
            ContactScope::GridId(_) => Layer::Grids,
            ContactScope::CompoundId(_) => Layer::Compounds,
            ContactScope::BuildingId(_) => Layer::Buildings,
        }
    }

    /// The property (and column) that carries the scope: `street_id`, `grid_id`, …
    pub fn property(&self) -> &'static str {
        match self {
            ContactScope::StreetId(_) => "street_id",
            ContactScope::CommunityId(_) => "community_id",
            ContactScope::GridId(_) => "grid_id",
            ContactScope::CompoundId(_) => "compound_id",
            ContactScope::BuildingId(_) => "building_id",
        }
    }

    pub fn id(&self) -> &str {
        match self {
            ContactScope::StreetId(id)
            | ContactScope::CommunityId(id)
            | ContactScope::GridId(id)
            | ContactScope::CompoundId(id)
            | ContactScope::BuildingId(id) => id,
        }
    }

    /// Builds the scope from the property name (`grid_id`, …) that carried it.
    pub fn from_property(property: &str, id: String) -> Option<ContactScope> {
        Some(match property {
            "street_id" => ContactScope::StreetId(id),
            "community_id" => ContactScope::CommunityId(id),
            "grid_id" => ContactScope::GridId(id),
            "compound_id" => ContactScope::CompoundId(id),
            "building_id" => ContactScope::BuildingId(id),
            _ => return None,
        })
    }
}

/// A person on the public contact board. The phone is a public work phone: contacts
/// are published by design, unlike the people who report problems.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contact {
    pub id: String,
    pub role: ContactRole,
    pub name: String,
    pub phone: String,
    #[serde(flatten)]
    pub scope: ContactScope,
}

/// A 处置单位 responding unit: a body cases are dispatched to, and the areas it serves
/// (at least one compound, community or street). A unit has no geometry: where it works is
/// the union of its areas.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unit {
    pub id: String,
    pub name: String,
    pub kind: UnitKind,
    /// A public work phone, like the contact board's.
    pub phone: Option<String>,
    pub compound_ids: Vec<String>,
    pub community_ids: Vec<String>,
    pub street_ids: Vec<String>,
}

impl Unit {
    /// The properties (and the `unit_areas` column each fills) that list the areas served,
    /// with the layer each points into.
    pub const AREA_PROPERTIES: [(&'static str, &'static str, Layer); 3] = [
        ("compound_ids", "compound_id", Layer::Compounds),
        ("community_ids", "community_id", Layer::Communities),
        ("street_ids", "street_id", Layer::Streets),
    ];

    /// Every area served, as (property, layer, id), compounds first.
    pub fn areas(&self) -> impl Iterator<Item = (&'static str, Layer, &str)> {
        let lists = [&self.compound_ids, &self.community_ids, &self.street_ids];
        Unit::AREA_PROPERTIES
            .into_iter()
            .zip(lists)
            .flat_map(|((property, _, layer), ids)| ids.iter().map(move |id| (property, layer, id.as_str())))
    }

    /// The list of area ids of one layer (compounds, communities or streets).
    pub fn areas_mut(&mut self, layer: Layer) -> Option<&mut Vec<String>> {
        match layer {
            Layer::Compounds => Some(&mut self.compound_ids),
            Layer::Communities => Some(&mut self.community_ids),
            Layer::Streets => Some(&mut self.street_ids),
            _ => None,
        }
    }
}

/// What every stored record can say about itself, so layers are handled uniformly.
pub trait Record: Serialize {
    const LAYER: Layer;
    fn id(&self) -> &str;
    fn geometry(&self) -> Option<&Geometry>;
}

macro_rules! record {
    ($type:ty, $layer:expr) => {
        impl Record for $type {
            const LAYER: Layer = $layer;
            fn id(&self) -> &str {
                &self.id
            }
            fn geometry(&self) -> Option<&Geometry> {
                Some(&self.geometry)
            }
        }
    };
}
record!(Street, Layer::Streets);
record!(Community, Layer::Communities);
record!(Grid, Layer::Grids);
record!(Compound, Layer::Compounds);
record!(Building, Layer::Buildings);
record!(Station, Layer::Stations);
record!(Walkway, Layer::Walkways);
record!(CandidateSite, Layer::CandidateSites);

impl Record for Contact {
    const LAYER: Layer = Layer::Contacts;
    fn id(&self) -> &str {
        &self.id
    }
    fn geometry(&self) -> Option<&Geometry> {
        None
    }
}

impl Record for Unit {
    const LAYER: Layer = Layer::Units;
    fn id(&self) -> &str {
        &self.id
    }
    fn geometry(&self) -> Option<&Geometry> {
        None
    }
}

/// Records of every layer; an import fills the layers its file holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dataset {
    pub streets: Vec<Street>,
    pub communities: Vec<Community>,
    pub grids: Vec<Grid>,
    pub compounds: Vec<Compound>,
    pub buildings: Vec<Building>,
    pub stations: Vec<Station>,
    pub contacts: Vec<Contact>,
    pub walkways: Vec<Walkway>,
    pub units: Vec<Unit>,
    pub candidate_sites: Vec<CandidateSite>,
}

impl Dataset {
    /// Number of records in one layer.
    pub fn count(&self, layer: Layer) -> usize {
        match layer {
            Layer::Streets => self.streets.len(),
            Layer::Communities => self.communities.len(),
            Layer::Grids => self.grids.len(),
            Layer::Compounds => self.compounds.len(),
            Layer::Buildings => self.buildings.len(),
            Layer::Stations => self.stations.len(),
            Layer::Contacts => self.contacts.len(),
            Layer::Walkways => self.walkways.len(),
            Layer::Units => self.units.len(),
            Layer::CandidateSites => self.candidate_sites.len(),
        }
    }

    pub fn total(&self) -> usize {
        Layer::ALL.iter().map(|layer| self.count(*layer)).sum()
    }

    /// The ids of one layer's records.
    pub fn ids(&self, layer: Layer) -> Vec<&str> {
        fn ids<R: Record>(records: &[R]) -> Vec<&str> {
            records.iter().map(Record::id).collect()
        }
        match layer {
            Layer::Streets => ids(&self.streets),
            Layer::Communities => ids(&self.communities),
            Layer::Grids => ids(&self.grids),
            Layer::Compounds => ids(&self.compounds),
            Layer::Buildings => ids(&self.buildings),
            Layer::Stations => ids(&self.stations),
            Layer::Contacts => ids(&self.contacts),
            Layer::Walkways => ids(&self.walkways),
            Layer::Units => ids(&self.units),
            Layer::CandidateSites => ids(&self.candidate_sites),
        }
    }
}

/// One record as an RFC 7946 Feature: `id`, geometry, and the record's fields as properties.
pub fn to_feature<R: Record>(record: &R) -> geojson::Feature {
    let properties = match serde_json::to_value(record) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => unreachable!("records serialise to JSON objects"),
    };
    geojson::Feature {
        bbox: None,
        geometry: record.geometry().map(|g| geojson::Geometry::new(geojson::GeometryValue::from(g))),
        id: Some(geojson::feature::Id::String(record.id().to_owned())),
        properties: Some(properties),
        foreign_members: None,
    }
}
