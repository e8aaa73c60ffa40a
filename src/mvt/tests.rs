//! Round trips through an independent decoder (`mvt-reader`): what the encoder writes must read back as
//! the layers, features, properties and geometry that went in.

use std::collections::HashMap;
use std::f64::consts::PI;

use geo::{Coord, Geometry, LineString, MultiLineString, Point, Polygon};
use mvt_reader::Reader;
use mvt_reader::feature::{Feature, Value as Decoded};

use super::*;

const E: i32 = EXTENT as i32;
const B: i32 = BUFFER as i32;

/// The z14 tile over central Hangzhou (120.16° E, 30.27° N).
fn hangzhou(z: u32) -> TileCoord {
    let world = TileCoord::new(0, 0, 0).unwrap();
    let (x, y) = lon_lat_to_tile_units(&world, 120.16, 30.27);
    let scale = f64::from(1u32 << z) / f64::from(EXTENT);
    TileCoord::new(z, (x * scale) as u32, (y * scale) as u32).unwrap()
}

/// Inverse of `lon_lat_to_tile_units`, to place test geometry at known tile units.
fn lon_lat(tile: &TileCoord, x: f64, y: f64) -> Coord {
    let n = f64::from(1u32 << tile.z);
    let fx = (f64::from(tile.x) + x / f64::from(EXTENT)) / n;
    let fy = (f64::from(tile.y) + y / f64::from(EXTENT)) / n;
    Coord { x: fx * 360.0 - 180.0, y: (PI * (1.0 - 2.0 * fy)).sinh().atan().to_degrees() }
}

fn ring(tile: &TileCoord, units: &[(f64, f64)]) -> LineString {
    units.iter().map(|&(x, y)| lon_lat(tile, x, y)).collect()
}

fn tile_polygon(tile: &TileCoord, exterior: &[(f64, f64)], holes: &[&[(f64, f64)]]) -> Geometry {
    Polygon::new(ring(tile, exterior), holes.iter().map(|h| ring(tile, h)).collect()).into()
}

fn decode(bytes: Vec<u8>) -> (Vec<String>, Vec<Vec<Feature<i32>>>) {
    let reader = Reader::new(bytes).expect("the tile decodes");
    let names = reader.get_layer_names().expect("layer names");
    let features = (0..names.len()).map(|i| reader.get_features_as::<i32>(i).expect("features")).collect();
    for meta in reader.get_layer_metadata().expect("layer metadata") {
        assert_eq!((meta.version, meta.extent), (2, EXTENT), "{}", meta.name);
    }
    (names, features)
}

/// Encodes one feature in layer "l" and decodes its geometry's polygons, rings as decoded (closed).
fn one_polygon_feature(tile: TileCoord, geometry: &Geometry) -> Vec<Polygon<i32>> {
    let mut encoder = TileEncoder::new(tile);
    encoder.layer("l");
    assert!(encoder.add(1, geometry, &[]), "the feature is kept");
    let (_, layers) = decode(encoder.finish());
    match &layers[0][0].geometry {
        Geometry::MultiPolygon(mp) => mp.0.clone(),
        Geometry::Polygon(p) => vec![p.clone()],
        other => panic!("not a polygon: {other:?}"),
    }
}

/// Twice the area by the MVT spec's shoelace formula (positive = clockwise with y down).
fn double_area(ring: &LineString<i32>) -> i64 {
    ring.0.windows(2).map(|w| i64::from(w[0].x) * i64::from(w[1].y) - i64::from(w[1].x) * i64::from(w[0].y)).sum()
}

fn assert_valid_ring(ring: &LineString<i32>) {
    let pts = &ring.0;
    assert!(pts.len() >= 4, "a ring needs three corners: {pts:?}");
    assert_eq!(pts.first(), pts.last(), "closed");
    assert!(pts.windows(2).all(|w| w[0] != w[1]), "no repeated points: {pts:?}");
    for p in pts {
        assert!((-B..=E + B).contains(&p.x) && (-B..=E + B).contains(&p.y), "{p:?} outside the buffered tile");
    }
}

