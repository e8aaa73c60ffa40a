//! The output coordinate systems (`minsheng::crs::OutputCrs`) against independent
//! implementations, run by `tests/crs.py` in the project's `.venv`: PROJ (PyPI `pyproj`)
//! for CRS84 → EPSG:4326 / 4490 / 3857 and back from 3857, in each authority's axis
//! order, and PyPI `prcoords` for GCJ-02 both ways. Also round trips, `bbox-crs`
//! envelopes and the errors of `from_uri`. Needs Python with tests/requirements.txt
//! (`bash scripts/setup.sh` installs it).

mod common;

use std::collections::BTreeMap;

use minsheng::crs::OutputCrs;
use serde::Deserialize;

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/crs.py");
/// Geographic numbers must agree to this many degrees (~0.1 mm).
const DEG_TOLERANCE: f64 = 1e-9;
/// Web Mercator metres must agree to a millimetre.
const METRE_TOLERANCE: f64 = 1e-3;
/// GCJ-02 must agree with prcoords to a centimetre.
const GCJ_TOLERANCE_M: f64 = 0.01;

#[derive(Deserialize)]
struct Oracle {
    /// EPSG code → each `world` point in that system, authority axis order.
    proj: BTreeMap<String, Vec<[f64; 2]>>,
    /// Each `mercator` point → (lon, lat).
    mercator_inverse: Vec<[f64; 2]>,
    /// Each `china` point (WGS84) → GCJ-02 (lon, lat).
    gcj_forward: Vec<[f64; 2]>,
    /// Each `gcj` point → WGS84 (lon, lat).
    gcj_inverse: Vec<[f64; 2]>,
    /// Whether prcoords offsets each `china` point.
    in_china: Vec<bool>,
    proj_version: String,
}

#[derive(Default)]
struct Input {
    world: Vec<[f64; 2]>,
    china: Vec<[f64; 2]>,
    gcj: Vec<[f64; 2]>,
    mercator: Vec<[f64; 2]>,
}

fn oracle(input: &Input) -> Oracle {
    let json = serde_json::json!({ "world": input.world, "china": input.china, "gcj": input.gcj, "mercator": input.mercator });
    let output = common::run_python(SCRIPT, "import pyproj, prcoords", "pyproj and prcoords", &json);
    serde_json::from_slice(&output).expect("tests/crs.py prints the oracle's JSON")
}

/// `start, start + step, …` up to `end` inclusive.
fn steps(start: f64, end: f64, step: f64) -> Vec<f64> {
    let n = ((end - start) / step).round() as i32;
    (0..=n).map(|i| start + step * f64::from(i)).collect()
}

fn grid(lons: &[f64], lats: &[f64]) -> Vec<[f64; 2]> {
    lons.iter().flat_map(|&lon| lats.iter().map(move |&lat| [lon, lat])).collect()
}

/// The whole world up to Web Mercator's limit, every 7.5° by 5°, plus a fine grid
/// around Chengdu (where the demo city is).
fn world_points() -> Vec<[f64; 2]> {
    let mut points = grid(&steps(-180.0, 180.0, 7.5), &steps(-85.0, 85.0, 5.0));
    points.extend(grid(&steps(103.9, 104.2, 0.05), &steps(30.6, 30.9, 0.05)));
    points
}

/// Over and just past the China box (72.004–137.8347 E, 0.8293–55.8271 N) every
/// 0.5°, plus Chengdu every 0.01°.
fn china_points() -> Vec<[f64; 2]> {
    let mut points = grid(&steps(71.5, 138.5, 0.5), &steps(0.0, 56.5, 0.5));
    points.extend(grid(&steps(103.95, 104.15, 0.01), &steps(30.7, 30.9, 0.01)));
    points
}

/// Metres on the ground between two (lon, lat) points that are close together.
fn ground_m(a: [f64; 2], b: [f64; 2]) -> f64 {
    let m_per_deg = 111_320.0;
    let dx = (a[0] - b[0]) * m_per_deg * a[1].to_radians().cos();
    let dy = (a[1] - b[1]) * m_per_deg;
    dx.hypot(dy)
}

fn max_abs_diff(a: [f64; 2], b: [f64; 2]) -> f64 {
    (a[0] - b[0]).abs().max((a[1] - b[1]).abs())
}

