//! The one place that turns degrees into metres: the Earth's radius, the local metric plane
//! and boxes in degrees that hold every point within some metres.
//!
//! Coordinates are lon/lat (WGS84) degrees, lengths metres. Everything works on the mean
//! sphere of `geo::Haversine`, so that the R-tree bounds, the snapping to streets, the
//! walking isochrones and the haversine distances they are checked against all use the same
//! radius and cannot drift apart. The service measures walks of at most a few kilometres,
//! where the sphere is within 0.5 % of the ellipsoid and the equirectangular plane within
//! 0.1 % of the great circle.

use geo::{Coord, Point};
use rstar::AABB;

/// Mean Earth radius in metres (GRS80 R₁, 6,371,008.8 m): the radius `geo::Haversine`
/// measures with, taken from it rather than copied.
///
/// # Examples
///
/// ```
/// use geo::{Distance, Haversine, Point};
/// use minsheng::geodesy::EARTH_RADIUS_M;
///
/// // A quarter of a meridian, pole to equator.
/// let quarter = Haversine.distance(Point::new(0.0, 0.0), Point::new(0.0, 90.0));
/// assert!((quarter - EARTH_RADIUS_M * std::f64::consts::FRAC_PI_2).abs() < 1e-6);
/// ```
pub const EARTH_RADIUS_M: f64 = geo::Haversine.radius();

/// Metres in one degree of latitude (about 111.2 km), the same everywhere on the sphere;
/// also a degree of longitude on the equator.
///
/// # Examples
///
/// ```
/// use geo::{Distance, Haversine, Point};
/// use minsheng::geodesy::METRES_PER_DEGREE_LAT;
///
/// let degree = Haversine.distance(Point::new(104.0, 30.0), Point::new(104.0, 31.0));
/// assert!((degree - METRES_PER_DEGREE_LAT).abs() < 1e-6);
/// assert!((METRES_PER_DEGREE_LAT - 111_195.08).abs() < 0.01);
/// ```
pub const METRES_PER_DEGREE_LAT: f64 = EARTH_RADIUS_M.to_radians();

/// Metres in one degree of longitude along the parallel at `lat` degrees: a degree of
/// latitude shrunk by the cosine of the latitude.
///
/// # Examples
///
/// ```
/// use geo::{Distance, Haversine, Point};
/// use minsheng::geodesy::{METRES_PER_DEGREE_LAT, metres_per_degree_lon};
///
/// assert_eq!(metres_per_degree_lon(0.0), METRES_PER_DEGREE_LAT);
/// assert!((metres_per_degree_lon(60.0) - METRES_PER_DEGREE_LAT / 2.0).abs() < 1e-9);
/// // A short step east at Chengdu's latitude, against the great circle.
/// let step = Haversine.distance(Point::new(104.0, 30.6), Point::new(104.001, 30.6));
/// assert!((step / 0.001 - metres_per_degree_lon(30.6)).abs() < 1e-3);
/// ```
pub fn metres_per_degree_lon(lat: f64) -> f64 {
    METRES_PER_DEGREE_LAT * lat.to_radians().cos()
}

/// How many degrees of latitude `metres` span north–south.
///
/// # Examples
///
/// ```
/// use geo::{Destination, Haversine, Point};
/// use minsheng::geodesy::degrees_of_latitude;
///
/// let north = Haversine.destination(Point::new(104.0, 30.6), 0.0, 1_000.0);
/// assert!((north.y() - 30.6 - degrees_of_latitude(1_000.0)).abs() < 1e-12);
/// ```
pub fn degrees_of_latitude(metres: f64) -> f64 {
    (metres / EARTH_RADIUS_M).to_degrees()
}

