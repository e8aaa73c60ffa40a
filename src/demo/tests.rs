use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use geo::{BoundingRect, Centroid, Contains, Coord, Distance, Euclidean, Geometry, Intersects, Point, Polygon};

use super::checks::*;
use super::*;
use crate::model::{ContactRole, FacilityKind, Layer, StationLevel, UnitKind};
use crate::network::{WalkNetwork, straight_line_m};

fn default_dataset() -> &'static Dataset {
    static DATA: OnceLock<Dataset> = OnceLock::new();
    DATA.get_or_init(|| generate(&DemoOptions::default()))
}

#[test]
fn same_seed_gives_the_same_dataset_and_another_seed_another() {
    let options = DemoOptions::default();
    assert_eq!(&generate(&options), default_dataset());
    let other = generate(&DemoOptions { seed: 2025, ..options });
    assert_ne!(&other, default_dataset());
    assert_eq!(other.buildings.len(), 300);
}

#[test]
fn default_is_one_street_of_a_few_communities_near_the_centre() {
    let data = default_dataset();
    assert_eq!(data.buildings.len(), 300);
    assert_eq!(data.streets.len(), 1);
    assert!((2..=4).contains(&data.communities.len()), "{} communities", data.communities.len());
    let ids: Vec<&str> = data.grids.iter().take(2).map(|g| g.id.as_str()).collect();
    assert_eq!(ids, ["S01-C01-G01", "S01-C01-G01-M01"]);
    let Geometry::Point(p) = &data.stations[0].geometry else { panic!("stations are points") };
    assert!((p.x() - CENTRE.0).abs() < 0.02 && (p.y() - CENTRE.1).abs() < 0.02, "{p:?}");
}

#[test]
fn references_resolve_and_households_add_up() {
    check_references(default_dataset());
    check_households(default_dataset());
}

#[test]
fn every_polygon_is_valid_closed_and_counter_clockwise() {
    check_polygons(default_dataset());
}

#[test]
fn grids_tile_communities_and_communities_tile_streets() {
    check_tiling(default_dataset());
}

#[test]
fn buildings_sit_inside_compound_micro_grid_and_grid() {
    let data = default_dataset();
    let (compounds, grids) = (by_id(&data.compounds), by_id(&data.grids));
    for b in &data.buildings {
        let footprint = polygon(&b.geometry);
        let micro = grids[b.grid_id.as_str()];
        let grid = grids[micro.parent_id.as_deref().unwrap()];
        assert!(polygon(&compounds[b.compound_id.as_deref().unwrap()].geometry).contains(footprint), "{}", b.id);
        assert!(polygon(&micro.geometry).contains(footprint), "{}", b.id);
        assert!(polygon(&grid.geometry).contains(footprint), "{}", b.id);
    }
}

#[test]
fn micro_grids_of_a_grid_do_not_overlap() {
    let data = default_dataset();
    let mut by_parent: HashMap<&str, Vec<&Polygon>> = HashMap::new();
    for g in data.grids.iter().filter(|g| g.level == GridLevel::MicroGrid) {
        by_parent.entry(g.parent_id.as_deref().unwrap()).or_default().push(polygon(&g.geometry));
    }
    let grids = by_id(&data.grids);
    for (parent, micros) in by_parent {
        assert!(micros.iter().all(|m| polygon(&grids[parent].geometry).contains(*m)));
        for (i, a) in micros.iter().enumerate() {
            assert!(micros[i + 1..].iter().all(|b| !overlap(a, b)), "{parent}");
        }
    }
}

#[test]
fn buildings_are_apart_and_sized_like_buildings() {
    let data = default_dataset();
    let footprints: Vec<Polygon> = data.buildings.iter().map(|b| metres(polygon(&b.geometry))).collect();
    for (i, a) in footprints.iter().enumerate() {
        let c = &a.exterior().0;
        let (long, short) = (Euclidean.distance(c[0], c[1]), Euclidean.distance(c[1], c[2]));
        assert!((29.9..=70.1).contains(&long) && (9.9..=20.1).contains(&short), "{long} × {short}");
        for b in &footprints[i + 1..] {
            assert!(!a.intersects(b));
            assert!(Euclidean.distance(a, b) >= 11.9, "{} m", Euclidean.distance(a, b));
        }
    }
}

