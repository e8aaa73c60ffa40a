//! OGC API – Features (Parts 1 and 3) without HTTP: the collections (every layer with
//! geometry, and the public view of the reports), and the items a query selects, filtered,
//! sorted, paged and trimmed to the properties asked for.

pub mod datetime;
pub mod filter;
pub mod order;
pub mod queryables;

use rstar::AABB;
use serde::Serialize;
use serde_json::{Map, Value};

use super::features::{self, Bbox, MAX_LIMIT};
use super::reports::blur::public_point;
use super::reports::published::Overlay;
use super::reports::view::PublicReport;
use super::{Catalog, ServiceError};
use crate::crs::OutputCrs;
use crate::index::Snapshot;
use crate::model::Layer;
use crate::model::reports::Report;
use crate::model::time::to_iso8601;
use crate::store::ReportFilter;
use datetime::Interval;
use filter::{Equals, Filter, FilterLang};
use order::SortKey;
use queryables::Queryable;

/// A collection: a layer with geometry, or the reports as the public sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Collection {
    Layer(Layer),
    Reports,
}

impl Collection {
    /// Every collection, in the order they are listed.
    pub fn all() -> Vec<Collection> {
        let layers = Layer::ALL.iter().filter(|l| l.has_geometry()).map(|&l| Collection::Layer(l));
        layers.chain([Collection::Reports]).collect()
    }

    pub fn id(self) -> &'static str {
        match self {
            Collection::Layer(layer) => layer.as_str(),
            Collection::Reports => "reports",
        }
    }

    /// Whether features have a time `datetime` selects by (the reports' filing time).
    pub fn has_time(self) -> bool {
        self == Collection::Reports
    }
}

impl std::str::FromStr for Collection {
    type Err = String;

    fn from_str(id: &str) -> Result<Collection, String> {
        Collection::all().into_iter().find(|c| c.id() == id).ok_or_else(|| {
            format!("no collection {id:?}; collections are: {}", Collection::all().iter().map(|c| c.id()).collect::<Vec<_>>().join(", "))
        })
    }
}

/// One GeoJSON Feature.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Feature {
    /// Always `Feature`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub id: String,
    /// A GeoJSON geometry, WGS84 lon/lat.
    #[schema(value_type = Object)]
    pub geometry: Value,
    #[schema(value_type = Object)]
    pub properties: Map<String, Value>,
}

impl Feature {
    /// From the JSON form filters read.
    fn from_json(value: Value) -> Feature {
        let Value::Object(mut map) = value else { unreachable!("features are JSON objects") };
        let id = match map.remove("id") {
            Some(Value::String(id)) => id,
            other => unreachable!("features have string ids, not {other:?}"),
        };
        let properties = match map.remove("properties") {
            Some(Value::Object(properties)) => properties,
            _ => Map::new(),
        };
        Feature { kind: "Feature", id, geometry: map.remove("geometry").unwrap_or(Value::Null), properties }
    }

    /// The feature with its geometry in `crs` (filters have read it in CRS84 before).
    fn in_crs(mut self, crs: OutputCrs) -> Feature {
        if crs != OutputCrs::Crs84 {
            let geometry: geojson::Geometry = serde_json::from_value(self.geometry).expect("stored geometries are GeoJSON");
            self.geometry = serde_json::to_value(crs.geometry(&geometry)).expect("geometries serialise");
        }
        self
    }
}

/// What an items request asks for, checked against the collection.
#[derive(Debug, Clone)]
pub struct ItemsQuery {
    pub bbox: Option<Bbox>,
    pub datetime: Option<Interval>,
    pub equals: Vec<Equals>,
    pub filter: Option<Filter>,
    pub sortby: Vec<SortKey>,
    /// The properties to keep (`None`: all).
    pub properties: Option<Vec<String>>,
    pub limit: usize,
    pub offset: usize,
    /// The system of the answer's coordinates (`crs`).
    pub crs: OutputCrs,
}

