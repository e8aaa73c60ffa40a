//! Walkable ways from an OpenStreetMap PBF extract, as lines for the walking network.
//!
//! Two passes over the file: the first keeps the ways people may walk on (by their
//! `highway`, `access` and `foot` tags) and notes the nodes they use; the second reads
//! just those nodes' positions. Lines keep OSM's shared nodes as shared coordinates, so
//! the network is noded where ways meet.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use geo::{Coord, LineString};
use osmpbf::{Element, ElementReader};

#[derive(Debug, thiserror::Error)]
pub enum OsmError {
    #[error("reading {path}: {source}")]
    Read { path: String, source: osmpbf::Error },
}

/// Highways a pedestrian may use unless tagged otherwise.
const WALKABLE: &[&str] = &[
    "footway", "pedestrian", "path", "steps", "living_street", "residential", "service", "unclassified", "track",
    "tertiary", "tertiary_link", "secondary", "secondary_link", "primary", "primary_link", "corridor", "road",
];
/// Highways a pedestrian may use only when `foot` says so.
const FOOT_IF_TAGGED: &[&str] = &["cycleway", "bridleway", "trunk", "trunk_link"];

/// Whether a way with these tags can be walked: a walkable `highway`, or one that needs
/// `foot=yes|designated|permissive`; `foot=no` or `access=no|private` (without a foot
/// permission) close it; `area=yes` squares are left out (their outline is not a path).
pub fn is_walkable<'a>(tags: impl Iterator<Item = (&'a str, &'a str)>) -> bool {
    let (mut highway, mut foot, mut access, mut area) = (None, None, None, false);
    for (key, value) in tags {
        match key {
            "highway" => highway = Some(value),
            "foot" => foot = Some(value),
            "access" => access = Some(value),
            "area" => area = value == "yes",
            _ => {}
        }
    }
    let Some(highway) = highway else { return false };
    let foot_allowed = matches!(foot, Some("yes" | "designated" | "permissive"));
    if area || foot == Some("no") {
        return false;
    }
    if matches!(access, Some("no" | "private")) && !foot_allowed {
        return false;
    }
    WALKABLE.contains(&highway) || (FOOT_IF_TAGGED.contains(&highway) && foot_allowed)
}

/// The walkable ways of a PBF file as WGS84 lines (ways with fewer than two known nodes
/// are dropped).
pub fn walkable_ways(path: &Path) -> Result<Vec<LineString>, OsmError> {
    let read_error = |source| OsmError::Read { path: path.display().to_string(), source };
    let mut ways: Vec<Vec<i64>> = Vec::new();
    ElementReader::from_path(path).map_err(read_error)?.for_each(|element| {
        if let Element::Way(way) = element
            && is_walkable(way.tags())
        {
            ways.push(way.refs().collect());
        }
    }).map_err(read_error)?;
    let wanted: HashSet<i64> = ways.iter().flatten().copied().collect();
    let mut positions: HashMap<i64, Coord> = HashMap::with_capacity(wanted.len());
    ElementReader::from_path(path).map_err(read_error)?.for_each(|element| {
        let (id, lon, lat) = match element {
            Element::Node(node) => (node.id(), node.lon(), node.lat()),
            Element::DenseNode(node) => (node.id(), node.lon(), node.lat()),
            _ => return,
        };
        if wanted.contains(&id) {
            positions.insert(id, Coord { x: lon, y: lat });
        }
    }).map_err(read_error)?;
    Ok(ways
        .into_iter()
        .filter_map(|refs| {
            let line: Vec<Coord> = refs.iter().filter_map(|id| positions.get(id).copied()).collect();
            (line.len() >= 2).then(|| LineString::new(line))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walkable(tags: &[(&str, &str)]) -> bool {
        is_walkable(tags.iter().copied())
    }

    #[test]
    fn tags_decide_who_may_walk() {
        assert!(walkable(&[("highway", "footway")]));
        assert!(walkable(&[("highway", "residential")]));
        assert!(!walkable(&[("highway", "motorway")]));
        assert!(!walkable(&[("building", "yes")]));
        assert!(!walkable(&[("highway", "cycleway")]), "cycleways only with foot permission");
        assert!(walkable(&[("highway", "cycleway"), ("foot", "designated")]));
        assert!(!walkable(&[("highway", "residential"), ("foot", "no")]));
        assert!(!walkable(&[("highway", "service"), ("access", "private")]));
        assert!(walkable(&[("highway", "service"), ("access", "private"), ("foot", "yes")]));
        assert!(!walkable(&[("highway", "pedestrian"), ("area", "yes")]));
    }
}
