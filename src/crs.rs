//! Conversion between the coordinate systems Chinese apps send and WGS84.
//!
//! Phone apps in China report GCJ-02 (AMap, Tencent, WeChat) or BD-09 (Baidu)
//! positions; Minsheng stores WGS84 only, so every input is converted on the
//! way in and may be converted back on the way out.
//!
//! # Units
//! Every function takes and returns `(lon, lat)` in decimal degrees, because
//! that is what the apps send and what the store keeps.
//!
//! GCJ-02 is a published forward formula (Krasovsky-1940 ellipsoid plus a
//! deliberate, smooth distortion); BD-09 is a further rotation/scaling of
//! GCJ-02. Neither has a closed-form inverse. The common one-step inverse is
//! off by 1–2 m, which is too coarse for compound-level data, so both inverses
//! here iterate the forward formula until it reproduces the input to 1e-10°
//! (about 10 µm).
//!
//! Outside [`in_china`] the offsets do not apply: GCJ-02 and BD-09 equal WGS84.

use std::f64::consts::PI;
use std::fmt;
use std::str::FromStr;

/// Krasovsky-1940 semi-major axis in metres: GCJ-02 is defined on it.
const KRASOVSKY_A: f64 = 6_378_245.0;
/// Krasovsky-1940 first eccentricity squared (published as
/// 0.00669342162296594323; f64 keeps the digits below).
const KRASOVSKY_EE: f64 = 0.006_693_421_622_965_943;
/// BD-09's angular scale (3000 × π/180).
const BD_X_PI: f64 = PI * 3000.0 / 180.0;
/// BD-09's fixed shift in degrees.
const BD_DLON: f64 = 0.0065;
const BD_DLAT: f64 = 0.006;

/// The inverses stop once the forward formula reproduces the input this
/// closely (degrees, ~10 µm on the ground).
const INVERSE_TOLERANCE_DEG: f64 = 1e-10;
/// Both forward maps are the identity plus an offset whose slope is < 0.05,
/// so a handful of steps reaches the tolerance; the cap is a safety net.
const INVERSE_MAX_ITERATIONS: usize = 32;

/// The coordinate systems a caller may send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Crs {
    /// GPS / international maps; the storage system.
    #[default]
    Wgs84,
    /// China's "Mars" system used by AMap, Tencent Maps and WeChat.
    Gcj02,
    /// Baidu Maps' system, derived from GCJ-02.
    Bd09,
}

/// Returned when a `crs` value is not one of the supported names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown crs {0:?}: expected one of wgs84, gcj02, bd09")]
pub struct ParseCrsError(pub String);

impl FromStr for Crs {
    type Err = ParseCrsError;

    /// Accepts `wgs84`, `gcj02` or `bd09`, in any letter case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "wgs84" => Ok(Crs::Wgs84),
            "gcj02" => Ok(Crs::Gcj02),
            "bd09" => Ok(Crs::Bd09),
            _ => Err(ParseCrsError(s.to_owned())),
        }
    }
}

impl fmt::Display for Crs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Crs {
    /// Converts a point given in this system to WGS84.
    ///
    /// # Units
    /// `(lon, lat)` in degrees in, `(lon, lat)` in degrees out.
    pub fn to_wgs84(self, lon: f64, lat: f64) -> (f64, f64) {
        match self {
            Crs::Wgs84 => (lon, lat),
            Crs::Gcj02 => gcj02_to_wgs84(lon, lat),
            Crs::Bd09 => bd09_to_wgs84(lon, lat),
        }
    }

    /// Converts a WGS84 point into this system (for answering in the caller's
    /// system).
    ///
    /// # Units
    /// `(lon, lat)` in degrees in, `(lon, lat)` in degrees out.
    pub fn from_wgs84(self, lon: f64, lat: f64) -> (f64, f64) {
        match self {
            Crs::Wgs84 => (lon, lat),
            Crs::Gcj02 => wgs84_to_gcj02(lon, lat),
            Crs::Bd09 => wgs84_to_bd09(lon, lat),
        }
    }

