//! The coverage routes' question and their map answers as types: the buildings with their
//! walking distance, and the stations' isochrones, each a GeoJSON FeatureCollection.

use geo::Geometry;
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use super::isochrones::{self, People, buffer_width, parse_bands};
use super::summary::{self, SEARCH_FACTOR};
use super::{Circle, Method};
use crate::index::Snapshot;
use crate::model::{DemandGroup, FacilityKind};
use crate::services::ServiceError;
use crate::services::cost::{Budget, Limits};
use crate::services::features::Bbox;
use crate::services::schemas::GeoJsonGeometry;

/// What every coverage route asks: a station kind, the circle and how to measure it.
#[derive(Debug, Clone, Copy, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CoverageQuestion {
    pub kind: FacilityKind,
    /// The circle in minutes (default 15); not with `meters`. At most 5000 m at the speed.
    #[param(exclusive_minimum = 0)]
    pub minutes: Option<f64>,
    /// The circle in metres, more than 0 and at most 5000; not with `minutes`.
    #[param(exclusive_minimum = 0, maximum = 5000)]
    pub meters: Option<f64>,
    /// Walking speed, metres per minute, at least 1 and at most 300 (default 1000/15, so
    /// 15 minutes is 1000 m).
    #[param(minimum = 1, maximum = 300)]
    pub speed_m_per_min: Option<f64>,
    /// `network` (default when walkways are loaded) or `euclidean`.
    #[param(value_type = Option<Method>)]
    pub method: Option<Method>,
}

impl CoverageQuestion {
    pub fn circle(&self) -> Result<Circle, ServiceError> {
        Circle::new(self.minutes, self.meters, self.speed_m_per_min)
    }
}

/// The part of the map a coverage map draws.
#[derive(Debug, Clone, Copy, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MapArea {
    /// `west,south,east,north`, WGS84 degrees; without it, the whole map (within the limits).
    #[param(value_type = Option<String>, example = "104.05,30.6,104.1,30.65")]
    pub bbox: Option<Bbox>,
    /// Isochrones only: the band drawn around reached walkways, 1–500 m (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub buffer_m: Option<f64>,
}

impl MapArea {
    fn corners(&self) -> Option<[f64; 4]> {
        self.bbox.map(|b| [b.west, b.south, b.east, b.north])
    }
}

/// Whom a coverage answer counts as its demand.
#[derive(Debug, Clone, Copy, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DemandQuestion {
    /// `households`, `residents`, `elderly` or `children` (see `/api/vocabulary`
    /// `demand_groups`); default: the group the kind's life-circle rule serves.
    #[param(value_type = Option<String>, example = "elderly")]
    pub group: Option<DemandGroup>,
}

/// Accessibility only: where to list the buildings' own scores.
#[derive(Debug, Clone, Copy, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScoresArea {
    /// `west,south,east,north`, WGS84 degrees: list the buildings whose centre lies in it
    /// with their scores (at most as many as a buildings map may have); none without it.
    #[param(value_type = Option<String>, example = "104.05,30.6,104.1,30.65")]
    pub bbox: Option<Bbox>,
}

impl ScoresArea {
    pub fn corners(&self) -> Option<[f64; 4]> {
        self.bbox.map(|b| [b.west, b.south, b.east, b.north])
    }
}

/// Isochrones only: walks to draw one shape each for.
#[derive(Debug, Clone, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IsochroneBands {
    /// 1–5 walks in metres, ascending, each at most 5000 (e.g. `300,500,1000`): one shape
    /// per station and band, nested, instead of one at the circle's limit.
    #[param(value_type = Option<String>, example = "300,500,1000")]
    pub bands: Option<String>,
}

