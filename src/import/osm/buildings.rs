//! Building footprints as [`Building`] records: floors from the tags, households estimated
//! from the floor area for residential buildings.
//!
//! The estimate, per building:
//! - floors: `building:levels` (read leniently: `5`, `5;6`, `5-6`, `5.5`, `5,5`; the
//!   largest number, rounded), else `height` ÷ 3 m, else a default by building type
//!   ([`default_floors`]);
//! - residential buildings only (`apartments`, `residential`, `house`, `detached`, `terrace`,
//!   `dormitory`, `semidetached_house`, `bungalow`, and `yes` when the centroid lies in a
//!   `landuse=residential` area): households = footprint (m²) × floors × 0.8 usable ÷ 90 m²
//!   per household, rounded, at least 1; except that `house`, `detached`,
//!   `semidetached_house` and `bungalow` are one household each, as OSM defines them
//!   (a villa's floor area would otherwise count three families). Other buildings stay on
//!   the map with 0 households, so that locating a point still finds the shop or school
//!   it is in;
//! - units (单元, stairwells) = households ÷ (2 per floor), at least 1;
//! - population = households × [`PERSONS_PER_HOUSEHOLD`], rounded;
//! - has_elevator = 7 floors or more: China's residential design code (GB 50096) requires
//!   a lift from the 7th floor, which is why the old walk-ups stop at 6.

use geo::{ChamberlainDuquetteArea, Geometry};

use super::reader::{Feature, Tags};
use crate::import::PERSONS_PER_HOUSEHOLD;
use crate::model::Building;

/// Share of the gross floor area that is homes (walls, stairs and corridors are the rest).
pub const USABLE_SHARE: f64 = 0.8;
/// Usable floor area of one household, m².
pub const AREA_PER_HOUSEHOLD_M2: f64 = 90.0;
/// Storey height for reading `height`, m.
pub const STOREY_HEIGHT_M: f64 = 3.0;
/// From this many floors a residential building has a lift (GB 50096).
pub const ELEVATOR_FROM_FLOORS: u16 = 7;
/// Households per floor in one unit (stairwell): the common two-flats-per-landing plan.
const HOUSEHOLDS_PER_UNIT_FLOOR: u32 = 2;
/// More floors than any building has: a larger `building:levels` is a typo.
const MAX_FLOORS: f64 = 200.0;

/// Building types that are homes whatever area they stand in.
const RESIDENTIAL: &[&str] = &["apartments", "residential", "house", "detached", "terrace", "dormitory", "semidetached_house", "bungalow"];
const HOUSES: &[&str] = &["house", "detached", "terrace", "semidetached_house"];
/// Dwellings of one household by OSM's definition of the tag.
const ONE_HOUSEHOLD: &[&str] = &["house", "detached", "semidetached_house", "bungalow"];
const ONE_STOREY: &[&str] =
    &["bungalow", "garage", "garages", "shed", "hut", "cabin", "roof", "carport", "kiosk", "service", "toilets", "hangar"];

/// Floors assumed when the tags give none: 6 for flats (the usual walk-up), 2 for
/// houses, 1 for sheds, garages, roofs and the like, 3 for anything else.
pub fn default_floors(building: &str, residential_area: bool) -> u16 {
    match building {
        "apartments" | "residential" | "dormitory" => 6,
        "yes" if residential_area => 6,
        b if HOUSES.contains(&b) => 2,
        b if ONE_STOREY.contains(&b) => 1,
        _ => 3,
    }
}

/// Reads `building:levels` leniently: the largest number in `5`, `5;6`, `5-6`, `5.5` or
/// `5,5`, rounded; `None` for no number, 0, negative or absurd values.
pub fn parse_levels(text: &str) -> Option<u16> {
    if text.trim_start().starts_with('-') {
        return None;
    }
    let largest = text
        .split([';', '-', '–', '/'])
        .filter_map(|part| leading_number(&part.trim().replace(',', ".")))
        .fold(None, |max: Option<f64>, n| Some(max.map_or(n, |m| m.max(n))))?;
    let floors = largest.round();
    (1.0..=MAX_FLOORS).contains(&floors).then_some(floors as u16)
}

