//! Walking networks for tests: a lattice laid over a district, and a dataset's walkways as
//! plain coordinate lists for the Python checks (networkx) to build their own graph from.

use geo::{Coord, Geometry, InteriorPoint, LineString};
use minsheng::demo::{DemoOptions, generate};
use minsheng::model::{Dataset, Walkway};

/// Lattice spacing: about 68 m east–west and 67 m north–south at the demo's latitude.
const STEP_LON: f64 = 0.0007;
const STEP_LAT: f64 = 0.0006;

/// Walkways along a lattice over the district's buildings, each line holding every crossing
/// as a vertex so the network is noded there.
pub fn lattice(data: &Dataset) -> Vec<LineString> {
    let (mut west, mut south, mut east, mut north) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for b in &data.buildings {
        let p = b.geometry.interior_point().unwrap();
        (west, south, east, north) = (west.min(p.x()), south.min(p.y()), east.max(p.x()), north.max(p.y()));
    }
    let xs: Vec<f64> = (0..).map(|i| west - STEP_LON + f64::from(i) * STEP_LON).take_while(|x| *x <= east + STEP_LON).collect();
    let ys: Vec<f64> = (0..).map(|i| south - STEP_LAT + f64::from(i) * STEP_LAT).take_while(|y| *y <= north + STEP_LAT).collect();
    let mut lines: Vec<LineString> = xs.iter().map(|&x| ys.iter().map(|&y| Coord { x, y }).collect()).collect();
    lines.extend(ys.iter().map(|&y| xs.iter().map(|&x| Coord { x, y }).collect::<LineString>()));
    lines
}

/// The demo district with the lattice as its only walking network, and the lattice's lines.
pub fn demo_on_lattice() -> (Dataset, Vec<LineString>) {
    let mut data = generate(&DemoOptions::default());
    let lines = lattice(&data);
    data.walkways = lines
        .iter()
        .enumerate()
        .map(|(i, line)| Walkway { id: format!("L{i}"), kind: "footway".into(), name: None, geometry: Geometry::LineString(line.clone()) })
        .collect();
    (data, lines)
}

/// The dataset's walkways as lines of `[lon, lat]`.
pub fn walkway_lines(data: &Dataset) -> Vec<Vec<[f64; 2]>> {
    data.walkways
        .iter()
        .flat_map(|w| match &w.geometry {
            Geometry::LineString(l) => vec![l.clone()],
            Geometry::MultiLineString(m) => m.0.clone(),
            _ => Vec::new(),
        })
        .map(|l| l.coords().map(|c| [c.x, c.y]).collect())
        .collect()
}
