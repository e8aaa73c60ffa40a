//! Amenities as service stations: the one table that maps OSM tags to the facility kinds
//! of the "1+N+X" station matrix (DESIGN.md). Conservative on purpose: a tag is mapped
//! only when it names the same kind of place; hospitals, pharmacies, restaurants, food
//! courts, playgrounds and public bookcases are not stations.

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
    rule("amenity", &["clinic", "doctors"], None, K::Clinic, L::Community),
    rule("healthcare", &["clinic", "doctor", "centre"], None, K::Clinic, L::Community),
    rule("amenity", &["library"], None, K::Library, L::Community),
    rule("amenity", &["canteen"], None, K::Canteen, L::Community),
];

fn matches(value: Option<&str>, values: &[&str]) -> bool {
    value.is_some_and(|value| values.contains(&"*") || value.split(';').any(|item| values.contains(&item.trim())))
}

/// The facility kind and station level these tags describe, if any.
pub fn facility(tags: &Tags) -> Option<(FacilityKind, StationLevel)> {
    RULES
        .iter()
        .find(|r| matches(tags.get(r.key), r.values) && r.and.is_none_or(|(key, values)| matches(tags.get(key), values)))
        .map(|r| (r.kind, r.level))
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
        assert_eq!(kind(&[("building", "yes"), ("healthcare", "centre")]), community(K::Clinic));
        assert_eq!(kind(&[("amenity", "library")]), community(K::Library));
        assert_eq!(kind(&[("amenity", "canteen")]), community(K::Canteen));
        assert_eq!(kind(&[("amenity", "youth_centre")]), community(K::YouthSpace));
        for not_a_station in [
            &[("amenity", "social_facility"), ("social_facility:for", "homeless")][..],
            &[("amenity", "social_facility")],
            &[("amenity", "hospital")],
            &[("amenity", "pharmacy"), ("healthcare", "pharmacy")],
            &[("amenity", "restaurant")],
            &[("amenity", "food_court")],
            &[("leisure", "playground")],
            &[("building", "yes")],
        ] {
            assert_eq!(kind(not_a_station), None, "{not_a_station:?}");
        }
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