/// Floors from `height` (metres: `25`, `25 m`, `25.5m`); feet and other units are not read.
pub fn floors_from_height(text: &str) -> Option<u16> {
    let text = text.trim();
    let number = text.trim_end_matches('m').trim();
    if number.chars().any(|c| !(c.is_ascii_digit() || c == '.')) {
        return None;
    }
    let floors = (number.parse::<f64>().ok()? / STOREY_HEIGHT_M).round();
    (1.0..=MAX_FLOORS).contains(&floors).then_some(floors as u16)
}

fn leading_number(text: &str) -> Option<f64> {
    let end = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    text[..end].parse().ok()
}

/// Whether a building of this type holds homes; `yes` does when it stands in a
/// residential area.
pub fn is_residential(building: &str, residential_area: bool) -> bool {
    RESIDENTIAL.contains(&building) || (building == "yes" && residential_area)
}

/// Households in a residential building of this footprint and height.
///
/// # Units
/// `footprint_m2` in square metres.
pub fn estimate_households(footprint_m2: f64, floors: u16) -> u32 {
    let households = (footprint_m2 * f64::from(floors) * USABLE_SHARE / AREA_PER_HOUSEHOLD_M2).round();
    (households as u32).max(1)
}

/// A building footprint as a record; `grid_id` and `compound_id` are filled in later.
/// `residential_area`: whether its centroid lies in a `landuse=residential` area.
pub fn building(feature: &Feature, residential_area: bool) -> Building {
    let tags = &feature.tags;
    let kind = tags.get("building").unwrap_or("yes");
    let floors = tags
        .get("building:levels")
        .and_then(parse_levels)
        .or_else(|| tags.get("height").and_then(floors_from_height))
        .unwrap_or_else(|| default_floors(kind, residential_area));
    let households = if ONE_HOUSEHOLD.contains(&kind) {
        1
    } else if is_residential(kind, residential_area) {
        estimate_households(footprint_m2(&feature.geometry), floors)
    } else {
        0
    };
    let units = (households as f64 / f64::from(u32::from(floors) * HOUSEHOLDS_PER_UNIT_FLOOR)).round().clamp(1.0, f64::from(u16::MAX));
    Building {
        id: feature.id.record_id(),
        label: label(feature, tags),
        compound_id: None,
        grid_id: String::new(),
        floors,
        units: units as u16,
        households,
        population: (f64::from(households) * PERSONS_PER_HOUSEHOLD).round() as u32,
        has_elevator: floors >= ELEVATOR_FROM_FLOORS,
        elderly: None,
        children: None,
        geometry: feature.geometry.clone(),
    }
}

/// The footprint's area on the sphere (Chamberlain–Duquette).
///
/// # Units
/// Square metres, from WGS84 lon/lat degrees.
pub fn footprint_m2(geometry: &Geometry) -> f64 {
    match geometry {
        Geometry::Polygon(p) => p.chamberlain_duquette_unsigned_area(),
        Geometry::MultiPolygon(m) => m.chamberlain_duquette_unsigned_area(),
        _ => 0.0,
    }
}

