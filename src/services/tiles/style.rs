//! The page's MapLibre style (style spec v8), served at `/style.json` so that other map
//! clients draw our layers as the page does. The page itself loads this document, so the
//! layers, their colours and the legend are written once, here.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::render::COMPOUND_LABELS;
use super::tilejson::TileJson;
use crate::model::{CompoundKind, FacilityKind, GridLevel, Layer};

/// The layers of the page's one vector source, in the order of its TileJSON URL.
pub const STYLE_LAYERS: [Layer; 4] = [Layer::Grids, Layer::Compounds, Layer::Buildings, Layer::Stations];

/// The id of that source in the style; the page's views put their own layers beside it.
pub const STYLE_SOURCE: &str = "minsheng";

/// The colour of a value no palette names (a kind added to the data before the style).
const UNKNOWN: &str = "#9a9a9a";

/// Okabe-Ito for compounds and buildings, Paul Tol's "muted" and "light" schemes for stations:
/// both stay distinct under colour-blindness. Labels come from the vocabulary.
const COMPOUND_COLOURS: [(CompoundKind, &str); 4] = [
    (CompoundKind::Old, "#E69F00"),
    (CompoundKind::Resettlement, "#56B4E9"),
    (CompoundKind::SuperLarge, "#CC79A7"),
    (CompoundKind::Commodity, "#009E73"),
];
const ELEVATOR_COLOURS: [(bool, &str, &str, &str); 2] =
    [(true, "有电梯", "elevator", "#0072B2"), (false, "无电梯", "no elevator", "#D55E00")];
const STATION_COLOURS: [(FacilityKind, &str); 20] = [
    (FacilityKind::PartyMassCentre, "#CC6677"),
    (FacilityKind::CommunityCentre, "#332288"),
    (FacilityKind::CompoundStation, "#DDCC77"),
    (FacilityKind::ElderlyDayCare, "#117733"),
    (FacilityKind::Canteen, "#88CCEE"),
    (FacilityKind::Clinic, "#882255"),
    (FacilityKind::Library, "#44AA99"),
    (FacilityKind::DisabilityHome, "#999933"),
    (FacilityKind::YouthSpace, "#AA4499"),
    // The daily facilities of GB 50180: Paul Tol's "light" scheme, then two of his greys.
    (FacilityKind::Kindergarten, "#EE8866"),
    (FacilityKind::PrimarySchool, "#EEDD88"),
    (FacilityKind::MiddleSchool, "#FFAABB"),
    (FacilityKind::HealthCentre, "#99DDFF"),
    (FacilityKind::VegetableMarket, "#44BB99"),
    (FacilityKind::ConvenienceStore, "#BBCC33"),
    (FacilityKind::SportsGround, "#AAAA00"),
    (FacilityKind::ParkSquare, "#77AADD"),
    (FacilityKind::PublicToilet, "#DDDDDD"),
    (FacilityKind::WastePoint, "#BBBBBB"),
    (FacilityKind::Pharmacy, "#555555"),
];

/// A MapLibre style document (style spec v8).
#[derive(Debug, Serialize, ToSchema)]
pub struct Style {
    /// The style spec's version, 8.
    pub version: u8,
    pub name: &'static str,
    pub metadata: StyleMetadata,
    /// Longitude and latitude (WGS84 degrees) of the first view.
    #[schema(min_items = 2, max_items = 2)]
    pub center: [f64; 2],
    pub zoom: f64,
    pub sources: BTreeMap<&'static str, VectorSource>,
    /// Bottom first.
    pub layers: Vec<StyleLayer>,
}

/// What the style spec leaves to the style's author: our legend.
#[derive(Debug, Serialize, ToSchema)]
pub struct StyleMetadata {
    /// Each palette with its labels, for legends (the page builds its own from it).
    #[serde(rename = "minsheng:legend")]
    pub legend: Legend,
    /// The colour of a value no palette names.
    #[serde(rename = "minsheng:unknown")]
    pub unknown: &'static str,
}

