//! The coordinate systems an OGC API client may ask for (`crs=`) or send a
//! bbox in (`bbox-crs=`), as in OGC API – Features Part 2.
//!
//! Storage is WGS84 `(lon, lat)` degrees (= CRS84). Each [`OutputCrs`] maps that
//! to its own numbers in its own axis order ([`OutputCrs::forward`]) and back
//! ([`OutputCrs::inverse`]).

use std::f64::consts::FRAC_PI_4;
use std::fmt;
use std::str::FromStr;

use geojson::{Geometry, GeometryValue, Position};

use super::{gcj02_to_wgs84, wgs84_to_gcj02};

/// WGS84 semi-major axis in metres: Web Mercator projects the sphere of this
/// radius (EPSG:3857, "Popular Visualisation Pseudo-Mercator").
const WEB_MERCATOR_RADIUS_M: f64 = 6_378_137.0;
/// The latitude where Web Mercator's square world ends (atan(sinh π), in
/// degrees). Beyond it y grows without bound (infinite at the poles, which JSON
/// cannot carry), so latitudes are clamped to it, as tile maps do.
const WEB_MERCATOR_MAX_LAT: f64 = 85.051_128_779_806_59;
/// How many pieces each edge of a GCJ-02 bbox is cut into to find its WGS84
/// envelope: the GCJ-02 offset bends straight edges slightly, so corners alone
/// could miss a bulge (the smallest ripple has a period of 1/3°).
const GCJ_BBOX_EDGE_STEPS: u32 = 64;

/// URI of GCJ-02 (AMap, Tencent, WeChat). It has no EPSG code and no registered
/// URI anywhere (PROJ has no definition either; libraries just call it
/// "GCJ02"), so Minsheng names it with a URN of its own, in the shape of the
/// OGC URNs (`urn:ogc:def:crs:…`), that does not depend on where a server runs.
pub const GCJ02_URI: &str = "urn:minsheng:def:crs:GCJ-02";

/// A coordinate system answers can be given in. The default is CRS84, the
/// storage system and GeoJSON's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum OutputCrs {
    /// WGS84 longitude, latitude (OGC CRS84, GeoJSON's order).
    #[default]
    Crs84,
    /// WGS84 in EPSG's axis order: latitude, longitude.
    Epsg4326,
    /// Web Mercator metres (x east, y north) on the WGS84 sphere.
    Epsg3857,
    /// CGCS2000, what Tianditu (天地图) uses, in EPSG's axis order latitude,
    /// longitude. The numbers are the WGS84 ones: CGCS2000 and the current WGS84
    /// frame agree to a few centimetres (less than the phones' GPS error),
    /// PROJ's own CRS84 → EPSG:4490 step is a "ballpark" identity, and
    /// Tianditu accepts WGS84 and CGCS2000 alike.
    Epsg4490,
    /// GCJ-02 longitude, latitude, so data lines up on AMap and Tencent base
    /// maps. Only inside [`super::in_china`]; outside it the numbers are WGS84,
    /// as the apps themselves do.
    Gcj02,
}

impl OutputCrs {
    /// Every supported system, in the order they are advertised.
    pub const ALL: [OutputCrs; 5] = [OutputCrs::Crs84, OutputCrs::Epsg4326, OutputCrs::Epsg3857, OutputCrs::Epsg4490, OutputCrs::Gcj02];

