//! Walkable ways: which OSM ways people may walk on, and each as a [`Walkway`] record.
//!
//! Lines keep OSM's shared nodes as shared coordinates, so the walking network is noded
//! where ways meet.

use geo::{Geometry, LineString};

use super::reader::{OsmId, Tags};
use crate::model::Walkway;

/// Highways a pedestrian may use unless tagged otherwise.
const WALKABLE: &[&str] = &[
    "footway",
    "pedestrian",
    "path",
    "steps",
    "living_street",
    "residential",
    "service",
    "unclassified",
    "track",
    "tertiary",
    "tertiary_link",
    "secondary",
    "secondary_link",
    "primary",
    "primary_link",
    "corridor",
    "road",
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

/// A walkable way as a walking-network record: id `osm-w{way id}`, kind = its `highway`
/// value, name = its `name`.
pub fn walkway(id: OsmId, tags: &Tags, line: LineString) -> Walkway {
    Walkway {
        id: id.record_id(),
        kind: tags.get("highway").unwrap_or("path").to_owned(),
        name: tags.get("name").map(str::to_owned),
        geometry: Geometry::LineString(line),
    }
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