#[test]
fn layers_ids_and_properties_round_trip() {
    let tile = hangzhou(14);
    let mut encoder = TileEncoder::new(tile);
    encoder.layer("buildings");
    let square = tile_polygon(&tile, &[(100.0, 100.0), (200.0, 100.0), (200.0, 200.0), (100.0, 200.0)], &[]);
    let props = |name| [("name", Value::Str(name)), ("kind", Value::Str("residential")), ("floors", Value::Int(6))];
    assert!(encoder.add(42, &square, &props("1号楼")));
    assert!(encoder.add(u64::MAX, &square, &props("2号楼")));
    encoder.layer("stations");
    let point: Geometry = Point::from(lon_lat(&tile, 2048.0, 1024.0)).into();
    let station = [("level", Value::Int(-3)), ("area", Value::Double(12.5)), ("open", Value::Bool(true))];
    assert!(encoder.add(7, &point, &station));
    encoder.layer("never_used");
    // Going back to a layer adds to it rather than writing its name twice.
    encoder.layer("buildings");
    assert!(encoder.add(43, &square, &[]));
    // Keys in another order and a new key still find their own values.
    let reordered = [("kind", Value::Str("residential")), ("height", Value::Double(18.0)), ("name", Value::Str("3号楼"))];
    assert!(encoder.add(44, &square, &reordered));
    assert_eq!(encoder.features(), 5);
    let bytes = encoder.finish();
    // Keys and values are stored once per layer.
    let count = |needle: &[u8]| bytes.windows(needle.len()).filter(|w| *w == needle).count();
    assert_eq!(count(b"residential"), 1);
    assert_eq!(count(b"floors"), 1);

    let (names, layers) = decode(bytes);
    assert_eq!(names, ["buildings", "stations"]);
    let ids: Vec<_> = layers[0].iter().map(|f| f.id).collect();
    assert_eq!(ids, [Some(42), Some(u64::MAX), Some(43), Some(44)]);
    let expect = |name: &str| {
        HashMap::from([
            ("name".to_owned(), Decoded::String(name.to_owned())),
            ("kind".to_owned(), Decoded::String("residential".to_owned())),
            ("floors".to_owned(), Decoded::UInt(6)),
        ])
    };
    assert_eq!(layers[0][0].properties, Some(expect("1号楼")));
    assert_eq!(layers[0][1].properties, Some(expect("2号楼")));
    assert_eq!(layers[0][2].properties, Some(HashMap::new()));
    let mut reordered = expect("3号楼");
    reordered.remove("floors");
    reordered.insert("height".to_owned(), Decoded::Double(18.0));
    assert_eq!(layers[0][3].properties, Some(reordered));
    let s = &layers[1][0];
    assert_eq!(s.id, Some(7));
    let props = s.properties.as_ref().unwrap();
    assert_eq!(props["level"], Decoded::SInt(-3));
    assert_eq!(props["area"], Decoded::Double(12.5));
    assert_eq!(props["open"], Decoded::Bool(true));
    match &s.geometry {
        Geometry::MultiPoint(mp) => assert_eq!(mp.0, [Point::new(2048, 1024)]),
        other => panic!("not a point: {other:?}"),
    }
}

#[test]
fn polygon_matches_its_projection() {
    let tile = hangzhou(16);
    // A hexagon, clockwise on screen (y down), off the integer grid.
    let corners = [(1000.3, 1000.2), (1500.7, 900.4), (2000.1, 1000.9), (2000.6, 1600.2), (1500.2, 1700.8), (1000.9, 1600.5)];
    let source = tile_polygon(&tile, &corners, &[]);
    let decoded = one_polygon_feature(tile, &source);
    assert_eq!(decoded.len(), 1);
    let ext = &decoded[0].exterior().0;
    let Geometry::Polygon(src) = &source else { unreachable!() };
    // Compare with the source as `lon_lat_to_tile_units` projects it, corner by corner.
    let projected: Vec<(f64, f64)> = src.exterior().0.iter().map(|c| lon_lat_to_tile_units(&tile, c.x, c.y)).collect();
    assert_eq!(ext.len(), corners.len() + 1, "{ext:?}");
    for (got, want) in ext.iter().zip(&projected) {
        assert!((f64::from(got.x) - want.0).abs() <= 1.0 && (f64::from(got.y) - want.1).abs() <= 1.0, "{got:?} vs {want:?}");
    }
    for (want, corner) in projected.iter().zip(&corners) {
        assert!((want.0 - corner.0).abs() < 1e-6 && (want.1 - corner.1).abs() < 1e-6, "{want:?} vs {corner:?}");
    }
}

#[test]
fn polygon_larger_than_the_tile_is_clipped_to_tile_plus_buffer() {
    let tile = hangzhou(15);
    let big = tile_polygon(&tile, &[(-5000.0, -3000.0), (9000.0, -3000.0), (9000.0, 8000.0), (-5000.0, 8000.0)], &[]);
    let decoded = one_polygon_feature(tile, &big);
    assert_eq!(decoded.len(), 1);
    let ring = decoded[0].exterior();
    assert_valid_ring(ring);
    let mut corners: Vec<(i32, i32)> = ring.0.iter().map(|c| (c.x, c.y)).collect();
    corners.sort();
    corners.dedup();
    assert_eq!(corners, [(-B, -B), (-B, E + B), (E + B, -B), (E + B, E + B)]);
}

