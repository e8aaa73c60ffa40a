//! The `reports` vector-tile layer for heat maps. From [`POINT_ZOOM`] on every case is a
//! point with its category, state and filing time; below it, cases are summed into small cells
//! (64 × 64 per tile) and each cell is one point at the cases' mean position with a
//! `count`, so a tile stays small with millions of cases. Individual points carry
//! `count = 1`, so one MapLibre heatmap layer weighs both by `count`.

use geo::{Geometry, Point};

use crate::index::reports::{BUCKET_ZOOM, ReportPoints, ReportQuery};
use crate::mvt::{BUFFER, EXTENT, TileCoord, TileEncoder, Value};
use crate::services::reports::blur::public_point;
use crate::services::tiles::FieldType;

/// The layer's name in the tile.
pub const LAYER: &str = "reports";
/// From this zoom on, cases are single points.
pub const POINT_ZOOM: u8 = 14;
/// Cells per tile side when aggregating.
const CELLS: u32 = 64;

/// The properties, with their TileJSON types.
pub const FIELDS: &[(&str, FieldType)] = &[
    ("count", FieldType::Number),
    ("case_number", FieldType::String),
    ("category", FieldType::String),
    ("state", FieldType::String),
    ("status", FieldType::String),
    ("created_at", FieldType::Number),
];

/// A tile's cases: their rows and positions in tile units (of [`EXTENT`]), within the
/// tile and its buffer, passing `query` (whose own box is ignored).
fn cases_in<'a>(points: &'a ReportPoints, query: &ReportQuery, tile: TileCoord) -> impl Iterator<Item = (usize, f64, f64)> + 'a {
    let world = f64::from(1u32 << tile.z);
    let extent = f64::from(EXTENT);
    let (left, top) = (f64::from(tile.x), f64::from(tile.y));
    let margin = f64::from(BUFFER);
    let matcher = ReportQuery { bbox: None, ..query.clone() }.matcher();
    // From the bucket zoom on, a tile (with its buffer) touches at most four buckets.
    let rows: Box<dyn Iterator<Item = usize>> = if u32::from(tile.z) >= BUCKET_ZOOM {
        let grow = margin / extent;
        let bounds = [(left - grow) / world, (top - grow) / world, (left + 1.0 + grow) / world, (top + 1.0 + grow) / world];
        Box::new(points.rows_near(bounds).into_iter().map(|i| i as usize))
    } else {
        Box::new(0..points.len())
    };
    rows.filter_map(move |i| {
        let [mx, my] = points.mercator[i];
        let x = (mx * world - left) * extent;
        let y = (my * world - top) * extent;
        let inside = x >= -margin && x <= extent + margin && y >= -margin && y <= extent + margin;
        (inside && matcher.accepts(points, i)).then_some((i, x, y))
    })
}

/// Encodes one tile of the reports passing `query` (its box is the tile's).
pub fn render(points: &ReportPoints, query: &ReportQuery, tile: TileCoord) -> Vec<u8> {
    let mut encoder = TileEncoder::new(tile);
    encoder.layer(LAYER);
    if tile.z >= POINT_ZOOM {
        for (i, _, _) in cases_in(points, query, tile) {
            let (category, state) = (points.category[i], points.state[i]);
            let case_number = format!("MS{:08}", points.ids[i]);
            let properties = [
                ("count", Value::Int(1)),
                ("case_number", Value::Str(&case_number)),
                ("category", Value::Str(category.as_str())),
                ("state", Value::Str(state.as_str())),
                ("status", Value::Str(state.open311_status())),
                ("created_at", Value::Int(points.created_at[i])),
            ];
            // The public point: a neighbour dispute's exact place stays with staff.
            let [lon, lat] = public_point(category, points.lon[i], points.lat[i]);
            encoder.add(points.ids[i] as u64, &Geometry::Point(Point::new(lon, lat)), &properties);
        }
    } else {
        for (n, cell) in aggregate(points, query, tile).into_iter().enumerate() {
            let point = Point::new(cell.lon_sum / f64::from(cell.count), cell.lat_sum / f64::from(cell.count));
            encoder.add(n as u64 + 1, &Geometry::Point(point), &[("count", Value::Int(i64::from(cell.count)))]);
        }
    }
    encoder.finish()
}

#[derive(Debug, Clone, Copy, Default)]
struct Cell {
    count: u32,
    lon_sum: f64,
    lat_sum: f64,
}

