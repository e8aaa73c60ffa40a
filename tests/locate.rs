//! Locate on the demo district: building, compound, grid chain, contacts, stations.

mod common;

use geo::{BoundingRect, Distance, Haversine, Point};
use minsheng::crs::{self, Crs};
use minsheng::index::Snapshot;
use minsheng::model::{ContactRole, GridLevel, Layer};
use minsheng::services::locate::{Location, locate};

fn building<'a>(snapshot: &'a Snapshot, id: &str) -> &'a minsheng::model::Building {
    let i = snapshot.find(Layer::Buildings, id).unwrap_or_else(|| panic!("demo has building {id}"));
    &snapshot.data.buildings[i as usize]
}

/// What the data says the chain and board of a building must be.
fn assert_card_matches_data(snapshot: &Snapshot, found: &Location, building_id: &str) {
    let data = &snapshot.data;
    let b = building(snapshot, building_id);
    let card = found.building.as_ref().expect("a building is found");
    assert_eq!(card.id, building_id);
    assert_eq!(found.compound.as_ref().map(|c| c.id), b.compound_id.as_deref());

    let micro = &data.grids[snapshot.find(Layer::Grids, &b.grid_id).unwrap() as usize];
    assert_eq!(micro.level, GridLevel::MicroGrid, "demo buildings belong to micro-grids");
    let grid = &data.grids[snapshot.find(Layer::Grids, micro.parent_id.as_deref().unwrap()).unwrap() as usize];
    let community = &data.communities[snapshot.find(Layer::Communities, &grid.community_id).unwrap() as usize];
    let chain = found.grid_chain.as_ref().expect("a grid chain");
    assert_eq!(chain.micro_grid.map(|m| m.id), Some(micro.id.as_str()));
    assert_eq!(chain.grid.id, grid.id);
    assert_eq!(chain.community.id, community.id);
    assert_eq!(chain.street.id, community.street_id);

    // The board: the building head of this very building, the grid's worker, police
    // officer and cadre, and the street's leader.
    let role_of = |role: ContactRole| found.contacts.iter().filter(move |c| c.role == role).collect::<Vec<_>>();
    let head = role_of(ContactRole::BuildingHead);
    assert_eq!(head.len(), 1);
    assert_eq!((head[0].serves, head[0].serves_id), (Layer::Buildings, building_id));
    for role in [ContactRole::GridWorker, ContactRole::PoliceOfficer, ContactRole::CommunityCadre] {
        let cards = role_of(role);
        assert!(!cards.is_empty(), "{role} missing");
        assert!(cards.iter().all(|c| c.serves_id == grid.id || c.serves_id == micro.id), "{role} from another grid");
    }
    let leader = role_of(ContactRole::StreetLeader);
    assert_eq!(leader.len(), 1);
    assert_eq!(leader[0].serves_id, community.street_id);
    for card in &found.contacts {
        let contact = data.contacts.iter().find(|c| c.name == card.name && c.phone == card.phone).unwrap();
        assert_eq!(contact.role, card.role);
    }
}

#[tokio::test]
async fn a_point_inside_a_building_finds_it_and_its_whole_chain() {
    let catalog = common::demo_catalog().await;
    let snapshot = catalog.snapshot();
    // A sample across the district, including the first and last buildings.
    let ids: Vec<String> = snapshot.data.buildings.iter().step_by(17).map(|b| b.id.clone()).collect();
    assert!(ids.len() > 10);
    for id in ids {
        let point = common::inside(&building(&snapshot, &id).geometry);
        let found = locate(&snapshot, point, Crs::Wgs84);
        assert_eq!(found.building.as_ref().map(|b| b.distance_m), Some(0.0));
        assert!(found.inside_grid && found.outside.is_none());
        assert_card_matches_data(&snapshot, &found, &id);
    }
}

#[tokio::test]
async fn three_nearest_stations_come_nearest_first_and_match_brute_force() {
    let catalog = common::demo_catalog().await;
    let snapshot = catalog.snapshot();
    let point = common::inside(&snapshot.data.buildings[5].geometry);
    let found = locate(&snapshot, point, Crs::Wgs84);
    let mut all: Vec<(String, f64)> = snapshot
        .data
        .stations
        .iter()
        .map(|s| match s.geometry {
            geo::Geometry::Point(p) => (s.id.clone(), Haversine.distance(point, p)),
            _ => unreachable!(),
        })
        .collect();
    all.sort_by(|a, b| a.1.total_cmp(&b.1));
    let listed: Vec<&str> = found.stations.iter().map(|s| s.id).collect();
    let expected: Vec<&str> = all[..3].iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(listed, expected);
    for (card, (_, metres)) in found.stations.iter().zip(&all) {
        assert!((card.distance_m - metres).abs() <= 0.05);
    }
}

