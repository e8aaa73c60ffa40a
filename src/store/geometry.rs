//! Geometry as stored. SQLite keeps RFC 7946 GeoJSON text: serde_json prints the shortest
//! decimal that parses back to the same `f64`, so a stored geometry comes back bit-for-bit.
//! PostGIS gets and gives Well-Known Binary, which carries the `f64`s themselves: exact, and
//! read without parsing text (georust's `wkb`, through the `geo-traits` it implements).

use geo::Geometry;
use geo_traits::to_geo::ToGeoGeometry;

/// Serialises a geometry to GeoJSON text.
pub fn encode_geometry(geometry: &Geometry) -> String {
    let value = geojson::GeometryValue::from(geometry);
    serde_json::to_string(&value).expect("geometry serialises to JSON")
}

/// Parses GeoJSON text written by [`encode_geometry`].
pub fn decode_geometry(text: &str) -> Result<Geometry, String> {
    let value: geojson::GeometryValue = serde_json::from_str(text).map_err(|e| e.to_string())?;
    Geometry::try_from(&value).map_err(|e| e.to_string())
}

/// Serialises a geometry to WKB (little-endian, 2D, no SRID).
pub fn encode_wkb(geometry: &Geometry) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(wkb::writer::geometry_wkb_size(geometry));
    wkb::writer::write_geometry(&mut bytes, geometry, &wkb::writer::WriteOptions::default())
        .expect("writing WKB into memory does not fail");
    bytes
}

/// Parses WKB (or PostGIS's EWKB) into a geometry.
pub fn decode_wkb(bytes: &[u8]) -> Result<Geometry, String> {
    let parsed = wkb::reader::read_wkb(bytes).map_err(|e| format!("bad WKB: {e}"))?;
    parsed.try_to_geometry().ok_or_else(|| "WKB holds an empty point".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Point, polygon};

    #[test]
    fn geometry_round_trips_bit_for_bit() {
        let awkward = [104.0512345678901_f64, 30.823456789012345, 0.1 + 0.2, 1e-300, -179.99999999999997];
        let polygon = polygon![
            (x: awkward[0], y: awkward[1]),
            (x: awkward[0] + awkward[2], y: awkward[1]),
            (x: awkward[0], y: awkward[1] + awkward[3]),
            (x: awkward[0], y: awkward[1]),
        ];
        for geometry in [Geometry::Polygon(polygon), Geometry::Point(Point::new(awkward[4], -89.5))] {
            let back = decode_geometry(&encode_geometry(&geometry)).unwrap();
            assert_eq!(back, geometry);
            assert_eq!(decode_wkb(&encode_wkb(&geometry)).unwrap(), geometry);
        }
    }
}