#[test]
fn polygon_across_the_edge_keeps_valid_closed_rings() {
    let tile = hangzhou(14);
    // A diamond with a hole, both crossing the east edge.
    let diamond = [(4000.0, 1000.0), (4600.0, 1600.0), (4000.0, 2200.0), (3400.0, 1600.0)];
    let hole = [(4000.0, 1400.0), (3800.0, 1600.0), (4000.0, 1800.0), (4300.0, 1600.0)];
    let decoded = one_polygon_feature(tile, &tile_polygon(&tile, &diamond, &[&hole]));
    assert_eq!(decoded.len(), 1, "one polygon: {decoded:?}");
    let p = &decoded[0];
    assert_valid_ring(p.exterior());
    assert_eq!(p.interiors().len(), 1);
    assert_valid_ring(&p.interiors()[0]);
    let max_x = p.exterior().0.iter().map(|c| c.x).max().unwrap();
    assert_eq!(max_x, E + B, "cut on the buffered edge");
    assert!(double_area(p.exterior()) > 0 && double_area(&p.interiors()[0]) < 0);
}

#[test]
fn winding_is_fixed_exteriors_positive_holes_negative() {
    let tile = hangzhou(15);
    let ccw = [(100.0, 100.0), (100.0, 900.0), (900.0, 900.0), (900.0, 100.0)]; // counter-clockwise on screen
    let cw_hole = [(300.0, 300.0), (600.0, 300.0), (600.0, 600.0), (300.0, 600.0)]; // clockwise on screen
    let second = [(2000.0, 2000.0), (2500.0, 2000.0), (2500.0, 2500.0), (2000.0, 2500.0)];
    let Geometry::Polygon(first) = tile_polygon(&tile, &ccw, &[&cw_hole]) else { unreachable!() };
    let Geometry::Polygon(second) = tile_polygon(&tile, &second, &[]) else { unreachable!() };
    let decoded = one_polygon_feature(tile, &geo::MultiPolygon::new(vec![first, second]).into());
    // The decoder groups rings into polygons by their sign: wrong winding would regroup them.
    assert_eq!(decoded.len(), 2, "{decoded:?}");
    assert_eq!(decoded[0].interiors().len(), 1);
    assert_eq!(decoded[1].interiors().len(), 0);
    assert!(double_area(decoded[0].exterior()) > 0);
    assert_eq!(double_area(&decoded[0].interiors()[0]), -2 * 300 * 300);
    assert_eq!(double_area(decoded[1].exterior()), 2 * 500 * 500);
}

#[test]
fn repeated_points_are_dropped() {
    let tile = hangzhou(16);
    let stutter = [
        (10.0, 10.0),
        (10.0, 10.0),
        (10.2, 9.9),
        (50.0, 10.0),
        (50.0, 10.0),
        (50.1, 10.3),
        (50.0, 50.0),
        (50.0, 50.0),
        (10.0, 50.0),
        (9.8, 50.1),
        (10.0, 10.0),
    ];
    let decoded = one_polygon_feature(tile, &tile_polygon(&tile, &stutter, &[]));
    let ring: Vec<(i32, i32)> = decoded[0].exterior().0.iter().map(|c| (c.x, c.y)).collect();
    assert_eq!(ring, [(10, 10), (50, 10), (50, 50), (10, 50), (10, 10)]);

    let line: Geometry = LineString::from(ring_coords(&tile, &[(10.0, 10.0), (10.1, 10.0), (100.0, 10.0), (100.0, 10.2)])).into();
    let mut encoder = TileEncoder::new(tile);
    encoder.layer("l");
    assert!(encoder.add(1, &line, &[]));
    let (_, layers) = decode(encoder.finish());
    match &layers[0][0].geometry {
        Geometry::LineString(ls) => assert_eq!(ls.0, [Coord { x: 10, y: 10 }, Coord { x: 100, y: 10 }]),
        other => panic!("not a line: {other:?}"),
    }
}

fn ring_coords(tile: &TileCoord, units: &[(f64, f64)]) -> Vec<Coord> {
    units.iter().map(|&(x, y)| lon_lat(tile, x, y)).collect()
}

