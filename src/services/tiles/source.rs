//! Tile sources: what a `/tiles/{name}` path names. A name resolves once to a [`SourceName`], is
//! bound to the current data, and from then on rendering, caching and TileJSON come from the
//! [`TileSource`] trait, whatever the source.

use std::str::FromStr;
use std::sync::Arc;

use super::cache::{EncodedTile, TileCache};
use super::render::{COMPOUND_LABEL_FIELDS, COMPOUND_LABELS, SOURCE_MAX_ZOOM, fields, min_zoom, parse_layers};
use super::tilejson::{Description, FieldType, TileJson, VectorLayer};
use crate::index::Snapshot;
use crate::index::reports::ReportQuery;
use crate::model::Layer;
use crate::mvt::TileCoord;
use crate::services::{Catalog, ServiceError, analytics};

/// A set of vector tiles under one name, bound to the data of one moment.
pub trait TileSource: Send + Sync {
    /// Its TileJSON 3.0 document, the tile URLs under `base` (the absolute URL of
    /// `/tiles/{name}`).
    fn tilejson(&self, base: &str) -> TileJson;

    /// The tile if the cache holds it and it can be looked up without waiting: never
    /// rendering, so it may run on the threads that serve requests. `None` leaves the lookup
    /// to [`TileSource::tile`].
    fn cached(&self, cache: &TileCache, tile: TileCoord) -> Option<Arc<EncodedTile>>;

    /// The tile from the cache, or rendered and cached now: CPU work, to be run off the
    /// threads that serve requests.
    fn tile(&self, cache: &TileCache, tile: TileCoord) -> Arc<EncodedTile>;
}

/// What a source name in a tile URL means, before it is bound to data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceName {
    /// `reports`: the problem reports for heat maps, filtered by the request's query.
    Reports,
    /// One map layer or a comma list of them (`grids,compounds`).
    Layers(Vec<Layer>),
}

impl FromStr for SourceName {
    type Err = ServiceError;

    fn from_str(name: &str) -> Result<SourceName, ServiceError> {
        if name == analytics::tiles::LAYER { Ok(SourceName::Reports) } else { parse_layers(name).map(SourceName::Layers) }
    }
}

/// Map layers from the index: one tile holds each named layer from the zoom it appears at.
pub struct MapLayers {
    snapshot: Arc<Snapshot>,
    layers: Vec<Layer>,
}

impl MapLayers {
    pub fn new(snapshot: Arc<Snapshot>, layers: Vec<Layer>) -> MapLayers {
        MapLayers { snapshot, layers }
    }
}

impl TileSource for MapLayers {
    fn tilejson(&self, base: &str) -> TileJson {
        let names: Vec<&str> = self.layers.iter().map(|l| l.as_str()).collect();
        let minzoom = self.layers.iter().map(|&l| min_zoom(l)).min().unwrap_or(0);
        let bounds = self.snapshot.bounds();
        let mut vector_layers: Vec<VectorLayer> =
            self.layers.iter().map(|&layer| vector_layer(layer.as_str(), layer.label_zh(), min_zoom(layer), fields(layer))).collect();
        if self.layers.contains(&Layer::Compounds) {
            vector_layers.push(vector_layer(
                COMPOUND_LABELS,
                "小区名称 compound label points",
                min_zoom(Layer::Compounds),
                COMPOUND_LABEL_FIELDS,
            ));
        }
        Description {
            name: names.join(","),
            description: "民生 Minsheng: residential-compound governance layers".to_owned(),
            tiles: format!("{base}/{{z}}/{{x}}/{{y}}.mvt"),
            minzoom,
            maxzoom: SOURCE_MAX_ZOOM,
            bounds,
            // Close enough to see buildings; an empty source has nothing to look at.
            center_zoom: if bounds.is_some() { minzoom.max(14) } else { 0 },
            vector_layers,
        }
        .into()
    }

    fn cached(&self, cache: &TileCache, tile: TileCoord) -> Option<Arc<EncodedTile>> {
        cache.cached(&self.snapshot, &self.layers, tile)
    }