/// A conservative lower bound, in metres, on the ground distance between two places whose
/// lon/lat separation is `degrees` (Euclidean, in degrees) near latitude `lat`. It lets a
/// nearest-neighbour walk over an R-tree in degrees stop as soon as no farther candidate can
/// win: the cosine is taken at the latitude farthest from the equator the other place can
/// have, and 1 % is kept back for the curvature the plane ignores.
///
/// # Examples
///
/// ```
/// use geo::{Distance, Haversine, Point};
/// use minsheng::geodesy::min_ground_distance_m;
///
/// let (a, b): (Point, Point) = (Point::new(104.0, 30.6), Point::new(104.03, 30.64));
/// let degrees = (b.x() - a.x()).hypot(b.y() - a.y());
/// let bound = min_ground_distance_m(degrees, a.y());
/// let exact = Haversine.distance(a, b);
/// assert!(bound <= exact && bound > 0.8 * exact, "{bound} vs {exact}");
/// ```
pub fn min_ground_distance_m(degrees: f64, lat: f64) -> f64 {
    let worst_lat = (lat.abs() + degrees).min(90.0);
    0.99 * EARTH_RADIUS_M * degrees.to_radians() * worst_lat.to_radians().cos()
}

/// The lon/lat box that holds every point within `metres` of `centre`.
///
/// The longitude half-width is taken at the centre's latitude (with the cosine kept above
/// 1e-6 so a pole still gives a finite box): exact for points due east and west, and the
/// parallels nearer the pole, where a degree is shorter, are reached only by points that
/// are also farther north or south. Used for short reaches (up to a few km).
///
/// # Examples
///
/// ```
/// use geo::{Destination, Haversine, Point};
/// use minsheng::geodesy::envelope_around;
/// use rstar::Envelope;
///
/// let centre = Point::new(104.06, 30.66);
/// let envelope = envelope_around(centre, 500.0);
/// for bearing in (0..360).step_by(15) {
///     let p = Haversine.destination(centre, f64::from(bearing), 499.0);
///     assert!(envelope.contains_point(&[p.x(), p.y()]), "{bearing}°");
/// }
/// let beyond = Haversine.destination(centre, 90.0, 501.0);
/// assert!(!envelope.contains_point(&[beyond.x(), beyond.y()]));
/// ```
pub fn envelope_around(centre: Point, metres: f64) -> AABB<[f64; 2]> {
    let dlat = degrees_of_latitude(metres);
    let dlon = dlat / centre.y().to_radians().cos().max(1e-6);
    AABB::from_corners([centre.x() - dlon, centre.y() - dlat], [centre.x() + dlon, centre.y() + dlat])
}

/// A lon/lat box `[west, south, east, north]` grown by `metres` on every side. The
/// longitude margin is taken at the box's latitude farthest from the equator (capped at
/// 89°), where a degree east is shortest, so the result holds every point within `metres`
/// of the box.
///
/// # Examples
///
/// ```
/// use geo::{Destination, Haversine, Point};
/// use minsheng::geodesy::grown_bbox;
/// use rstar::Envelope;
///
/// let bbox = [104.0, 30.6, 104.01, 30.61];
/// let grown = grown_bbox(bbox, 1_000.0);
/// for corner in [Point::new(104.0, 30.6), Point::new(104.01, 30.61), Point::new(104.0, 30.61)] {
///     for bearing in (0..360).step_by(20) {
///         let p = Haversine.destination(corner, f64::from(bearing), 999.0);
///         assert!(grown.contains_point(&[p.x(), p.y()]), "{p:?}");
///     }
/// }
/// assert_eq!(grown_bbox(bbox, 0.0), rstar::AABB::from_corners([104.0, 30.6], [104.01, 30.61]));
/// ```
pub fn grown_bbox([west, south, east, north]: [f64; 4], metres: f64) -> AABB<[f64; 2]> {
    let dlat = degrees_of_latitude(metres);
    let widest = south.abs().max(north.abs()).min(89.0);
    let dlon = dlat / widest.to_radians().cos();
    AABB::from_corners([west - dlon, south - dlat], [east + dlon, north + dlat])
}

