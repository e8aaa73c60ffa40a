//! What the service says about itself: liveness with what is loaded, readiness, and the
//! layers with their sizes.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::features::FeaturePage;
use super::schemas::GeoJsonFeature;
use crate::index::Snapshot;
use crate::model::Layer;

/// `/healthz`: alive, and how many records of each layer the snapshot in use holds.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok`: an answer at all means alive.
    #[schema(value_type = String, example = "ok")]
    pub status: &'static str,
    pub data_version: i64,
    /// Records per layer, by layer name.
    pub counts: BTreeMap<String, usize>,
}

pub fn health(snapshot: &Snapshot) -> Health {
    let counts = Layer::ALL.iter().map(|l| (l.as_str().to_owned(), snapshot.data.count(*l))).collect();
    Health { status: "ok", data_version: snapshot.version, counts }
}

/// `/readyz` once ready: the data version the database answered with, and the records loaded.
#[derive(Debug, PartialEq, Serialize, ToSchema)]
pub struct Ready {
    #[schema(value_type = String, example = "ready")]
    pub status: &'static str,
    pub data_version: i64,
    pub records: usize,
}

/// `/api/layers`.
#[derive(Debug, Serialize, ToSchema)]
pub struct LayerList {
    pub layers: Vec<LayerSize>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LayerSize {
    pub id: Layer,
    /// The Chinese name.
    pub title: &'static str,
    pub count: usize,
}

pub fn layers(snapshot: &Snapshot) -> LayerList {
    LayerList { layers: Layer::ALL.iter().map(|&l| LayerSize { id: l, title: l.label_zh(), count: snapshot.data.count(l) }).collect() }
}

/// One page of a layer as a GeoJSON FeatureCollection, with its paging.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LayerPage {
    #[serde(rename = "type")]
    #[schema(value_type = String, example = "FeatureCollection")]
    pub kind: &'static str,
    /// Features matching the filter, over all pages.
    pub number_matched: usize,
    pub number_returned: usize,
    /// `offset` of the next page; `null` on the last.
    pub next_offset: Option<usize>,
    #[schema(value_type = Vec<GeoJsonFeature>)]
    pub features: Vec<geojson::Feature>,
}

impl From<FeaturePage> for LayerPage {
    fn from(page: FeaturePage) -> LayerPage {
        LayerPage {
            kind: "FeatureCollection",
            number_matched: page.number_matched,
            number_returned: page.features.len(),
            next_offset: page.next_offset,
            features: page.features,
        }
    }
}