    /// The lowercase name used in query strings and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Crs::Wgs84 => "wgs84",
            Crs::Gcj02 => "gcj02",
            Crs::Bd09 => "bd09",
        }
    }
}

/// Whether the GCJ-02/BD-09 offsets apply: the rough bounding box of China
/// used by the common open-source implementations (eviltransform, PRCoords).
///
/// It is a box, not a border, so it also covers some neighbours; callers only
/// use it to decide whether an offset exists, which matches what the apps do.
///
/// # Units
/// Degrees.
pub fn in_china(lon: f64, lat: f64) -> bool {
    (72.004..=137.8347).contains(&lon) && (0.8293..=55.8271).contains(&lat)
}

/// WGS84 → GCJ-02. Identity outside [`in_china`].
///
/// # Units
/// `(lon, lat)` in degrees in and out.
pub fn wgs84_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    if in_china(lon, lat) { gcj_forward(lon, lat) } else { (lon, lat) }
}

/// GCJ-02 → WGS84, the exact inverse of [`wgs84_to_gcj02`] (to 1e-10°).
///
/// # Units
/// `(lon, lat)` in degrees in and out.
pub fn gcj02_to_wgs84(lon: f64, lat: f64) -> (f64, f64) {
    let wgs = invert(gcj_forward, lon, lat);
    // The forward map decided on the WGS84 side, so the inverse must too.
    if in_china(wgs.0, wgs.1) { wgs } else { (lon, lat) }
}

/// GCJ-02 → BD-09. Identity outside [`in_china`].
///
/// # Units
/// `(lon, lat)` in degrees in and out.
pub fn gcj02_to_bd09(lon: f64, lat: f64) -> (f64, f64) {
    if in_china(lon, lat) { bd_forward(lon, lat) } else { (lon, lat) }
}

/// BD-09 → GCJ-02, the exact inverse of [`gcj02_to_bd09`] (to 1e-10°).
///
/// # Units
/// `(lon, lat)` in degrees in and out.
pub fn bd09_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    let gcj = invert(bd_forward, lon, lat);
    if in_china(gcj.0, gcj.1) { gcj } else { (lon, lat) }
}

/// WGS84 → BD-09 (via GCJ-02). Identity outside [`in_china`].
///
/// # Units
/// `(lon, lat)` in degrees in and out.
pub fn wgs84_to_bd09(lon: f64, lat: f64) -> (f64, f64) {
    // One region decision on the WGS84 point keeps the pair exactly invertible
    // near the box edge, where the GCJ-02 point may fall on the other side.
    if in_china(lon, lat) {
        let (glon, glat) = gcj_forward(lon, lat);
        bd_forward(glon, glat)
    } else {
        (lon, lat)
    }
}

/// BD-09 → WGS84 (via GCJ-02), the exact inverse of [`wgs84_to_bd09`].
///
/// # Units
/// `(lon, lat)` in degrees in and out.
pub fn bd09_to_wgs84(lon: f64, lat: f64) -> (f64, f64) {
    let (glon, glat) = invert(bd_forward, lon, lat);
    let wgs = invert(gcj_forward, glon, glat);
    if in_china(wgs.0, wgs.1) { wgs } else { (lon, lat) }
}

/// The GCJ-02 forward formula without the region check.
fn gcj_forward(lon: f64, lat: f64) -> (f64, f64) {
    // The published distortion is expressed in metres around (105 E, 35 N).
    let x = lon - 105.0;
    let y = lat - 35.0;
    let (dlat_m, dlon_m) = gcj_distortion_m(x, y);

    // Metres → degrees on the Krasovsky ellipsoid at this latitude.
    let phi = lat.to_radians();
    let w2 = 1.0 - KRASOVSKY_EE * phi.sin().powi(2);
    let w = w2.sqrt();
    let meridian_radius = KRASOVSKY_A * (1.0 - KRASOVSKY_EE) / (w2 * w);
    let parallel_radius = KRASOVSKY_A / w * phi.cos();
    (lon + (dlon_m / parallel_radius).to_degrees(), lat + (dlat_m / meridian_radius).to_degrees())
}