/// Buildings with their walking distance to the nearest station.
#[derive(Debug, Serialize, ToSchema)]
pub struct BuildingMap {
    #[serde(rename = "type")]
    #[schema(value_type = String, example = "FeatureCollection")]
    pub kind_of_document: &'static str,
    pub kind: FacilityKind,
    pub limit_m: f64,
    pub minutes: f64,
    /// How far distances were searched: beyond it a building's distance is `null`.
    pub search_m: f64,
    pub method: Method,
    pub method_note: Option<&'static str>,
    /// Whom each building's `demand` counts.
    #[schema(value_type = String)]
    pub group: DemandGroup,
    pub features: Vec<BuildingFeature>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BuildingFeature {
    #[serde(rename = "type")]
    #[schema(value_type = String, example = "Feature")]
    pub kind: &'static str,
    pub id: String,
    #[schema(value_type = GeoJsonGeometry)]
    pub geometry: geojson::Geometry,
    pub properties: BuildingCoverage,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BuildingCoverage {
    pub id: String,
    pub name: String,
    pub compound_id: Option<String>,
    pub households: u32,
    pub population: u32,
    /// How many of the asked group (`group`) live here: own count or census-share estimate.
    pub demand: f64,
    /// Walking distance to the nearest station, to 0.1 m; `null` beyond `search_m`.
    pub distance_m: Option<f64>,
    pub covered: bool,
}

/// The footprint of every building whose centre is in the box, with its walking distance
/// to the nearest station (`null` beyond twice the circle) and `covered`.
pub fn building_map(
    snapshot: &Snapshot,
    question: &CoverageQuestion,
    group: Option<DemandGroup>,
    area: &MapArea,
    limits: &Limits,
    budget: &Budget,
) -> Result<BuildingMap, ServiceError> {
    let circle = question.circle()?;
    let group = group.unwrap_or_else(|| summary::default_group(question.kind));
    let found = summary::building_coverage(snapshot, question.kind, circle, question.method, area.corners(), limits, budget)?;
    let features = found
        .rows
        .iter()
        .map(|row| {
            let b = &snapshot.data.buildings[row.building as usize];
            BuildingFeature {
                kind: "Feature",
                id: b.id.clone(),
                geometry: geometry(&b.geometry),
                properties: BuildingCoverage {
                    id: b.id.clone(),
                    name: snapshot.building_name(row.building),
                    compound_id: b.compound_id.clone(),
                    households: b.households,
                    population: b.population,
                    demand: b.demand(group),
                    distance_m: row.distance_m.map(|m| (m * 10.0).round() / 10.0),
                    covered: row.covered,
                },
            }
        })
        .collect();
    Ok(BuildingMap {
        kind_of_document: "FeatureCollection",
        kind: question.kind,
        limit_m: circle.limit_m,
        minutes: circle.minutes,
        search_m: circle.limit_m * SEARCH_FACTOR,
        method: found.method,
        method_note: found.method_note,
        group,
        features,
    })
}

/// One (Multi)Polygon per station (per station and band with `bands`).
#[derive(Debug, Serialize, ToSchema)]
pub struct IsochroneMap {
    #[serde(rename = "type")]
    #[schema(value_type = String, example = "FeatureCollection")]
    pub kind_of_document: &'static str,
    pub kind: FacilityKind,
    pub limit_m: f64,
    pub minutes: f64,
    pub buffer_m: f64,
    /// The bands asked for, ascending; `[limit_m]` without `bands`.
    pub bands: Vec<f64>,
    pub method: Method,
    pub method_note: Option<&'static str>,
    pub features: Vec<IsochroneFeature>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IsochroneFeature {
    #[serde(rename = "type")]
    #[schema(value_type = String, example = "Feature")]
    pub kind: &'static str,
    pub id: String,
    #[schema(value_type = GeoJsonGeometry)]
    pub geometry: geojson::Geometry,
    pub properties: StationReach,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StationReach {
    pub station_id: String,
    pub name: String,
    pub kind: FacilityKind,
    pub limit_m: f64,
    /// The walk this shape reaches, in metres (`limit_m` without `bands`).
    pub band_m: f64,
    /// Walkway reached, metres (0 for straight-line circles).
    pub reached_m: f64,
    /// The station has no walkway within reach.
    pub off_network: bool,
    /// The buildings whose walk from this station is at most `band_m`, and their
    /// households, residents, elderly and children (counts, or census-share estimates
    /// where a building has none). Counted by each building's walk, not by the polygon.
    pub buildings: u32,
    pub households: f64,
    pub residents: f64,
    pub elderly: f64,
    pub children: f64,
}

/// One (Multi)Polygon per station of the kind whose isochrone may reach into the box: the
/// walkways within the limit (or each band), buffered, with the people reached.
pub fn isochrone_map(
    snapshot: &Snapshot,
    question: &CoverageQuestion,
    area: &MapArea,
    bands: &IsochroneBands,
    limits: &Limits,
    budget: &Budget,
) -> Result<IsochroneMap, ServiceError> {
    let circle = question.circle()?;
    let buffer_m = buffer_width(area.buffer_m)?;
    let asked = bands.bands.as_deref().map(parse_bands).transpose()?;
    let found = isochrones::isochrone_bands(
        snapshot,
        question.kind,
        circle,
        question.method,
        buffer_m,
        area.corners(),
        asked.as_deref(),
        limits,
        budget,
    )?;
    let features = found
        .shapes
        .into_iter()
        .map(|iso| {
            let s = &snapshot.data.stations[iso.station as usize];
            let People { buildings, households, residents, elderly, children } = iso.people;
            // With bands a station has several shapes: the band tells them apart.
            let id = if asked.is_some() { format!("{}@{}", s.id, iso.band_m) } else { s.id.clone() };
            IsochroneFeature {
                kind: "Feature",
                id,
                geometry: geometry(&Geometry::MultiPolygon(iso.area)),
                properties: StationReach {
                    station_id: s.id.clone(),
                    name: s.name.clone(),
                    kind: s.kind,
                    limit_m: circle.limit_m,
                    band_m: iso.band_m,
                    reached_m: iso.reached_m.round(),
                    off_network: iso.off_network,
                    buildings,
                    households: round2(households),
                    residents: round2(residents),
                    elderly: round2(elderly),
                    children: round2(children),
                },
            }
        })
        .collect();
    Ok(IsochroneMap {
        kind_of_document: "FeatureCollection",
        kind: question.kind,
        limit_m: circle.limit_m,
        minutes: circle.minutes,
        buffer_m,
        bands: asked.unwrap_or_else(|| vec![circle.limit_m]),
        method: found.method,
        method_note: found.method_note,
        features,
    })
}

/// To the hundredth: estimated groups are fractions of people.
fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn geometry(geometry: &Geometry) -> geojson::Geometry {
    geojson::Geometry::new(geojson::GeometryValue::from(geometry))
}