#[test]
fn tiny_polygon_is_left_out_at_low_zoom() {
    // A 20 m × 12 m building: tens of units across at z16, a fifth of a square unit at z8.
    let (lon, lat) = (120.16, 30.27);
    let (dx, dy) = (20.0 / 96_000.0, 12.0 / 111_000.0);
    let corners = vec![(lon, lat), (lon + dx, lat), (lon + dx, lat + dy), (lon, lat + dy)];
    let building: Geometry = Polygon::new(LineString::from(corners), vec![]).into();
    let mut encoder = TileEncoder::new(hangzhou(8));
    encoder.layer("buildings");
    assert!(!encoder.add(1, &building, &[("name", Value::Str("x"))]));
    assert_eq!(encoder.features(), 0);
    assert!(encoder.finish().is_empty());
    let mut encoder = TileEncoder::new(hangzhou(16));
    encoder.layer("buildings");
    assert!(encoder.add(1, &building, &[]));
    // A speck across rounding boundaries would round up to a whole 1 × 1 square: it is judged before.
    let tile = hangzhou(14);
    let speck = tile_polygon(&tile, &[(100.4, 100.4), (100.6, 100.4), (100.6, 100.6), (100.4, 100.6)], &[]);
    let mut encoder = TileEncoder::new(tile);
    encoder.layer("buildings");
    assert!(!encoder.add(2, &speck, &[]));
    // Smaller squares are kept from the area check but collapse when simplified to 1 unit.
    let small = tile_polygon(&tile, &[(100.0, 100.0), (102.2, 100.0), (102.2, 102.2), (100.0, 102.2)], &[]);
    assert!(encoder.add(3, &small, &[]), "a 2 × 2 square is kept");
}

#[test]
fn collapsed_polygons_and_lines_are_left_out() {
    let tile = hangzhou(14);
    let mut encoder = TileEncoder::new(tile);
    encoder.layer("l");
    let flat = tile_polygon(&tile, &[(10.0, 10.0), (500.0, 10.0), (1000.0, 10.3)], &[]);
    assert!(!encoder.add(1, &flat, &[]));
    let dot: Geometry = LineString::from(ring_coords(&tile, &[(10.0, 10.0), (10.3, 10.2)])).into();
    assert!(!encoder.add(2, &dot, &[]));
    let outside = tile_polygon(&tile, &[(5000.0, 10.0), (5500.0, 10.0), (5500.0, 500.0)], &[]);
    assert!(!encoder.add(3, &outside, &[]));
    assert!(!encoder.add(4, &Geometry::GeometryCollection(geo::GeometryCollection::default()), &[]));
    assert_eq!(encoder.features(), 0);
}

#[test]
fn points_outside_the_buffered_tile_are_left_out() {
    let tile = hangzhou(14);
    let at = |x, y| -> Geometry { Point::from(lon_lat(&tile, x, y)).into() };
    let mut encoder = TileEncoder::new(tile);
    encoder.layer("stations");
    assert!(!encoder.add(1, &at(f64::from(E) + 100.0, 100.0), &[]));
    assert!(!encoder.add(2, &at(100.0, -100.0), &[]));
    assert!(encoder.add(4, &at(f64::from(E) + 30.0, 100.0), &[]), "inside the buffer");
    let multi: Geometry = geo::MultiPoint::from(vec![lon_lat(&tile, 5.0, 5.0), lon_lat(&tile, -500.0, 5.0)]).into();
    assert!(encoder.add(5, &multi, &[]));
    let (_, layers) = decode(encoder.finish());
    assert_eq!(layers[0].len(), 2);
    assert_eq!(layers[0][0].geometry, Geometry::MultiPoint(vec![Point::new(E + 30, 100)].into()));
    assert_eq!(layers[0][1].geometry, Geometry::MultiPoint(vec![Point::new(5, 5)].into()));
    // At z22 the other side of the world is past what an i32 of tile units holds.
    let mut encoder = TileEncoder::new(hangzhou(22));
    encoder.layer("stations");
    assert!(!encoder.add(1, &Point::new(-60.0, -50.0).into(), &[]));
}

#[test]
fn lines_are_clipped_into_parts() {
    let tile = hangzhou(14);
    // Out of the tile to the east and back in: two parts, both cut on the buffered edge.
    let zigzag = ring_coords(&tile, &[(3000.0, 100.0), (5000.0, 100.0), (5000.0, 300.0), (3000.0, 300.0)]);
    let far = ring_coords(&tile, &[(-1000.0, -1000.0), (-900.0, -1000.0)]);
    let lines: Geometry = MultiLineString::new(vec![zigzag.into(), far.into()]).into();
    let mut encoder = TileEncoder::new(tile);
    encoder.layer("roads");
    assert!(encoder.add(9, &lines, &[]));
    let (_, layers) = decode(encoder.finish());
    let Geometry::MultiLineString(mls) = &layers[0][0].geometry else { panic!("{:?}", layers[0][0].geometry) };
    let parts: Vec<Vec<(i32, i32)>> = mls.0.iter().map(|l| l.0.iter().map(|c| (c.x, c.y)).collect()).collect();
    assert_eq!(parts, [vec![(3000, 100), (E + B, 100)], vec![(E + B, 300), (3000, 300)]]);
}
