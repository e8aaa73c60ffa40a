//! The documents the OGC API answers with, as OGC API – Features Parts 1 and 3 define them.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use crate::services::ogc::Feature;
use crate::services::ogc::queryables::PropertySchema;

/// A link of OGC API – Common.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Link {
    pub href: String,
    pub rel: &'static str,
    #[serde(rename = "type")]
    pub media_type: &'static str,
    pub title: String,
}

impl Link {
    pub fn new(href: String, rel: &'static str, media_type: &'static str, title: impl Into<String>) -> Link {
        Link { href, rel, media_type, title: title.into() }
    }
}

/// `GET /ogc`: what the API is and where its parts are.
#[derive(Debug, Serialize, ToSchema)]
pub struct Landing {
    pub title: &'static str,
    pub description: &'static str,
    pub links: Vec<Link>,
}

/// `GET /ogc/conformance`: the conformance classes this API passes.
#[derive(Debug, Serialize, ToSchema)]
pub struct Conformance {
    #[serde(rename = "conformsTo")]
    pub conforms_to: Vec<&'static str>,
}

/// `GET /ogc/collections`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Collections {
    pub links: Vec<Link>,
    pub collections: Vec<CollectionInfo>,
}

/// One collection's metadata.
#[derive(Debug, PartialEq, Serialize, ToSchema)]
pub struct CollectionInfo {
    pub id: &'static str,
    pub title: String,
    pub description: &'static str,
    /// Always `feature`.
    #[serde(rename = "itemType")]
    pub item_type: &'static str,
    /// The CRSs items may be asked for in (`crs=`).
    pub crs: Vec<&'static str>,
    /// The CRS the data is kept in.
    #[serde(rename = "storageCrs")]
    pub storage_crs: &'static str,
    pub links: Vec<Link>,
    /// Absent while the collection is empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extent: Option<Extent>,
}

#[derive(Debug, PartialEq, Serialize, ToSchema)]
pub struct Extent {
    pub spatial: SpatialExtent,
    /// Only where features have time (the reports' filing time).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temporal: Option<TemporalExtent>,
}

#[derive(Debug, PartialEq, Serialize, ToSchema)]
pub struct SpatialExtent {
    /// `[[west, south, east, north]]`.
    pub bbox: Vec<[f64; 4]>,
    pub crs: &'static str,
}

#[derive(Debug, PartialEq, Serialize, ToSchema)]
pub struct TemporalExtent {
    /// `[[first, last]]` as RFC 3339.
    pub interval: Vec<[String; 2]>,
    /// The Gregorian calendar.
    pub trs: &'static str,
}

/// `GET /ogc/collections/{collection}/items`: one page of features.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeatureCollection {
    /// Always `FeatureCollection`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(rename = "numberMatched")]
    pub number_matched: usize,
    #[serde(rename = "numberReturned")]
    pub number_returned: usize,
    pub links: Vec<Link>,
    pub features: Vec<Feature>,
}

/// `GET /ogc/collections/{collection}/items/{feature}`: one feature with its links.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeatureWithLinks {
    #[serde(flatten)]
    pub feature: Feature,
    pub links: Vec<Link>,
}

/// `GET /ogc/collections/{collection}/queryables`: a JSON Schema of what filters may name.
#[derive(Debug, Serialize, ToSchema)]
pub struct Queryables {
    #[serde(rename = "$schema")]
    pub schema: &'static str,
    #[serde(rename = "$id")]
    pub id: String,
    /// Always `object`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: String,
    pub properties: BTreeMap<&'static str, PropertySchema>,
    /// Always false: a filter naming anything else is refused.
    #[serde(rename = "additionalProperties")]
    pub additional_properties: bool,
}