/// GCJ-02's deliberate distortion in metres, as `(north, east)`, for offsets
/// `x`, `y` in degrees from (105 E, 35 N).
fn gcj_distortion_m(x: f64, y: f64) -> (f64, f64) {
    let wave = |t: f64, k: f64| (k * PI * t).sin();
    // Shared ripple in x, then axis-specific ripples; coefficients are the
    // published ones, grouped so each axis reads as polynomial + ripples.
    let ripple_x = 20.0 * wave(x, 6.0) + 20.0 * wave(x, 2.0);
    let north = -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * x.abs().sqrt()
        + (ripple_x + 20.0 * wave(y, 1.0) + 40.0 * wave(y, 1.0 / 3.0) + 160.0 * wave(y, 1.0 / 12.0) + 320.0 * wave(y, 1.0 / 30.0)) * 2.0
            / 3.0;
    let east = 300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * x.abs().sqrt()
        + (ripple_x + 20.0 * wave(x, 1.0) + 40.0 * wave(x, 1.0 / 3.0) + 150.0 * wave(x, 1.0 / 12.0) + 300.0 * wave(x, 1.0 / 30.0)) * 2.0
            / 3.0;
    (north, east)
}

/// The BD-09 forward formula (from GCJ-02) without the region check: a tiny
/// position-dependent scaling and rotation about (0, 0), then a fixed shift.
fn bd_forward(lon: f64, lat: f64) -> (f64, f64) {
    let r = lon.hypot(lat) + 0.00002 * (lat * BD_X_PI).sin();
    let theta = lat.atan2(lon) + 0.000003 * (lon * BD_X_PI).cos();
    (r * theta.cos() + BD_DLON, r * theta.sin() + BD_DLAT)
}