#[test]
fn compound_kinds_keep_their_promises() {
    let data = default_dataset();
    for kind in CompoundKind::ALL {
        assert!(data.compounds.iter().any(|c| c.kind == *kind), "no {kind} compound");
    }
    let names: HashSet<&str> = data.compounds.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names.len(), data.compounds.len());
    assert!(names.contains("杨柳苑"));
    fn of<'a>(data: &'a Dataset, c: &'a Compound) -> impl Iterator<Item = &'a Building> {
        data.buildings.iter().filter(move |b| b.compound_id.as_deref() == Some(c.id.as_str()))
    }
    for c in &data.compounds {
        match c.kind {
            CompoundKind::SuperLarge => {
                assert!(c.households >= 3_600 && of(data, c).map(|b| b.population).sum::<u32>() > 10_000);
                assert!(of(data, c).all(|b| (15..=33).contains(&b.floors) && b.has_elevator));
            }
            CompoundKind::Old => assert!(of(data, c).all(|b| !b.has_elevator
                && (5..=7).contains(&b.floors)
                && (2..=3).contains(&b.units)
                && b.households == 2 * u32::from(b.units * b.floors))),
            CompoundKind::Resettlement => assert!(of(data, c).all(|b| (11..=18).contains(&b.floors) && b.has_elevator)),
            CompoundKind::Commodity => assert!(of(data, c).all(|b| b.has_elevator == (b.floors > 7))),
        }
    }
    assert!(data.compounds.iter().any(|c| c.kind == CompoundKind::Old && c.property_company.is_none()));
    assert!(data.compounds.iter().filter(|c| c.property_company.is_some()).count() * 2 > data.compounds.len());
}

#[test]
fn stations_follow_the_matrix_unevenly_and_stay_out_of_buildings() {
    let data = default_dataset();
    for kind in FacilityKind::ALL {
        assert!(data.stations.iter().any(|s| s.kind == *kind), "no {kind}");
    }
    let count = |kind| data.stations.iter().filter(|s| s.kind == kind).count();
    assert_eq!(count(FacilityKind::PartyMassCentre), data.streets.len());
    assert_eq!(count(FacilityKind::CommunityCentre), data.communities.len());
    let communities = by_id(&data.communities);
    let rules = crate::model::lifecircle::Rules::default();
    for s in &data.stations {
        let expected = match s.kind {
            FacilityKind::PartyMassCentre => StationLevel::Street,
            FacilityKind::CompoundStation => StationLevel::Compound,
            kind if FacilityKind::ALL[..9].contains(&kind) => StationLevel::Community,
            // The daily facilities stand at the level of their life circle.
            kind => rules.of(kind).circle.station_level(),
        };
        assert_eq!(s.level, expected);
        let Geometry::Point(p) = &s.geometry else { panic!("stations are points") };
        assert!(polygon(&communities[s.community_id.as_deref().unwrap()].geometry).contains(p), "{}", s.name);
        assert!(data.buildings.iter().all(|b| !b.geometry.intersects(p)), "{} is in a building", s.name);
        assert!(s.phone.as_deref().is_none_or(|phone| phone.starts_with("028-8") && phone.len() == 13));
    }
    assert!(data.stations.iter().any(|s| s.name == "锦绣社区老年人日间照料中心"));
    let has_day_care =
        |c: &Community| data.stations.iter().any(|s| s.kind == FacilityKind::ElderlyDayCare && s.community_id.as_ref() == Some(&c.id));
    assert!(data.communities.iter().any(|c| !has_day_care(c)), "services should leave gaps");
}

#[test]
fn every_grid_and_building_has_its_contacts() {
    let data = default_dataset();
    let mut roles: HashMap<&str, HashSet<ContactRole>> = HashMap::new();
    for c in &data.contacts {
        roles.entry(c.scope.id()).or_default().insert(c.role);
        assert!(c.phone.starts_with("139-00") && c.phone.len() == 13 && c.name.chars().count() >= 2);
    }
    let has = |id: &str, role| roles.get(id).is_some_and(|r| r.contains(&role));
    for g in data.grids.iter().filter(|g| g.level == GridLevel::Grid) {
        for role in [ContactRole::PoliceOfficer, ContactRole::CommunityCadre, ContactRole::GridWorker] {
            assert!(has(&g.id, role), "{} has no {role}", g.id);
        }
    }
    assert!(data.buildings.iter().all(|b| has(&b.id, ContactRole::BuildingHead)));
    assert!(data.streets.iter().all(|s| has(&s.id, ContactRole::StreetLeader)));
    for c in &data.compounds {
        assert_eq!(has(&c.id, ContactRole::PropertyManager), c.property_company.is_some());
    }
}

