//! Encoded tiles, kept after compression and keyed by data version, so an import is
//! visible at once (new version, new keys) and a hot tile costs a lookup.

use std::io::Write;
use std::sync::Arc;

use flate2::write::GzEncoder;
use flate2::Compression;

use super::render::render;
use super::TileCoord;
use crate::index::Snapshot;
use crate::model::Layer;

/// One tile, ready to send either way.
pub struct EncodedTile {
    pub raw: Vec<u8>,
    pub gzip: Vec<u8>,
    /// Names this version of this tile; changes whenever the data does.
    pub etag: String,
}

impl EncodedTile {
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct TileKey {
    version: i64,
    layers: Vec<Layer>,
    tile: TileCoord,
}

/// A bounded, concurrent cache of encoded tiles.
pub struct TileCache {
    /// `None` when caching is off.
    tiles: Option<moka::sync::Cache<TileKey, Arc<EncodedTile>>>,
}

impl TileCache {
    /// A cache holding at most `max_bytes` of encoded tiles (both encodings counted); 0
    /// turns caching off.
    pub fn new(max_bytes: u64) -> TileCache {
        let tiles = (max_bytes > 0).then(|| {
            moka::sync::Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|_, tile: &Arc<EncodedTile>| (tile.raw.len() + tile.gzip.len() + 64).try_into().unwrap_or(u32::MAX))
                .build()
        });
        TileCache { tiles }
    }

    /// The tile if it is cached, without rendering.
    pub fn cached(&self, snapshot: &Snapshot, layers: &[Layer], tile: TileCoord) -> Option<Arc<EncodedTile>> {
        self.tiles.as_ref()?.get(&TileKey { version: snapshot.version, layers: layers.to_vec(), tile })
    }

    /// The tile from the cache, or rendered, compressed and cached now.
    pub fn get(&self, snapshot: &Snapshot, layers: &[Layer], tile: TileCoord) -> Arc<EncodedTile> {
        let Some(tiles) = &self.tiles else {
            return Arc::new(encode(snapshot, layers, tile));
        };
        let key = TileKey { version: snapshot.version, layers: layers.to_vec(), tile };
        tiles.get_with(key, || Arc::new(encode(snapshot, layers, tile)))
    }

    /// Renders without looking at or filling the cache (for benchmarks of the uncached path).
    pub fn render_uncached(snapshot: &Snapshot, layers: &[Layer], tile: TileCoord) -> EncodedTile {
        encode(snapshot, layers, tile)
    }
}

fn encode(snapshot: &Snapshot, layers: &[Layer], tile: TileCoord) -> EncodedTile {
    let raw = render(snapshot, layers, tile);
    let gzip = if raw.is_empty() {
        Vec::new()
    } else {
        let mut encoder = GzEncoder::new(Vec::with_capacity(raw.len() / 2), Compression::fast());
        encoder.write_all(&raw).expect("writing to a Vec cannot fail");
        encoder.finish().expect("writing to a Vec cannot fail")
    };
    let names: Vec<&str> = layers.iter().map(|l| l.as_str()).collect();
    let etag = format!("\"{}-{}-{}-{}-{}\"", snapshot.version, names.join("+"), tile.z, tile.x, tile.y);
    EncodedTile { raw, gzip, etag }
}