/// Solves `forward(p) == (lon, lat)` for `p` by fixed-point iteration
/// `p ← p − (forward(p) − target)`. Both forward maps are the identity plus a
/// slowly varying offset, so this converges geometrically from `p = target`.
fn invert(forward: fn(f64, f64) -> (f64, f64), lon: f64, lat: f64) -> (f64, f64) {
    let (mut plon, mut plat) = (lon, lat);
    for _ in 0..INVERSE_MAX_ITERATIONS {
        let (flon, flat) = forward(plon, plat);
        let (elon, elat) = (flon - lon, flat - lat);
        if !(elon.is_finite() && elat.is_finite()) {
            break; // NaN/inf input: nothing to converge to
        }
        if elon.abs() < INVERSE_TOLERANCE_DEG && elat.abs() < INVERSE_TOLERANCE_DEG {
            break;
        }
        plon -= elon;
        plat -= elat;
    }
    (plon, plat)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Great-circle distance in metres (mean Earth radius); ample for the
    /// sub-metre comparisons below.
    fn haversine_m(a: (f64, f64), b: (f64, f64)) -> f64 {
        const R: f64 = 6_371_008.8;
        let (lon1, lat1) = (a.0.to_radians(), a.1.to_radians());
        let (lon2, lat2) = (b.0.to_radians(), b.1.to_radians());
        let h = ((lat2 - lat1) / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
        2.0 * R * h.sqrt().asin()
    }

    #[test]
    fn haversine_helper_is_sane() {
        // One degree of latitude is ~111.2 km on the mean sphere.
        let d = haversine_m((104.0, 30.0), (104.0, 31.0));
        assert!((d - 111_195.0).abs() < 5.0, "{d}");
        assert_eq!(haversine_m((1.0, 2.0), (1.0, 2.0)), 0.0);
    }

    fn assert_within(label: &str, got: (f64, f64), want: (f64, f64), max_m: f64) {
        let d = haversine_m(got, want);
        assert!(d <= max_m, "{label}: got {got:?}, published {want:?}, off by {d:.3} m");
    }

    // ---- Published reference points. All values are (lon, lat); sources
    // that list (lat, lon) were swapped when copied. ----

    /// (label, point in the source system, published point in the target).
    type RefPair = (&'static str, (f64, f64), (f64, f64));

    /// WGS84 → GCJ-02 pairs from independent public sources.
    const WGS_GCJ: &[RefPair] = &[
        // googollee/eviltransform go/transform_test.go (also python/test.py), "shanghai"
        ("eviltransform shanghai", (121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),
        // googollee/eviltransform go/transform_test.go, "shenzhen"
        ("eviltransform shenzhen", (113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),
        // googollee/eviltransform go/transform_test.go, "beijing"
        ("eviltransform beijing", (116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),
        // wandergis/coordtransform test/app.js, wgs84togcj02(116.404, 39.915)
        ("wandergis coordtransform", (116.404, 39.915), (116.41024449916938, 39.91640428150164)),
        // hghwng/undrift_gps src/lib.rs tests (crates.io undrift_gps 0.3.1), wgs_to_gcj(39, 116)
        ("undrift_gps", (116.0, 39.0), (116.006018, 39.000886)),
        // madlogos/asesgeo tests/testthat/test_conv_coord.R: result of AMap's
        // own REST API (restapi.amap.com/v3/assistant/coordinate/convert)
        ("AMap API via asesgeo", (116.42079, 39.90105), (116.427020941841, 39.902445203994)),
        // madlogos/asesgeo tests/testthat/test_conv_coord.R: result of Baidu's
        // geoconv API (from=1 WGS84, to=3 GCJ-02)
        ("Baidu geoconv API via asesgeo", (116.42079, 39.90105), (116.42702745, 39.90245063)),
        // madlogos/asesgeo tests/testthat/test_tranform_coord.R, out1_ "# api"
        ("AMap API via asesgeo (2)", (116.39089, 39.90734), (116.39713623, 39.90874539)),
        // Left out on purpose: the Aliyun TransferCoord docs pair WGS84
        // (120.021519, 30.281543) with GCJ-02 (120.026268, 30.279164), but their
        // WGS84 is the 1-2 m one-step inverse (1.75 m from the exact one).
    ];

    /// GCJ-02 → BD-09 pairs from independent public sources.
    const GCJ_BD: &[RefPair] = &[
        // wandergis/coordtransform test/app.js, gcj02tobd09(116.404, 39.915)
        ("wandergis coordtransform", (116.404, 39.915), (116.41036949371029, 39.92133699351021)),
        // wandergis/coordtransform test/app.js, bd09togcj02(116.404, 39.915) (read backwards)
        ("wandergis coordtransform (inverse)", (116.39762729119315, 39.90865673957631), (116.404, 39.915)),
        // hujiulong/gcoord test/unit/crs/GCJ02.spec.js, GCJ02.to.BD09([123, 45])
        ("hujiulong gcoord", (123.0, 45.0), (123.00636499, 45.00636899)),
        // hghwng/undrift_gps src/lib.rs tests, gcj_to_bd(39, 116)
        ("undrift_gps", (116.0, 39.0), (116.006558, 39.005826)),
        // hghwng/undrift_gps src/lib.rs tests, bd_to_gcj(39, 116) (read backwards)
        ("undrift_gps (inverse)", (115.993417, 38.994267), (116.0, 39.0)),
        // madlogos/asesgeo tests/testthat/test_tranform_coord.R, "gcj 2 bd"
        ("asesgeo", (116.397131, 39.908746), (116.40350426, 39.91508839)),
        // Aliyun address-purification docs, TransferCoord example response
        // (help.aliyun.com/zh/address-purification/.../coordinate-system-conversion)
        ("Aliyun TransferCoord docs", (120.026268, 30.279164), (120.032768, 30.285238)),
    ];

    #[test]
    fn wgs84_to_gcj02_matches_published_points() {
        for &(label, wgs, gcj) in WGS_GCJ {
            assert_within(label, wgs84_to_gcj02(wgs.0, wgs.1), gcj, 1.0);
        }
    }

    #[test]
    fn gcj02_to_wgs84_matches_published_points() {
        for &(label, wgs, gcj) in WGS_GCJ {
            assert_within(label, gcj02_to_wgs84(gcj.0, gcj.1), wgs, 1.0);
        }
        // hujiulong/gcoord test/unit/crs/GCJ02.spec.js, GCJ02.to.WGS84([123, 45])
        assert_within("gcoord", gcj02_to_wgs84(123.0, 45.0), (122.99395597, 44.99804071), 1.0);
        // hghwng/undrift_gps src/lib.rs tests, gcj_to_wgs(39, 116)
        assert_within("undrift_gps", gcj02_to_wgs84(116.0, 39.0), (115.994002, 38.999133), 1.0);
    }

    #[test]
    fn gcj02_bd09_match_published_points() {
        for &(label, gcj, bd) in GCJ_BD {
            assert_within(label, gcj02_to_bd09(gcj.0, gcj.1), bd, 1.0);
            assert_within(label, bd09_to_gcj02(bd.0, bd.1), gcj, 1.0);
        }
    }

    #[test]
    fn wgs84_bd09_match_published_points() {
        // madlogos/asesgeo tests/testthat/test_conv_coord.R, "convCoord without api"
        let wgs = (116.42079784, 39.90105589);
        let bd = (116.43350894, 39.90850546);
        assert_within("asesgeo wgs->bd", wgs84_to_bd09(wgs.0, wgs.1), bd, 1.0);
        assert_within("asesgeo bd->wgs", bd09_to_wgs84(bd.0, bd.1), wgs, 1.0);
    }

    // ---- Round trips ----

    /// Lon 75..=135 by 0.5°, lat 18..=53 by 0.5°, plus a 0.01° grid around
    /// Chengdu (104.05 E, 30.82 N).
    fn sample_points() -> Vec<(f64, f64)> {
        let mut pts = Vec::new();
        for i in 0..=120 {
            for j in 0..=70 {
                pts.push((75.0 + 0.5 * f64::from(i), 18.0 + 0.5 * f64::from(j)));
            }
        }
        for i in -20..=20 {
            for j in -20..=20 {
                pts.push((104.05 + 0.01 * f64::from(i), 30.82 + 0.01 * f64::from(j)));
            }
        }
        pts
    }

    fn max_round_trip_m(there: fn(f64, f64) -> (f64, f64), back: fn(f64, f64) -> (f64, f64)) -> f64 {
        sample_points()
            .into_iter()
            .map(|p| {
                let q = there(p.0, p.1);
                assert!(haversine_m(p, q) > 1.0, "{p:?} was not offset at all");
                haversine_m(p, back(q.0, q.1))
            })
            .fold(0.0, f64::max)
    }

    #[test]
    fn wgs_gcj_wgs_round_trip_is_exact() {
        let worst = max_round_trip_m(wgs84_to_gcj02, gcj02_to_wgs84);
        assert!(worst < 0.01, "worst wgs->gcj->wgs error {worst} m");
    }

    #[test]
    fn gcj_wgs_gcj_round_trip_is_exact() {
        // Treat the sample points as GCJ-02 input: the inverse must reproduce them.
        let worst = max_round_trip_m(gcj02_to_wgs84, wgs84_to_gcj02);
        assert!(worst < 0.01, "worst gcj->wgs->gcj error {worst} m");
    }

    #[test]
    fn wgs_bd_wgs_round_trip_is_exact() {
        let worst = max_round_trip_m(wgs84_to_bd09, bd09_to_wgs84);
        assert!(worst < 0.01, "worst wgs->bd->wgs error {worst} m");
    }

    #[test]
    fn gcj_bd_gcj_round_trip_is_exact() {
        let worst = max_round_trip_m(gcj02_to_bd09, bd09_to_gcj02);
        assert!(worst < 0.01, "worst gcj->bd->gcj error {worst} m");
    }

    #[test]
    fn crs_methods_round_trip() {
        for crs in [Crs::Wgs84, Crs::Gcj02, Crs::Bd09] {
            let (lon, lat) = crs.from_wgs84(104.05, 30.82);
            let back = crs.to_wgs84(lon, lat);
            assert!(haversine_m(back, (104.05, 30.82)) < 0.01, "{crs}: {back:?}");
        }
        assert_eq!(Crs::Gcj02.to_wgs84(104.05, 30.82), gcj02_to_wgs84(104.05, 30.82));
        assert_eq!(Crs::Bd09.to_wgs84(104.05, 30.82), bd09_to_wgs84(104.05, 30.82));
        assert_eq!(Crs::Wgs84.to_wgs84(104.05, 30.82), (104.05, 30.82));
    }

    // ---- Outside China ----

    #[test]
    fn outside_china_is_identity() {
        let places = [
            ("Helsinki", (24.9384, 60.1699)),
            ("Monaco", (7.4246, 43.7384)),
            ("Sydney", (151.2093, -33.8688)),
            ("New York", (-74.006, 40.7128)),
            ("Tokyo", (139.6917, 35.6895)),
            ("Jakarta", (106.8456, -6.2088)),
        ];
        for (name, (lon, lat)) in places {
            assert!(!in_china(lon, lat), "{name}");
            for f in [wgs84_to_gcj02, gcj02_to_wgs84, gcj02_to_bd09, bd09_to_gcj02, wgs84_to_bd09, bd09_to_wgs84] {
                assert_eq!(f(lon, lat), (lon, lat), "{name}");
            }
            for crs in [Crs::Wgs84, Crs::Gcj02, Crs::Bd09] {
                assert_eq!(crs.to_wgs84(lon, lat), (lon, lat), "{name} {crs}");
                assert_eq!(crs.from_wgs84(lon, lat), (lon, lat), "{name} {crs}");
            }
        }
    }

    #[test]
    fn in_china_box() {
        for (lon, lat) in [
            (104.05, 30.82), // Chengdu
            (87.62, 43.83),  // Urumqi
            (126.53, 45.80), // Harbin
            (109.51, 18.25), // Sanya
            (91.11, 29.65),  // Lhasa
            (121.47, 31.23), // Shanghai
        ] {
            assert!(in_china(lon, lat), "({lon}, {lat})");
        }
        // Just past each edge of the box.
        for (lon, lat) in [(71.9, 40.0), (137.9, 40.0), (100.0, 0.8), (100.0, 55.9)] {
            assert!(!in_china(lon, lat), "({lon}, {lat})");
        }
    }

    #[test]
    fn non_finite_input_does_not_hang() {
        let (lon, lat) = gcj02_to_wgs84(f64::NAN, 30.0);
        assert!(lon.is_nan() && lat == 30.0);
        let (lon, _) = bd09_to_wgs84(f64::INFINITY, 30.0);
        assert!(lon.is_infinite());
    }

    // ---- Parsing and serde ----

    #[test]
    fn parses_the_three_names_in_any_case() {
        assert_eq!("wgs84".parse::<Crs>(), Ok(Crs::Wgs84));
        assert_eq!("GCJ02".parse::<Crs>(), Ok(Crs::Gcj02));
        assert_eq!("Bd09".parse::<Crs>(), Ok(Crs::Bd09));
        for crs in [Crs::Wgs84, Crs::Gcj02, Crs::Bd09] {
            assert_eq!(crs.as_str().parse::<Crs>(), Ok(crs));
            assert_eq!(crs.to_string(), crs.as_str());
        }
        assert_eq!(Crs::default(), Crs::Wgs84);
    }

    #[test]
    fn rejects_other_names_listing_the_allowed_ones() {
        for bad in ["", "wgs-84", "epsg:4326", "gcj", "baidu", " wgs84"] {
            let err = bad.parse::<Crs>().unwrap_err();
            let msg = err.to_string();
            for allowed in ["wgs84", "gcj02", "bd09"] {
                assert!(msg.contains(allowed), "{msg:?} should name {allowed}");
            }
            assert!(msg.contains(&format!("{bad:?}")), "{msg:?} should echo the input");
        }
    }

    #[test]
    fn serde_uses_lowercase_names() {
        assert_eq!(serde_json::to_string(&Crs::Gcj02).unwrap(), "\"gcj02\"");
        assert_eq!(serde_json::from_str::<Crs>("\"bd09\"").unwrap(), Crs::Bd09);
        assert!(serde_json::from_str::<Crs>("\"BD09\"").is_err());
    }
}
