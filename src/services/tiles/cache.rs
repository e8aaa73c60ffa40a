//! Encoded tiles, kept after compression and keyed by data version, so an import is
//! visible at once (new version, new keys) and a hot tile costs a lookup.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use flate2::Compression;
use flate2::write::GzEncoder;

use super::render::render;
use crate::index::Snapshot;
use crate::index::reports::{ReportPoints, ReportQuery};
use crate::model::Layer;
use crate::mvt::TileCoord;
use crate::services::analytics;

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

/// A report tile: keyed by the last report change it reflects, so any new or moved case
/// makes fresh keys (the old ones age out), and by its filter.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ReportTileKey {
    synced_event: i64,
    filter: String,
    tile: TileCoord,
}

/// A bounded, concurrent cache of encoded tiles.
pub struct TileCache {
    /// `None` when caching is off.
    tiles: Option<moka::sync::Cache<TileKey, Arc<EncodedTile>>>,
    reports: Option<moka::sync::Cache<ReportTileKey, Arc<EncodedTile>>>,
    map_counts: Counts,
    report_counts: Counts,
}

/// Lookups answered from the cache and tiles rendered (with caching off, every tile is a miss).
#[derive(Debug, Default)]
struct Counts {
    hits: AtomicU64,
    misses: AtomicU64,
}

impl Counts {
    fn count(&self, hit: bool) {
        let counter = if hit { &self.hits } else { &self.misses };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    fn read(&self) -> CacheCounts {
        CacheCounts { hits: self.hits.load(Ordering::Relaxed), misses: self.misses.load(Ordering::Relaxed) }
    }
}

/// Hits and misses of one tile cache since the process started (for `/metrics`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheCounts {
    pub hits: u64,
    pub misses: u64,
}

impl TileCache {
    /// A cache holding at most `max_bytes` of encoded tiles (both encodings counted); 0
    /// turns caching off.
    pub fn new(max_bytes: u64) -> TileCache {
        // Map tiles get three quarters, report tiles (many filters, short-lived) a quarter.
        TileCache {
            tiles: bounded(max_bytes / 4 * 3),
            reports: bounded(max_bytes / 4),
            map_counts: Counts::default(),
            report_counts: Counts::default(),
        }
    }

    /// Hits and misses of map tiles, then of report tiles.
    pub fn counts(&self) -> (CacheCounts, CacheCounts) {
        (self.map_counts.read(), self.report_counts.read())
    }

    /// A tile of the `reports` layer for a filter, from the cache or rendered now.
    pub fn report_tile(&self, points: &ReportPoints, query: &ReportQuery, tile: TileCoord) -> Arc<EncodedTile> {
        let filter = analytics::filter::key(query);
        let digest = hash(&filter);
        let render = || {
            let raw = analytics::tiles::render(points, query, tile);
            let etag = format!("\"r{}-{digest:x}-{}-{}-{}\"", points.synced_event, tile.z, tile.x, tile.y);
            Arc::new(compressed(raw, etag))
        };
        match &self.reports {
            Some(cache) => {
                let entry = cache.entry(ReportTileKey { synced_event: points.synced_event, filter, tile }).or_insert_with(render);
                self.report_counts.count(!entry.is_fresh());
                entry.into_value()
            }
            None => {
                self.report_counts.count(false);
                render()
            }
        }
    }

    /// The tile if it is cached, without rendering. Only a hit is counted: a miss here is
    /// followed by [`TileCache::get`], which counts it.
    pub fn cached(&self, snapshot: &Snapshot, layers: &[Layer], tile: TileCoord) -> Option<Arc<EncodedTile>> {
        let hit = self.tiles.as_ref()?.get(&TileKey { version: snapshot.version, layers: layers.to_vec(), tile })?;
        self.map_counts.count(true);
        Some(hit)
    }

    /// The tile from the cache, or rendered, compressed and cached now.
    pub fn get(&self, snapshot: &Snapshot, layers: &[Layer], tile: TileCoord) -> Arc<EncodedTile> {
        let Some(tiles) = &self.tiles else {
            self.map_counts.count(false);
            return Arc::new(encode(snapshot, layers, tile));
        };
        let key = TileKey { version: snapshot.version, layers: layers.to_vec(), tile };
        // Another request may have rendered it since `cached` looked: then it is a hit.
        let entry = tiles.entry(key).or_insert_with(|| Arc::new(encode(snapshot, layers, tile)));
        self.map_counts.count(!entry.is_fresh());
        entry.into_value()
    }

    /// Renders without looking at or filling the cache (for benchmarks of the uncached path).
    pub fn render_uncached(snapshot: &Snapshot, layers: &[Layer], tile: TileCoord) -> EncodedTile {
        encode(snapshot, layers, tile)
    }
}

fn bounded<K: std::hash::Hash + Eq + Send + Sync + 'static>(max_bytes: u64) -> Option<moka::sync::Cache<K, Arc<EncodedTile>>> {
    (max_bytes > 0).then(|| {
        moka::sync::Cache::builder()
            .max_capacity(max_bytes)
            .weigher(|_, tile: &Arc<EncodedTile>| (tile.raw.len() + tile.gzip.len() + 64).try_into().unwrap_or(u32::MAX))
            .build()
    })
}

/// A short, stable digest of a filter for ETags (FNV-1a).
fn hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

fn encode(snapshot: &Snapshot, layers: &[Layer], tile: TileCoord) -> EncodedTile {
    let names: Vec<&str> = layers.iter().map(|l| l.as_str()).collect();
    let etag = format!("\"{}-{}-{}-{}-{}\"", snapshot.version, names.join("+"), tile.z, tile.x, tile.y);
    compressed(render(snapshot, layers, tile), etag)
}

/// A rendered tile with its gzip form kept beside it.
fn compressed(raw: Vec<u8>, etag: String) -> EncodedTile {
    let gzip = if raw.is_empty() {
        Vec::new()
    } else {
        let mut encoder = GzEncoder::new(Vec::with_capacity(raw.len() / 2), Compression::fast());
        encoder.write_all(&raw).expect("writing to a Vec cannot fail");
        encoder.finish().expect("writing to a Vec cannot fail")
    };
    EncodedTile { raw, gzip, etag }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hits_and_misses_are_counted_per_cache_and_without_a_cache_every_tile_is_a_miss() {
        let snapshot = Snapshot::empty();
        let tile = TileCoord::new(16, 52_000, 27_000).unwrap();
        let cache = TileCache::new(1024 * 1024);
        assert!(cache.cached(&snapshot, &[Layer::Buildings], tile).is_none());
        cache.get(&snapshot, &[Layer::Buildings], tile);
        assert!(cache.cached(&snapshot, &[Layer::Buildings], tile).is_some());
        cache.get(&snapshot, &[Layer::Buildings], tile);
        let points = ReportPoints::default();
        cache.report_tile(&points, &ReportQuery::default(), tile);
        cache.report_tile(&points, &ReportQuery::default(), tile);
        cache.report_tile(&points, &ReportQuery::default(), tile);
        let (map, reports) = cache.counts();
        assert_eq!(map, CacheCounts { hits: 2, misses: 1 });
        assert_eq!(reports, CacheCounts { hits: 2, misses: 1 });

        let off = TileCache::new(0);
        assert!(off.cached(&snapshot, &[Layer::Buildings], tile).is_none());
        off.get(&snapshot, &[Layer::Buildings], tile);
        off.report_tile(&points, &ReportQuery::default(), tile);
        assert_eq!(off.counts(), (CacheCounts { hits: 0, misses: 1 }, CacheCounts { hits: 0, misses: 1 }));
    }
}
