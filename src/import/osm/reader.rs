//! Reading an OpenStreetMap PBF extract into the features the import wants, as WGS84
//! geometries with their tags.
//!
//! Nodes come first in a PBF file, so a way's nodes cannot be placed in the pass that
//! finds the way. Pass 1 keeps the amenity nodes (with their position) and the ways and
//! multipolygon relations of interest (with their node and member ids); pass 2 runs only
//! when a multipolygon has members that pass 1 did not keep (untagged outer/inner ways)
//! and reads their node ids; the last pass reads the positions of the nodes used.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::time::Instant;

use geo::{Centroid, Coord, Geometry, LineString, Point, Polygon, Validation};
use osmpbf::{Element, ElementReader, RelMemberType};

use super::rings::{self, Member};
use super::stations::facility;
use super::walkways::is_walkable;

#[derive(Debug, thiserror::Error)]
pub enum OsmError {
    // The cause is part of the message, not a `source`, so that `{:#}` says it once.
    #[error("cannot open {path}: {cause}")]
    Open { path: String, cause: std::io::Error },
    #[error("{path} is not a readable OpenStreetMap PBF file: {cause}")]
    NotPbf { path: String, cause: osmpbf::Error },
    #[error("{path} holds no OpenStreetMap data (is it an .osm.pbf extract?)")]
    Empty { path: String },
}

/// An OSM element's type and id; shown as `n123`, `w123` or `r123`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OsmId {
    Node(i64),
    Way(i64),
    Relation(i64),
}

impl fmt::Display for OsmId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OsmId::Node(id) => write!(f, "n{id}"),
            OsmId::Way(id) => write!(f, "w{id}"),
            OsmId::Relation(id) => write!(f, "r{id}"),
        }
    }
}

impl OsmId {
    /// The record id derived from it, `osm-w123`: stable, so importing the same file (or a
    /// newer extract of the same place) again updates records in place.
    pub fn record_id(self) -> String {
        format!("osm-{self}")
    }
}

/// An element's tags, in file order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tags(Vec<(String, String)>);

impl Tags {
    pub fn new<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Tags {
        Tags(pairs.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect())
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

/// Keys that can make an element interesting; other elements' tags are not copied.
const KEYS: &[&str] = &["highway", "building", "landuse", "amenity", "healthcare", "shop", "leisure", "place"];

fn has_key_of_interest<'a>(mut tags: impl Iterator<Item = (&'a str, &'a str)>) -> bool {
    tags.any(|(k, _)| KEYS.contains(&k))
}

/// What the import takes from an element.
#[derive(Debug, Clone, Copy, Default)]
struct Wanted {
    walk: bool,
    building: bool,
    residential: bool,
    amenity: bool,
}

impl Wanted {
    fn of(tags: &Tags) -> Wanted {
        Wanted {
            walk: is_walkable(tags.iter()),
            building: tags.get("building").is_some_and(|b| b != "no"),
            residential: tags.get("landuse") == Some("residential"),
            amenity: facility(tags).is_some(),
        }
    }

    fn area(self) -> bool {
        self.building || self.residential || self.amenity
    }

    fn any(self) -> bool {
        self.walk || self.area()
    }
}

/// One feature: where it came from, its tags and its geometry (WGS84 lon/lat).
#[derive(Debug, Clone)]
pub struct Feature {
    pub id: OsmId,
    pub tags: Tags,
    pub geometry: Geometry,
}

/// Everything the import takes from a file.
#[derive(Debug, Default)]
pub struct Extract {
    /// Walkable ways (LineStrings).
    pub walkways: Vec<Feature>,
    /// `building=*` (not `no`) areas: Polygons or MultiPolygons.
    pub buildings: Vec<Feature>,
    /// `landuse=residential` areas.
    pub residential: Vec<Feature>,
    /// Nodes, ways and multipolygons whose tags map to a facility kind, as Points (an
    /// area's centroid).
    pub amenities: Vec<Feature>,
    pub stats: ReadStats,
}

/// What reading saw and what it had to leave out.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ReadStats {
    pub nodes: u64,
    pub ways: u64,
    pub relations: u64,
    /// Passes over the file (2, or 3 when multipolygons needed untagged member ways).
    pub passes: u32,
    /// Buildings left out because a node or member way is not in the file (an extract
    /// cut through them) or a ring does not close.
    pub incomplete_buildings: usize,
    /// Buildings left out because their outline is not a valid polygon (it crosses itself).
    pub invalid_buildings: usize,
    /// Residential areas left out, for either reason.
    pub residential_left_out: usize,
}