/// The palettes of the layers coloured by a property.
#[derive(Debug, Serialize, ToSchema)]
pub struct Legend {
    /// By compound `kind`.
    pub compounds: Vec<LegendKey>,
    /// By building `has_elevator`.
    pub buildings: Vec<LegendKey>,
    /// By station `kind`.
    pub stations: Vec<LegendKey>,
}

/// One legend entry: the property's value, its labels and its colour.
#[derive(Debug, Serialize, ToSchema)]
pub struct LegendKey {
    pub value: LegendValue,
    pub label_zh: &'static str,
    pub label_en: &'static str,
    /// `#rrggbb`.
    pub colour: &'static str,
}

/// A property value a palette names: a kind's word or a yes/no.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(untagged)]
pub enum LegendValue {
    Word(&'static str),
    Flag(bool),
}

/// A vector source, copied from the TileJSON so that the style is complete in one document.
#[derive(Debug, Serialize, ToSchema)]
pub struct VectorSource {
    /// Always `vector`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub tiles: Vec<String>,
    #[schema(min_items = 4, max_items = 4)]
    pub bounds: [f64; 4],
    pub minzoom: u8,
    pub maxzoom: u8,
    pub attribution: &'static str,
}

/// One style layer. Its `filter`, `layout` and `paint` stay JSON: they hold style-spec
/// expressions (`["match", ["get", "kind"], …]`), a language of their own that the style
/// spec's validator checks (tests/style.rs), and typing the spec's hundred-odd paint and
/// layout properties would copy the spec for these eight layers.
#[derive(Debug, Serialize, ToSchema)]
pub struct StyleLayer {
    pub id: &'static str,
    #[serde(rename = "type")]
    pub kind: StyleLayerType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<&'static str>,
    /// The layer of the vector tiles it draws.
    #[serde(rename = "source-layer", skip_serializing_if = "Option::is_none")]
    pub source_layer: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minzoom: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layout: Option<Value>,
    pub paint: Value,
}

/// The style layer types this style uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum StyleLayerType {
    Background,
    Fill,
    Line,
    Circle,
    Symbol,
}

impl StyleLayer {
    /// A layer drawing `source_layer` of the style's one source.
    fn drawing(id: &'static str, kind: StyleLayerType, source_layer: &'static str, paint: Value) -> StyleLayer {
        StyleLayer {
            id,
            kind,
            source: Some(STYLE_SOURCE),
            source_layer: Some(source_layer),
            minzoom: None,
            filter: None,
            layout: None,
            paint,
        }
    }

    fn shown_from(self, minzoom: u8) -> StyleLayer {
        StyleLayer { minzoom: Some(minzoom), ..self }
    }

    fn filtered(self, filter: Value) -> StyleLayer {
        StyleLayer { filter: Some(filter), ..self }
    }
}

/// The style over the TileJSON of [`STYLE_LAYERS`] (its absolute tile URLs included).
pub fn style(tilejson: &TileJson) -> Style {
    let source = VectorSource {
        kind: "vector",
        tiles: tilejson.tiles.clone(),
        bounds: tilejson.bounds,
        minzoom: tilejson.minzoom,
        maxzoom: tilejson.maxzoom,
        attribution: tilejson.attribution,
    };
    let (lon, lat, zoom) = tilejson.center;
    let legend = Legend {
        compounds: COMPOUND_COLOURS
            .iter()
            .map(|&(kind, colour)| LegendKey {
                value: LegendValue::Word(kind.as_str()),
                label_zh: kind.label_zh(),
                label_en: kind.label_en(),
                colour,
            })
            .collect(),
        buildings: ELEVATOR_COLOURS
            .iter()
            .map(|&(lift, zh, en, colour)| LegendKey { value: LegendValue::Flag(lift), label_zh: zh, label_en: en, colour })
            .collect(),
        stations: STATION_COLOURS
            .iter()
            .map(|&(kind, colour)| LegendKey {
                value: LegendValue::Word(kind.as_str()),
                label_zh: kind.label_zh(),
                label_en: kind.label_en(),
                colour,
            })
            .collect(),
    };
    let layers = layers(&legend);
    Style {
        version: 8,
        name: "民生 Minsheng",
        metadata: StyleMetadata { legend, unknown: UNKNOWN },
        center: [lon, lat],
        zoom: f64::from(zoom),
        sources: BTreeMap::from([(STYLE_SOURCE, source)]),
        // No `glyphs`: MapLibre then draws label text with the browser's own fonts, so labels
        // need no font server. Clients without local font rendering add their own.
        layers,
    }
}