#[tokio::test]
async fn a_point_near_a_building_finds_it_within_50_m_and_not_beyond() {
    let catalog = common::demo_catalog().await;
    let snapshot = catalog.snapshot();
    let b = &snapshot.data.buildings[0];
    let rect = b.geometry.bounding_rect().unwrap();
    let mid_lat = rect.center().y;
    let metres_per_degree_lon = Haversine.distance(Point::new(0.0, mid_lat), Point::new(1.0, mid_lat));
    // 5 m east of the footprint's bounding box: nearer this building than any other (≥ 12 m apart).
    let east = Point::new(rect.max().x + 5.0 / metres_per_degree_lon, mid_lat);
    let found = locate(&snapshot, east, Crs::Wgs84);
    let card = found.building.as_ref().expect("building within 50 m");
    assert_eq!(card.id, b.id);
    assert!(card.distance_m > 0.0 && card.distance_m <= 5.5, "{}", card.distance_m);
    assert!(found.grid_chain.is_some());
}

#[tokio::test]
async fn gcj02_and_bd09_input_find_the_same_building() {
    let catalog = common::demo_catalog().await;
    let snapshot = catalog.snapshot();
    for b in snapshot.data.buildings.iter().step_by(31) {
        let wgs = common::inside(&b.geometry);
        let (glon, glat) = crs::wgs84_to_gcj02(wgs.x(), wgs.y());
        // GCJ-02 is offset by hundreds of metres here: without conversion it would miss.
        assert!(Haversine.distance(wgs, Point::new(glon, glat)) > 100.0);
        for (crs, lon, lat) in
            [(Crs::Gcj02, glon, glat), (Crs::Bd09, crs::wgs84_to_bd09(wgs.x(), wgs.y()).0, crs::wgs84_to_bd09(wgs.x(), wgs.y()).1)]
        {
            let back = crs.to_wgs84(lon, lat);
            let found = locate(&snapshot, Point::new(back.0, back.1), crs);
            assert_eq!(found.building.as_ref().map(|c| c.id), Some(b.id.as_str()), "{crs:?}");
            assert!(Haversine.distance(wgs, Point::new(found.point[0], found.point[1])) < 0.01);
        }
    }
}

#[tokio::test]
async fn a_point_outside_every_grid_says_so_and_names_the_nearest_grid() {
    let catalog = common::demo_catalog().await;
    let snapshot = catalog.snapshot();
    let district = snapshot.data.streets.iter().filter_map(|s| s.geometry.bounding_rect()).reduce(|a, b| {
        geo::Rect::new(
            geo::coord! { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
            geo::coord! { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
        )
    });
    let district = district.expect("demo has streets");
    // About 2 km west of the district, level with its middle.
    let west = Point::new(district.min().x - 0.021, district.center().y);
    let found = locate(&snapshot, west, Crs::Wgs84);
    assert!(!found.inside_grid);
    assert!(found.building.is_none() && found.grid_chain.is_none());
    let outside = found.outside.as_ref().expect("outside notice");
    assert!(outside.message.contains("outside every grid"));
    let nearest = outside.nearest_grid.expect("names the nearest grid");
    let metres = outside.nearest_grid_distance_m.unwrap();
    assert!((1_500.0..2_500.0).contains(&metres), "{metres}");
    // Brute force: no grid is nearer.
    for g in &snapshot.data.grids {
        assert!(minsheng::index::distance_m(west, &g.geometry) >= metres - 0.1, "{} is nearer than {}", g.id, nearest.id);
    }
}

#[tokio::test]
async fn station_short_lists_agree_with_brute_force_everywhere() {
    // A larger generated district than the bundled one, probed inside buildings, beside
    // them, in courtyards and on roads: the per-compound short-list must give exactly the
    // same three stations as a brute-force scan.
    let data = minsheng::demo::generate(&minsheng::demo::DemoOptions { buildings: 3_000, seed: 11 });
    let snapshot = Snapshot::build(data, 1).unwrap();
    let stations: Vec<(u32, Point)> = snapshot
        .data
        .stations
        .iter()
        .enumerate()
        .map(|(i, s)| match s.geometry {
            geo::Geometry::Point(p) => (i as u32, p),
            _ => unreachable!(),
        })
        .collect();
    let mut probes = 0;
    for b in snapshot.data.buildings.iter().step_by(7) {
        let r = b.geometry.bounding_rect().unwrap();
        for point in
            [common::inside(&b.geometry), Point::new(r.max().x + 0.0003, r.min().y - 0.0002), Point::new(r.min().x - 0.0006, r.center().y)]
        {
            let found = locate(&snapshot, point, Crs::Wgs84);
            let mut brute: Vec<(u32, f64)> = stations.iter().map(|(i, p)| (*i, Haversine.distance(point, *p))).collect();
            brute.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
            let expected: Vec<&str> = brute[..3].iter().map(|(i, _)| snapshot.data.stations[*i as usize].id.as_str()).collect();
            let listed: Vec<&str> = found.stations.iter().map(|s| s.id).collect();
            assert_eq!(listed, expected, "at {point:?}");
            probes += 1;
        }
    }
    assert!(probes > 1_000);
}