#[test]
fn epsg_systems_match_proj_in_their_axis_order() {
    let input = Input {
        world: world_points(),
        mercator: grid(&steps(-20_000_000.0, 20_000_000.0, 1_000_000.0), &steps(-20_000_000.0, 20_000_000.0, 1_000_000.0)),
        ..Input::default()
    };
    let oracle = oracle(&input);
    let mut checked = 0;
    for (crs, code, tolerance) in [
        (OutputCrs::Epsg4326, "EPSG:4326", DEG_TOLERANCE),
        (OutputCrs::Epsg4490, "EPSG:4490", DEG_TOLERANCE),
        (OutputCrs::Epsg3857, "EPSG:3857", METRE_TOLERANCE),
    ] {
        let theirs = &oracle.proj[code];
        assert_eq!(theirs.len(), input.world.len());
        for (&[lon, lat], &want) in input.world.iter().zip(theirs) {
            let got = crs.forward(lon, lat);
            assert!(max_abs_diff(got, want) <= tolerance, "{code} of ({lon}, {lat}): ours {got:?}, PROJ {} {want:?}", oracle.proj_version);
            checked += 1;
        }
    }
    // The axis order is what a client trips on: 4326 and 4490 are (lat, lon), 3857 (x, y).
    assert_eq!(OutputCrs::Epsg4326.forward(104.06, 30.67), [30.67, 104.06]);
    assert!(OutputCrs::Epsg4326.is_lat_lon() && OutputCrs::Epsg4490.is_lat_lon());
    assert!(!OutputCrs::Crs84.is_lat_lon() && !OutputCrs::Epsg3857.is_lat_lon() && !OutputCrs::Gcj02.is_lat_lon());

    for (&[x, y], &want) in input.mercator.iter().zip(&oracle.mercator_inverse) {
        let (lon, lat) = OutputCrs::Epsg3857.inverse(x, y);
        assert!(max_abs_diff([lon, lat], want) <= DEG_TOLERANCE, "3857 inverse of ({x}, {y}): ours ({lon}, {lat}), PROJ {want:?}");
        checked += 1;
    }
    assert_eq!(checked, 3 * input.world.len() + input.mercator.len());
}

#[test]
fn gcj02_matches_prcoords_inside_china_and_is_wgs84_outside() {
    let china = china_points();
    // The inverse on GCJ-02 points well inside the box (so neither side's region check
    // is at stake), every 0.5°.
    let gcj = grid(&steps(74.0, 134.0, 0.5), &steps(2.0, 54.0, 0.5));
    let oracle = oracle(&Input { china: china.clone(), gcj: gcj.clone(), ..Input::default() });

    let (mut offset, mut identity) = (0, 0);
    for ((&[lon, lat], &want), &inside) in china.iter().zip(&oracle.gcj_forward).zip(&oracle.in_china) {
        let got = OutputCrs::Gcj02.forward(lon, lat);
        let off = ground_m(got, want);
        assert!(off <= GCJ_TOLERANCE_M, "GCJ-02 of ({lon}, {lat}): ours {got:?}, prcoords {want:?}, {off:.4} m apart");
        if inside {
            // The offset is a formula over the whole box, small in places at sea, never zero.
            assert!(ground_m(got, [lon, lat]) > 1.0, "({lon}, {lat}) is in China but was not offset");
            offset += 1;
        } else {
            assert_eq!(got, [lon, lat], "outside China GCJ-02 is WGS84");
            identity += 1;
        }
    }
    assert!(offset > 10_000 && identity > 500, "{offset} offset, {identity} outside");

    for (&[glon, glat], &want) in gcj.iter().zip(&oracle.gcj_inverse) {
        let (lon, lat) = OutputCrs::Gcj02.inverse(glon, glat);
        let off = ground_m([lon, lat], want);
        assert!(off <= GCJ_TOLERANCE_M, "WGS84 of GCJ-02 ({glon}, {glat}): ours ({lon}, {lat}), prcoords {want:?}, {off:.4} m apart");
    }
}

#[test]
fn the_demo_district_offset_that_gcj02_removes_is_354_m() {
    // What the README promises: without the GCJ-02 crs the demo district sits 354 m
    // off on AMap / Tencent base maps.
    let [glon, glat] = OutputCrs::Gcj02.forward(104.045, 30.8145);
    let off = ground_m([glon, glat], [104.045, 30.8145]);
    // East and south: WGS84 data on a GCJ-02 map is drawn north-west of its place.
    assert!(glon > 104.045 && glat < 30.8145, "{glon} {glat}");
    assert!((350.0..360.0).contains(&off), "{off} m");
}

#[test]
fn every_system_round_trips() {
    let mut points = world_points();
    points.extend(china_points());
    for crs in OutputCrs::ALL {
        let mut worst: f64 = 0.0;
        for &[lon, lat] in &points {
            let [a, b] = crs.forward(lon, lat);
            let (lon2, lat2) = crs.inverse(a, b);
            worst = worst.max(max_abs_diff([lon2, lat2], [lon, lat]));
        }
        assert!(worst <= DEG_TOLERANCE, "{crs}: worst round trip off by {worst}°");
    }
}

