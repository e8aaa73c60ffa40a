//! `landuse=residential` areas as compounds (小区), and the R-tree that finds the area a
//! building's centroid lies in.

use geo::{Area, BoundingRect, Contains, Geometry, Point};
use rstar::RTree;
use rstar::primitives::{GeomWithData, Rectangle};

use super::reader::Feature;
use crate::import::PERSONS_PER_HOUSEHOLD;
use crate::model::{Compound, CompoundKind};

/// Residents above which a compound is 超大小区 super-large (DESIGN.md).
pub const SUPER_LARGE_RESIDENTS: f64 = 10_000.0;
/// Built by the end of this year: an 老旧小区 old compound, as the 2020 national renewal
/// programme defines it (国办发〔2020〕23号).
pub const OLD_UNTIL_YEAR: u32 = 2000;
/// Words in a name that mark a resettlement compound (安置房, 还建房, 回迁房, 拆迁安置).
const RESETTLEMENT_WORDS: &[&str] = &["安置", "还建", "回迁", "拆迁"];
/// Words in a name that mark a work-unit compound of the planned-economy years.
const OLD_WORDS: &[&str] = &["家属院", "家属区", "宿舍"];

/// Areas indexed by bounding box, for "which area holds this point".
pub struct Areas<'a> {
    geometries: Vec<&'a Geometry>,
    sizes: Vec<f64>,
    tree: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>,
}

impl<'a> Areas<'a> {
    pub fn new(features: &'a [Feature]) -> Areas<'a> {
        let geometries: Vec<&Geometry> = features.iter().map(|f| &f.geometry).collect();
        let boxes = geometries
            .iter()
            .enumerate()
            .filter_map(|(i, g)| g.bounding_rect().map(|r| GeomWithData::new(Rectangle::from_corners(r.min().into(), r.max().into()), i)))
            .collect();
        Areas { sizes: geometries.iter().map(|g| g.unsigned_area()).collect(), geometries, tree: RTree::bulk_load(boxes) }
    }

    /// The smallest area containing the point (the most specific one where areas nest or
    /// overlap), by position in the features given to [`Areas::new`].
    pub fn smallest_containing(&self, point: Point) -> Option<usize> {
        self.tree
            .locate_all_at_point([point.x(), point.y()])
            .map(|hit| hit.data)
            .filter(|&i| self.geometries[i].contains(&point))
            .min_by(|&a, &b| self.sizes[a].total_cmp(&self.sizes[b]).then(a.cmp(&b)))
    }
}

/// A residential area as a compound holding `households`; `community_id` is filled in by
/// the hierarchy. Unnamed areas are called "小区 w123" after their OSM id.
pub fn compound(feature: &Feature, households: u32) -> Compound {
    let tags = &feature.tags;
    let name = tags.get("name").map_or_else(|| format!("小区 {}", feature.id), str::to_owned);
    Compound {
        id: feature.id.record_id(),
        kind: compound_kind(&name, tags.get("start_date"), households),
        name,
        property_company: tags.get("operator").map(str::to_owned),
        households,
        community_id: None,
        geometry: feature.geometry.clone(),
    }
}

/// The kind, first match wins: resettlement by name; super-large by residents
/// (households × 2.62 above 10,000); old when `start_date` is 2000 or before, or the
/// name says work-unit housing (家属院, 宿舍); else commodity housing.
pub fn compound_kind(name: &str, start_date: Option<&str>, households: u32) -> CompoundKind {
    if RESETTLEMENT_WORDS.iter().any(|w| name.contains(w)) {
        CompoundKind::Resettlement
    } else if f64::from(households) * PERSONS_PER_HOUSEHOLD > SUPER_LARGE_RESIDENTS {
        CompoundKind::SuperLarge
    } else if start_date.and_then(year).is_some_and(|y| y <= OLD_UNTIL_YEAR) || OLD_WORDS.iter().any(|w| name.contains(w)) {
        CompoundKind::Old
    } else {
        CompoundKind::Commodity
    }
}

/// The first four-digit year in an OSM date (`1995`, `1995-06-01`, `~1990`, `1980s`).
fn year(date: &str) -> Option<u32> {
    let bytes = date.as_bytes();
    (0..bytes.len().saturating_sub(3))
        .find(|&i| {
            let digit = |at: Option<usize>| at.and_then(|at| bytes.get(at)).is_some_and(u8::is_ascii_digit);
            bytes[i..i + 4].iter().all(u8::is_ascii_digit) && !digit(i.checked_sub(1)) && !digit(Some(i + 4))
        })
        .and_then(|i| date[i..i + 4].parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::osm::reader::{OsmId, Tags};
    use geo::polygon;

    #[test]
    fn kinds_from_name_date_and_size() {
        assert_eq!(compound_kind("桃源安置小区", None, 50_000), CompoundKind::Resettlement);
        assert_eq!(compound_kind("万科城", None, 4_000), CompoundKind::SuperLarge, "4,000 × 2.62 > 10,000");
        assert_eq!(compound_kind("纺织厂家属院", None, 300), CompoundKind::Old);
        assert_eq!(compound_kind("Les Jardins", Some("~1985"), 300), CompoundKind::Old);
        assert_eq!(compound_kind("Les Jardins", Some("2005-04"), 300), CompoundKind::Commodity);
        assert_eq!(year("1980s"), Some(1980));
        assert_eq!(year("12345"), None);
    }

    #[test]
    fn the_smallest_area_around_a_point_wins() {
        let area = |id, x0: f64, x1: f64| Feature {
            id: OsmId::Way(id),
            tags: Tags::new([("landuse", "residential")]),
            geometry: polygon![(x: x0, y: x0), (x: x1, y: x0), (x: x1, y: x1), (x: x0, y: x1), (x: x0, y: x0)].into(),
        };
        let features = [area(1, 0.0, 10.0), area(2, 2.0, 4.0), area(3, 20.0, 30.0)];
        let areas = Areas::new(&features);
        assert_eq!(areas.smallest_containing(Point::new(3.0, 3.0)), Some(1));
        assert_eq!(areas.smallest_containing(Point::new(8.0, 8.0)), Some(0));
        assert_eq!(areas.smallest_containing(Point::new(15.0, 15.0)), None);
        let compound = compound(&features[1], 12);
        assert_eq!((compound.id.as_str(), compound.name.as_str(), compound.kind), ("osm-w2", "小区 w2", CompoundKind::Commodity));
    }
}