    fn tile(&self, cache: &TileCache, tile: TileCoord) -> Arc<EncodedTile> {
        cache.get(&self.snapshot, &self.layers, tile)
    }
}

/// The problem reports passing a filter, for heat maps (see [`analytics::tiles`]).
pub struct ReportHeat {
    catalog: Catalog,
    query: ReportQuery,
    /// The filter as the client wrote it (`category=parking&status=open`), carried on to the
    /// TileJSON's tile URL so that a client's tiles match its TileJSON.
    url_query: Option<String>,
}

impl ReportHeat {
    pub fn new(catalog: Catalog, query: ReportQuery, url_query: Option<String>) -> ReportHeat {
        ReportHeat { catalog, query, url_query }
    }
}

impl TileSource for ReportHeat {
    fn tilejson(&self, base: &str) -> TileJson {
        let suffix = self.url_query.as_deref().filter(|q| !q.is_empty()).map(|q| format!("?{q}")).unwrap_or_default();
        let layer = analytics::tiles::LAYER;
        Description {
            name: layer.to_owned(),
            description: format!(
                "民生 Minsheng problem reports: one point per case from z{}, below it weighted points (`count`) per 1/64 of a tile",
                analytics::tiles::POINT_ZOOM
            ),
            tiles: format!("{base}/{{z}}/{{x}}/{{y}}.mvt{suffix}"),
            minzoom: 0,
            maxzoom: SOURCE_MAX_ZOOM,
            bounds: self.catalog.snapshot().bounds(),
            // The district at a glance: cases are a heat map at this zoom.
            center_zoom: 12,
            vector_layers: vec![vector_layer(layer, "问题上报 problem reports", 0, analytics::tiles::FIELDS)],
        }
        .into()
    }

    /// Never here: the cache key needs the reports' last change, and reading the reports
    /// waits while a sync applies new cases (seconds, on the first load of a large city).
    fn cached(&self, _: &TileCache, _: TileCoord) -> Option<Arc<EncodedTile>> {
        None
    }

    fn tile(&self, cache: &TileCache, tile: TileCoord) -> Arc<EncodedTile> {
        cache.report_tile(&self.catalog.reports(), &self.query, tile)
    }
}

fn vector_layer(id: &'static str, description: &'static str, minzoom: u8, fields: &[(&'static str, FieldType)]) -> VectorLayer {
    VectorLayer { id, description, minzoom, maxzoom: SOURCE_MAX_ZOOM, fields: fields.iter().copied().collect() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_to_the_report_layer_or_to_map_layers() {
        assert_eq!("reports".parse::<SourceName>().unwrap(), SourceName::Reports);
        assert_eq!("grids,buildings".parse::<SourceName>().unwrap(), SourceName::Layers(vec![Layer::Grids, Layer::Buildings]));
        assert!(matches!("castles".parse::<SourceName>(), Err(ServiceError::UnknownLayer { .. })));
        assert!(matches!("reports,grids".parse::<SourceName>(), Err(ServiceError::UnknownLayer { .. })), "reports mix with no layer");
    }

    #[test]
    fn an_empty_source_describes_the_whole_world_from_zoom_zero() {
        let source = MapLayers::new(Arc::new(Snapshot::empty()), vec![Layer::Buildings, Layer::Streets]);
        let tilejson = source.tilejson("http://h/tiles/buildings,streets");
        assert_eq!(tilejson.bounds, super::super::tilejson::WORLD_BOUNDS);
        assert_eq!(tilejson.center, (0.0, 0.0, 0));
        assert_eq!(tilejson.minzoom, min_zoom(Layer::Streets));
        assert_eq!(tilejson.tiles, ["http://h/tiles/buildings,streets/{z}/{x}/{y}.mvt"]);
        let ids: Vec<&str> = tilejson.vector_layers.iter().map(|l| l.id).collect();
        assert_eq!(ids, ["buildings", "streets"], "in the order asked, with no compound labels");
    }
}