impl ItemsQuery {
    /// Nothing selects by property or order: pages can be cut without reading every feature.
    fn is_plain(&self) -> bool {
        self.equals.is_empty() && self.filter.is_none() && self.sortby.is_empty()
    }
}

/// The query parameters of Parts 1, 2 and 3 an items request may carry besides the
/// property filters.
pub const ITEMS_PARAMETERS: [&str; 12] =
    ["f", "limit", "offset", "bbox", "bbox-crs", "crs", "datetime", "filter", "filter-lang", "filter-crs", "sortby", "properties"];

/// The page size when the request names none, as the standard's example definition has it.
pub const DEFAULT_LIMIT: usize = 10;

/// Parses an items request's query pairs (each name once). A name that is neither a
/// parameter nor a queryable is refused, as Part 1's requirement 8 asks.
pub fn items_query(collection: Collection, pairs: &[(String, String)]) -> Result<ItemsQuery, ServiceError> {
    let queryables = queryables::of(collection);
    let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim()).filter(|v| !v.is_empty());
    let invalid = |parameter: &'static str, reason: String| ServiceError::InvalidParameter { parameter, reason };
    let number = |name: &'static str| -> Result<Option<usize>, ServiceError> {
        get(name).map(|v| v.parse::<usize>().map_err(|_| invalid(name, format!("{v:?} is not a whole number")))).transpose()
    };
    let mut equals = Vec::new();
    for (name, value) in pairs {
        if ITEMS_PARAMETERS.contains(&name.as_str()) {
            continue;
        }
        match Equals::parse(name, value, &queryables)? {
            Some(e) => equals.push(e),
            None => {
                return Err(invalid(
                    "query string",
                    format!(
                        "unknown parameter {name:?}; items take {} and the queryables {}",
                        ITEMS_PARAMETERS.join(", "),
                        queryables::names(&queryables)
                    ),
                ));
            }
        }
    }
    let limit = number("limit")?.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 {
        return Err(invalid("limit", format!("must be 1..{MAX_LIMIT}")));
    }
    let crs = output_crs(get("crs"), "crs")?;
    let bbox_crs = output_crs(get("bbox-crs"), "bbox-crs")?;
    if get("filter-crs").is_some_and(|v| v != OutputCrs::Crs84.uri()) {
        return Err(invalid("filter-crs", format!("only {} is supported for filter geometries", OutputCrs::Crs84.uri())));
    }
    let bbox = get("bbox").map(|v| bbox_in(v, bbox_crs).map_err(|e| invalid("bbox", format!("{v:?}: {e}")))).transpose()?;
    let datetime = get("datetime").map(|v| v.parse::<Interval>().map_err(|e| invalid("datetime", e))).transpose()?;
    let lang = get("filter-lang").map(|v| v.parse::<FilterLang>().map_err(|e| invalid("filter-lang", e))).transpose()?;
    let filter = get("filter").map(|text| Filter::parse(text, lang.unwrap_or(FilterLang::Text), &queryables)).transpose()?;
    Ok(ItemsQuery {
        bbox,
        datetime,
        equals,
        filter,
        sortby: get("sortby").map(|v| order::parse_sortby(v, &queryables)).transpose()?.unwrap_or_default(),
        properties: get("properties").map(|v| order::parse_properties(v, &queryables)).transpose()?,
        // Above the maximum, the standard asks for the maximum rather than an error (17-069r4, permission 6).
        limit: limit.min(MAX_LIMIT),
        offset: number("offset")?.unwrap_or(0),
        crs,
    })
}

/// `crs` or `bbox-crs`: CRS84 when absent.
pub fn output_crs(value: Option<&str>, parameter: &'static str) -> Result<OutputCrs, ServiceError> {
    value.map_or(Ok(OutputCrs::Crs84), |v| OutputCrs::from_uri(v).map_err(|reason| ServiceError::InvalidParameter { parameter, reason }))
}

