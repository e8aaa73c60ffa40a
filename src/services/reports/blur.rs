//! Where the public sees a case. Neighbour disputes and safety hazards point at someone's
//! home: the public gets their point snapped to a 50 m grid, staff the exact one. This is
//! the one function every public answer (report JSON, nearby, Open311, OGC, tiles) uses.

use crate::model::reports::Category;

/// The grid the blurred categories' points snap to, in metres.
pub const BLUR_GRID_M: f64 = 50.0;

/// Metres per degree of latitude (the mean; the grid is a privacy measure, not a survey).
const METRES_PER_DEGREE: f64 = 111_320.0;

/// Whether the public sees this category's points only to the nearest [`BLUR_GRID_M`].
pub fn is_blurred(category: Category) -> bool {
    matches!(category, Category::NeighbourDispute | Category::SafetyHazard)
}

/// The point the public sees of a case of `category` at `lon`, `lat` (WGS84 degrees): the
/// point itself, or for blurred categories the centre-free corner of its 50 m grid cell.
/// Deterministic (the same point always snaps to the same corner) so that repeated answers
/// cannot be averaged back to the exact point. The cell's width in longitude is taken at
/// the snapped latitude, so every point of a row of cells snaps alike.
///
/// # Units
/// Degrees in, degrees out; the grid is [`BLUR_GRID_M`] metres.
pub fn public_point(category: Category, lon: f64, lat: f64) -> [f64; 2] {
    if !is_blurred(category) {
        return [lon, lat];
    }
    let lat_step = BLUR_GRID_M / METRES_PER_DEGREE;
    let snapped_lat = (lat / lat_step).round() * lat_step;
    let lon_step = BLUR_GRID_M / (METRES_PER_DEGREE * snapped_lat.to_radians().cos().max(0.01));
    let snapped_lon = (lon / lon_step).round() * lon_step;
    [round7(snapped_lon), round7(snapped_lat)]
}

/// Seven decimals (1 cm): the grid corners print short and compare equal.
fn round7(degrees: f64) -> f64 {
    (degrees * 1e7).round() / 1e7
}

#[cfg(test)]
mod tests {
    use geo::{Distance, Haversine, Point};

    use super::*;

    #[test]
    fn blurred_points_move_at_most_half_a_cell_diagonal_and_snap_alike() {
        let (lon, lat) = (104.0657, 30.6598);
        let [x, y] = public_point(Category::NeighbourDispute, lon, lat);
        let moved = Haversine.distance(Point::new(lon, lat), Point::new(x, y));
        assert!(moved > 0.0 && moved <= BLUR_GRID_M * 0.5 * 2f64.sqrt() + 0.5, "moved {moved} m");
        // A neighbour a few metres away lands on the same corner: the exact point is gone.
        assert_eq!(public_point(Category::NeighbourDispute, lon + 0.00001, lat + 0.00001), [x, y]);
        assert_eq!(public_point(Category::SafetyHazard, lon, lat), [x, y]);
    }

    #[test]
    fn other_categories_keep_their_point() {
        assert_eq!(public_point(Category::Parking, 104.0657, 30.6598), [104.0657, 30.6598]);
    }
}