#[test]
fn every_area_has_the_units_that_answer_for_it() {
    let data = default_dataset();
    let serving = |kind: UnitKind, ids: fn(&crate::model::Unit) -> &Vec<String>, area: &str| {
        data.units.iter().filter(|u| u.kind == kind && ids(u).iter().any(|id| id == area)).collect::<Vec<_>>()
    };
    for street in &data.streets {
        for kind in [UnitKind::StreetDepartment, UnitKind::PoliceStation, UnitKind::UrbanManagement] {
            assert_eq!(serving(kind, |u| &u.street_ids, &street.id).len(), 1, "{} has no single {kind}", street.id);
        }
    }
    for community in &data.communities {
        assert_eq!(serving(UnitKind::CommunityOffice, |u| &u.community_ids, &community.id).len(), 1, "{}", community.id);
    }
    for compound in &data.compounds {
        let companies = serving(UnitKind::PropertyCompany, |u| &u.compound_ids, &compound.id);
        assert_eq!(companies.iter().map(|u| u.name.as_str()).collect::<Vec<_>>(), compound.property_company.as_slice(), "{}", compound.id);
        let councils = serving(UnitKind::OwnersCouncil, |u| &u.compound_ids, &compound.id);
        assert_eq!(councils.len(), usize::from(compound.households >= units::OWNERS_COUNCIL_HOUSEHOLDS), "{}", compound.id);
    }
    let company_names: HashSet<&str> = data.compounds.iter().filter_map(|c| c.property_company.as_deref()).collect();
    assert_eq!(data.units.iter().filter(|u| u.kind == UnitKind::PropertyCompany).count(), company_names.len());
    assert!(data.units.iter().all(|u| u.phone.as_deref().is_some_and(|p| p.starts_with("028-8390-"))));
    // Both sides of the public-matter rule occur: compounds with a council and without.
    assert!(data.compounds.iter().any(|c| c.households < units::OWNERS_COUNCIL_HOUSEHOLDS));
    assert!(data.compounds.iter().any(|c| c.households >= units::OWNERS_COUNCIL_HOUSEHOLDS));
}

#[test]
fn no_grid_outside_the_district() {
    let data = default_dataset();
    let lowest = data
        .grids
        .iter()
        .flat_map(|g| polygon(&g.geometry).exterior().coords())
        .fold(Coord { x: f64::MAX, y: f64::MAX }, |a, c| Coord { x: a.x.min(c.x), y: a.y.min(c.y) });
    // About 2 km south-west of the south-west corner.
    let outside = Point::new(lowest.x - 0.015, lowest.y - 0.013);
    assert!(data.grids.iter().all(|g| !g.geometry.intersects(&outside)));
}

#[test]
fn twenty_thousand_buildings_keep_the_invariants() {
    let data = generate(&DemoOptions { buildings: 20_000, seed: 7 });
    assert_eq!(data.buildings.len(), 20_000);
    assert!(data.streets.len() > 1);
    assert!(data.compounds.iter().filter(|c| c.kind == CompoundKind::SuperLarge).count() > 1);
    check_references(&data);
    check_households(&data);
    check_tiling(&data);
    check_polygons(&data);
    check_walkways(&data);
    // Streets of different rows and columns meet only along roads.
    for (i, a) in data.streets.iter().enumerate() {
        assert!(data.streets[i + 1..].iter().all(|b| !overlap(polygon(&a.geometry), polygon(&b.geometry))));
    }
}

#[test]
fn walkways_form_one_network_entered_through_gates() {
    let data = default_dataset();
    check_walkways(data);
    let kinds: HashSet<&str> = data.walkways.iter().map(|w| w.kind.as_str()).collect();
    for kind in ["secondary", "tertiary", "residential", "sidewalk", "footway", "gate"] {
        assert!(kinds.contains(kind), "no {kind}");
    }
    assert!(data.walkways.iter().filter(|w| w.kind == "gate").all(|w| w.name.as_deref().is_some_and(|n| n.ends_with('门'))));
}

