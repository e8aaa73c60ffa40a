//! The page's MapLibre style (style spec v8), served at `/style.json` so that other map
//! clients draw our layers as the page does. The page itself loads this document, so the
//! layers, their colours and the legend are written once, here.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};

use super::render::COMPOUND_LABELS;
use crate::model::{CompoundKind, FacilityKind, Layer};

/// The layers of the page's one vector source, in the order of its TileJSON URL.
pub const STYLE_LAYERS: [Layer; 4] = [Layer::Grids, Layer::Compounds, Layer::Buildings, Layer::Stations];

/// The id of that source in the style; the page's views put their own layers beside it.
pub const STYLE_SOURCE: &str = "minsheng";

/// The colour of a value no palette names (a kind added to the data before the style).
const UNKNOWN: &str = "#9a9a9a";

/// Okabe-Ito for compounds and buildings, Paul Tol's "muted" (nine colours) for stations:
/// both stay distinct under colour-blindness. Labels come from the vocabulary.
const COMPOUND_COLOURS: [(CompoundKind, &str); 4] = [
    (CompoundKind::Old, "#E69F00"),
    (CompoundKind::Resettlement, "#56B4E9"),
    (CompoundKind::SuperLarge, "#CC79A7"),
    (CompoundKind::Commodity, "#009E73"),
];
const ELEVATOR_COLOURS: [(bool, &str, &str, &str); 2] =
    [(true, "有电梯", "elevator", "#0072B2"), (false, "无电梯", "no elevator", "#D55E00")];
const STATION_COLOURS: [(FacilityKind, &str); 9] = [
    (FacilityKind::PartyMassCentre, "#CC6677"),
    (FacilityKind::CommunityCentre, "#332288"),
    (FacilityKind::CompoundStation, "#DDCC77"),
    (FacilityKind::ElderlyDayCare, "#117733"),
    (FacilityKind::Canteen, "#88CCEE"),
    (FacilityKind::Clinic, "#882255"),
    (FacilityKind::Library, "#44AA99"),
    (FacilityKind::DisabilityHome, "#999933"),
    (FacilityKind::YouthSpace, "#AA4499"),
];

/// A MapLibre style document. Layers are style-spec JSON (expressions are JSON by nature).
#[derive(Debug, Serialize)]
pub struct Style {
    pub version: u8,
    pub name: &'static str,
    /// `minsheng:legend`: each palette with its labels, for legends (the page builds its own
    /// from it); `minsheng:unknown`: the colour of an unlisted value.
    pub metadata: Value,
    pub center: [f64; 2],
    pub zoom: f64,
    pub sources: BTreeMap<&'static str, VectorSource>,
    pub layers: Vec<Value>,
}

/// A vector source, copied from the TileJSON so that the style is complete in one document.
#[derive(Debug, Serialize)]
pub struct VectorSource {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub tiles: Value,
    pub bounds: Value,
    pub minzoom: Value,
    pub maxzoom: Value,
    pub attribution: Value,
}

/// One legend entry: the property's value, its labels and its colour.
#[derive(Debug, Serialize)]
struct Key {
    value: Value,
    label_zh: &'static str,
    label_en: &'static str,
    colour: &'static str,
}