/// A `bbox` in `crs`'s numbers and axis order, as the CRS84 box that covers it.
fn bbox_in(text: &str, crs: OutputCrs) -> Result<Bbox, String> {
    if crs == OutputCrs::Crs84 {
        return text.parse::<OgcBbox>().map(|b| b.0);
    }
    let numbers: Vec<f64> = text
        .split(',')
        .map(|part| part.trim().parse::<f64>().map_err(|_| format!("{part:?} is not a number")))
        .collect::<Result<_, _>>()?;
    let corners = match numbers[..] {
        [a0, b0, a1, b1] | [a0, b0, _, a1, b1, _] => [a0, b0, a1, b1],
        _ => return Err(format!("expected 4 numbers (or 6 with heights), got {}", numbers.len())),
    };
    if !corners.iter().all(|n| n.is_finite()) {
        return Err("numbers must be finite".into());
    }
    let [west, south, east, north] = crs.bbox_to_crs84(corners);
    format!("{west},{south},{east},{north}").parse()
}

/// One page of features.
#[derive(Debug)]
pub struct ItemsPage {
    pub features: Vec<Feature>,
    /// Features the query selects, over all pages.
    pub number_matched: usize,
    /// Offset of the next page, if there is one.
    pub next_offset: Option<usize>,
}

/// The features of a collection a query selects: one page of them.
pub async fn items(catalog: &Catalog, collection: Collection, query: &ItemsQuery) -> Result<ItemsPage, ServiceError> {
    match collection {
        Collection::Layer(layer) => layer_items(&catalog.snapshot(), layer, query),
        Collection::Reports => report_items(catalog, query).await,
    }
}

fn layer_items(snapshot: &Snapshot, layer: Layer, query: &ItemsQuery) -> Result<ItemsPage, ServiceError> {
    // The R-tree answers the bbox exactly, and narrows the candidates of an S_INTERSECTS filter.
    let envelope = query.bbox.map(|b| AABB::from_corners([b.west, b.south], [b.east, b.north]));
    let candidates = snapshot.in_bbox(layer, envelope.or_else(|| query.filter.as_ref().and_then(|f| f.envelope)));
    let json = |i: u32| serde_json::to_value(features::feature_at(snapshot, layer, i)).expect("features serialise");
    if query.is_plain() {
        let page = candidates.iter().skip(query.offset).take(query.limit).map(|&i| json(i)).collect();
        return Ok(finish(page, candidates.len(), query));
    }
    let matched = select(candidates.into_iter().map(json), query)?;
    Ok(page_of(matched, query))
}

async fn report_items(catalog: &Catalog, query: &ItemsQuery) -> Result<ItemsPage, ServiceError> {
    let mut filter = ReportFilter { oldest_first: true, ..ReportFilter::default() };
    if let Some(interval) = query.datetime {
        (filter.created_from, filter.created_before) = (interval.start, interval.end.map(|e| e + 1));
    }
    let store = catalog.store();
    if query.is_plain() && query.bbox.is_none() {
        let matched = store.count_reports(&filter).await? as usize;
        let page = ReportFilter { limit: Some(query.limit as u32), offset: query.offset.try_into().unwrap_or(u32::MAX), ..filter };
        let reports = store.reports(&page).await?;
        let overlay = overlay_of(catalog, &reports).await?;
        let features = reports.iter().map(|r| report_feature(r, &overlay)).collect();
        return Ok(finish(features, matched, query));
    }
    let reports = store.reports(&filter).await?;
    let overlay = overlay_of(catalog, &reports).await?;
    // Against the point the public sees, so a box cannot home in on a blurred case.
    let inside = |r: &&Report| {
        let [lon, lat] = public_point(r.category, r.lon, r.lat);
        query.bbox.is_none_or(|b| (b.west..=b.east).contains(&lon) && (b.south..=b.north).contains(&lat))
    };
    let matched = select(reports.iter().filter(inside).map(|r| report_feature(r, &overlay)), query)?;
    Ok(page_of(matched, query))
}

