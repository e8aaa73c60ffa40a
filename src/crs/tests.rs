//! Unit tests of the GCJ-02 / BD-09 conversions against published points.

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
