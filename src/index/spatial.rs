//! R-trees over one layer's geometries, answering in metres.
//!
//! Trees are built in lon/lat degrees (bulk-loaded); exact answers come from refining
//! candidates with point-in-polygon tests and haversine distances.

use geo::{Contains, Coord, Distance, Geometry, Haversine, HaversineClosestPoint, Point};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RStarInsertionStrategy, RTree, RTreeParams};

use crate::geodesy::{LocalPlane, envelope_around, min_ground_distance_m, nearest_on_segment};

/// Reaches up to this many metres are searched in one bounding box rather than best-first.
const LOCAL_SEARCH_M: f64 = 1_000.0;

/// Ground distance from a point to a geometry in metres (0 inside an area): haversine to
/// a point; to an area, planar in an equirectangular projection centred on `point`, which
/// is within 0.1 % of the great-circle distance up to tens of kilometres and needs no
/// trigonometry per vertex.
///
/// # Units
/// lon/lat degrees in, metres out.
pub fn distance_m(point: Point, geometry: &Geometry) -> f64 {
    match geometry {
        Geometry::Point(other) => Haversine.distance(point, *other),
        _ if geometry.contains(&point) => 0.0,
        Geometry::Polygon(polygon) => polygon_m(&LocalPlane::at(point.0), polygon),
        Geometry::MultiPolygon(polygons) => {
            let plane = LocalPlane::at(point.0);
            polygons.iter().map(|p| polygon_m(&plane, p)).fold(f64::INFINITY, f64::min)
        }
        other => match other.haversine_closest_point(&point) {
            geo::Closest::Intersection(_) => 0.0,
            geo::Closest::SinglePoint(closest) => Haversine.distance(point, closest),
            geo::Closest::Indeterminate => f64::INFINITY,
        },
    }
}

/// Distance from the plane's origin to the polygon's boundary, in metres.
fn polygon_m(plane: &LocalPlane, polygon: &geo::Polygon) -> f64 {
    let origin = Coord { x: 0.0, y: 0.0 };
    std::iter::once(polygon.exterior())
        .chain(polygon.interiors())
        .flat_map(|ring| ring.lines())
        .map(|line| nearest_on_segment(origin, plane.to_metres(line.start), plane.to_metres(line.end)).1)
        .fold(f64::INFINITY, f64::min)
}

type Entry = GeomWithData<Rectangle<[f64; 2]>, u32>;

/// Wider nodes than rstar's default (6): the trees are bulk-loaded once and then only read,
/// and at a million entries a lookup is bound by cache misses, which fewer levels reduce.
pub struct WideNodes;

impl RTreeParams for WideNodes {
    const MIN_SIZE: usize = 6;
    const MAX_SIZE: usize = 16;
    const REINSERTION_COUNT: usize = 4;
    type DefaultInsertionStrategy = RStarInsertionStrategy;
}

/// Bounding rectangles of a layer's geometries, each tagged with the record's position.
pub struct AreaTree {
    tree: RTree<Entry, WideNodes>,
}

impl AreaTree {
    /// Bulk-loads the tree; `geometries[i]` is the geometry of record `i`.
    pub fn build<'a>(geometries: impl Iterator<Item = &'a Geometry>) -> AreaTree {
        let entries = geometries
            .enumerate()
            .filter_map(|(i, g)| {
                let rect = geo::BoundingRect::bounding_rect(g)?;
                let corners = Rectangle::from_corners(coord(rect.min()), coord(rect.max()));
                Some(GeomWithData::new(corners, i as u32))
            })
            .collect();
        AreaTree { tree: RTree::bulk_load_with_params(entries) }
    }

    /// Records whose geometry contains the point (exact test).
    pub fn containing<'a>(&'a self, point: Point, geometry: impl Fn(u32) -> &'a Geometry + 'a) -> impl Iterator<Item = u32> + 'a {
        self.tree.locate_all_at_point([point.x(), point.y()]).map(|entry| entry.data).filter(move |&i| geometry(i).contains(&point))
    }

    /// The box around every record, if there are any.
    pub fn envelope(&self) -> Option<AABB<[f64; 2]>> {
        (self.tree.size() > 0).then(|| self.tree.root().envelope())
    }

    /// Records whose bounding rectangle meets the box.
    pub fn in_envelope(&self, envelope: AABB<[f64; 2]>) -> impl Iterator<Item = u32> + '_ {
        self.tree.locate_in_envelope_intersecting(envelope).map(|entry| entry.data)
    }

    /// The record nearest to `point` by ground distance, if one lies within `max_m` metres.
    ///
    /// # Units
    /// lon/lat degrees; distances in metres.
    pub fn nearest<'a>(&'a self, point: Point, max_m: f64, geometry: impl Fn(u32) -> &'a Geometry) -> Option<(u32, f64)> {
        let closer = |best: Option<(u32, f64)>, (i, metres): (u32, f64)| match best {
            Some((_, d)) if d <= metres => best,
            _ if metres <= max_m => Some((i, metres)),
            _ => best,
        };
        if max_m <= LOCAL_SEARCH_M {
            // A short reach: every candidate lies in one small box, cheaper than a best-first walk.
            return self.in_envelope(envelope_around(point, max_m)).map(|i| (i, distance_m(point, geometry(i)))).fold(None, closer);
        }
        let mut best: Option<(u32, f64)> = None;
        for (entry, squared) in self.tree.nearest_neighbor_iter_with_distance_2([point.x(), point.y()]) {
            let bound = min_ground_distance_m(squared.sqrt(), point.y());
            if bound > max_m || best.is_some_and(|(_, d)| bound > d) {
                break;
            }
            best = closer(best, (entry.data, distance_m(point, geometry(entry.data))));
        }
        best
    }
}