/// `["match", ["get", property], value, colour, …, UNKNOWN]`.
fn match_colour(property: &str, keys: &[LegendKey]) -> Value {
    let mut expression = vec![json!("match"), json!(["get", property])];
    for key in keys {
        expression.push(json!(key.value));
        expression.push(json!(key.colour));
    }
    expression.push(json!(UNKNOWN));
    Value::Array(expression)
}

/// The layers, bottom first. The page's views restyle some of them by id, and put their own
/// layers under `compound-labels`.
fn layers(legend: &Legend) -> Vec<StyleLayer> {
    use StyleLayerType::{Background, Circle, Fill, Line, Symbol};
    let [with_lift, without_lift] = &legend.buildings[..] else { unreachable!("two elevator keys") };
    vec![
        StyleLayer {
            id: "background",
            kind: Background,
            source: None,
            source_layer: None,
            minzoom: None,
            filter: None,
            layout: None,
            paint: json!({ "background-color": "#f3f2ee" }),
        },
        StyleLayer::drawing(
            "compounds-fill",
            Fill,
            "compounds",
            json!({ "fill-color": match_colour("kind", &legend.compounds), "fill-opacity": 0.3 }),
        ),
        StyleLayer::drawing(
            "buildings",
            Fill,
            "buildings",
            json!({
                "fill-color": ["case",
                    ["==", ["get", "has_elevator"], true], with_lift.colour,
                    ["==", ["get", "has_elevator"], false], without_lift.colour,
                    UNKNOWN],
                "fill-opacity": 0.85,
                "fill-outline-color": "#ffffff",
            }),
        )
        .shown_from(13),
        StyleLayer::drawing(
            "compounds-line",
            Line,
            "compounds",
            json!({ "line-color": match_colour("kind", &legend.compounds), "line-width": 1.5 }),
        ),
        StyleLayer::drawing("micro-grids", Line, "grids", json!({ "line-color": "#6b6b6b", "line-width": 0.8, "line-dasharray": [3, 2] }))
            .shown_from(14)
            .filtered(json!(["==", ["get", "level"], GridLevel::MicroGrid.as_str()])),
        StyleLayer::drawing(
            "grids",
            Line,
            "grids",
            json!({ "line-color": "#333333", "line-width": ["interpolate", ["linear"], ["zoom"], 12, 1, 17, 2.5] }),
        )
        .filtered(json!(["==", ["get", "level"], GridLevel::Grid.as_str()])),
        StyleLayer::drawing(
            "stations",
            Circle,
            "stations",
            json!({
                "circle-color": match_colour("kind", &legend.stations),
                "circle-radius": ["interpolate", ["linear"], ["zoom"], 12, 3, 17, 7],
                "circle-stroke-color": "#ffffff",
                "circle-stroke-width": 1.5,
            }),
        ),
        StyleLayer {
            layout: Some(json!({ "text-field": ["get", "name"], "text-size": 13, "text-max-width": 8 })),
            ..StyleLayer::drawing(
                "compound-labels",
                Symbol,
                COMPOUND_LABELS,
                json!({ "text-color": "#222222", "text-halo-color": "#ffffff", "text-halo-width": 1.5 }),
            )
            .shown_from(15)
        },
    ]
}