async fn overlay_of(catalog: &Catalog, reports: &[Report]) -> Result<Overlay, ServiceError> {
    let cases: Vec<String> = reports.iter().map(|r| r.case_number.clone()).collect();
    Overlay::load(catalog, &cases).await
}

/// The features passing the property filters and the CQL2 filter, sorted.
fn select(features: impl Iterator<Item = Value>, query: &ItemsQuery) -> Result<Vec<Value>, ServiceError> {
    let mut kept = Vec::new();
    for feature in features {
        if query.equals.iter().all(|e| e.matches(&feature)) && query.filter.as_ref().map_or(Ok(true), |f| f.matches(&feature))? {
            kept.push(feature);
        }
    }
    order::sort(&mut kept, &query.sortby);
    Ok(kept)
}

fn page_of(matched: Vec<Value>, query: &ItemsQuery) -> ItemsPage {
    let total = matched.len();
    finish(matched.into_iter().skip(query.offset).take(query.limit).collect(), total, query)
}

fn finish(page: Vec<Value>, number_matched: usize, query: &ItemsQuery) -> ItemsPage {
    let features = page
        .into_iter()
        .map(|f| {
            let mut feature = Feature::from_json(f).in_crs(query.crs);
            if let Some(keep) = &query.properties {
                order::select(&mut feature.properties, keep);
            }
            feature
        })
        .collect();
    let end = query.offset.saturating_add(query.limit);
    ItemsPage { features, number_matched, next_offset: (end < number_matched).then_some(end) }
}

/// One feature of a collection by id (a report's by case number), in `crs`.
pub async fn item(catalog: &Catalog, collection: Collection, id: &str, crs: OutputCrs) -> Result<Feature, ServiceError> {
    let feature = match collection {
        Collection::Layer(layer) => {
            let feature = features::feature(&catalog.snapshot(), layer, id)?;
            Feature::from_json(serde_json::to_value(feature).expect("features serialise"))
        }
        Collection::Reports => {
            let (report, _) = catalog.store().report(id).await?.ok_or_else(|| ServiceError::NoSuchCase(id.to_owned()))?;
            let overlay = overlay_of(catalog, std::slice::from_ref(&report)).await?;
            Feature::from_json(report_feature(&report, &overlay))
        }
    };
    Ok(feature.in_crs(crs))
}

/// A report as a public GeoJSON feature: the fields of [`PublicReport`] (never the
/// reporter's; the photo list flattened), its place (blurred where the category asks) as the
/// geometry, and times as RFC 3339 (China Standard Time).
fn report_feature(report: &Report, overlay: &Overlay) -> Value {
    let mut public = PublicReport::from(report);
    overlay.apply_public(&mut public);
    let Ok(Value::Object(mut properties)) = serde_json::to_value(&public) else { unreachable!("reports serialise to objects") };
    properties.remove("point");
    // Features stay flat for GIS clients (GDAL, QGIS): the photo list becomes its first
    // public photo's address, where the reporter gave no link of their own.
    properties.remove("photos");
    if public.photo_url.is_none()
        && let Some(first) = public.photos.first()
    {
        properties.insert("photo_url".to_owned(), Value::from(first.url.clone()));
    }
    for time in ["created_at", "deadline_at", "closed_at"] {
        if let Some(seconds) = properties.get(time).and_then(Value::as_i64) {
            properties.insert(time.to_owned(), Value::from(to_iso8601(seconds)));
        }
    }
    serde_json::json!({
        "type": "Feature",
        "id": public.case_number,
        "geometry": { "type": "Point", "coordinates": public.point },
        "properties": properties,
    })
}

