//! Amenities as service stations: the one table that maps OSM tags to the facility kinds
//! (DESIGN.md). Conservative on purpose: a tag is mapped only when it names the same kind
//! of place; hospitals, restaurants, food courts, public bookcases and litter bins are not
//! facilities. Areas (parks, pitches, school grounds) count as their centroid, which the
//! reader computes.
use geo::Point;

use super::reader::{Feature, Tags};
use crate::model::{FacilityKind, Station, StationLevel};

/// One mapping rule: `key` has one of `values` (`*` for any), and, when given, `and.0`
/// has one of `and.1` (a `;` list in the value matches if any item does).
struct Rule {
    key: &'static str,
    values: &'static [&'static str],
    and: Option<(&'static str, &'static [&'static str])>,
    kind: FacilityKind,
    level: StationLevel,
}

const fn rule(
    key: &'static str,
    values: &'static [&'static str],
    and: Option<(&'static str, &'static [&'static str])>,
    kind: FacilityKind,
    level: StationLevel,
) -> Rule {
    Rule { key, values, and, kind, level }
}

use FacilityKind as K;
use StationLevel as L;

/// The tag mapping, first match wins (so the narrower rules come first). Listed in
/// README ("Loading a real city"); keep the two in step.
const RULES: &[Rule] = &[
    // The town hall stands in for the street's party-mass service centre, the "1".
    rule("amenity", &["townhall"], None, K::PartyMassCentre, L::Street),
    rule("amenity", &["community_centre"], Some(("community_centre", &["youth_centre"])), K::YouthSpace, L::Community),
    rule("amenity", &["community_centre"], None, K::CommunityCentre, L::Community),
    rule("amenity", &["social_facility"], Some(("social_facility:for", &["senior"])), K::ElderlyDayCare, L::Community),
    rule("amenity", &["nursing_home"], None, K::ElderlyDayCare, L::Community),
    rule("amenity", &["social_facility"], Some(("social_facility:for", &["disabled"])), K::DisabilityHome, L::Community),
    rule("amenity", &["social_facility"], Some(("social_facility:for", &["child", "juvenile", "youth"])), K::YouthSpace, L::Community),
    rule("amenity", &["youth_centre"], None, K::YouthSpace, L::Community),
    // A community health centre (社区卫生服务中心) before the clinic rules: OSM's
    // healthcare=centre is the larger multi-practice centre.
    rule("healthcare", &["centre"], None, K::HealthCentre, L::Street),
    rule("amenity", &["clinic", "doctors"], None, K::Clinic, L::Community),
    rule("healthcare", &["clinic", "doctor"], None, K::Clinic, L::Community),
    rule("amenity", &["library"], None, K::Library, L::Community),
    rule("amenity", &["canteen"], None, K::Canteen, L::Community),
    // The daily facilities of GB 50180 Appendix B, at the level of their life circle.
    rule("amenity", &["kindergarten"], None, K::Kindergarten, L::Compound),
    // Primary or middle: see `school_kind`.
    rule("amenity", &["school"], None, K::PrimarySchool, L::Community),
    rule("amenity", &["marketplace"], None, K::VegetableMarket, L::Community),
    rule("shop", &["supermarket", "convenience", "greengrocer"], None, K::ConvenienceStore, L::Compound),
    rule("leisure", &["pitch", "sports_centre", "fitness_station"], None, K::SportsGround, L::Street),
    rule("leisure", &["park", "playground"], None, K::ParkSquare, L::Compound),
    rule("leisure", &["garden"], Some(("access", &["yes", "public"])), K::ParkSquare, L::Compound),
    rule("place", &["square"], None, K::ParkSquare, L::Compound),
    rule("amenity", &["toilets"], None, K::PublicToilet, L::Compound),
    // Collection points; litter bins (waste_basket) are not.
    rule("amenity", &["waste_disposal", "recycling"], None, K::WastePoint, L::Compound),
    rule("amenity", &["pharmacy"], None, K::Pharmacy, L::Community),
];

fn matches(value: Option<&str>, values: &[&str]) -> bool {
    value.is_some_and(|value| values.contains(&"*") || value.split(';').any(|item| values.contains(&item.trim())))
}

/// Places the public may not use are no facility of theirs.
const PRIVATE: &[&str] = &["private", "no", "customers"];

/// The facility kind and station level these tags describe, if any.
pub fn facility(tags: &Tags) -> Option<(FacilityKind, StationLevel)> {
    let (kind, level) = RULES
        .iter()
        .find(|r| matches(tags.get(r.key), r.values) && r.and.is_none_or(|(key, values)| matches(tags.get(key), values)))
        .map(|r| (r.kind, r.level))?;
    match kind {
        K::PublicToilet | K::ParkSquare | K::SportsGround if matches(tags.get("access"), PRIVATE) => None,
        K::PrimarySchool => Some(school_kind(tags)),
        _ => Some((kind, level)),
    }
}

/// A school is a middle school (初中/高中) when its tags say it teaches secondary levels and
/// no primary one: `isced:level` 2 or 3 without 1, else `school:level` or `school`
/// naming secondary, else a name that does (中学, 初中, 高中, "secondary", "middle",
/// "high school", collège, lycée). Anything else, including a 九年一贯制 school teaching
/// both, is a primary school: the default.
pub fn school_kind(tags: &Tags) -> (FacilityKind, StationLevel) {
    const MIDDLE: (FacilityKind, StationLevel) = (K::MiddleSchool, L::Street);
    const PRIMARY: (FacilityKind, StationLevel) = (K::PrimarySchool, L::Community);
    if let Some(levels) = tags.get("isced:level") {
        let items: Vec<&str> = levels.split([';', ',', '-']).map(str::trim).collect();
        if items.contains(&"1") {
            return PRIMARY;
        }
        if items.iter().any(|i| ["2", "3"].contains(i)) {
            return MIDDLE;
        }
    }
    for key in ["school:level", "school"] {
        match tags.get(key).map(str::to_lowercase).as_deref() {
            Some("primary" | "elementary") => return PRIMARY,
            Some("secondary" | "middle" | "lower_secondary" | "upper_secondary" | "high") => return MIDDLE,
            _ => {}
        }
    }
    let name = tags.get("name").unwrap_or("").to_lowercase();
    let middle_words = ["中学", "初中", "高中", "secondary", "middle school", "high school", "collège", "lycée"];
    if middle_words.iter().any(|w| name.contains(w)) { MIDDLE } else { PRIMARY }
}

/// An amenity (a Point) as a station; `community_id` is filled in by the hierarchy.
/// Unnamed stations are called by their kind ("社区卫生服务站").
pub fn station(feature: &Feature, point: Point) -> Option<Station> {
    let (kind, level) = facility(&feature.tags)?;
    let tags = &feature.tags;
    let name = tags.get("name").map_or_else(|| kind.label_zh().to_owned(), str::to_owned);
    Some(Station {
        id: feature.id.record_id(),
        name,
        kind,
        level,
        opening_hours: tags.get("opening_hours").map(str::to_owned),
        phone: tags.get("phone").or_else(|| tags.get("contact:phone")).map(str::to_owned),
        community_id: None,
        capacity: tags.get("capacity").and_then(|c| c.trim().parse().ok()),
        geometry: geo::Geometry::Point(point),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(tags: &[(&str, &str)]) -> Option<(FacilityKind, StationLevel)> {
        facility(&Tags::new(tags.iter().copied()))
    }

    #[test]
    fn the_mapping_table() {
        let community = |k| Some((k, L::Community));
        assert_eq!(kind(&[("amenity", "townhall")]), Some((K::PartyMassCentre, L::Street)));
        assert_eq!(kind(&[("amenity", "community_centre")]), community(K::CommunityCentre));
        assert_eq!(kind(&[("amenity", "community_centre"), ("community_centre", "youth_centre")]), community(K::YouthSpace));
        assert_eq!(kind(&[("amenity", "social_facility"), ("social_facility:for", "senior")]), community(K::ElderlyDayCare));
        assert_eq!(kind(&[("amenity", "social_facility"), ("social_facility:for", "disabled;senior")]), community(K::ElderlyDayCare));
        assert_eq!(kind(&[("amenity", "social_facility"), ("social_facility:for", "disabled")]), community(K::DisabilityHome));
        assert_eq!(kind(&[("amenity", "social_facility"), ("social_facility:for", "juvenile")]), community(K::YouthSpace));
        assert_eq!(kind(&[("amenity", "nursing_home")]), community(K::ElderlyDayCare));
        assert_eq!(kind(&[("amenity", "doctors")]), community(K::Clinic));
        assert_eq!(kind(&[("building", "yes"), ("healthcare", "centre")]), Some((K::HealthCentre, L::Street)));
        assert_eq!(kind(&[("amenity", "clinic"), ("healthcare", "clinic")]), community(K::Clinic));
        assert_eq!(kind(&[("amenity", "library")]), community(K::Library));
        assert_eq!(kind(&[("amenity", "canteen")]), community(K::Canteen));
        assert_eq!(kind(&[("amenity", "youth_centre")]), community(K::YouthSpace));
        for not_a_station in [
            &[("amenity", "social_facility"), ("social_facility:for", "homeless")][..],
            &[("amenity", "social_facility")],
            &[("amenity", "hospital")],
            &[("amenity", "restaurant")],
            &[("amenity", "food_court")],
            &[("amenity", "waste_basket")],
            &[("amenity", "toilets"), ("access", "customers")],
            &[("leisure", "garden")],
            &[("leisure", "park"), ("access", "private")],
            &[("shop", "clothes")],
            &[("place", "city")],
            &[("building", "yes")],
        ] {
            assert_eq!(kind(not_a_station), None, "{not_a_station:?}");
        }
    }

    #[test]
    fn the_daily_facilities_stand_at_their_circles_level() {
        let rules = crate::model::lifecircle::Rules::default();
        for (tags, expected) in [
            (&[("amenity", "kindergarten")][..], K::Kindergarten),
            (&[("amenity", "school")], K::PrimarySchool),
            (&[("amenity", "school"), ("isced:level", "2;3")], K::MiddleSchool),
            (&[("amenity", "marketplace")], K::VegetableMarket),
            (&[("shop", "supermarket")], K::ConvenienceStore),
            (&[("shop", "convenience")], K::ConvenienceStore),
            (&[("shop", "greengrocer")], K::ConvenienceStore),
            (&[("leisure", "pitch")], K::SportsGround),
            (&[("leisure", "sports_centre")], K::SportsGround),
            (&[("leisure", "fitness_station")], K::SportsGround),
            (&[("leisure", "park")], K::ParkSquare),
            (&[("leisure", "playground")], K::ParkSquare),
            (&[("leisure", "garden"), ("access", "yes")], K::ParkSquare),
            (&[("place", "square")], K::ParkSquare),
            (&[("amenity", "toilets")], K::PublicToilet),
            (&[("amenity", "waste_disposal")], K::WastePoint),
            (&[("amenity", "recycling")], K::WastePoint),
            (&[("amenity", "pharmacy"), ("healthcare", "pharmacy")], K::Pharmacy),
            (&[("healthcare", "centre")], K::HealthCentre),
        ] {
            assert_eq!(kind(tags), Some((expected, rules.of(expected).circle.station_level())), "{tags:?}");
        }
    }

    #[test]
    fn schools_are_primary_unless_their_tags_say_secondary() {
        let school = |extra: &[(&str, &str)]| kind(&[&[("amenity", "school")], extra].concat()).map(|k| k.0);
        assert_eq!(school(&[("isced:level", "1")]), Some(K::PrimarySchool));
        assert_eq!(school(&[("isced:level", "1;2")]), Some(K::PrimarySchool), "nine-year schools count as primary");
        assert_eq!(school(&[("isced:level", "2")]), Some(K::MiddleSchool));
        assert_eq!(school(&[("isced:level", "3")]), Some(K::MiddleSchool));
        assert_eq!(school(&[("school:level", "secondary")]), Some(K::MiddleSchool));
        assert_eq!(school(&[("school", "primary"), ("name", "Lycée X")]), Some(K::PrimarySchool));
        assert_eq!(school(&[("name", "成都市第七中学")]), Some(K::MiddleSchool));
        assert_eq!(school(&[("name", "Lycée Albert Ier")]), Some(K::MiddleSchool));
        assert_eq!(school(&[("name", "International School of Monaco")]), Some(K::PrimarySchool));
        assert_eq!(school(&[]), Some(K::PrimarySchool));
    }

    #[test]
    fn unnamed_stations_are_called_by_their_kind() {
        use super::super::reader::OsmId;
        let feature = Feature {
            id: OsmId::Node(42),
            tags: Tags::new([("amenity", "clinic"), ("phone", "+377 93 00 00 00")]),
            geometry: Point::new(7.42, 43.73).into(),
        };
        let station = station(&feature, Point::new(7.42, 43.73)).unwrap();
        assert_eq!((station.id.as_str(), station.name.as_str(), station.kind), ("osm-n42", "社区卫生服务站", K::Clinic));
        assert_eq!(station.phone.as_deref(), Some("+377 93 00 00 00"));
    }
}
