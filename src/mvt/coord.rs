//! Tile addresses (XYZ scheme, y = 0 at the north) and the Web Mercator projection into tile units.

use std::f64::consts::PI;

use geo::{Coord, Rect};

use super::encoder::EXTENT;

/// Highest zoom level served.
pub const MAX_ZOOM: u8 = 22;

/// Latitude where Web Mercator's square world ends, ±85.0511287798°.
///
/// # Units
/// degrees.
pub const MAX_LATITUDE: f64 = 85.051_128_779_806_59;

/// One tile of the Web Mercator pyramid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TileCoord {
    pub z: u8,
    pub x: u32,
    pub y: u32,
}

impl TileCoord {
    /// Checks z <= MAX_ZOOM and x, y < 2^z; the error names the bad coordinate and the allowed range.
    ///
    /// # Units
    /// Tile indices (z zoom level; x from the antimeridian eastwards, y from the north southwards).
    pub fn new(z: u32, x: u32, y: u32) -> Result<TileCoord, String> {
        if z > u32::from(MAX_ZOOM) {
            return Err(format!("zoom z={z} is outside 0..={MAX_ZOOM}"));
        }
        let tiles = 1u64 << z;
        if u64::from(x) >= tiles {
            return Err(format!("column x={x} is outside 0..={} at zoom {z}", tiles - 1));
        }
        if u64::from(y) >= tiles {
            return Err(format!("row y={y} is outside 0..={} at zoom {z}", tiles - 1));
        }
        Ok(TileCoord { z: z as u8, x, y })
    }

    /// The tile at zoom `z` that holds a WGS84 point (latitudes beyond ±[`MAX_LATITUDE`]
    /// fall in the edge rows).
    pub fn containing(z: u32, lon: f64, lat: f64) -> Result<TileCoord, String> {
        if z > u32::from(MAX_ZOOM) {
            return Err(format!("zoom z={z} is outside 0..={MAX_ZOOM}"));
        }
        let world = TileCoord { z: 0, x: 0, y: 0 };
        let (x, y) = lon_lat_to_tile_units(&world, lon, lat);
        let tiles = f64::from(1u32 << z);
        let index = |units: f64| ((units / f64::from(EXTENT) * tiles).floor().clamp(0.0, tiles - 1.0)) as u32;
        TileCoord::new(z, index(x), index(y))
    }

    /// WGS84 lon/lat bounds of the tile (Web Mercator, XYZ scheme, y = 0 at the north).
    ///
    /// # Units
    /// degrees (min = south-west corner, max = north-east corner).
    pub fn bounds(&self) -> Rect {
        self.buffered_bounds(0)
    }

    /// Bounds grown by `buffer` tile units (of EXTENT) on each side, for querying features.
    /// The growth stops at the edges of the Web Mercator world (it does not wrap across the antimeridian).
    ///
    /// # Units
    /// `buffer` in tile units (1/EXTENT of the tile's width); the result in degrees.
    pub fn buffered_bounds(&self, buffer: u32) -> Rect {
        let world = f64::from(1u32 << self.z);
        let grow = f64::from(buffer) / f64::from(EXTENT);
        // Fractions of the world: 0 at the west / north edge, 1 at the east / south edge.
        let west = ((f64::from(self.x) - grow) / world).max(0.0);
        let east = ((f64::from(self.x) + 1.0 + grow) / world).min(1.0);
        let north = ((f64::from(self.y) - grow) / world).max(0.0);
        let south = ((f64::from(self.y) + 1.0 + grow) / world).min(1.0);
        Rect::new(Coord { x: world_x_to_lon(west), y: world_y_to_lat(south) }, Coord { x: world_x_to_lon(east), y: world_y_to_lat(north) })
    }
}

/// Projects a WGS84 point into the tile's own grid: 0..EXTENT inside the tile, x eastwards, y down
/// (southwards). Points outside the tile get values below 0 or above EXTENT; latitudes are clamped to
/// ±[`MAX_LATITUDE`].
///
/// # Units
/// lon/lat in degrees; the result in tile units (1/EXTENT of the tile's width), not rounded.
pub fn lon_lat_to_tile_units(tile: &TileCoord, lon: f64, lat: f64) -> (f64, f64) {
    let p = Projection::new(tile);
    (lon * p.x_scale + p.x_offset, p.exact_y(lat))
}

/// From this zoom on, points near the tile are projected with a polynomial instead of sin and ln.
const POLYNOMIAL_MIN_ZOOM: u8 = 10;

/// [`lon_lat_to_tile_units`] with the tile's constants worked out once, for projecting many points.
///
/// sin and ln cost about as much as all the rest of a building's encoding, so from
/// [`POLYNOMIAL_MIN_ZOOM`] on, latitudes within half a tile of this one go through a 4th-order Taylor
/// polynomial of the Mercator ordinate around the tile's middle latitude instead. The tile spans at most
/// 0.35° there, and the polynomial stays within 1e-4 tile units of the exact value (tested below).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Projection {
    /// Tile units per degree of longitude.
    x_scale: f64,
    x_offset: f64,
    /// Tile units per unit of the Mercator ordinate ln(tan(π/4 + φ/2)).
    y_scale: f64,
    y_offset: f64,
    /// Latitudes (degrees) that take the polynomial; an empty range below POLYNOMIAL_MIN_ZOOM.
    near_min: f64,
    near_max: f64,
    /// Latitude (degrees) the polynomial is expanded around.
    lat0: f64,
    /// Tile-unit y = Σ poly[k]·δᵏ, δ = lat − lat0 in radians.
    poly: [f64; 5],
}

