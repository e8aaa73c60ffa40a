//! A hand-made district small enough to work its walks out by hand: one street (S), one
//! community (C) and one grid (G), each the square 0.01° either side of the origin, and one
//! footway (W) along the equator from 0 to 0.004° (about 445 m). Tests add their own
//! compounds, buildings and facilities to the [`skeleton`].

use geo::{Geometry, LineString, Point, polygon};
use minsheng::model::{Building, Community, Dataset, FacilityKind, Grid, GridLevel, Station, StationLevel, Street, Walkway};

/// The axis-aligned rectangle from (`x0`, `y0`) to (`x1`, `y1`), in degrees.
pub fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> Geometry {
    Geometry::Polygon(polygon![(x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1)])
}

/// The street, community, grid and footway, and nothing else yet.
pub fn skeleton() -> Dataset {
    Dataset {
        streets: vec![Street { id: "S".into(), name: "街道".into(), geometry: square(-0.01, -0.01, 0.01, 0.01) }],
        communities: vec![Community {
            id: "C".into(),
            name: "社区".into(),
            street_id: "S".into(),
            geometry: square(-0.01, -0.01, 0.01, 0.01),
        }],
        grids: vec![Grid {
            id: "G".into(),
            name: "网格".into(),
            level: GridLevel::Grid,
            community_id: "C".into(),
            parent_id: None,
            households: 0,
            geometry: square(-0.01, -0.01, 0.01, 0.01),
        }],
        walkways: vec![Walkway {
            id: "W".into(),
            kind: "footway".into(),
            name: None,
            geometry: Geometry::LineString(LineString::from(vec![(0.0, 0.0), (0.001, 0.0), (0.002, 0.0), (0.003, 0.0), (0.004, 0.0)])),
        }],
        ..Dataset::default()
    }
}

/// A building of compound `compound` in grid G standing 0.0001° north of the footway at `x`
/// degrees east (its access leg is that 0.0001°), with no elderly or children counted.
pub fn building(id: &str, compound: &str, x: f64, households: u32, population: u32) -> Building {
    Building {
        id: id.into(),
        label: id.into(),
        compound_id: Some(compound.into()),
        grid_id: "G".into(),
        floors: 6,
        units: 2,
        households,
        population,
        has_elevator: false,
        elderly: None,
        children: None,
        geometry: square(x - 0.00002, 0.00008, x + 0.00002, 0.00012),
    }
}

/// A community-level facility of community C at (`x`, `y`), named after its id.
pub fn station(id: &str, kind: FacilityKind, x: f64, y: f64) -> Station {
    Station {
        id: id.into(),
        name: format!("{id} 站"),
        kind,
        level: StationLevel::Community,
        opening_hours: None,
        phone: None,
        community_id: Some("C".into()),
        capacity: None,
        geometry: Geometry::Point(Point::new(x, y)),
    }
}