#[test]
fn bbox_crs_gives_the_crs84_envelope() {
    let (w, s, e, n) = (103.9, 30.55, 104.25, 30.9);
    // EPSG:4326 / 4490 bboxes come as (min lat, min lon, max lat, max lon).
    for crs in [OutputCrs::Epsg4326, OutputCrs::Epsg4490] {
        assert_eq!(crs.bbox_to_crs84([s, w, n, e]), [w, s, e, n], "{crs}");
    }
    assert_eq!(OutputCrs::Crs84.bbox_to_crs84([w, s, e, n]), [w, s, e, n]);

    // EPSG:3857: the corners, by PROJ. A GCJ-02 bbox: every point of its outline
    // (400 a side), taken back to WGS84 by prcoords, must lie in our envelope, which
    // must be no larger than theirs.
    let [x0, y0] = OutputCrs::Epsg3857.forward(w, s);
    let [x1, y1] = OutputCrs::Epsg3857.forward(e, n);
    let mut outline = Vec::new();
    for t in steps(0.0, 1.0, 1.0 / 400.0) {
        let (lon, lat) = (w + (e - w) * t, s + (n - s) * t);
        outline.extend([[lon, s], [lon, n], [w, lat], [e, lat]]);
    }
    let oracle = oracle(&Input { mercator: vec![[x0, y0], [x1, y1]], gcj: outline, ..Input::default() });

    let ours = OutputCrs::Epsg3857.bbox_to_crs84([x0, y0, x1, y1]);
    let [sw, ne] = [oracle.mercator_inverse[0], oracle.mercator_inverse[1]];
    assert!(max_abs_diff([ours[0], ours[1]], sw) <= DEG_TOLERANCE && max_abs_diff([ours[2], ours[3]], ne) <= DEG_TOLERANCE, "{ours:?}");

    let ours = OutputCrs::Gcj02.bbox_to_crs84([w, s, e, n]);
    let mut theirs = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    for &[lon, lat] in &oracle.gcj_inverse {
        theirs = [theirs[0].min(lon), theirs[1].min(lat), theirs[2].max(lon), theirs[3].max(lat)];
    }
    for (i, corner) in [[0, 1], [2, 3]].into_iter().enumerate() {
        let off = ground_m([ours[corner[0]], ours[corner[1]]], [theirs[corner[0]], theirs[corner[1]]]);
        assert!(off <= GCJ_TOLERANCE_M, "corner {i} of the GCJ-02 bbox: ours {ours:?}, prcoords' outline {theirs:?}");
    }
    // And it did move: the GCJ-02 box is a few hundred metres from the same numbers in WGS84.
    assert!(ground_m([ours[0], ours[1]], [w, s]) > 250.0, "{ours:?}");
}

#[test]
fn from_uri_accepts_uris_and_safe_curies_only() {
    let expected = [
        ("http://www.opengis.net/def/crs/OGC/1.3/CRS84", OutputCrs::Crs84),
        ("http://www.opengis.net/def/crs/EPSG/0/4326", OutputCrs::Epsg4326),
        ("http://www.opengis.net/def/crs/EPSG/0/3857", OutputCrs::Epsg3857),
        ("http://www.opengis.net/def/crs/EPSG/0/4490", OutputCrs::Epsg4490),
        ("urn:minsheng:def:crs:GCJ-02", OutputCrs::Gcj02),
        ("[EPSG:4326]", OutputCrs::Epsg4326),
        ("[epsg:3857]", OutputCrs::Epsg3857),
        ("[OGC:CRS84]", OutputCrs::Crs84),
        ("[MINSHENG:GCJ-02]", OutputCrs::Gcj02),
    ];
    for (value, crs) in expected {
        assert_eq!(OutputCrs::from_uri(value), Ok(crs), "{value}");
        assert_eq!(value.parse::<OutputCrs>(), Ok(crs), "{value}");
    }
    assert_eq!(OutputCrs::ALL.len(), 5);
    for crs in OutputCrs::ALL {
        assert_eq!(OutputCrs::from_uri(crs.uri()), Ok(crs));
        assert_eq!(crs.to_string(), crs.uri());
    }

    for bad in [
        "",
        "EPSG:4326",
        "[EPSG:4327]",
        "[EPSG:4326",
        "http://www.opengis.net/def/crs/EPSG/0/4327",
        "http://www.opengis.net/def/crs/EPSG/0/4326 ",
        "gcj02",
        "[]",
    ] {
        let err = OutputCrs::from_uri(bad).expect_err(bad);
        assert!(err.contains(&format!("{bad:?}")), "{err} should quote {bad:?}");
        for crs in OutputCrs::ALL {
            assert!(err.contains(crs.uri()), "{err} should list {}", crs.uri());
        }
    }
}