    /// The URI that names this system in `crs`, `bbox-crs`, `Content-Crs` and
    /// the collections' `crs` lists.
    pub fn uri(self) -> &'static str {
        match self {
            OutputCrs::Crs84 => "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
            OutputCrs::Epsg4326 => "http://www.opengis.net/def/crs/EPSG/0/4326",
            OutputCrs::Epsg3857 => "http://www.opengis.net/def/crs/EPSG/0/3857",
            OutputCrs::Epsg4490 => "http://www.opengis.net/def/crs/EPSG/0/4490",
            OutputCrs::Gcj02 => GCJ02_URI,
        }
    }

    /// The safe-CURIE form (`[EPSG:4326]`), which Part 2 allows besides the URI.
    pub fn curie(self) -> &'static str {
        match self {
            OutputCrs::Crs84 => "[OGC:CRS84]",
            OutputCrs::Epsg4326 => "[EPSG:4326]",
            OutputCrs::Epsg3857 => "[EPSG:3857]",
            OutputCrs::Epsg4490 => "[EPSG:4490]",
            OutputCrs::Gcj02 => "[MINSHENG:GCJ-02]",
        }
    }

    /// Reads a `crs` / `bbox-crs` value: one of the [`OutputCrs::uri`]s
    /// exactly, or a safe CURIE such as `[EPSG:4326]` (authority in any letter
    /// case). The error names the value and lists the accepted URIs.
    pub fn from_uri(value: &str) -> Result<Self, String> {
        let curie = value.strip_prefix('[').and_then(|v| v.strip_suffix(']'));
        OutputCrs::ALL
            .into_iter()
            .find(|crs| match curie {
                Some(inner) => crs.curie()[1..crs.curie().len() - 1].eq_ignore_ascii_case(inner),
                None => crs.uri() == value,
            })
            .ok_or_else(|| {
                let uris: Vec<&str> = OutputCrs::ALL.iter().map(|c| c.uri()).collect();
                format!("unsupported crs {value:?}: expected one of {} (or a safe CURIE such as [EPSG:4326])", uris.join(", "))
            })
    }

    /// Whether the first number of a position is the latitude (EPSG's order for
    /// the geographic systems 4326 and 4490).
    pub fn is_lat_lon(self) -> bool {
        matches!(self, OutputCrs::Epsg4326 | OutputCrs::Epsg4490)
    }

    /// WGS84 `(lon, lat)` degrees → this system's two numbers, in its own axis
    /// order: degrees (lat, lon for 4326 and 4490; lon, lat for CRS84 and
    /// GCJ-02) or metres (x, y for 3857).
    pub fn forward(self, lon: f64, lat: f64) -> [f64; 2] {
        match self {
            OutputCrs::Crs84 => [lon, lat],
            OutputCrs::Epsg4326 | OutputCrs::Epsg4490 => [lat, lon],
            OutputCrs::Epsg3857 => {
                let phi = lat.clamp(-WEB_MERCATOR_MAX_LAT, WEB_MERCATOR_MAX_LAT).to_radians();
                [WEB_MERCATOR_RADIUS_M * lon.to_radians(), WEB_MERCATOR_RADIUS_M * (FRAC_PI_4 + phi / 2.0).tan().ln()]
            }
            OutputCrs::Gcj02 => {
                let (glon, glat) = wgs84_to_gcj02(lon, lat);
                [glon, glat]
            }
        }
    }

    /// This system's two numbers `(a, b)`, in its axis order → WGS84
    /// `(lon, lat)` degrees. Exact inverse of [`OutputCrs::forward`] (GCJ-02
    /// iterates to 1e-10°).
    pub fn inverse(self, a: f64, b: f64) -> (f64, f64) {
        match self {
            OutputCrs::Crs84 => (a, b),
            OutputCrs::Epsg4326 | OutputCrs::Epsg4490 => (b, a),
            OutputCrs::Epsg3857 => ((a / WEB_MERCATOR_RADIUS_M).to_degrees(), (b / WEB_MERCATOR_RADIUS_M).sinh().atan().to_degrees()),
            OutputCrs::Gcj02 => gcj02_to_wgs84(a, b),
        }
    }

    /// A copy of a WGS84 GeoJSON geometry with every position in this system
    /// (heights, if any, kept). A `bbox` on the geometry is recomputed in the
    /// new numbers.
    pub fn geometry(self, geometry: &Geometry) -> Geometry {
        let mut out = geometry.clone();
        if self != OutputCrs::Crs84 {
            self.transform_in_place(&mut out);
        }
        out
    }

    /// Transforms `geometry` (and any it contains) in place and returns the
    /// envelope of its new positions, rebuilding each `bbox` met on the way.
    fn transform_in_place(self, geometry: &mut Geometry) -> Bounds {
        let mut bounds = Bounds::default();
        if let GeometryValue::GeometryCollection { geometries } = &mut geometry.value {
            for g in geometries {
                bounds.merge(self.transform_in_place(g));
            }
        } else {
            for_each_position(&mut geometry.value, &mut |p: &mut Position| {
                let xy = p.as_slice_mut();
                if xy.len() >= 2 {
                    let [a, b] = self.forward(xy[0], xy[1]);
                    xy[0] = a;
                    xy[1] = b;
                    bounds.add(a, b);
                }
            });
        }
        if let (Some(bbox), Some([a0, b0, a1, b1])) = (geometry.bbox.as_mut(), bounds.get()) {
            // A 3-D bbox keeps its heights; other lengths are not GeoJSON and stay as they are.
            match bbox.len() {
                4 => *bbox = vec![a0, b0, a1, b1],
                6 => *bbox = vec![a0, b0, bbox[2], a1, b1, bbox[5]],
                _ => {}
            }
        }
        bounds
    }

    /// A `bbox` given in this system (`bbox-crs`), four numbers in its axis
    /// order (min a, min b, max a, max b), → the CRS84 `[west, south, east,
    /// north]` envelope that covers it.
    ///
    /// For CRS84, 4326 and 4490 this only reorders; for 3857 the corners map
    /// exactly (meridians and parallels stay straight). A GCJ-02 rectangle is
    /// slightly bent in WGS84, so its outline is sampled (`GCJ_BBOX_EDGE_STEPS`,
    /// pieces an edge) and the envelope of the sampled points returned.
    /// Results are clamped to ±180° / ±90°.
    pub fn bbox_to_crs84(self, bbox: [f64; 4]) -> [f64; 4] {
        let [a0, b0, a1, b1] = bbox;
        let out = match self {
            OutputCrs::Crs84 => bbox,
            OutputCrs::Epsg4326 | OutputCrs::Epsg4490 => [b0, a0, b1, a1],
            OutputCrs::Epsg3857 => {
                let (w, s) = self.inverse(a0, b0);
                let (e, n) = self.inverse(a1, b1);
                [w, s, e, n]
            }
            OutputCrs::Gcj02 => {
                let mut bounds = Bounds::default();
                let steps = f64::from(GCJ_BBOX_EDGE_STEPS);
                for i in 0..=GCJ_BBOX_EDGE_STEPS {
                    let t = f64::from(i) / steps;
                    let (a, b) = (a0 + (a1 - a0) * t, b0 + (b1 - b0) * t);
                    for (x, y) in [(a, b0), (a, b1), (a0, b), (a1, b)] {
                        let (lon, lat) = gcj02_to_wgs84(x, y);
                        bounds.add(lon, lat);
                    }
                }
                bounds.get().unwrap_or(bbox)
            }
        };
        let [w, s, e, n] = out;
        [w.clamp(-180.0, 180.0), s.clamp(-90.0, 90.0), e.clamp(-180.0, 180.0), n.clamp(-90.0, 90.0)]
    }
}

