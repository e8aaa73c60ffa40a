//! Invariants every generated dataset must keep, shared by the demo tests.

use std::collections::{HashMap, HashSet};

use geo::{Area, Contains, Coord, Geometry, MapCoords, Polygon, Relate, Validation, Winding};

use super::layout::{METRES_PER_DEGREE_LAT, METRES_PER_DEGREE_LON};
use crate::model::{Dataset, GridLevel, Layer, Record};

pub(super) fn polygon(g: &Geometry) -> &Polygon {
    match g {
        Geometry::Polygon(p) => p,
        other => panic!("expected a polygon, got {other:?}"),
    }
}

/// Whether two polygons share interior points (touching edges is fine).
pub(super) fn overlap(a: &Polygon, b: &Polygon) -> bool {
    let m = a.relate(b);
    m.is_intersects() && !m.is_touches()
}

/// The polygon in local metres, to measure distances and sizes.
pub(super) fn metres(p: &Polygon) -> Polygon {
    p.map_coords(|c| Coord {
        x: c.x * METRES_PER_DEGREE_LON,
        y: c.y * METRES_PER_DEGREE_LAT,
    })
}

pub(super) fn by_id<R: Record>(records: &[R]) -> HashMap<&str, &R> {
    records.iter().map(|r| (r.id(), r)).collect()
}

pub(super) fn check_references(data: &Dataset) {
    for layer in Layer::ALL {
        let ids = data.ids(*layer);
        assert_eq!(
            ids.iter().collect::<HashSet<_>>().len(),
            ids.len(),
            "duplicate id in {layer}"
        );
    }
    let ids: HashMap<Layer, HashSet<&str>> = Layer::ALL
        .iter()
        .map(|l| (*l, data.ids(*l).into_iter().collect()))
        .collect();
    let has = |layer: Layer, id: &str| ids[&layer].contains(id);
    let grids = by_id(&data.grids);
    assert!(data.communities.iter().all(|c| has(Layer::Streets, &c.street_id)));
    for g in &data.grids {
        assert!(has(Layer::Communities, &g.community_id));
        match (g.level, &g.parent_id) {
            (GridLevel::Grid, None) => {}
            (GridLevel::MicroGrid, Some(parent)) => {
                assert_eq!(grids[parent.as_str()].level, GridLevel::Grid);
                assert_eq!(grids[parent.as_str()].community_id, g.community_id);
            }
            other => panic!("{}: level and parent disagree: {other:?}", g.id),
        }
    }
    assert!(
        data.compounds
            .iter()
            .all(|c| has(Layer::Communities, c.community_id.as_deref().unwrap()))
    );
    for b in &data.buildings {
        assert!(has(Layer::Compounds, b.compound_id.as_deref().unwrap()));
        assert_eq!(grids[b.grid_id.as_str()].level, GridLevel::MicroGrid, "{}", b.id);
    }
    assert!(
        data.stations
            .iter()
            .all(|s| has(Layer::Communities, s.community_id.as_deref().unwrap()))
    );
    assert!(data.contacts.iter().all(|c| has(c.scope.layer(), c.scope.id())));
}

pub(super) fn check_households(data: &Dataset) {
    let mut per_grid: HashMap<&str, u32> = HashMap::new();
    let mut per_compound: HashMap<&str, u32> = HashMap::new();
    let grids = by_id(&data.grids);
    for b in &data.buildings {
        *per_grid.entry(&b.grid_id).or_default() += b.households;
        *per_grid
            .entry(grids[b.grid_id.as_str()].parent_id.as_deref().unwrap())
            .or_default() += b.households;
        *per_compound.entry(b.compound_id.as_deref().unwrap()).or_default() += b.households;
        let ratio = f64::from(b.population) / f64::from(b.households);
        assert!(
            (2.49..=3.01).contains(&ratio),
            "{}: population {ratio} per household",
            b.id
        );
    }
    for g in &data.grids {
        assert_eq!(
            g.households,
            per_grid.get(g.id.as_str()).copied().unwrap_or(0),
            "{}",
            g.id
        );
        if g.level == GridLevel::MicroGrid {
            assert!(
                (50..=80).contains(&g.households),
                "{}: {} households",
                g.id,
                g.households
            );
        }
    }
    assert!(
        data.compounds
            .iter()
            .all(|c| c.households == per_compound[c.id.as_str()])
    );
}

/// Grids of each community and communities of each street: no overlaps, areas add up.
pub(super) fn check_tiling(data: &Dataset) {
    let tiles = |parent: &Polygon, children: &[&Polygon]| {
        let sum: f64 = children.iter().map(|c| c.unsigned_area()).sum();
        assert!((sum / parent.unsigned_area() - 1.0).abs() < 1e-6);
        assert!(children.iter().all(|c| parent.contains(*c)));
        for (i, a) in children.iter().enumerate() {
            assert!(children[i + 1..].iter().all(|b| !overlap(a, b)));
        }
    };
    for c in &data.communities {
        let grids: Vec<&Polygon> = data
            .grids
            .iter()
            .filter(|g| g.level == GridLevel::Grid && g.community_id == c.id)
            .map(|g| polygon(&g.geometry))
            .collect();
        tiles(polygon(&c.geometry), &grids);
    }
    for s in &data.streets {
        let communities: Vec<&Polygon> = data
            .communities
            .iter()
            .filter(|c| c.street_id == s.id)
            .map(|c| polygon(&c.geometry))
            .collect();
        tiles(polygon(&s.geometry), &communities);
    }
}

pub(super) fn check_polygons(data: &Dataset) {
    let geometries = data
        .streets
        .iter()
        .map(|r| &r.geometry)
        .chain(data.communities.iter().map(|r| &r.geometry))
        .chain(data.grids.iter().map(|r| &r.geometry))
        .chain(data.compounds.iter().map(|r| &r.geometry))
        .chain(data.buildings.iter().map(|r| &r.geometry));
    for g in geometries {
        let p = polygon(g);
        assert!(p.is_valid(), "{:?}", p.validation_errors());
        assert!(p.exterior().is_closed() && p.exterior().is_ccw() && p.interiors().is_empty());
    }
}