impl ReadStats {
    fn left_out(&mut self, wanted: Wanted, skip: &Skip) {
        match (wanted.building, skip) {
            (true, Skip::Incomplete) => self.incomplete_buildings += 1,
            (true, Skip::Invalid(_)) => self.invalid_buildings += 1,
            (false, _) => {}
        }
        self.residential_left_out += usize::from(wanted.residential);
    }
}

struct WayRecord {
    id: i64,
    tags: Tags,
    refs: Vec<i64>,
    wanted: Wanted,
}

struct RelationRecord {
    id: i64,
    tags: Tags,
    members: Vec<(i64, Member)>,
    wanted: Wanted,
}

/// Reads the file: walkable ways, building and residential areas, amenities.
pub fn read(path: &Path) -> Result<Extract, OsmError> {
    let started = Instant::now();
    let mut stats = ReadStats { passes: 1, ..ReadStats::default() };
    let mut amenities = Vec::new();
    let mut ways: Vec<WayRecord> = Vec::new();
    let mut relations: Vec<RelationRecord> = Vec::new();
    each_element(path, |element| match element {
        Element::Node(node) => {
            stats.nodes += 1;
            amenity_node(OsmId::Node(node.id()), node.tags(), node.lon(), node.lat(), &mut amenities);
        }
        Element::DenseNode(node) => {
            stats.nodes += 1;
            amenity_node(OsmId::Node(node.id()), node.tags(), node.lon(), node.lat(), &mut amenities);
        }
        Element::Way(way) => {
            stats.ways += 1;
            if has_key_of_interest(way.tags()) {
                let tags = Tags::new(way.tags());
                let wanted = Wanted::of(&tags);
                if wanted.any() {
                    ways.push(WayRecord { id: way.id(), tags, refs: way.refs().collect(), wanted });
                }
            }
        }
        Element::Relation(relation) => {
            stats.relations += 1;
            if relation.tags().any(|(k, v)| k == "type" && v == "multipolygon") && has_key_of_interest(relation.tags()) {
                let tags = Tags::new(relation.tags());
                let wanted = Wanted { walk: false, ..Wanted::of(&tags) };
                if wanted.area() {
                    let members = relation
                        .members()
                        .filter(|m| m.member_type == RelMemberType::Way)
                        .filter_map(|m| Member::from_role(m.role().unwrap_or("")).map(|role| (m.member_id, role)))
                        .collect();
                    relations.push(RelationRecord { id: relation.id(), tags, members, wanted });
                }
            }
        }
    })?;
    if stats.nodes + stats.ways + stats.relations == 0 {
        return Err(OsmError::Empty { path: path.display().to_string() });
    }
    tracing::info!(
        "pass 1: {} nodes, {} ways, {} relations; kept {} ways, {} multipolygons, {} amenity nodes in {:.2?}",
        stats.nodes,
        stats.ways,
        stats.relations,
        ways.len(),
        relations.len(),
        amenities.len(),
        started.elapsed()
    );

    let kept: HashMap<i64, usize> = ways.iter().enumerate().map(|(i, w)| (w.id, i)).collect();
    let missing: HashSet<i64> =
        relations.iter().flat_map(|r| r.members.iter().map(|(id, _)| *id)).filter(|id| !kept.contains_key(id)).collect();
    let mut member_refs: HashMap<i64, Vec<i64>> = HashMap::new();
    if !missing.is_empty() {
        stats.passes += 1;
        each_element(path, |element| {
            if let Element::Way(way) = element
                && missing.contains(&way.id())
            {
                member_refs.insert(way.id(), way.refs().collect());
            }
        })?;
    }
    let refs_of = |id: i64| kept.get(&id).map(|&i| ways[i].refs.as_slice()).or_else(|| member_refs.get(&id).map(Vec::as_slice));

    let wanted_nodes: HashSet<i64> =
        ways.iter().flat_map(|w| w.refs.iter().copied()).chain(member_refs.values().flatten().copied()).collect();
    let mut positions: HashMap<i64, Coord> = HashMap::with_capacity(wanted_nodes.len());
    stats.passes += 1;
    each_element(path, |element| {
        let (id, lon, lat) = match element {
            Element::Node(node) => (node.id(), node.lon(), node.lat()),
            Element::DenseNode(node) => (node.id(), node.lon(), node.lat()),
            _ => return,
        };
        if wanted_nodes.contains(&id) {
            positions.insert(id, Coord { x: lon, y: lat });
        }
    })?;

    let mut extract = Extract { amenities, ..Extract::default() };
    for way in &ways {
        let id = OsmId::Way(way.id);
        if way.wanted.walk {
            let line: Vec<Coord> = way.refs.iter().filter_map(|n| positions.get(n).copied()).collect();
            if line.len() >= 2 {
                extract.walkways.push(Feature { id, tags: way.tags.clone(), geometry: Geometry::LineString(LineString::new(line)) });
            }
        }
        if !way.wanted.area() {
            continue;
        }
        let closed = way.refs.len() >= 4 && way.refs.first() == way.refs.last();
        if !closed {
            // An open way can still mark an amenity (by its middle); it is no area.
            if way.wanted.amenity
                && let Some(point) = rings::coords(&way.refs, &positions).and_then(|c| LineString::new(c).centroid())
            {
                extract.amenities.push(Feature { id, tags: way.tags.clone(), geometry: Geometry::Point(point) });
            }
            stats.left_out(way.wanted, &Skip::Incomplete);
            continue;
        }
        let geometry = rings::coords(&way.refs, &positions)
            .ok_or(Skip::Incomplete)
            .and_then(|c| valid(Geometry::Polygon(Polygon::new(rings::dedup(c).into(), vec![]))));
        extract.push_area(id, &way.tags, way.wanted, geometry, &mut stats);
    }
    for relation in &relations {
        let geometry = rings::multipolygon(&relation.members, &refs_of, &positions).ok_or(Skip::Incomplete).and_then(valid);
        extract.push_area(OsmId::Relation(relation.id), &relation.tags, relation.wanted, geometry, &mut stats);
    }
    extract.stats = stats;
    tracing::info!("read {} in {} passes, {:.2?}", path.display(), stats.passes, started.elapsed());
    Ok(extract)
}

