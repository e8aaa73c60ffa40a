//! Layer features as GeoJSON, filtered by bounding box and paged. One query path for
//! `/api/layers` and OGC API – Features (`/ogc`).

use rstar::AABB;

use super::ServiceError;
use crate::index::Snapshot;
use crate::model::{Layer, to_feature};

pub const DEFAULT_LIMIT: usize = 1_000;
pub const MAX_LIMIT: usize = 10_000;

/// A lon/lat box: west, south, east, north in WGS84 degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bbox {
    pub west: f64,
    pub south: f64,
    pub east: f64,
    pub north: f64,
}

impl std::str::FromStr for Bbox {
    type Err = String;

    /// Parses `west,south,east,north`.
    fn from_str(text: &str) -> Result<Bbox, String> {
        let numbers: Vec<f64> = text
            .split(',')
            .map(|part| part.trim().parse::<f64>().map_err(|_| format!("{part:?} is not a number")))
            .collect::<Result<_, _>>()?;
        let [west, south, east, north] = numbers[..] else {
            return Err(format!("expected 4 numbers west,south,east,north, got {}", numbers.len()));
        };
        if !numbers.iter().all(|n| n.is_finite()) {
            return Err("numbers must be finite".into());
        }
        if !(-180.0..=180.0).contains(&west) || !(-180.0..=180.0).contains(&east) {
            return Err("longitudes must be within -180..180".into());
        }
        if !(-90.0..=90.0).contains(&south) || !(-90.0..=90.0).contains(&north) {
            return Err("latitudes must be within -90..90".into());
        }
        if west > east || south > north {
            return Err("west must not exceed east, nor south exceed north".into());
        }
        Ok(Bbox { west, south, east, north })
    }
}

/// One page of features.
#[derive(Debug)]
pub struct FeaturePage {
    pub features: Vec<geojson::Feature>,
    /// Features matching the filter, over all pages.
    pub number_matched: usize,
    /// Offset of the next page, if there is one.
    pub next_offset: Option<usize>,
}

/// Features of a layer meeting `bbox`, `limit` from `offset`, in stored order.
pub fn features(snapshot: &Snapshot, layer: Layer, bbox: Option<Bbox>, limit: usize, offset: usize) -> Result<FeaturePage, ServiceError> {
    if limit == 0 || limit > MAX_LIMIT {
        return Err(ServiceError::InvalidParameter { parameter: "limit", reason: format!("must be 1..{MAX_LIMIT}") });
    }
    if !layer.has_geometry() && bbox.is_some() {
        return Err(ServiceError::InvalidParameter { parameter: "bbox", reason: format!("{layer} have no geometry") });
    }
    let envelope = bbox.map(|b| AABB::from_corners([b.west, b.south], [b.east, b.north]));
    let matched = snapshot.in_bbox(layer, envelope);
    let page = matched.iter().skip(offset).take(limit);
    let features = page.map(|&i| feature_at(snapshot, layer, i)).collect();
    let end = offset.saturating_add(limit);
    Ok(FeaturePage { features, number_matched: matched.len(), next_offset: (end < matched.len()).then_some(end) })
}

/// The box holding every feature of a layer: the union of their bounds. `None` when the
/// layer is empty or has no geometry.
///
/// # Units
/// lon/lat degrees (WGS84).
pub fn extent(snapshot: &Snapshot, layer: Layer) -> Option<Bbox> {
    let envelope = snapshot.extent(layer)?;
    let ([west, south], [east, north]) = (envelope.lower(), envelope.upper());
    Some(Bbox { west, south, east, north })
}

/// One feature of a layer by id.
pub fn feature(snapshot: &Snapshot, layer: Layer, id: &str) -> Result<geojson::Feature, ServiceError> {
    let i = snapshot.find(layer, id).ok_or_else(|| ServiceError::NotFound { layer, id: id.to_owned() })?;
    Ok(feature_at(snapshot, layer, i))
}

pub(crate) fn feature_at(snapshot: &Snapshot, layer: Layer, i: u32) -> geojson::Feature {
    let data = &snapshot.data;
    let i = i as usize;
    match layer {
        Layer::Streets => to_feature(&data.streets[i]),
        Layer::Communities => to_feature(&data.communities[i]),
        Layer::Grids => to_feature(&data.grids[i]),
        Layer::Compounds => to_feature(&data.compounds[i]),
        Layer::Buildings => to_feature(&data.buildings[i]),
        Layer::Stations => to_feature(&data.stations[i]),
        Layer::Contacts => to_feature(&data.contacts[i]),
        Layer::Walkways => to_feature(&data.walkways[i]),
        Layer::Units => to_feature(&data.units[i]),
        Layer::CandidateSites => to_feature(&data.candidate_sites[i]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_checks_bbox() {
        assert_eq!("104,30.5,104.1,30.9".parse::<Bbox>(), Ok(Bbox { west: 104.0, south: 30.5, east: 104.1, north: 30.9 }));
        assert!("104,30".parse::<Bbox>().unwrap_err().contains("4 numbers"));
        assert!("a,1,2,3".parse::<Bbox>().unwrap_err().contains("not a number"));
        assert!("105,30,104,31".parse::<Bbox>().unwrap_err().contains("west must not exceed east"));
        assert!("104,95,105,96".parse::<Bbox>().unwrap_err().contains("latitudes"));
    }
}