impl Projection {
    pub(crate) fn new(tile: &TileCoord) -> Projection {
        let world = f64::from(1u32 << tile.z) * f64::from(EXTENT);
        let extent = f64::from(EXTENT);
        let y_scale = -world / (2.0 * PI);
        let y_offset = world / 2.0 - f64::from(tile.y) * extent;
        let (mut near_min, mut near_max, mut lat0, mut poly) = (f64::INFINITY, f64::NEG_INFINITY, 0.0, [0.0; 5]);
        if tile.z >= POLYNOMIAL_MIN_ZOOM {
            let near = tile.buffered_bounds(EXTENT / 2);
            (near_min, near_max) = (near.min().y, near.max().y);
            let b = tile.bounds();
            lat0 = (b.min().y + b.max().y) / 2.0;
            // Derivatives of y(φ) = atanh(sin φ): sec, sec·tan, sec·(tan² + sec²), sec·tan·(tan² + 5·sec²).
            let (sin, cos) = lat0.to_radians().sin_cos();
            let (sec, tan) = (1.0 / cos, sin / cos);
            let y0 = sin.atanh();
            let derivatives = [y0, sec, sec * tan, sec * (tan * tan + sec * sec), sec * tan * (tan * tan + 5.0 * sec * sec)];
            let factorials = [1.0, 1.0, 2.0, 6.0, 24.0];
            for k in 0..5 {
                poly[k] = derivatives[k] / factorials[k] * y_scale;
            }
            poly[0] += y_offset;
        }
        Projection {
            x_scale: world / 360.0,
            x_offset: world / 2.0 - f64::from(tile.x) * extent,
            y_scale,
            y_offset,
            near_min,
            near_max,
            lat0,
            poly,
        }
    }

    /// # Units
    /// lon/lat degrees in, tile units out.
    #[inline]
    pub(crate) fn project(&self, c: Coord) -> Coord {
        let x = c.x * self.x_scale + self.x_offset;
        if c.y >= self.near_min && c.y <= self.near_max {
            let d = (c.y - self.lat0).to_radians();
            let p = &self.poly;
            return Coord { x, y: p[0] + d * (p[1] + d * (p[2] + d * (p[3] + d * p[4]))) };
        }
        Coord { x, y: self.exact_y(c.y) }
    }

    /// # Units
    /// latitude degrees in, tile units out.
    #[inline]
    fn exact_y(&self, lat: f64) -> f64 {
        let sin = lat.clamp(-MAX_LATITUDE, MAX_LATITUDE).to_radians().sin();
        // ln(tan(π/4 + φ/2)) written as atanh(sin φ) = ½·ln(1 + 2s/(1 − s)): one sin and one ln.
        let mercator = 0.5 * (2.0 * sin / (1.0 - sin)).ln_1p();
        mercator * self.y_scale + self.y_offset
    }
}

/// # Units
/// Fraction of the world's width from the antimeridian in, degrees out.
fn world_x_to_lon(fraction: f64) -> f64 {
    fraction * 360.0 - 180.0
}