/// Sums the matching cases into cells of the tile (and of its buffer, one cell wide, so
/// that a heat map has no seams at tile edges). Only non-empty cells come back.
fn aggregate(points: &ReportPoints, query: &ReportQuery, tile: TileCoord) -> Vec<Cell> {
    let cell_size = f64::from(EXTENT / CELLS);
    let side = (CELLS + 2) as usize;
    let mut cells = vec![Cell::default(); side * side];
    for (i, x, y) in cases_in(points, query, tile) {
        let column = ((x / cell_size).floor() + 1.0).clamp(0.0, (side - 1) as f64) as usize;
        let row = ((y / cell_size).floor() + 1.0).clamp(0.0, (side - 1) as f64) as usize;
        let cell = &mut cells[row * side + column];
        cell.count += 1;
        // A cell holding one case would otherwise place it exactly.
        let [lon, lat] = public_point(points.category[i], points.lon[i], points.lat[i]);
        cell.lon_sum += lon;
        cell.lat_sum += lat;
    }
    cells.retain(|c| c.count > 0);
    cells
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::reports::{CaseState, CaseTimes, Category, ReportRow};

    fn points(n: usize) -> ReportPoints {
        let mut points = ReportPoints::default();
        let rows = (0..n)
            .map(|i| ReportRow {
                id: i as i64 + 1,
                lon: 104.05 + (i % 50) as f64 * 0.0002,
                lat: 30.82 + (i / 50) as f64 * 0.0002,
                category: if i % 3 == 0 { Category::Pets } else { Category::Parking },
                state: CaseState::Received,
                created_at: 1_700_000_000 + i as i64,
                compound_id: None,
                grid_id: "G".into(),
                community_id: "C".into(),
                street_id: "S".into(),
                times: CaseTimes::default(),
            })
            .collect();
        points.apply(rows, 1);
        points
    }

    fn tile_at(z: u8, lon: f64, lat: f64) -> TileCoord {
        TileCoord::containing(u32::from(z), lon, lat).unwrap()
    }

    #[test]
    fn low_zooms_sum_cases_into_weighted_cells_that_keep_every_case() {
        let points = points(2_500);
        let query = ReportQuery { categories: vec![Category::Pets], ..Default::default() };
        let tile = tile_at(10, 104.055, 30.825);
        let bytes = render(&points, &query, tile);
        let reader = mvt_reader_count(&bytes);
        let pets = (0..2_500).filter(|i| i % 3 == 0).count() as i64;
        assert_eq!(reader.0, pets, "every matching case is counted once");
        assert!(reader.1 < 100, "aggregated: {} features", reader.1);
        // From the point zoom on, one feature per case.
        let tile = tile_at(POINT_ZOOM, 104.0501, 30.8201);
        let near = ReportQuery { bbox: None, ..Default::default() };
        let (count, features) = mvt_reader_count(&render(&points, &near, tile));
        assert_eq!(count, features as i64);
    }

    #[test]
    fn high_zoom_tiles_find_their_cases_through_the_buckets() {
        let points = points(2_500);
        for (z, lon, lat) in [(14, 104.0501, 30.8201), (15, 104.052, 30.822), (16, 104.055, 30.8245), (13, 104.05, 30.82)] {
            let tile = tile_at(z, lon, lat);
            let b = tile.buffered_bounds(BUFFER);
            let brute = (0..points.len())
                .filter(|&i| (b.min().x..=b.max().x).contains(&points.lon[i]) && (b.min().y..=b.max().y).contains(&points.lat[i]))
                .count();
            let found = cases_in(&points, &ReportQuery::default(), tile).count();
            assert_eq!(found, brute, "z{z}");
            assert!(brute > 0, "the test tile at z{z} holds cases");
        }
    }

    /// The sum of `count` and the number of features in a tile's `reports` layer, read
    /// back with an independent decoder.
    fn mvt_reader_count(bytes: &[u8]) -> (i64, usize) {
        let reader = mvt_reader::Reader::new(bytes.to_vec()).expect("the tile decodes");
        assert_eq!(reader.get_layer_names().unwrap(), [LAYER]);
        let features = reader.get_features(0).unwrap();
        let count = |f: &mvt_reader::feature::Feature| match f.properties.as_ref().and_then(|p| p.get("count")) {
            Some(mvt_reader::feature::Value::UInt(n)) => *n as i64,
            Some(mvt_reader::feature::Value::Int(n) | mvt_reader::feature::Value::SInt(n)) => *n,
            other => panic!("count is {other:?}"),
        };
        (features.iter().map(count).sum(), features.len())
    }
}