/// As residents would say it: the building's name, else its street and house number,
/// else "楼 w123" after its OSM id.
fn label(feature: &Feature, tags: &Tags) -> String {
    if let Some(name) = tags.get("name") {
        return name.to_owned();
    }
    match (tags.get("addr:street"), tags.get("addr:housenumber")) {
        (Some(street), Some(number)) => format!("{street} {number}"),
        (None, Some(number)) => number.to_owned(),
        _ => format!("楼 {}", feature.id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::osm::reader::OsmId;
    use geo::{Polygon, polygon};

    #[test]
    fn levels_are_read_leniently() {
        assert_eq!(parse_levels("5"), Some(5));
        assert_eq!(parse_levels(" 12 "), Some(12));
        assert_eq!(parse_levels("5;6"), Some(6));
        assert_eq!(parse_levels("4-7"), Some(7));
        assert_eq!(parse_levels("5.5"), Some(6));
        assert_eq!(parse_levels("5,4"), Some(5));
        assert_eq!(parse_levels("3 levels"), Some(3));
        for nothing in ["", "0", "-1", "many", "1000"] {
            assert_eq!(parse_levels(nothing), None, "{nothing:?}");
        }
        assert_eq!(floors_from_height("30"), Some(10));
        assert_eq!(floors_from_height("31.5 m"), Some(11));
        assert_eq!(floors_from_height("100 ft"), None);
    }

    #[test]
    fn households_follow_floor_area() {
        // A 60 m × 12 m walk-up of 6 floors: 720 m² × 6 × 0.8 ÷ 90 = 38.4 → 38 households.
        assert_eq!(estimate_households(720.0, 6), 38);
        assert_eq!(estimate_households(720.0, 12), 77);
        assert_eq!(estimate_households(20.0, 1), 1, "a home holds at least one household");
        assert!(is_residential("apartments", false) && is_residential("house", false));
        assert!(is_residential("yes", true) && !is_residential("yes", false));
        assert!(!is_residential("retail", true) && !is_residential("school", false));
    }

    /// A rectangle of `w` × `h` metres near Monaco (on the sphere the area is measured on).
    fn rectangle(w: f64, h: f64) -> Polygon {
        let (x, y) = (7.42_f64, 43.73_f64);
        let (dx, dy) = (w / (111_195.0 * y.to_radians().cos()), h / 111_195.0);
        polygon![(x: x, y: y), (x: x + dx, y: y), (x: x + dx, y: y + dy), (x: x, y: y + dy), (x: x, y: y)]
    }

    fn feature(tags: &[(&str, &str)], footprint: Polygon) -> Feature {
        Feature { id: OsmId::Way(7), tags: Tags::new(tags.iter().copied()), geometry: footprint.into() }
    }

    #[test]
    fn records_from_tags_and_footprints() {
        let flats = building(&feature(&[("building", "apartments"), ("building:levels", "6")], rectangle(60.0, 12.0)), false);
        let area = footprint_m2(&flats.geometry);
        assert!((area - 720.0).abs() < 5.0, "{area} m²");
        assert_eq!((flats.floors, flats.households, flats.units, flats.has_elevator), (6, 38, 3, false));
        assert_eq!(flats.population, 100, "38 × 2.62 = 99.56");
        assert_eq!((flats.id.as_str(), flats.label.as_str()), ("osm-w7", "楼 w7"));

        let tower = building(&feature(&[("building", "yes"), ("height", "45"), ("name", "Le Millefiori")], rectangle(30.0, 30.0)), true);
        assert_eq!((tower.floors, tower.has_elevator, tower.label.as_str()), (15, true, "Le Millefiori"));
        assert!(tower.households > 100);

        let villa = building(&feature(&[("building", "detached")], rectangle(20.0, 15.0)), false);
        assert_eq!((villa.floors, villa.households, villa.units, villa.population), (2, 1, 1, 3));
        let row = building(&feature(&[("building", "terrace")], rectangle(60.0, 10.0)), false);
        assert_eq!((row.floors, row.households), (2, 11), "600 m² × 2 × 0.8 ÷ 90 = 10.7");

        let shop = building(&feature(&[("building", "retail"), ("addr:housenumber", "12")], rectangle(30.0, 30.0)), true);
        assert_eq!((shop.households, shop.population, shop.units, shop.floors, shop.label.as_str()), (0, 0, 1, 3, "12"));
        let unknown = building(&feature(&[("building", "yes")], rectangle(30.0, 30.0)), false);
        assert_eq!((unknown.households, unknown.floors), (0, 3), "`yes` outside residential areas is not a home");
    }
}
