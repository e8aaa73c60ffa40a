//! The part of the city a feed or an export covers — one compound, grid, community or
//! street by id, a box, or a drawn polygon — and the cases of the in-memory report index
//! that lie in it. Selection reads the index's columns (an id area compares one column, a
//! box or polygon looks only at the z13 buckets it touches), never the stored cases.

use geo::{Area as _, BoundingRect, Geometry, Intersects, LineString, Point, Polygon, Validation};

use crate::index::Snapshot;
use crate::index::reports::{Matcher, ReportPoints, mercator};
use crate::model::{GridLevel, Layer};
use crate::services::ServiceError;
use crate::services::features::Bbox;

/// The most vertices a drawn polygon may have (all rings together): enough for any hand
/// drawn outline, and it bounds the point-in-polygon work per case.
pub const MAX_POLYGON_VERTICES: usize = 500;

/// The area parameters, as the query string gives them (at most one may be set).
#[derive(Debug, Clone, Default)]
pub struct AreaParams {
    pub compound: Option<String>,
    pub grid: Option<String>,
    pub community: Option<String>,
    pub street: Option<String>,
    /// `west,south,east,north`, WGS84.
    pub bbox: Option<String>,
    /// A GeoJSON Polygon, or one ring as `lon lat, lon lat, …` (WGS84).
    pub polygon: Option<String>,
}

/// Where cases are selected.
#[derive(Debug, Clone, PartialEq)]
pub enum Area {
    /// The whole district.
    Everywhere,
    /// Cases whose stored area column (`compound_id`, `grid_id` …) is this id.
    Compound(String),
    Grid(String),
    Community(String),
    Street(String),
    Bbox(Bbox),
    /// Cases whose point lies in the shape or on its edge: a drawn polygon, or a micro-grid's
    /// outline (cases record their grid, not their micro-grid). `label` names it in titles.
    Shape {
        geometry: Geometry,
        label: String,
    },
}

impl Area {
    /// The area the parameters name (checked against the district's layers), or a 400 naming
    /// the parameter at fault.
    pub fn from_params(snapshot: &Snapshot, params: &AreaParams) -> Result<Area, ServiceError> {
        let given: Vec<(&'static str, &str)> = [
            ("compound", &params.compound),
            ("grid", &params.grid),
            ("community", &params.community),
            ("street", &params.street),
            ("bbox", &params.bbox),
            ("polygon", &params.polygon),
        ]
        .into_iter()
        .filter_map(|(name, value)| Some((name, value.as_deref().map(str::trim).filter(|v| !v.is_empty())?)))
        .collect();
        let (name, value) = match given[..] {
            [] => return Ok(Area::Everywhere),
            [one] => one,
            _ => {
                let names: Vec<&str> = given.iter().map(|(name, _)| *name).collect();
                return Err(invalid(names[1], format!("give one area, not {}", names.join(" and "))));
            }
        };
        let known = |layer: Layer| -> Result<u32, ServiceError> {
            snapshot.find(layer, value).ok_or_else(|| invalid(name, format!("{value:?} is not a {name} of the district")))
        };
        match name {
            "compound" => known(Layer::Compounds).map(|_| Area::Compound(value.to_owned())),
            "community" => known(Layer::Communities).map(|_| Area::Community(value.to_owned())),
            "street" => known(Layer::Streets).map(|_| Area::Street(value.to_owned())),
            "grid" => {
                let grid = &snapshot.data.grids[known(Layer::Grids)? as usize];
                Ok(match grid.level {
                    GridLevel::Grid => Area::Grid(value.to_owned()),
                    GridLevel::MicroGrid => Area::Shape { geometry: grid.geometry.clone(), label: format!("micro-grid {value}") },
                })
            }
            "bbox" => value.parse().map(Area::Bbox).map_err(|reason| invalid("bbox", reason)),
            _ => parse_polygon(value).map(|polygon| Area::Shape { geometry: Geometry::Polygon(polygon), label: "polygon".into() }),
        }
    }

    /// How titles name the area: `compound CP1`, `bbox 104.0,30.8,104.1,30.9` …
    pub fn describe(&self) -> String {
        match self {
            Area::Everywhere => "the district".into(),
            Area::Compound(id) => format!("compound {id}"),
            Area::Grid(id) => format!("grid {id}"),
            Area::Community(id) => format!("community {id}"),
            Area::Street(id) => format!("street {id}"),
            Area::Bbox(b) => format!("bbox {},{},{},{}", b.west, b.south, b.east, b.north),
            Area::Shape { label, .. } => label.clone(),
        }
    }

    /// The index rows in the area that pass `matcher`, in row (case id) order.
    pub fn rows(&self, points: &ReportPoints, matcher: &Matcher) -> Vec<usize> {
        let column = |column: &[u32], id: &str| -> Vec<usize> {
            let Some(number) = points.areas.find(id) else { return Vec::new() };
            (0..points.len()).filter(|&i| column[i] == number && matcher.accepts(points, i)).collect()
        };
        match self {
            Area::Everywhere => (0..points.len()).filter(|&i| matcher.accepts(points, i)).collect(),
            Area::Compound(id) => column(&points.compound, id),
            Area::Grid(id) => column(&points.grid, id),
            Area::Community(id) => column(&points.community, id),
            Area::Street(id) => column(&points.street, id),
            Area::Bbox(b) => near(points, [b.west, b.south, b.east, b.north])
                .filter(|&i| {
                    let (lon, lat) = (points.lon[i], points.lat[i]);
                    lon >= b.west && lon <= b.east && lat >= b.south && lat <= b.north && matcher.accepts(points, i)
                })
                .collect(),
            Area::Shape { geometry, .. } => {
                let Some(rect) = geometry.bounding_rect() else { return Vec::new() };
                near(points, [rect.min().x, rect.min().y, rect.max().x, rect.max().y])
                    .filter(|&i| matcher.accepts(points, i) && geometry.intersects(&Point::new(points.lon[i], points.lat[i])))
                    .collect()
            }
        }
    }
}