/// # Units
/// Fraction of the world's height from the north edge in, degrees out.
fn world_y_to_lat(fraction: f64) -> f64 {
    (PI * (1.0 - 2.0 * fraction)).sinh().atan().to_degrees()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containing_finds_the_tile_of_a_point_and_clamps_the_poles() {
        let tile = TileCoord::containing(14, 104.0501, 30.8201).unwrap();
        let bounds = tile.bounds();
        assert!((bounds.min().x..bounds.max().x).contains(&104.0501) && (bounds.min().y..bounds.max().y).contains(&30.8201));
        assert_eq!(TileCoord::containing(1, 0.0001, -0.0001).unwrap(), TileCoord::new(1, 1, 1).unwrap());
        assert_eq!(TileCoord::containing(3, -180.0, 89.0).unwrap(), TileCoord::new(3, 0, 0).unwrap());
        assert_eq!(TileCoord::containing(3, 179.999, -89.0).unwrap(), TileCoord::new(3, 7, 7).unwrap());
        assert!(TileCoord::containing(40, 0.0, 0.0).is_err());
    }

    #[test]
    fn new_accepts_the_corners_of_the_pyramid() {
        assert_eq!(TileCoord::new(0, 0, 0), Ok(TileCoord { z: 0, x: 0, y: 0 }));
        assert!(TileCoord::new(22, (1 << 22) - 1, (1 << 22) - 1).is_ok());
    }

    #[test]
    fn new_rejects_bad_coordinates_naming_them() {
        let err = TileCoord::new(23, 0, 0).unwrap_err();
        assert!(err.contains("z=23") && err.contains("0..=22"), "{err}");
        let err = TileCoord::new(3, 8, 0).unwrap_err();
        assert!(err.contains("x=8") && err.contains("0..=7"), "{err}");
        let err = TileCoord::new(3, 0, 8).unwrap_err();
        assert!(err.contains("y=8") && err.contains("0..=7"), "{err}");
        let err = TileCoord::new(0, 0, 1).unwrap_err();
        assert!(err.contains("y=1") && err.contains("0..=0"), "{err}");
        assert!(TileCoord::new(u32::MAX, 0, 0).is_err());
    }

    #[test]
    fn world_tile_covers_web_mercator() {
        let b = TileCoord::new(0, 0, 0).unwrap().bounds();
        assert!((b.min().x + 180.0).abs() < 1e-9 && (b.max().x - 180.0).abs() < 1e-9, "{b:?}");
        assert!((b.min().y + 85.0511).abs() < 1e-4 && (b.max().y - 85.0511).abs() < 1e-4, "{b:?}");
        assert!((b.max().y - MAX_LATITUDE).abs() < 1e-9, "{b:?}");
    }

    #[test]
    fn bounds_of_a_z1_tile() {
        // z1 x1 y0 is the north-east quarter.
        let b = TileCoord::new(1, 1, 0).unwrap().bounds();
        assert!(b.min().x.abs() < 1e-9 && (b.max().x - 180.0).abs() < 1e-9, "{b:?}");
        assert!(b.min().y.abs() < 1e-9 && (b.max().y - MAX_LATITUDE).abs() < 1e-9, "{b:?}");
    }

    #[test]
    fn corners_map_to_zero_and_extent() {
        let tile = TileCoord::new(14, 13_703, 6_671).unwrap();
        let b = tile.bounds();
        let e = f64::from(EXTENT);
        let (x, y) = lon_lat_to_tile_units(&tile, b.min().x, b.max().y);
        assert!(x.abs() < 1e-6 && y.abs() < 1e-6, "north-west corner -> ({x}, {y})");
        let (x, y) = lon_lat_to_tile_units(&tile, b.max().x, b.min().y);
        assert!((x - e).abs() < 1e-6 && (y - e).abs() < 1e-6, "south-east corner -> ({x}, {y})");
        let c = b.center();
        let (x, y) = lon_lat_to_tile_units(&tile, c.x, c.y);
        assert!((x - e / 2.0).abs() < 1e-6, "centre x {x}");
        // Mercator stretches the north half: the centre latitude lies below the middle row.
        assert!(y > e / 2.0 && y < e / 2.0 + 1.0, "centre y {y}");
    }

    #[test]
    fn polynomial_projection_matches_the_exact_one() {
        let mut worst: f64 = 0.0;
        for z in [POLYNOMIAL_MIN_ZOOM, 12, 14, 16, 19, MAX_ZOOM] {
            for lat in [0.0, 22.5, 30.27, 45.0, 60.0, 75.0, 84.9, -33.9] {
                let world = TileCoord::new(0, 0, 0).unwrap();
                let (x, y) = lon_lat_to_tile_units(&world, 120.16, lat);
                let scale = f64::from(1u32 << z) / f64::from(EXTENT);
                let tile = TileCoord::new(u32::from(z), (x * scale) as u32, (y * scale) as u32).unwrap();
                let p = Projection::new(&tile);
                let b = tile.buffered_bounds(EXTENT);
                let mut used = 0;
                for i in 0..=200 {
                    let lat = b.min().y + (b.max().y - b.min().y) * f64::from(i) / 200.0;
                    let fast = p.project(Coord { x: 120.16, y: lat }).y;
                    worst = worst.max((fast - p.exact_y(lat)).abs());
                    used += usize::from(lat >= p.near_min && lat <= p.near_max);
                }
                assert!(used > 90, "z{z} lat {lat}: the polynomial covered {used} of 201");
            }
        }
        // The exact formula itself is only good to ~1e-5 at z22 near 85°, where 1 − sin φ loses digits.
        assert!(worst < 1e-4, "worst difference {worst} tile units");
    }

    #[test]
    fn buffered_bounds_grow_by_the_buffer() {
        let tile = TileCoord::new(14, 13_703, 6_671).unwrap();
        let e = f64::from(EXTENT);
        let b = tile.buffered_bounds(64);
        let (x, y) = lon_lat_to_tile_units(&tile, b.min().x, b.max().y);
        assert!((x + 64.0).abs() < 1e-6 && (y + 64.0).abs() < 1e-6, "({x}, {y})");
        let (x, y) = lon_lat_to_tile_units(&tile, b.max().x, b.min().y);
        assert!((x - e - 64.0).abs() < 1e-6 && (y - e - 64.0).abs() < 1e-6, "({x}, {y})");
        // At the world's edge the growth stops.
        let world = TileCoord::new(0, 0, 0).unwrap();
        assert_eq!(world.buffered_bounds(64), world.bounds());
    }
}