/// Why an area was left out.
enum Skip {
    Incomplete,
    /// Why the outline is not a valid polygon.
    Invalid(String),
}

/// The geometry if it is a valid polygon, repaired if its only fault is holes that touch.
fn valid(geometry: Geometry) -> Result<Geometry, Skip> {
    let Err(reason) = geometry.check_validation() else { return Ok(geometry) };
    match rings::merge_holes(&geometry) {
        Some(merged) if merged.is_valid() => Ok(merged),
        _ => Err(Skip::Invalid(reason.to_string())),
    }
}

impl Extract {
    fn push_area(&mut self, id: OsmId, tags: &Tags, wanted: Wanted, geometry: Result<Geometry, Skip>, stats: &mut ReadStats) {
        let geometry = match geometry {
            Ok(geometry) => geometry,
            Err(skip) => {
                match &skip {
                    Skip::Incomplete => tracing::debug!("left out {id}: a node or member is not in the extract"),
                    Skip::Invalid(reason) => tracing::debug!("left out {id}: {reason}"),
                }
                stats.left_out(wanted, &skip);
                return;
            }
        };
        if wanted.amenity
            && let Some(point) = geometry.centroid()
        {
            self.amenities.push(Feature { id, tags: tags.clone(), geometry: Geometry::Point(point) });
        }
        if wanted.residential {
            self.residential.push(Feature { id, tags: tags.clone(), geometry: geometry.clone() });
        }
        if wanted.building {
            self.buildings.push(Feature { id, tags: tags.clone(), geometry });
        }
    }
}

fn amenity_node<'a>(id: OsmId, tags: impl Iterator<Item = (&'a str, &'a str)> + Clone, lon: f64, lat: f64, out: &mut Vec<Feature>) {
    if !has_key_of_interest(tags.clone()) {
        return;
    }
    let tags = Tags::new(tags);
    if facility(&tags).is_some() {
        out.push(Feature { id, tags, geometry: Geometry::Point(Point::new(lon, lat)) });
    }
}

/// One pass over the file, naming the file in any error.
fn each_element(path: &Path, f: impl FnMut(Element<'_>)) -> Result<(), OsmError> {
    let file = File::open(path).map_err(|cause| OsmError::Open { path: path.display().to_string(), cause })?;
    ElementReader::new(BufReader::new(file)).for_each(f).map_err(|cause| OsmError::NotPbf { path: path.display().to_string(), cause })
}