/// Rows in the z13 buckets a WGS84 box (west, south, east, north) touches.
fn near(points: &ReportPoints, [west, south, east, north]: [f64; 4]) -> impl Iterator<Item = usize> + '_ {
    let [x0, y0] = mercator(west, north);
    let [x1, y1] = mercator(east, south);
    points.rows_near([x0, y0, x1, y1]).into_iter().map(|row| row as usize)
}

fn invalid(parameter: &'static str, reason: impl Into<String>) -> ServiceError {
    ServiceError::InvalidParameter { parameter, reason: reason.into() }
}

/// A polygon from a GeoJSON Polygon (`{"type":"Polygon","coordinates":[…]}`) or from one
/// ring written `lon lat, lon lat, …` (closed or not), WGS84 degrees. It must be valid
/// (closed rings, no self-intersection), have an area, and at most
/// [`MAX_POLYGON_VERTICES`] vertices.
pub fn parse_polygon(text: &str) -> Result<Polygon, ServiceError> {
    let bad = |reason: String| invalid("polygon", reason);
    let polygon = if text.starts_with('{') {
        let geometry: geojson::Geometry = text.parse().map_err(|e| bad(format!("is not GeoJSON: {e}")))?;
        if !matches!(geometry.value, geojson::GeometryValue::Polygon { .. }) {
            return Err(bad(format!("is a {}, expected a Polygon", geometry.value.type_name())));
        }
        Polygon::try_from(&geometry.value).map_err(|e| bad(format!("is not a polygon: {e}")))?
    } else {
        let mut ring = Vec::new();
        for (n, pair) in text.split(',').enumerate() {
            let numbers: Vec<&str> = pair.split_whitespace().collect();
            let [lon, lat] = numbers[..] else {
                return Err(bad(format!("vertex {} ({:?}) is not `lon lat`", n + 1, pair.trim())));
            };
            let number = |v: &str| v.parse::<f64>().map_err(|_| bad(format!("vertex {}: {v:?} is not a number", n + 1)));
            ring.push((number(lon)?, number(lat)?));
            if ring.len() > MAX_POLYGON_VERTICES + 1 {
                break;
            }
        }
        Polygon::new(LineString::from(ring), Vec::new())
    };
    let vertices = polygon.exterior().0.len() + polygon.interiors().iter().map(|r| r.0.len()).sum::<usize>();
    if vertices > MAX_POLYGON_VERTICES + 1 {
        return Err(bad(format!("has more than {MAX_POLYGON_VERTICES} vertices")));
    }
    for c in polygon.exterior().coords().chain(polygon.interiors().iter().flat_map(|r| r.coords())) {
        if !c.x.is_finite() || !c.y.is_finite() || !(-180.0..=180.0).contains(&c.x) || !(-90.0..=90.0).contains(&c.y) {
            return Err(bad(format!("vertex ({}, {}) is not a WGS84 lon lat", c.x, c.y)));
        }
    }
    if polygon.exterior().0.len() < 4 {
        return Err(bad("needs at least 3 vertices".into()));
    }
    if let Some(problem) = polygon.validation_errors().first() {
        return Err(bad(format!("is not a valid polygon: {problem}")));
    }
    if polygon.unsigned_area() <= 0.0 {
        return Err(bad("has no area".into()));
    }
    Ok(polygon)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ring_or_geojson_makes_a_polygon_and_bad_ones_are_named() {
        let ring = parse_polygon("104.0 30.8, 104.1 30.8, 104.1 30.9, 104.0 30.9").unwrap();
        assert_eq!(ring.exterior().0.len(), 5, "the ring is closed");
        let geojson = parse_polygon(r#"{"type":"Polygon","coordinates":[[[104,30.8],[104.1,30.8],[104.1,30.9],[104,30.8]]]}"#).unwrap();
        assert_eq!(geojson.exterior().0.len(), 4);
        for (text, expected) in [
            ("104.0 30.8, 104.1", "vertex 2"),
            ("104.0 30.8, 104.1 x, 1 2", "\"x\" is not a number"),
            ("104.0 30.8, 104.1 30.8", "at least 3 vertices"),
            ("0 0, 2 2, 2 0, 0 2", "not a valid polygon"),
            ("0 0, 1 1, 2 2", "polygon"),
            ("200 0, 1 1, 1 0", "not a WGS84"),
            (r#"{"type":"Point","coordinates":[1,2]}"#, "expected a Polygon"),
            ("{", "is not GeoJSON"),
        ] {
            let error = parse_polygon(text).unwrap_err().to_string();
            assert!(error.contains("polygon") && error.contains(expected), "{text}: {error}");
        }
        let many: Vec<String> = (0..=MAX_POLYGON_VERTICES).map(|i| format!("{} {}", (i as f64).cos(), (i as f64).sin())).collect();
        assert!(parse_polygon(&many.join(",")).unwrap_err().to_string().contains("more than 500 vertices"));
    }
}