/// From a point on the pavement in the middle of each side of each compound, the walk to
/// every building inside goes through one of the compound's gates: it is at least the
/// straight line via the nearest gate, and clearly longer than the straight line where that
/// side has no gate.
#[test]
fn walls_are_passed_only_through_gates() {
    let data = default_dataset();
    let network = WalkNetwork::from_lines(&walkway_lines(data));
    let metres = |m: f64| (m / layout::METRES_PER_DEGREE_LON, m / layout::METRES_PER_DEGREE_LAT);
    let (dx, dy) = metres(7.5);
    let mut detours = 0;
    for c in &data.compounds {
        // Each gate as (point inside the wall, point on the pavement).
        let gates: Vec<(Point, Point)> = data
            .walkways
            .iter()
            .filter(|w| w.kind == "gate" && w.id.starts_with(&format!("W-{}-G", c.id)))
            .map(|w| {
                let Geometry::LineString(l) = &w.geometry else { panic!("gates are lines") };
                (Point(l.0[2]), Point(l.0[1]))
            })
            .collect();
        let wall = polygon(&c.geometry).bounding_rect().unwrap();
        let (mid_x, mid_y) = ((wall.min().x + wall.max().x) / 2.0, (wall.min().y + wall.max().y) / 2.0);
        // A point on the pavement in the middle of each side (south, north, west, east).
        let sides = [
            Point::new(mid_x, wall.min().y - dy),
            Point::new(mid_x, wall.max().y + dy),
            Point::new(wall.min().x - dx, mid_y),
            Point::new(wall.max().x + dx, mid_y),
        ];
        // Whether a gate's pavement end lies beyond the wall on that side.
        let beside = |kerb: &Point, side: usize| match side {
            0 => kerb.y() < wall.min().y,
            1 => kerb.y() > wall.max().y,
            2 => kerb.x() < wall.min().x,
            _ => kerb.x() > wall.max().x,
        };
        for (side, outside) in sides.into_iter().enumerate() {
            let from = network.distances_from_sources(&[network.snap(outside).unwrap()], 10_000.0);
            let side_has_gate = gates.iter().any(|(_, kerb)| beside(kerb, side));
            for b in data.buildings.iter().filter(|b| b.compound_id.as_ref() == Some(&c.id)) {
                let centre = b.geometry.centroid().unwrap();
                let walk = network.distance_to(&from, &network.snap(centre).unwrap());
                let via_gate = gates
                    .iter()
                    .map(|(inner, kerb)| straight_line_m(centre, *inner) + straight_line_m(*inner, *kerb) + straight_line_m(*kerb, outside))
                    .fold(f64::INFINITY, f64::min);
                assert!(walk >= via_gate - 0.01, "{}: {walk} m to {outside:?}, {via_gate} m via a gate", b.id);
                if !side_has_gate {
                    assert!(walk > straight_line_m(centre, outside) + 30.0, "{}: {walk} m", b.id);
                    detours += 1;
                }
            }
        }
    }
    assert!(detours > 50, "only {detours} buildings face a side without a gate");
}

#[test]
fn walking_is_never_shorter_than_the_straight_line() {
    let data = default_dataset();
    let network = WalkNetwork::from_lines(&walkway_lines(data));
    let targets: Vec<_> = data
        .buildings
        .iter()
        .map(|b| {
            let centre = b.geometry.centroid().unwrap();
            (centre, network.snap(centre).unwrap())
        })
        .collect();
    for s in &data.stations {
        let Geometry::Point(p) = s.geometry else { panic!("stations are points") };
        let from = network.distances_from_sources(&[network.snap(p).unwrap()], 10_000.0);
        for (centre, snap) in &targets {
            let (walk, line) = (network.distance_to(&from, snap), straight_line_m(p, *centre));
            assert!(walk.is_finite() && walk >= line * (1.0 - 1e-6) - 0.01, "{}: {walk} m, {line} m straight", s.name);
        }
    }
}

/// The bundled files are up to date, and read back (as the catalog seeds an empty database)
/// they give the generated dataset again, every layer of it.
#[test]
fn bundled_demo_files_are_what_the_generator_writes() {
    let dir = tempfile::tempdir().unwrap();
    let written = crate::export::write_dataset(dir.path(), default_dataset()).unwrap();
    assert_eq!(written.len(), Layer::ALL.len());
    let mut parsed = crate::import::Parsed::default();
    for (layer, path) in Layer::ALL.iter().zip(written) {
        let name = path.file_name().unwrap();
        let bundled = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/demo").join(name);
        let bundled = std::fs::read(&bundled).unwrap_or_else(|e| panic!("{}: {e}", bundled.display()));
        assert!(std::fs::read(&path).unwrap() == bundled, "data/demo/{} is stale: run `minsheng demo --out data/demo`", name.display());
        parsed.merge(crate::import::parse_layer(*layer, &bundled).unwrap());
    }
    assert!(&parsed.data == default_dataset());
}

