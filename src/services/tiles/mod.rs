//! Vector tiles of the catalog: which records go into a tile and with which properties
//! (`render`, and `analytics::tiles` for the reports), the tile sources that name them
//! (`source`), their TileJSON, the page's MapLibre style, and the cache of encoded tiles. The
//! encoding itself is [`crate::mvt`]'s.

mod cache;
mod render;
mod source;
mod style;
mod tilejson;

pub use crate::mvt::TileCoord;
pub use cache::{CacheCounts, EncodedTile, TileCache};
pub use render::{SOURCE_MAX_ZOOM, TILED_LAYERS, fields, min_zoom, parse_layers, render};
pub use source::{MapLayers, ReportHeat, SourceName, TileSource};
pub use style::{
    Legend, LegendKey, LegendValue, STYLE_LAYERS, STYLE_SOURCE, Style, StyleLayer, StyleLayerType, StyleMetadata, VectorSource, style,
};
pub use tilejson::{FieldType, TileJson, VectorLayer, WORLD_BOUNDS};
