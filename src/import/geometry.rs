//! Geometry checks for imported features, on the raw GeoJSON positions (before conversion
//! to `geo`, which would silently close an open ring).

use geo::algorithm::Validation;
use geojson::{GeometryValue, Position};
use serde_json::Value;

/// What a layer's features must carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Polygon or MultiPolygon.
    Area,
    /// LineString or MultiLineString.
    Line,
    Point,
    /// No geometry at all (`"geometry": null`).
    Nothing,
}

impl Shape {
    fn describe(self) -> &'static str {
        match self {
            Shape::Area => "a Polygon or MultiPolygon",
            Shape::Line => "a LineString or MultiLineString",
            Shape::Point => "a Point",
            Shape::Nothing => "null",
        }
    }
}

/// Checks a feature's `geometry` member and converts it. Returns every problem found.
///
/// # Units
/// Positions are WGS84 lon/lat degrees; longitude must lie in [-180, 180] and latitude in [-90, 90].
pub fn check_geometry(geometry: Value, shape: Shape) -> Result<Option<geo::Geometry>, Vec<String>> {
    if geometry.is_null() {
        return match shape {
            Shape::Nothing => Ok(None),
            _ => Err(vec![format!("geometry is missing, expected {}", shape.describe())]),
        };
    }
    if shape == Shape::Nothing {
        return Err(vec!["contacts and units carry no geometry: set \"geometry\": null".into()]);
    }
    let geometry: geojson::Geometry = serde_json::from_value(geometry).map_err(|e| vec![format!("geometry is not valid GeoJSON: {e}")])?;
    let value = geometry.value;
    let mut problems = Vec::new();
    match (&value, shape) {
        (GeometryValue::Point { coordinates }, Shape::Point) => check_position(coordinates, &mut problems),
        (GeometryValue::Polygon { coordinates }, Shape::Area) => check_polygon(coordinates, "", &mut problems),
        (GeometryValue::MultiPolygon { coordinates }, Shape::Area) => {
            for (i, polygon) in coordinates.iter().enumerate() {
                check_polygon(polygon, &format!("polygon {i}: "), &mut problems);
            }
        }
        (GeometryValue::LineString { coordinates }, Shape::Line) => check_line(coordinates, "", &mut problems),
        (GeometryValue::MultiLineString { coordinates }, Shape::Line) => {
            for (i, line) in coordinates.iter().enumerate() {
                check_line(line, &format!("line {i}: "), &mut problems);
            }
        }
        (other, _) => {
            return Err(vec![format!("geometry is a {}, expected {}", other.type_name(), shape.describe())]);
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let converted = geo::Geometry::try_from(&value).map_err(|e| vec![format!("geometry: {e}")])?;
    if let Err(reason) = converted.check_validation() {
        return Err(vec![format!("invalid geometry: {reason}")]);
    }
    Ok(Some(converted))
}

fn check_polygon(rings: &[Vec<Position>], prefix: &str, problems: &mut Vec<String>) {
    if rings.is_empty() {
        problems.push(format!("{prefix}polygon has no rings"));
    }
    for (r, ring) in rings.iter().enumerate() {
        let role = if r == 0 { "exterior ring".to_owned() } else { format!("hole {r}") };
        if ring.len() < 4 {
            problems.push(format!("{prefix}{role} has {} positions, a ring needs at least 4", ring.len()));
        }
        if let (Some(first), Some(last)) = (ring.first(), ring.last())
            && first.as_slice() != last.as_slice()
        {
            problems.push(format!("{prefix}{role} is not closed: first and last positions differ"));
        }
        for position in ring {
            check_position(position, problems);
        }
    }
}

fn check_line(positions: &[Position], prefix: &str, problems: &mut Vec<String>) {
    if positions.len() < 2 {
        problems.push(format!("{prefix}line has {} positions, a line needs at least 2", positions.len()));
    }
    for position in positions {
        check_position(position, problems);
    }
}

fn check_position(position: &Position, problems: &mut Vec<String>) {
    let p = position.as_slice();
    if p.len() < 2 {
        problems.push(format!("position {p:?} needs longitude and latitude"));
        return;
    }
    let (lon, lat) = (p[0], p[1]);
    if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
        problems.push(format!(
            "position [{lon}, {lat}] is out of range (longitude -180..180, latitude -90..90; is it lat/lon swapped or projected?)"
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn problems(geometry: Value, shape: Shape) -> String {
        check_geometry(geometry, shape).unwrap_err().join(" | ")
    }

    #[test]
    fn accepts_a_valid_polygon_and_point() {
        let square = json!({"type": "Polygon", "coordinates": [[[104.0, 30.0], [104.001, 30.0], [104.001, 30.001], [104.0, 30.0]]]});
        assert!(matches!(check_geometry(square, Shape::Area), Ok(Some(geo::Geometry::Polygon(_)))));
        let point = json!({"type": "Point", "coordinates": [104.0, 30.0]});
        assert!(matches!(check_geometry(point, Shape::Point), Ok(Some(geo::Geometry::Point(_)))));
        assert_eq!(check_geometry(Value::Null, Shape::Nothing), Ok(None));
    }

    #[test]
    fn names_each_kind_of_problem() {
        let open = json!({"type": "Polygon", "coordinates": [[[104.0, 30.0], [104.1, 30.0], [104.1, 30.1], [104.0, 30.1]]]});
        assert!(problems(open, Shape::Area).contains("not closed"));
        let bow_tie = json!({"type": "Polygon", "coordinates": [[[0.0, 0.0], [1.0, 1.0], [1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]]});
        assert!(problems(bow_tie, Shape::Area).contains("invalid geometry"));
        let swapped = json!({"type": "Point", "coordinates": [30.8, 104.05]});
        assert!(problems(swapped, Shape::Point).contains("out of range"));
        let wrong_type = json!({"type": "Point", "coordinates": [104.0, 30.0]});
        assert!(problems(wrong_type, Shape::Area).contains("is a Point, expected a Polygon or MultiPolygon"));
        assert!(problems(Value::Null, Shape::Area).contains("missing"));
        assert!(problems(json!({"type": "Point", "coordinates": [1.0, 2.0]}), Shape::Nothing).contains("no geometry"));
        assert!(problems(json!({"type": "Blob"}), Shape::Point).contains("not valid GeoJSON"));
    }
}
