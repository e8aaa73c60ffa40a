//! `/style.json`, the page's MapLibre style, served by the real binary: valid by the style
//! spec's own validator (`gl-style-validate` from `@maplibre/maplibre-gl-style-spec`, pinned by
//! tests/style/package-lock.json), its source the TileJSON's on the public base URL, and its
//! layers drawn from layers that TileJSON describes.

mod common;

use std::path::Path;
use std::process::Command;

use common::server::{get_json, start};

const PUBLIC: &str = "https://maps.example/minsheng";

/// Runs `gl-style-validate` on `style`: whether it passed, and what it printed.
fn validate(tests: &Path, style: &serde_json::Value) -> (bool, String) {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), serde_json::to_vec_pretty(style).unwrap()).unwrap();
    let script = tests.join("node_modules/@maplibre/maplibre-gl-style-spec/dist/gl-style-validate.mjs");
    let output = Command::new(common::node()).arg(script).arg(file.path()).output().expect("node starts");
    (output.status.success(), format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr)))
}

#[test]
fn the_served_style_is_valid_and_built_on_the_tilejson() {
    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/style");
    assert!(
        tests.join("node_modules/@maplibre/maplibre-gl-style-spec/package.json").is_file(),
        "the style validator (npm @maplibre/maplibre-gl-style-spec, pinned in tests/style) is not installed: run `bash scripts/setup.sh`"
    );

    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("style.db").display());
    let server = start(&database, &["--public-url", PUBLIC]);
    let (status, style) = get_json(&server, "/style.json");
    assert_eq!(status, 200, "{style}");
    let (status, tilejson) = get_json(&server, "/tiles/grids,compounds,buildings,stations.json");
    assert_eq!(status, 200, "{tilejson}");
    drop(server);

    let (valid, report) = validate(&tests, &style);
    assert!(valid, "gl-style-validate refuses /style.json:\n{report}");
    // The validator does refuse a broken style: a layer of a type the spec lacks.
    let mut broken = style.clone();
    broken["layers"][1]["type"] = "hexagon".into();
    let (valid, report) = validate(&tests, &broken);
    assert!(!valid && report.contains("hexagon"), "gl-style-validate passed a layer of type \"hexagon\": {report}");

    // One vector source, the TileJSON's: its absolute tile URLs on the public base, its extent.
    let source = &style["sources"]["minsheng"];
    assert_eq!(source["type"], "vector");
    assert_eq!(source["tiles"][0], format!("{PUBLIC}/tiles/grids,compounds,buildings,stations/{{z}}/{{x}}/{{y}}.mvt"));
    for key in ["tiles", "bounds", "minzoom", "maxzoom", "attribution"] {
        assert_eq!(source[key], tilejson[key], "the style's source differs from the TileJSON in {key}");
    }
    // Every layer but the background draws a layer that the TileJSON describes.
    let described: Vec<&str> = tilejson["vector_layers"].as_array().unwrap().iter().map(|l| l["id"].as_str().unwrap()).collect();
    let layers = style["layers"].as_array().unwrap();
    assert_eq!(layers[0]["type"], "background");
    for layer in &layers[1..] {
        assert_eq!(layer["source"], "minsheng", "{layer}");
        let drawn = layer["source-layer"].as_str().unwrap();
        assert!(described.contains(&drawn), "layer {} draws {drawn:?}, which the TileJSON lacks", layer["id"]);
    }
    // The page switches and restyles these by id.
    let ids: Vec<&str> = layers.iter().map(|l| l["id"].as_str().unwrap()).collect();
    for id in ["compounds-fill", "buildings", "compounds-line", "micro-grids", "grids", "stations", "compound-labels"] {
        assert!(ids.contains(&id), "no layer {id} in {ids:?}");
    }
    // The legend's palettes are the colours the layers use, every station kind with one.
    let legend = &style["metadata"]["minsheng:legend"];
    let stations = layers.iter().find(|l| l["id"] == "stations").unwrap();
    let expression = stations["paint"]["circle-color"].to_string();
    let keys = legend["stations"].as_array().unwrap();
    assert_eq!(keys.len(), minsheng::model::FacilityKind::ALL.len());
    for key in keys {
        assert!(expression.contains(&format!("{},{}", key["value"], key["colour"])), "{key} is not in {expression}");
        assert!(key["label_zh"].is_string() && key["label_en"].is_string(), "{key}");
    }
}