/// The area of a lon/lat box `[west, south, east, north]` on the sphere, in square metres:
/// R² · Δλ · (sin north − sin south).
///
/// # Examples
///
/// ```
/// use minsheng::geodesy::{EARTH_RADIUS_M, box_area_m2};
///
/// // The whole sphere is 4πR².
/// let earth = box_area_m2([-180.0, -90.0, 180.0, 90.0]);
/// assert!((earth / (4.0 * std::f64::consts::PI * EARTH_RADIUS_M * EARTH_RADIUS_M) - 1.0).abs() < 1e-12);
/// // A 0.01° square at 30.6° N is about 1.11 km by 0.96 km.
/// let small = box_area_m2([104.0, 30.6, 104.01, 30.61]);
/// assert!((small / 1e6 - 1.0638).abs() < 1e-3, "{small}");
/// ```
pub fn box_area_m2([west, south, east, north]: [f64; 4]) -> f64 {
    EARTH_RADIUS_M * EARTH_RADIUS_M * (east - west).to_radians() * (north.to_radians().sin() - south.to_radians().sin())
}

/// A flat map in metres (x east, y north) around an origin: the equirectangular projection,
/// with a degree of longitude worth [`metres_per_degree_lon`] at one reference latitude.
/// Within 0.1 % of the great-circle distance up to tens of kilometres from that latitude,
/// and it needs no trigonometry per point, which matters in the inner loops of snapping,
/// isochrone grids and nearest-area searches.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LocalPlane {
    origin: Coord,
    metres_per_degree_lon: f64,
}

impl LocalPlane {
    /// The plane centred on `origin`, scaled at the origin's latitude.
    ///
    /// # Examples
    ///
    /// ```
    /// use geo::{Coord, Distance, Haversine, Point};
    /// use minsheng::geodesy::LocalPlane;
    ///
    /// let origin = Coord { x: 104.06, y: 30.66 };
    /// let plane = LocalPlane::at(origin);
    /// let p = Coord { x: 104.07, y: 30.67 };
    /// let m = plane.to_metres(p);
    /// let exact = Haversine.distance(Point(origin), Point(p));
    /// assert!((m.x.hypot(m.y) / exact - 1.0).abs() < 1e-3);
    /// ```
    pub fn at(origin: Coord) -> LocalPlane {
        LocalPlane::scaled_at(origin, origin.y)
    }

    /// The plane with its origin at `origin` but longitude scaled at `lat` degrees: a grid
    /// anchored at a box's corner and scaled where a degree east is longest, so that planar
    /// distances never understate ground distances over the box.
    ///
    /// # Examples
    ///
    /// ```
    /// use geo::Coord;
    /// use minsheng::geodesy::{LocalPlane, metres_per_degree_lon};
    ///
    /// let corner = Coord { x: 104.0, y: 30.6 };
    /// let plane = LocalPlane::scaled_at(corner, 30.6);
    /// assert_eq!(plane.origin(), corner);
    /// assert_eq!(plane.metres_per_degree_lon(), metres_per_degree_lon(30.6));
    /// assert_eq!(plane.to_metres(corner), Coord { x: 0.0, y: 0.0 });
    /// ```
    pub fn scaled_at(origin: Coord, lat: f64) -> LocalPlane {
        LocalPlane { origin, metres_per_degree_lon: metres_per_degree_lon(lat) }
    }

    /// The lon/lat point the plane's (0, 0) stands for.
    ///
    /// # Examples
    ///
    /// ```
    /// use geo::Coord;
    /// use minsheng::geodesy::LocalPlane;
    ///
    /// let origin = Coord { x: 2.42, y: 43.73 };
    /// assert_eq!(LocalPlane::at(origin).origin(), origin);
    /// ```
    pub fn origin(&self) -> Coord {
        self.origin
    }

    /// Metres in a degree of longitude on this plane; a degree of latitude is always
    /// [`METRES_PER_DEGREE_LAT`].
    ///
    /// # Examples
    ///
    /// ```
    /// use geo::Coord;
    /// use minsheng::geodesy::{LocalPlane, METRES_PER_DEGREE_LAT};
    ///
    /// let plane = LocalPlane::at(Coord { x: 10.0, y: 60.0 });
    /// assert!((plane.metres_per_degree_lon() - METRES_PER_DEGREE_LAT / 2.0).abs() < 1e-9);
    /// ```
    pub fn metres_per_degree_lon(&self) -> f64 {
        self.metres_per_degree_lon
    }