impl fmt::Display for OutputCrs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.uri())
    }
}

impl FromStr for OutputCrs {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OutputCrs::from_uri(s)
    }
}

/// Running min/max of two axes.
#[derive(Default)]
struct Bounds(Option<[f64; 4]>);

impl Bounds {
    fn add(&mut self, a: f64, b: f64) {
        let r = self.0.get_or_insert([a, b, a, b]);
        *r = [r[0].min(a), r[1].min(b), r[2].max(a), r[3].max(b)];
    }

    fn merge(&mut self, other: Bounds) {
        if let Some([a0, b0, a1, b1]) = other.0 {
            self.add(a0, b0);
            self.add(a1, b1);
        }
    }

    fn get(&self) -> Option<[f64; 4]> {
        self.0
    }
}

/// Calls `f` on every position of a simple (non-collection) geometry.
fn for_each_position(value: &mut GeometryValue, f: &mut impl FnMut(&mut Position)) {
    match value {
        GeometryValue::Point { coordinates } => f(coordinates),
        GeometryValue::MultiPoint { coordinates } | GeometryValue::LineString { coordinates } => coordinates.iter_mut().for_each(f),
        GeometryValue::MultiLineString { coordinates } | GeometryValue::Polygon { coordinates } => {
            coordinates.iter_mut().flatten().for_each(f)
        }
        GeometryValue::MultiPolygon { coordinates } => coordinates.iter_mut().flatten().flatten().for_each(f),
        // Collections are walked by the caller, which rebuilds each member's bbox.
        GeometryValue::GeometryCollection { .. } => {}
    }
}

#[cfg(test)]
mod tests {
    use std::f64::consts::PI;

    use super::*;

    #[test]
    fn uris_and_curies_parse_back() {
        for crs in OutputCrs::ALL {
            assert_eq!(OutputCrs::from_uri(crs.uri()), Ok(crs));
            assert_eq!(OutputCrs::from_uri(crs.curie()), Ok(crs));
            assert_eq!(crs.to_string().parse::<OutputCrs>(), Ok(crs));
        }
        assert_eq!(OutputCrs::from_uri("[epsg:4490]"), Ok(OutputCrs::Epsg4490));
        assert_eq!(OutputCrs::default(), OutputCrs::Crs84);
    }

    #[test]
    fn web_mercator_clamps_the_poles_to_finite_numbers() {
        let [_, y] = OutputCrs::Epsg3857.forward(0.0, 90.0);
        let [_, edge] = OutputCrs::Epsg3857.forward(0.0, WEB_MERCATOR_MAX_LAT);
        assert!(y.is_finite() && (y - edge).abs() < 1e-6);
        // The square world: the edge latitude maps to π R, like the edge longitude.
        assert!((edge - PI * WEB_MERCATOR_RADIUS_M).abs() < 1e-3, "{edge}");
    }

    #[test]
    fn geometry_transforms_every_position_and_its_bbox() {
        let mut line = Geometry::new(GeometryValue::new_line_string([[104.0, 30.0], [104.1, 30.2]]));
        line.bbox = Some(vec![104.0, 30.0, 104.1, 30.2]);
        let collection = Geometry::new(GeometryValue::GeometryCollection {
            geometries: vec![line, Geometry::new(GeometryValue::new_point([1.0, 2.0, 7.0]))],
        });
        let out = OutputCrs::Epsg4326.geometry(&collection);
        let GeometryValue::GeometryCollection { geometries } = &out.value else { panic!("{out:?}") };
        let GeometryValue::LineString { coordinates } = &geometries[0].value else { panic!() };
        assert_eq!(coordinates[1].as_slice(), &[30.2, 104.1]);
        assert_eq!(geometries[0].bbox.as_deref(), Some(&[30.0, 104.0, 30.2, 104.1][..]));
        let GeometryValue::Point { coordinates } = &geometries[1].value else { panic!() };
        assert_eq!(coordinates.as_slice(), &[2.0, 1.0, 7.0]);
        assert_eq!(OutputCrs::Crs84.geometry(&collection), collection);
    }
}