/// The box holding every feature of a collection, `None` when it is empty.
///
/// # Units
/// lon/lat degrees (WGS84).
pub fn extent(catalog: &Catalog, collection: Collection) -> Option<Bbox> {
    match collection {
        Collection::Layer(layer) => features::extent(&catalog.snapshot(), layer),
        Collection::Reports => {
            let points = catalog.reports();
            let fold = |values: &[f64]| values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
            let ((west, east), (south, north)) = (fold(&points.lon), fold(&points.lat));
            (!points.is_empty()).then_some(Bbox { west, south, east, north })
        }
    }
}

/// The first and last filing time of a collection with time (Unix seconds).
pub fn time_extent(catalog: &Catalog, collection: Collection) -> Option<(i64, i64)> {
    if !collection.has_time() {
        return None;
    }
    let points = catalog.reports();
    Some((*points.created_at.iter().min()?, *points.created_at.iter().max()?))
}

/// The queryables of a collection.
pub fn queryables(collection: Collection) -> Vec<Queryable> {
    queryables::of(collection)
}

/// `bbox` as OGC API sends it: four numbers, or six with heights, which a 2D map ignores.
#[derive(Debug)]
pub struct OgcBbox(pub Bbox);

impl std::str::FromStr for OgcBbox {
    type Err = String;

    fn from_str(text: &str) -> Result<OgcBbox, String> {
        let parts: Vec<&str> = text.split(',').collect();
        if let [west, south, low, east, north, high] = parts[..] {
            for height in [low, high] {
                height.trim().parse::<f64>().map_err(|_| format!("{height:?} is not a number"))?;
            }
            return format!("{west},{south},{east},{north}").parse().map(OgcBbox);
        }
        text.parse().map(OgcBbox)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(query: &str) -> Vec<(String, String)> {
        serde_urlencoded::from_str(query).unwrap()
    }

    #[test]
    fn six_number_boxes_drop_heights() {
        let parsed: OgcBbox = "104,30.5,-10,104.1,30.9,50".parse().unwrap();
        assert_eq!(parsed.0, "104,30.5,104.1,30.9".parse().unwrap());
        assert!("104,30.5,x,104.1,30.9,50".parse::<OgcBbox>().is_err());
        assert!("104,30.5,104.1".parse::<OgcBbox>().unwrap_err().contains("4 numbers"));
    }

    #[test]
    fn unknown_parameters_are_named_and_queryables_are_property_filters() {
        let stations = Collection::Layer(Layer::Stations);
        let error = items_query(stations, &pairs("limit=5&colour=red")).unwrap_err().to_string();
        assert!(error.contains("\"colour\""), "{error}");
        let query = items_query(stations, &pairs("kind=clinic&level=community&limit=20000")).unwrap();
        assert_eq!(query.equals.len(), 2);
        assert_eq!(query.limit, MAX_LIMIT);
        assert!(items_query(stations, &pairs("datetime=soon")).unwrap_err().to_string().contains("datetime"));
        assert!(items_query(stations, &pairs("filter-lang=sql")).unwrap_err().to_string().contains("filter-lang"));
        assert!(items_query(stations, &pairs("crs=EPSG:9999")).unwrap_err().to_string().contains("crs"));
        // 3857 metres of a box around Chengdu, back in CRS84 degrees.
        let query =
            items_query(stations, &pairs("bbox-crs=http://www.opengis.net/def/crs/EPSG/0/3857&bbox=11577000,3590000,11578000,3591000"))
                .unwrap();
        let b = query.bbox.unwrap();
        assert!((103.99..104.01).contains(&b.west) && (30.6..30.7).contains(&b.south) && b.west < b.east && b.south < b.north, "{b:?}");
        let query = items_query(stations, &pairs("bbox-crs=[EPSG:4326]&bbox=30.5,104.0,30.9,104.1")).unwrap();
        assert_eq!(query.bbox, Some("104.0,30.5,104.1,30.9".parse().unwrap()), "latitude first");
        assert_eq!("reports".parse(), Ok(Collection::Reports));
        assert!("contacts".parse::<Collection>().unwrap_err().contains("contacts"));
    }
}
