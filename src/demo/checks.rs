//! Invariants every generated dataset must keep, shared by the demo tests.

use std::collections::{HashMap, HashSet};

use geo::line_intersection::{LineIntersection, line_intersection};
use geo::{
    Area, BoundingRect, Centroid, Contains, Coord, Geometry, Intersects, Line, LineString, MapCoords, Point, Polygon, Relate, Validation,
    Winding,
};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

use super::layout::{METRES_PER_DEGREE_LAT, METRES_PER_DEGREE_LON};
use crate::model::{Dataset, GridLevel, Layer, Record};
use crate::network::WalkNetwork;

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
    p.map_coords(|c| Coord { x: c.x * METRES_PER_DEGREE_LON, y: c.y * METRES_PER_DEGREE_LAT })
}

pub(super) fn by_id<R: Record>(records: &[R]) -> HashMap<&str, &R> {
    records.iter().map(|r| (r.id(), r)).collect()
}

pub(super) fn check_references(data: &Dataset) {
    for layer in Layer::ALL {
        let ids = data.ids(*layer);
        assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len(), "duplicate id in {layer}");
    }
    let ids: HashMap<Layer, HashSet<&str>> = Layer::ALL.iter().map(|l| (*l, data.ids(*l).into_iter().collect())).collect();
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
    assert!(data.compounds.iter().all(|c| has(Layer::Communities, c.community_id.as_deref().unwrap())));
    for b in &data.buildings {
        assert!(has(Layer::Compounds, b.compound_id.as_deref().unwrap()));
        assert_eq!(grids[b.grid_id.as_str()].level, GridLevel::MicroGrid, "{}", b.id);
    }
    assert!(data.stations.iter().all(|s| has(Layer::Communities, s.community_id.as_deref().unwrap())));
    assert!(data.contacts.iter().all(|c| has(c.scope.layer(), c.scope.id())));
    for unit in &data.units {
        assert!(unit.areas().next().is_some(), "{} serves no area", unit.id);
        assert!(unit.areas().all(|(_, layer, id)| has(layer, id)), "{} serves a missing area", unit.id);
    }
}

pub(super) fn check_households(data: &Dataset) {
    let mut per_grid: HashMap<&str, u32> = HashMap::new();
    let mut per_compound: HashMap<&str, u32> = HashMap::new();
    let grids = by_id(&data.grids);
    for b in &data.buildings {
        *per_grid.entry(&b.grid_id).or_default() += b.households;
        *per_grid.entry(grids[b.grid_id.as_str()].parent_id.as_deref().unwrap()).or_default() += b.households;
        *per_compound.entry(b.compound_id.as_deref().unwrap()).or_default() += b.households;
        let ratio = f64::from(b.population) / f64::from(b.households);
        assert!((2.49..=3.01).contains(&ratio), "{}: population {ratio} per household", b.id);
    }
    for g in &data.grids {
        assert_eq!(g.households, per_grid.get(g.id.as_str()).copied().unwrap_or(0), "{}", g.id);
        if g.level == GridLevel::MicroGrid {
            assert!((50..=80).contains(&g.households), "{}: {} households", g.id, g.households);
        }
    }
    assert!(data.compounds.iter().all(|c| c.households == per_compound[c.id.as_str()]));
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
        let grids: Vec<&Polygon> =
            data.grids.iter().filter(|g| g.level == GridLevel::Grid && g.community_id == c.id).map(|g| polygon(&g.geometry)).collect();
        tiles(polygon(&c.geometry), &grids);
    }
    for s in &data.streets {
        let communities: Vec<&Polygon> = data.communities.iter().filter(|c| c.street_id == s.id).map(|c| polygon(&c.geometry)).collect();
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

fn pt(c: Coord) -> [f64; 2] {
    [c.x, c.y]
}

/// The walkways' lines, MultiLineStrings taken apart.
pub(super) fn walkway_lines(data: &Dataset) -> Vec<LineString> {
    data.walkways.iter().flat_map(|w| lines_of(&w.geometry)).cloned().collect()
}

pub(super) fn lines_of(geometry: &Geometry) -> Vec<&LineString> {
    match geometry {
        Geometry::LineString(l) => vec![l],
        Geometry::MultiLineString(m) => m.0.iter().collect(),
        other => panic!("expected lines, got {other:?}"),
    }
}

/// The nodes reachable from `start`.
pub(super) fn reachable(network: &WalkNetwork, start: u32) -> Vec<bool> {
    let mut seen = vec![false; network.nodes().len()];
    let mut stack = vec![start];
    seen[start as usize] = true;
    while let Some(node) = stack.pop() {
        for (next, _) in network.neighbours(node) {
            if !std::mem::replace(&mut seen[next as usize], true) {
                stack.push(next);
            }
        }
    }
    seen
}

/// Polygons in an R-tree of their bounding boxes (degrees), to find those near a point or line.
pub(super) struct Boxes<'a> {
    polygons: Vec<&'a Polygon>,
    tree: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>,
}

impl<'a> Boxes<'a> {
    pub(super) fn new(geometries: impl Iterator<Item = &'a Geometry>) -> Boxes<'a> {
        let polygons: Vec<&Polygon> = geometries.map(polygon).collect();
        let boxes = polygons
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let r = p.bounding_rect().unwrap();
                GeomWithData::new(Rectangle::from_corners(pt(r.min()), pt(r.max())), i)
            })
            .collect();
        Boxes { polygons, tree: RTree::bulk_load(boxes) }
    }

    /// The polygons whose boxes meet the segment's box.
    pub(super) fn near(&self, line: Line) -> impl Iterator<Item = (usize, &'a Polygon)> + '_ {
        let envelope = AABB::from_corners(pt(line.start), pt(line.end));
        self.tree.locate_in_envelope_intersecting(envelope).map(|b| (b.data, self.polygons[b.data]))
    }

    /// The polygon that contains `p` in its interior, if any.
    pub(super) fn containing(&self, p: Coord) -> Option<usize> {
        self.near(Line::new(p, p)).find(|(_, polygon)| polygon.contains(&Point(p))).map(|(i, _)| i)
    }
}