/// Point features (stations), for k-nearest by ground distance.
pub struct PointTree {
    tree: RTree<GeomWithData<[f64; 2], u32>, WideNodes>,
    /// Each record's point (NaN where it had none), for distances without a tree lookup.
    points: Vec<[f64; 2]>,
}

impl PointTree {
    pub fn build(points: impl Iterator<Item = Option<Point>>) -> PointTree {
        let points: Vec<[f64; 2]> = points.map(|p| p.map_or([f64::NAN; 2], |p| [p.x(), p.y()])).collect();
        let entries = points.iter().enumerate().filter(|(_, p)| !p[0].is_nan()).map(|(i, p)| GeomWithData::new(*p, i as u32)).collect();
        PointTree { tree: RTree::bulk_load_with_params(entries), points }
    }

    /// Up to `k` records nearest to `point`, nearest first, with haversine metres; `keep`
    /// filters candidates (for example by facility kind).
    pub fn nearest(&self, point: Point, k: usize, keep: impl Fn(u32) -> bool) -> Vec<(u32, f64)> {
        let mut best: Vec<(u32, f64)> = Vec::with_capacity(k + 1);
        for (entry, squared) in self.tree.nearest_neighbor_iter_with_distance_2([point.x(), point.y()]) {
            if best.len() == k && min_ground_distance_m(squared.sqrt(), point.y()) > best[k - 1].1 {
                break;
            }
            if !keep(entry.data) {
                continue;
            }
            let metres = self.distance_to(point, entry.data);
            let at = best.partition_point(|(_, d)| *d <= metres);
            if at < k {
                best.insert(at, (entry.data, metres));
                best.truncate(k);
            }
        }
        best
    }

    /// Haversine metres from a point to record `i`.
    pub fn distance_to(&self, point: Point, i: u32) -> f64 {
        let [x, y] = self.points[i as usize];
        Haversine.distance(point, Point::new(x, y))
    }

    pub fn in_envelope(&self, envelope: AABB<[f64; 2]>) -> impl Iterator<Item = u32> + '_ {
        self.tree.locate_in_envelope(envelope).map(|entry| entry.data)
    }

    /// The box around every point, if there are any.
    pub fn envelope(&self) -> Option<AABB<[f64; 2]>> {
        (self.tree.size() > 0).then(|| self.tree.root().envelope())
    }
}

fn coord(c: Coord) -> [f64; 2] {
    [c.x, c.y]
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    fn square(x: f64, y: f64, side: f64) -> Geometry {
        Geometry::Polygon(polygon![(x: x, y: y), (x: x + side, y: y), (x: x + side, y: y + side), (x: x, y: y + side), (x: x, y: y)])
    }

    #[test]
    fn finds_containing_and_nearest_areas_in_metres() {
        let areas = [square(104.0, 30.0, 0.001), square(104.002, 30.0, 0.001)];
        let tree = AreaTree::build(areas.iter());
        let inside = Point::new(104.0005, 30.0005);
        assert_eq!(tree.containing(inside, |i| &areas[i as usize]).collect::<Vec<_>>(), vec![0]);
        // 0.0001° of longitude east of square 0 at 30° N is about 9.6 m.
        let gap = Point::new(104.0011, 30.0005);
        assert_eq!(tree.containing(gap, |i| &areas[i as usize]).count(), 0);
        let (nearest, metres) = tree.nearest(gap, 50.0, |i| &areas[i as usize]).unwrap();
        assert_eq!(nearest, 0);
        assert!((metres - 9.64).abs() < 0.1, "{metres}");
        assert_eq!(tree.nearest(Point::new(104.01, 30.0005), 50.0, |i| &areas[i as usize]), None);
    }

    #[test]
    fn envelopes_are_the_union_of_bounds() {
        let areas = [square(104.0, 30.0, 0.001), square(104.002, 30.003, 0.001)];
        let envelope = AreaTree::build(areas.iter()).envelope().unwrap();
        assert_eq!((envelope.lower(), envelope.upper()), ([104.0, 30.0], [104.002 + 0.001, 30.003 + 0.001]));
        assert!(AreaTree::build(std::iter::empty()).envelope().is_none());
        let points = PointTree::build([Some(Point::new(104.1, 30.2)), None, Some(Point::new(104.0, 30.3))].into_iter());
        let envelope = points.envelope().unwrap();
        assert_eq!((envelope.lower(), envelope.upper()), ([104.0, 30.2], [104.1, 30.3]));
    }

    #[test]
    fn k_nearest_points_match_brute_force_haversine() {
        let points: Vec<Point> =
            (0..400).map(|i| Point::new(104.0 + f64::from(i % 20) * 0.0013, 30.0 + f64::from(i / 20) * 0.0009)).collect();
        let tree = PointTree::build(points.iter().map(|p| Some(*p)));
        for probe in [Point::new(104.011, 30.007), Point::new(103.9, 29.9), Point::new(104.0001, 30.0171)] {
            let found = tree.nearest(probe, 3, |i| i % 3 != 0);
            let mut brute: Vec<(u32, f64)> =
                points.iter().enumerate().filter(|(i, _)| i % 3 != 0).map(|(i, p)| (i as u32, Haversine.distance(probe, *p))).collect();
            brute.sort_by(|a, b| a.1.total_cmp(&b.1));
            assert_eq!(found, brute[..3].to_vec());
        }
    }
}
