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
//!
//! [`OutputCrs`] is the other direction for the OGC API: the coordinate systems
//! a client may ask answers in (`crs=`) or send a `bbox` in (`bbox-crs=`).

mod output;

pub use output::OutputCrs;

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
mod tests;