pub(super) const WALKWAY_KINDS: [&str; 6] = ["secondary", "tertiary", "residential", "sidewalk", "footway", "gate"];

/// The walking network: well-formed lines in one connected piece, noded wherever they meet,
/// crossing compound walls only at gates (1–3 per compound, 2–4 for 2×2 ones), never
/// entering a building; buildings join it inside their own compound, stations on their own
/// side of the wall, all within 60 m.
pub(super) fn check_walkways(data: &Dataset) {
    for w in &data.walkways {
        assert!(w.id.starts_with("W-"), "{}", w.id);
        assert!(WALKWAY_KINDS.contains(&w.kind.as_str()), "{}: kind {}", w.id, w.kind);
        assert!(w.geometry.is_valid(), "{}: {:?}", w.id, w.geometry);
    }
    let lines = walkway_lines(data);
    let round7 = |v: f64| (v * 1e7).round() / 1e7;
    for l in &lines {
        assert!(l.0.len() >= 2 && l.0.windows(2).all(|p| p[0] != p[1]), "{l:?}");
        assert!(l.0.iter().all(|c| c.x == round7(c.x) && c.y == round7(c.y)), "{l:?}");
    }
    check_noding(&lines);

    let network = WalkNetwork::from_lines(&lines);
    assert!(reachable(&network, 0).iter().all(|r| *r), "the walking network is in pieces");

    let compounds = Boxes::new(data.compounds.iter().map(|c| &c.geometry));
    let buildings = Boxes::new(data.buildings.iter().map(|b| &b.geometry));
    let mut gates = vec![0; data.compounds.len()];
    for w in &data.walkways {
        let mut crossed = Vec::new();
        for line in lines_of(&w.geometry) {
            for segment in line.lines() {
                crossed.extend(compounds.near(segment).filter(|(_, wall)| segment.intersects(wall.exterior())).map(|(i, _)| i));
                assert!(buildings.near(segment).all(|(_, b)| !segment.intersects(b)), "{} enters a building", w.id);
            }
        }
        if w.kind == "gate" {
            assert_eq!(crossed.len(), 1, "{} crosses {} walls", w.id, crossed.len());
            assert!(w.id.starts_with(&format!("W-{}-G", data.compounds[crossed[0]].id)), "{}", w.id);
            gates[crossed[0]] += 1;
        } else {
            assert!(crossed.is_empty(), "{} crosses a wall", w.id);
        }
    }
    for (c, n) in data.compounds.iter().zip(gates) {
        // A compound of 2×2 cells is over 400 m wide, one of a single cell under 250 m.
        let wall = metres(polygon(&c.geometry)).bounding_rect().unwrap();
        let range = if wall.width() > 320.0 { 2..=4 } else { 1..=3 };
        assert!(range.contains(&n), "{} has {n} gates", c.id);
    }

    let by_compound = by_id(&data.compounds);
    for b in &data.buildings {
        let centre = b.geometry.centroid().unwrap();
        let snap = network.snap(centre).expect("every building joins the network");
        let own = polygon(&by_compound[b.compound_id.as_deref().unwrap()].geometry);
        assert!(snap.access_m <= 60.0, "{} is {} m from a path", b.id, snap.access_m);
        assert!(own.contains(&Point(snap.snapped)), "{} joins the network outside its compound", b.id);
    }
    for s in &data.stations {
        let Geometry::Point(p) = s.geometry else { panic!("stations are points") };
        let snap = network.snap(p).expect("every station joins the network");
        assert!(snap.access_m <= 60.0, "{} is {} m from a path", s.name, snap.access_m);
        assert_eq!(compounds.containing(p.0), compounds.containing(snap.snapped), "{} joins across a wall", s.name);
    }
}

/// Segments that meet do so at a vertex of both (else the network would not join them) and
/// never run along each other.
fn check_noding(lines: &[LineString]) {
    let segments: Vec<Line> = lines.iter().flat_map(|l| l.lines()).collect();
    let tree = RTree::bulk_load(
        segments.iter().enumerate().map(|(i, s)| GeomWithData::new(rstar::primitives::Line::new(pt(s.start), pt(s.end)), i)).collect(),
    );
    for (i, a) in segments.iter().enumerate() {
        let envelope = AABB::from_corners(pt(a.start), pt(a.end));
        for candidate in tree.locate_in_envelope_intersecting(envelope) {
            let (j, b) = (candidate.data, segments[candidate.data]);
            if j <= i {
                continue;
            }
            let ends = |s: &Line, p: Coord| s.start == p || s.end == p;
            match line_intersection(*a, b) {
                None => {}
                Some(LineIntersection::SinglePoint { intersection, .. }) => assert!(
                    ends(a, intersection) && ends(&b, intersection),
                    "{a:?} and {b:?} meet at {intersection:?}, not at a shared vertex"
                ),
                Some(LineIntersection::Collinear { intersection }) => {
                    panic!("{a:?} and {b:?} overlap along {intersection:?}")
                }
            }
        }
    }
}