    /// A lon/lat point as metres east and north of the origin.
    ///
    /// # Examples
    ///
    /// ```
    /// use geo::{Coord, Distance, Haversine, Point};
    /// use minsheng::geodesy::LocalPlane;
    ///
    /// let origin = Coord { x: 104.06, y: 30.66 };
    /// let plane = LocalPlane::at(origin);
    /// let north = plane.to_metres(Coord { x: 104.06, y: 30.67 });
    /// assert_eq!(north.x, 0.0);
    /// let exact = Haversine.distance(Point(origin), Point::new(104.06, 30.67));
    /// assert!((north.y - exact).abs() < 1e-6);
    /// ```
    pub fn to_metres(&self, c: Coord) -> Coord {
        Coord { x: (c.x - self.origin.x) * self.metres_per_degree_lon, y: (c.y - self.origin.y) * METRES_PER_DEGREE_LAT }
    }

    /// The lon/lat point `m` metres east and north of the origin; the inverse of
    /// [`LocalPlane::to_metres`].
    ///
    /// # Examples
    ///
    /// ```
    /// use geo::{Coord, Destination, Haversine, Point};
    /// use minsheng::geodesy::LocalPlane;
    ///
    /// let plane = LocalPlane::at(Coord { x: 104.06, y: 30.66 });
    /// let p = Coord { x: 104.0612, y: 30.6587 };
    /// let back = plane.to_degrees(plane.to_metres(p));
    /// assert!((back.x - p.x).abs() < 1e-12 && (back.y - p.y).abs() < 1e-12);
    /// // 300 m east lands where the great circle does, to the millimetre.
    /// let east = plane.to_degrees(Coord { x: 300.0, y: 0.0 });
    /// let exact = Haversine.destination(Point::new(104.06, 30.66), 90.0, 300.0);
    /// assert!((east.x - exact.x()).abs() < 1e-8);
    /// ```
    pub fn to_degrees(&self, m: Coord) -> Coord {
        Coord { x: self.origin.x + m.x / self.metres_per_degree_lon, y: self.origin.y + m.y / METRES_PER_DEGREE_LAT }
    }
}