/// The daily facilities come after the "1+N+X" stations, every kind is there, the counts
/// look like a district (many shops and waste points, few middle schools), and the gaps
/// promised in `facilities` are there, measured in straight lines from the buildings.
#[test]
fn daily_facilities_follow_the_stations_and_leave_their_gaps() {
    let data = default_dataset();
    let first_daily = data.stations.iter().position(|s| !FacilityKind::ALL[..9].contains(&s.kind)).unwrap();
    assert!(data.stations[first_daily..].iter().all(|s| !FacilityKind::ALL[..9].contains(&s.kind)));
    let count = |kind| data.stations.iter().filter(|s| s.kind == kind).count();
    assert!(count(FacilityKind::ConvenienceStore) > count(FacilityKind::MiddleSchool) * 3);
    assert!(count(FacilityKind::WastePoint) >= data.compounds.len());
    assert!(count(FacilityKind::MiddleSchool) <= 2 * data.streets.len());
    for s in &data.stations {
        let seats = matches!(
            s.kind,
            FacilityKind::ElderlyDayCare
                | FacilityKind::Canteen
                | FacilityKind::Kindergarten
                | FacilityKind::PrimarySchool
                | FacilityKind::MiddleSchool
        );
        assert_eq!(s.capacity.is_some(), seats, "{}", s.name);
        assert!(s.capacity.is_none_or(|c| (20..=1_800).contains(&c)), "{}: {:?}", s.name, s.capacity);
    }
    let point = |s: &crate::model::Station| match s.geometry {
        Geometry::Point(p) => p,
        _ => panic!("stations are points"),
    };
    let nearest = |kind, buildings: &[&Building]| {
        data.stations
            .iter()
            .filter(|s| s.kind == kind)
            .flat_map(|s| buildings.iter().map(move |b| straight_line_m(point(s), b.geometry.centroid().unwrap())))
            .fold(f64::INFINITY, f64::min)
    };
    let second = &data.communities[1].id;
    let compounds_of_second: Vec<&Compound> = data.compounds.iter().filter(|c| c.community_id.as_ref() == Some(second)).collect();
    let in_second: Vec<&Building> =
        data.buildings.iter().filter(|b| compounds_of_second.iter().any(|c| b.compound_id.as_ref() == Some(&c.id))).collect();
    assert!(nearest(FacilityKind::Kindergarten, &in_second) > 300.0);
    let old = compounds_of_second.iter().find(|c| c.kind == CompoundKind::Old).expect("the second community has an old compound");
    let in_old: Vec<&Building> = data.buildings.iter().filter(|b| b.compound_id.as_ref() == Some(&old.id)).collect();
    assert!(nearest(FacilityKind::VegetableMarket, &in_old) > 500.0);
    // Elsewhere they are within reach: the gaps are gaps, not an empty map.
    let first: Vec<&Building> = data.buildings.iter().filter(|b| b.compound_id.as_deref() == Some("CP0001")).collect();
    assert!(nearest(FacilityKind::Kindergarten, &first) < 1_000.0 && nearest(FacilityKind::VegetableMarket, &first) < 1_000.0);
}

/// Every building has its counts; old compounds are older and have fewer small children
/// than commodity estates, and the district's share of elderly lies near the census's.
#[test]
fn buildings_count_their_elderly_and_children() {
    let data = generate(&DemoOptions { buildings: 3_000, seed: 11 });
    let kinds: HashMap<&str, CompoundKind> = data.compounds.iter().map(|c| (c.id.as_str(), c.kind)).collect();
    let mut sums: HashMap<CompoundKind, (u32, u32, u32)> = HashMap::new();
    for b in &data.buildings {
        let (elderly, children) = (b.elderly.unwrap(), b.children.unwrap());
        assert!(elderly + children <= b.population, "{}", b.id);
        let s = sums.entry(kinds[b.compound_id.as_deref().unwrap()]).or_default();
        *s = (s.0 + elderly, s.1 + children, s.2 + b.population);
    }
    let share = |kind, of: fn(&(u32, u32, u32)) -> u32| f64::from(of(&sums[&kind])) / f64::from(sums[&kind].2);
    assert!((0.27..0.33).contains(&share(CompoundKind::Old, |s| s.0)), "{}", share(CompoundKind::Old, |s| s.0));
    assert!((0.13..0.17).contains(&share(CompoundKind::Commodity, |s| s.0)));
    assert!(share(CompoundKind::Old, |s| s.1) < share(CompoundKind::Commodity, |s| s.1));
    let total = |of: fn(&(u32, u32, u32)) -> u32| f64::from(sums.values().map(of).sum::<u32>());
    assert!((0.14..0.26).contains(&(total(|s| s.0) / total(|s| s.2))));
}
