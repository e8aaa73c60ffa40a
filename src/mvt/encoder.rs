//! Mapbox Vector Tile 2.1 encoding: WGS84 features in, one `Tile` protobuf message out.
//!
//! Each feature goes: project to tile units → clip to the tile plus [`BUFFER`] → round to the integer grid,
//! dropping repeated points → simplify (Douglas–Peucker, 1 tile unit) → drop degenerate rings and parts
//! → fix the ring winding → geometry commands. All of it runs in buffers the encoder keeps, so a feature
//! costs no allocation beyond the bytes it adds to the tile (and new keys and values of its layer).

use geo::{Coord, Geometry, LineString, Polygon};

use super::clip::ClipSquare;
use super::coord::{Projection, TileCoord};
use super::geometry::{CommandWriter, MIN_RING_AREA, Pt, SIMPLIFY_TOLERANCE, Simplifier, double_area, quantize, round, shoelace};
use super::layer::{GeomType, LayerBuilder};

/// Tile units across a tile.
pub const EXTENT: u32 = 4096;

/// Tile units of buffer around the tile that clipped geometry keeps, so that line joins and polygon
/// outlines at the tile's edge render without seams.
pub const BUFFER: u32 = 64;

/// Field number of `layers` in the Tile message.
const TILE_LAYERS: u32 = 3;

/// A property value of a feature.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    Str(&'a str),
    /// Written as `uint_value` when non-negative and `sint_value` when negative (compact for both).
    Int(i64),
    Double(f64),
    Bool(bool),
}

/// Builds one vector tile: call [`layer`](TileEncoder::layer), then [`add`](TileEncoder::add) its features,
/// repeat for further layers, then [`finish`](TileEncoder::finish).
#[derive(Debug)]
pub struct TileEncoder {
    projection: Projection,
    square: ClipSquare,
    layers: Vec<LayerBuilder>,
    current: Option<usize>,
    features: usize,
    scratch: Scratch,
}

/// Buffers reused from feature to feature.
#[derive(Debug, Default)]
struct Scratch {
    projected: Vec<Coord>,
    clipped: Vec<Coord>,
    part_ends: Vec<usize>,
    points: Vec<Pt>,
    simplifier: Simplifier,
    commands: CommandWriter,
    /// The packed `tags` payload of the feature being added.
    tags: Vec<u8>,
}

impl TileEncoder {
    pub fn new(tile: TileCoord) -> TileEncoder {
        let buffer = f64::from(BUFFER);
        TileEncoder {
            projection: Projection::new(&tile),
            square: ClipSquare { min: -buffer, max: f64::from(EXTENT) + buffer },
            layers: Vec::new(),
            current: None,
            features: 0,
            scratch: Scratch::default(),
        }
    }

    /// Starts a layer named `name` (features added until the next `layer` call go into it). Naming a layer
    /// that was started before goes back to it: a tile holds each name once.
    pub fn layer(&mut self, name: &str) {
        let index = match self.layers.iter().position(|l| l.name == name) {
            Some(i) => i,
            None => {
                self.layers.push(LayerBuilder::new(name));
                self.layers.len() - 1
            }
        };
        self.current = Some(index);
    }

