//! TileJSON 3.0 documents: what a tile source holds, where its tiles are, at which zooms.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

/// The TileJSON `version` (semver, as the spec asks): the version of the tile schema (layers and
/// fields), not of the data; the data's version is in each tile's ETag.
const VERSION: &str = "1.0.0";

const SPEC: &str = "3.0.0";

const ATTRIBUTION: &str = "Minsheng demo data (fictional)";

/// Web Mercator's whole world, for a source with no data yet.
///
/// # Units
/// degrees: west, south, east, north.
pub const WORLD_BOUNDS: [f64; 4] = [-180.0, -85.051129, 180.0, 85.051129];

/// A TileJSON 3.0.0 document (<https://github.com/mapbox/tilejson-spec/tree/master/3.0.0>).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TileJson {
    /// The spec's version, `3.0.0`.
    #[schema(example = "3.0.0")]
    pub tilejson: &'static str,
    pub name: String,
    pub description: String,
    /// The version of the tile schema (layers and fields), semver.
    #[schema(example = "1.0.0")]
    pub version: &'static str,
    pub attribution: &'static str,
    /// Always `xyz`: y = 0 at the north.
    #[schema(example = "xyz")]
    pub scheme: &'static str,
    /// Absolute tile URL templates with `{z}`, `{x}` and `{y}`.
    pub tiles: Vec<String>,
    pub minzoom: u8,
    pub maxzoom: u8,
    /// West, south, east, north in WGS84 degrees.
    #[schema(min_items = 4, max_items = 4)]
    pub bounds: [f64; 4],
    /// Longitude and latitude (WGS84 degrees) and zoom of a good first view.
    pub center: (f64, f64, u8),
    pub vector_layers: Vec<VectorLayer>,
}

/// One layer of the tiles, as the TileJSON 3.0 `vector_layers` entry describes it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct VectorLayer {
    /// The layer's name inside each tile.
    pub id: &'static str,
    pub description: &'static str,
    pub minzoom: u8,
    pub maxzoom: u8,
    /// Each property of the layer's features and its type.
    pub fields: BTreeMap<&'static str, FieldType>,
}

/// The type of a feature property, in TileJSON's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub enum FieldType {
    String,
    Number,
    Boolean,
}

/// What a tile source tells its TileJSON; the fixed parts (spec, version, scheme,
/// attribution) are added here.
pub(super) struct Description {
    pub name: String,
    pub description: String,
    /// The tile URL template.
    pub tiles: String,
    pub minzoom: u8,
    pub maxzoom: u8,
    /// The data's extent (`None` when there is none yet: then the whole world).
    pub bounds: Option<[f64; 4]>,
    /// The zoom of the first view, over the middle of `bounds`.
    pub center_zoom: u8,
    pub vector_layers: Vec<VectorLayer>,
}

impl From<Description> for TileJson {
    fn from(d: Description) -> TileJson {
        let (lon, lat) = d.bounds.map_or((0.0, 0.0), |[w, s, e, n]| ((w + e) / 2.0, (s + n) / 2.0));
        TileJson {
            tilejson: SPEC,
            name: d.name,
            description: d.description,
            version: VERSION,
            attribution: ATTRIBUTION,
            scheme: "xyz",
            tiles: vec![d.tiles],
            minzoom: d.minzoom,
            maxzoom: d.maxzoom,
            bounds: d.bounds.unwrap_or(WORLD_BOUNDS),
            center: (lon, lat, d.center_zoom),
            vector_layers: d.vector_layers,
        }
    }
}