/// The style over the TileJSON of [`STYLE_LAYERS`] (its absolute tile URLs included).
pub fn style(tilejson: &Value) -> Style {
    let source = VectorSource {
        kind: "vector",
        tiles: tilejson["tiles"].clone(),
        bounds: tilejson["bounds"].clone(),
        minzoom: tilejson["minzoom"].clone(),
        maxzoom: tilejson["maxzoom"].clone(),
        attribution: tilejson["attribution"].clone(),
    };
    let center = &tilejson["center"];
    let number = |v: &Value| v.as_f64().unwrap_or(0.0);
    let compounds: Vec<Key> = COMPOUND_COLOURS
        .iter()
        .map(|&(kind, colour)| Key { value: json!(kind), label_zh: kind.label_zh(), label_en: kind.label_en(), colour })
        .collect();
    let buildings: Vec<Key> =
        ELEVATOR_COLOURS.iter().map(|&(lift, zh, en, colour)| Key { value: json!(lift), label_zh: zh, label_en: en, colour }).collect();
    let stations: Vec<Key> = STATION_COLOURS
        .iter()
        .map(|&(kind, colour)| Key { value: json!(kind), label_zh: kind.label_zh(), label_en: kind.label_en(), colour })
        .collect();
    let layers = layers(&compounds, &buildings, &stations);
    Style {
        version: 8,
        name: "民生 Minsheng",
        metadata: json!({
            "minsheng:legend": { "compounds": compounds, "buildings": buildings, "stations": stations },
            "minsheng:unknown": UNKNOWN,
        }),
        center: [number(&center[0]), number(&center[1])],
        zoom: number(&center[2]),
        sources: BTreeMap::from([(STYLE_SOURCE, source)]),
        // No `glyphs`: MapLibre then draws label text with the browser's own fonts, so labels
        // need no font server. Clients without local font rendering add their own.
        layers,
    }
}

/// `["match", ["get", property], value, colour, …, UNKNOWN]`.
fn match_colour(property: &str, keys: &[Key]) -> Value {
    let mut expression = vec![json!("match"), json!(["get", property])];
    for key in keys {
        expression.push(key.value.clone());
        expression.push(json!(key.colour));
    }
    expression.push(json!(UNKNOWN));
    Value::Array(expression)
}

/// The layers, bottom first. The page's views restyle some of them by id, and put their own
/// layers under `compound-labels`.
fn layers(compounds: &[Key], buildings: &[Key], stations: &[Key]) -> Vec<Value> {
    let [with_lift, without_lift] = buildings else { unreachable!("two elevator keys") };
    vec![
        json!({ "id": "background", "type": "background", "paint": { "background-color": "#f3f2ee" } }),
        json!({
            "id": "compounds-fill", "type": "fill", "source": STYLE_SOURCE, "source-layer": "compounds",
            "paint": { "fill-color": match_colour("kind", compounds), "fill-opacity": 0.3 },
        }),
        json!({
            "id": "buildings", "type": "fill", "source": STYLE_SOURCE, "source-layer": "buildings", "minzoom": 13,
            "paint": {
                "fill-color": ["case",
                    ["==", ["get", "has_elevator"], true], with_lift.colour,
                    ["==", ["get", "has_elevator"], false], without_lift.colour,
                    UNKNOWN],
                "fill-opacity": 0.85,
                "fill-outline-color": "#ffffff",
            },
        }),
        json!({
            "id": "compounds-line", "type": "line", "source": STYLE_SOURCE, "source-layer": "compounds",
            "paint": { "line-color": match_colour("kind", compounds), "line-width": 1.5 },
        }),
        json!({
            "id": "micro-grids", "type": "line", "source": STYLE_SOURCE, "source-layer": "grids", "minzoom": 14,
            "filter": ["==", ["get", "level"], "micro_grid"],
            "paint": { "line-color": "#6b6b6b", "line-width": 0.8, "line-dasharray": [3, 2] },
        }),
        json!({
            "id": "grids", "type": "line", "source": STYLE_SOURCE, "source-layer": "grids",
            "filter": ["==", ["get", "level"], "grid"],
            "paint": { "line-color": "#333333", "line-width": ["interpolate", ["linear"], ["zoom"], 12, 1, 17, 2.5] },
        }),
        json!({
            "id": "stations", "type": "circle", "source": STYLE_SOURCE, "source-layer": "stations",
            "paint": {
                "circle-color": match_colour("kind", stations),
                "circle-radius": ["interpolate", ["linear"], ["zoom"], 12, 3, 17, 7],
                "circle-stroke-color": "#ffffff",
                "circle-stroke-width": 1.5,
            },
        }),
        json!({
            "id": "compound-labels", "type": "symbol", "source": STYLE_SOURCE, "source-layer": COMPOUND_LABELS, "minzoom": 15,
            "layout": { "text-field": ["get", "name"], "text-size": 13, "text-max-width": 8 },
            "paint": { "text-color": "#222222", "text-halo-color": "#ffffff", "text-halo-width": 1.5 },
        }),
    ]
}