    /// Transforms a WGS84 geometry (Point, MultiPoint, LineString, MultiLineString, Polygon, MultiPolygon;
    /// also Line, Rect and Triangle) into tile units, clips it to the tile plus [`BUFFER`], simplifies it for
    /// the zoom, drops repeated and degenerate points/rings, fixes polygon winding as MVT 2.1 requires
    /// (exterior rings clockwise in tile coordinates with y down, i.e. positive area by the spec's shoelace
    /// formula; interior rings the opposite), and leaves out features too small to see at this zoom (a
    /// polygon whose clipped outer ring covers under 1 square tile unit or collapses when rounded, a line
    /// that rounds to a single point, points outside the buffered tile). Adds it with the feature `id` and
    /// the properties (keys and values de-duplicated per layer; keys should be unique within a feature).
    /// Returns false if the feature was left out; a GeometryCollection is left out, and so is a feature added
    /// before the first `layer` call (a caller's bug: debug builds panic on it).
    ///
    /// # Units
    /// `geometry` in WGS84 lon/lat degrees.
    pub fn add(&mut self, id: u64, geometry: &Geometry, properties: &[(&str, Value<'_>)]) -> bool {
        let Some(layer) = self.current else {
            debug_assert!(false, "TileEncoder::add before TileEncoder::layer");
            return false;
        };
        self.scratch.commands.clear();
        let kind = match self.encode_geometry(geometry) {
            Some(kind) if !self.scratch.commands.is_empty() => kind,
            _ => return false,
        };
        let layer = &mut self.layers[layer];
        let s = &mut self.scratch;
        layer.tags(properties, &mut s.tags);
        layer.feature(id, &s.tags, kind, &s.commands);
        self.features += 1;
        true
    }

    /// Number of features kept so far (all layers).
    pub fn features(&self) -> usize {
        self.features
    }

    /// The encoded tile (a `Tile` protobuf message); layers with no features are omitted; an empty Vec when
    /// no feature was kept at all.
    pub fn finish(self) -> Vec<u8> {
        let layers = || self.layers.iter().filter(|l| l.count > 0);
        let mut buf = Vec::with_capacity(layers().map(|l| l.field_len(TILE_LAYERS)).sum());
        for layer in layers() {
            layer.write(TILE_LAYERS, &mut buf);
        }
        buf
    }

    /// Writes the geometry's commands into `scratch.commands`; None for a geometry type MVT cannot hold.
    fn encode_geometry(&mut self, geometry: &Geometry) -> Option<GeomType> {
        match geometry {
            Geometry::Point(p) => self.points(std::iter::once(p.0)),
            Geometry::MultiPoint(mp) => self.points(mp.0.iter().map(|p| p.0)),
            Geometry::Line(l) => self.line(&[l.start, l.end]),
            Geometry::LineString(ls) => self.line(&ls.0),
            Geometry::MultiLineString(mls) => {
                for ls in &mls.0 {
                    self.line(&ls.0);
                }
                Some(GeomType::LineString)
            }
            Geometry::Polygon(p) => self.polygon(p),
            Geometry::MultiPolygon(mp) => {
                for p in &mp.0 {
                    self.polygon(p);
                }
                Some(GeomType::Polygon)
            }
            Geometry::Rect(r) => self.polygon(&r.to_polygon()),
            Geometry::Triangle(t) => self.polygon(&t.to_polygon()),
            Geometry::GeometryCollection(_) => None,
        }
    }

    /// Points inside the buffered tile, repeats dropped, as one MoveTo.
    fn points(&mut self, lon_lat: impl Iterator<Item = Coord>) -> Option<GeomType> {
        let s = &mut self.scratch;
        s.points.clear();
        // Whether v rounds into the square; checked before rounding, as far outside an i32 would overflow.
        let inside = |v: f64| v > self.square.min - 0.5 && v < self.square.max + 0.5;
        for c in lon_lat {
            let t = self.projection.project(c);
            if inside(t.x) && inside(t.y) {
                let q = [round(t.x), round(t.y)];
                if s.points.last() != Some(&q) {
                    s.points.push(q);
                }
            }
        }
        if !s.points.is_empty() {
            s.commands.points(&s.points);
        }
        Some(GeomType::Point)
    }

    /// The parts of one line inside the buffered tile that stay longer than a point after rounding.
    fn line(&mut self, lon_lat: &[Coord]) -> Option<GeomType> {
        let s = &mut self.scratch;
        s.projected.clear();
        s.projected.extend(lon_lat.iter().map(|&c| self.projection.project(c)));
        self.square.clip_line(&s.projected, &mut s.clipped, &mut s.part_ends);
        let mut start = 0;
        for &end in &s.part_ends {
            quantize(&s.clipped[start..end], &mut s.points);
            s.simplifier.simplify(&mut s.points, false, SIMPLIFY_TOLERANCE);
            if s.points.len() >= 2 {
                s.commands.line(&s.points);
            }
            start = end;
        }
        Some(GeomType::LineString)
    }

    /// The polygon's outer ring and then its holes; nothing when the outer ring is left out.
    fn polygon(&mut self, polygon: &Polygon) -> Option<GeomType> {
        if self.ring(polygon.exterior(), true) {
            for hole in polygon.interiors() {
                self.ring(hole, false);
            }
        }
        Some(GeomType::Polygon)
    }

    /// One ring, clipped, rounded, simplified and wound as MVT wants; false when it was dropped.
    fn ring(&mut self, ring: &LineString, exterior: bool) -> bool {
        let s = &mut self.scratch;
        s.projected.clear();
        s.projected.extend(ring.0.iter().map(|&c| self.projection.project(c)));
        self.square.clip_ring(&mut s.projected, &mut s.clipped);
        // Judge the size before rounding, which can blow a speck up to a whole unit or flatten it.
        if shoelace(&s.projected).abs() < MIN_RING_AREA {
            return false;
        }
        quantize(&s.projected, &mut s.points);
        // Rings come closed or open; MVT's ClosePath closes them.
        while s.points.len() > 1 && s.points.first() == s.points.last() {
            s.points.pop();
        }
        s.simplifier.simplify(&mut s.points, true, SIMPLIFY_TOLERANCE);
        let area = double_area(&s.points);
        if s.points.len() < 3 || area == 0 {
            return false;
        }
        if (area > 0) != exterior {
            s.points.reverse();
        }
        s.commands.ring(&s.points);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_encoder_finishes_empty() {
        let encoder = TileEncoder::new(TileCoord::new(14, 13_703, 6_671).unwrap());
        assert_eq!(encoder.features(), 0);
        assert!(encoder.finish().is_empty());
    }

    #[test]
    fn layers_without_features_are_left_out() {
        let tile = TileCoord::new(0, 0, 0).unwrap();
        let mut encoder = TileEncoder::new(tile);
        encoder.layer("empty");
        assert!(encoder.finish().is_empty());
    }
}