/// The point of segment `a`–`b` nearest to `p`, all in one local plane (metres): its
/// position along the segment (0 at `a`, 1 at `b`) and its distance from `p`. A segment of
/// no length answers with `a`.
///
/// # Examples
///
/// ```
/// use geo::Coord;
/// use minsheng::geodesy::nearest_on_segment;
///
/// let (a, b) = (Coord { x: 0.0, y: 0.0 }, Coord { x: 100.0, y: 0.0 });
/// assert_eq!(nearest_on_segment(Coord { x: 30.0, y: 40.0 }, a, b), (0.3, 40.0));
/// // Past the end the segment's end is the nearest point (a 3-4-5 triangle).
/// assert_eq!(nearest_on_segment(Coord { x: 130.0, y: -40.0 }, a, b), (1.0, 50.0));
/// assert_eq!(nearest_on_segment(Coord { x: 3.0, y: 4.0 }, a, a), (0.0, 5.0));
/// ```
#[inline]
pub fn nearest_on_segment(p: Coord, a: Coord, b: Coord) -> (f64, f64) {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let length_squared = dx * dx + dy * dy;
    let t = if length_squared > 0.0 { (((p.x - a.x) * dx + (p.y - a.y) * dy) / length_squared).clamp(0.0, 1.0) } else { 0.0 };
    (t, (p.x - a.x - t * dx).hypot(p.y - a.y - t * dy))
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Destination, Distance, Haversine};
    use rstar::Envelope;

    /// Pseudo-random points over the inhabited latitudes, reproducible.
    fn places() -> impl Iterator<Item = Point> {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        std::iter::repeat_with(move || Point::new(next() * 360.0 - 180.0, next() * 140.0 - 70.0)).take(500)
    }

    #[test]
    fn envelopes_hold_every_point_within_reach_and_not_much_more() {
        for centre in places() {
            for metres in [30.0, 1_000.0, 5_000.0] {
                let envelope = envelope_around(centre, metres);
                for bearing in (0..360).step_by(10) {
                    let p = Haversine.destination(centre, f64::from(bearing), metres * 0.999);
                    assert!(envelope.contains_point(&[p.x(), p.y()]), "{centre:?} {metres} m {bearing}°");
                }
                for bearing in [0.0, 90.0, 180.0, 270.0] {
                    let p = Haversine.destination(centre, bearing, metres * 1.001);
                    assert!(!envelope.contains_point(&[p.x(), p.y()]), "{centre:?} {metres} m {bearing}° is outside the circle");
                }
            }
        }
    }

    #[test]
    fn grown_boxes_hold_every_point_within_reach_of_the_box() {
        for corner in places() {
            let bbox = [corner.x(), corner.y(), corner.x() + 0.05, corner.y() + 0.03];
            let grown = grown_bbox(bbox, 2_000.0);
            for (x, y) in [(bbox[0], bbox[1]), (bbox[2], bbox[3]), (bbox[0], bbox[3]), (bbox[2], bbox[1])] {
                for bearing in (0..360).step_by(15) {
                    let p = Haversine.destination(Point::new(x, y), f64::from(bearing), 1_999.0);
                    assert!(grown.contains_point(&[p.x(), p.y()]), "{bbox:?} {bearing}°");
                }
            }
        }
    }

    #[test]
    fn the_lower_bound_never_exceeds_the_great_circle() {
        let mut tightest = 0.0_f64;
        for a in places() {
            for (bearing, metres) in [(0.0, 50.0), (45.0, 800.0), (90.0, 3_000.0), (200.0, 20_000.0), (300.0, 150.0)] {
                let b = Haversine.destination(a, bearing, metres);
                let degrees = (b.x() - a.x()).hypot(b.y() - a.y());
                let bound = min_ground_distance_m(degrees, a.y());
                let exact = Haversine.distance(a, b);
                assert!(bound <= exact, "{a:?} → {b:?}: {bound} > {exact}");
                tightest = tightest.max(bound / exact);
            }
        }
        // Useful, not just safe: somewhere it comes within 2 % of the truth.
        assert!(tightest > 0.98, "{tightest}");
    }

    #[test]
    fn the_local_plane_stays_within_a_thousandth_of_the_great_circle_at_city_scale() {
        for origin in places() {
            let plane = LocalPlane::at(origin.0);
            for (bearing, metres) in [(10.0, 200.0), (95.0, 2_000.0), (230.0, 8_000.0)] {
                let p = Haversine.destination(origin, bearing, metres);
                let m = plane.to_metres(p.0);
                assert!((m.x.hypot(m.y) / metres - 1.0).abs() < 1e-3, "{origin:?} {bearing}° {metres} m");
                let back = plane.to_degrees(m);
                assert!((back.x - p.x()).abs() < 1e-9 && (back.y - p.y()).abs() < 1e-9);
            }
        }
    }

    #[test]
    fn box_areas_add_up_and_match_a_fine_sum_of_strips() {
        let bbox = [104.0, 30.0, 104.5, 30.8];
        let halves = box_area_m2([104.0, 30.0, 104.5, 30.4]) + box_area_m2([104.0, 30.4, 104.5, 30.8]);
        assert!((box_area_m2(bbox) / halves - 1.0).abs() < 1e-12);
        // Independent: strips of height dφ, each R·dφ tall and R·cos φ·Δλ wide.
        let strips = 10_000;
        let step = 0.8 / f64::from(strips);
        let sum: f64 = (0..strips)
            .map(|i| {
                let lat = 30.0 + (f64::from(i) + 0.5) * step;
                EARTH_RADIUS_M * step.to_radians() * EARTH_RADIUS_M * lat.to_radians().cos() * 0.5_f64.to_radians()
            })
            .sum();
        assert!((box_area_m2(bbox) / sum - 1.0).abs() < 1e-8);
    }
}
