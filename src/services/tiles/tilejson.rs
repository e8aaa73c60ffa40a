//! TileJSON 3.0 descriptions of the tile sources.

use serde_json::{Value, json};

use super::render::{COMPOUND_LABELS, SOURCE_MAX_ZOOM, fields, min_zoom};
use crate::index::Snapshot;
use crate::model::Layer;
use crate::services::analytics;

/// The TileJSON `version` (semver, as the spec asks): the version of the tile schema (layers and
/// fields), not of the data; the data's version is in each tile's ETag.
const VERSION: &str = "1.0.0";

/// TileJSON for a source of `layers`, whose tiles live under `base` (for example
/// `http://127.0.0.1:8080/tiles/grids,compounds`).
pub fn tilejson(snapshot: &Snapshot, layers: &[Layer], base: &str) -> Value {
    let names: Vec<&str> = layers.iter().map(|l| l.as_str()).collect();
    let bounds = snapshot.bounds();
    let minzoom = layers.iter().map(|&l| min_zoom(l)).min().unwrap_or(0);
    let vector_layers: Vec<Value> = layers
        .iter()
        .map(|&layer| {
            let fields: serde_json::Map<String, Value> =
                fields(layer).iter().map(|(name, kind)| ((*name).to_owned(), json!(kind))).collect();
            json!({
                "id": layer.as_str(),
                "description": layer.label_zh(),
                "minzoom": min_zoom(layer),
                "maxzoom": SOURCE_MAX_ZOOM,
                "fields": fields,
            })
        })
        .chain(layers.contains(&Layer::Compounds).then(|| {
            json!({
                "id": COMPOUND_LABELS,
                "description": "小区名称 compound label points",
                "minzoom": min_zoom(Layer::Compounds),
                "maxzoom": SOURCE_MAX_ZOOM,
                "fields": { "id": "String", "name": "String", "kind": "String" },
            })
        }))
        .collect();
    let (centre, zoom) = match bounds {
        Some([w, s, e, n]) => ([(w + e) / 2.0, (s + n) / 2.0], minzoom.max(14)),
        None => ([0.0, 0.0], 0),
    };
    json!({
        "tilejson": "3.0.0",
        "name": names.join(","),
        "description": "民生 Minsheng: residential-compound governance layers",
        "version": VERSION,
        "attribution": "Minsheng demo data (fictional)",
        "scheme": "xyz",
        "tiles": [format!("{base}/{{z}}/{{x}}/{{y}}.mvt")],
        "minzoom": minzoom,
        "maxzoom": SOURCE_MAX_ZOOM,
        "bounds": bounds.unwrap_or([-180.0, -85.051129, 180.0, 85.051129]),
        "center": [centre[0], centre[1], zoom],
        "vector_layers": vector_layers,
    })
}

/// TileJSON for the `reports` heat layer; `query` (the raw filter, e.g.
/// `category=parking&status=open`) is carried on to the tile URL.
pub fn report_tilejson(snapshot: &Snapshot, base: &str, query: Option<&str>) -> Value {
    let suffix = query.filter(|q| !q.is_empty()).map(|q| format!("?{q}")).unwrap_or_default();
    let fields: serde_json::Map<String, Value> =
        analytics::tiles::FIELDS.iter().map(|(name, kind)| ((*name).to_owned(), json!(kind))).collect();
    let bounds = snapshot.bounds();
    let centre = bounds.map_or([0.0, 0.0], |[w, s, e, n]| [(w + e) / 2.0, (s + n) / 2.0]);
    json!({
        "tilejson": "3.0.0",
        "name": analytics::tiles::LAYER,
        "version": VERSION,
        "description": format!(
            "民生 Minsheng problem reports: one point per case from z{}, below it weighted points (`count`) per 1/64 of a tile",
            analytics::tiles::POINT_ZOOM
        ),
        "attribution": "Minsheng demo data (fictional)",
        "scheme": "xyz",
        "tiles": [format!("{base}/{{z}}/{{x}}/{{y}}.mvt{suffix}")],
        "minzoom": 0,
        "maxzoom": SOURCE_MAX_ZOOM,
        "bounds": bounds.unwrap_or([-180.0, -85.051129, 180.0, 85.051129]),
        "center": [centre[0], centre[1], 12],
        "vector_layers": [{
            "id": analytics::tiles::LAYER,
            "description": "问题上报 problem reports",
            "minzoom": 0,
            "maxzoom": SOURCE_MAX_ZOOM,
            "fields": fields,
        }],
    })
}
