//! Which records go into a tile, and with which properties: the part of tiling that knows
//! the domain. Geometry work (projection, clipping, simplification, encoding) is the
//! encoder's.

use geo::{InteriorPoint, Rect};
use rstar::AABB;

use super::tilejson::FieldType;
use crate::index::Snapshot;
use crate::model::Layer;
use crate::mvt::{BUFFER, TileCoord, TileEncoder, Value};
use crate::services::ServiceError;

/// The deepest zoom a TileJSON advertises; clients overzoom beyond it (deeper tiles are
/// still served on request, up to [`crate::mvt::MAX_ZOOM`]).
pub const SOURCE_MAX_ZOOM: u8 = 18;

/// The extra point layer that carries one label point per compound.
pub const COMPOUND_LABELS: &str = "compound_labels";

/// The layers that have tiles (contacts have no geometry).
pub const TILED_LAYERS: [Layer; 7] =
    [Layer::Streets, Layer::Communities, Layer::Grids, Layer::Compounds, Layer::Buildings, Layer::Stations, Layer::Walkways];

/// The zoom from which a layer appears: below it its features are too small to see (or
/// too many to draw), so tiles leave them out without looking.
pub fn min_zoom(layer: Layer) -> u8 {
    match layer {
        Layer::Streets => 8,
        Layer::Communities => 10,
        Layer::Grids | Layer::Compounds | Layer::Stations => 12,
        Layer::Buildings | Layer::Walkways => 14,
        // Candidate sites are a planning layer: the OGC collection and the plan serve them.
        Layer::Contacts | Layer::Units | Layer::CandidateSites => u8::MAX,
    }
}

/// The properties each layer's features carry, with their TileJSON types.
pub fn fields(layer: Layer) -> &'static [(&'static str, FieldType)] {
    // Scoped to this table: `String` here is the TileJSON word, not the Rust type.
    use FieldType::{Boolean, Number, String};
    match layer {
        Layer::Streets | Layer::Communities => &[("id", String), ("name", String)],
        Layer::Grids => &[("id", String), ("name", String), ("level", String), ("households", Number)],
        Layer::Compounds => &[("id", String), ("name", String), ("kind", String), ("households", Number)],
        Layer::Buildings => &[
            ("id", String),
            ("label", String),
            ("has_elevator", Boolean),
            ("floors", Number),
            ("households", Number),
            ("compound_id", String),
        ],
        Layer::Stations => &[("id", String), ("name", String), ("kind", String), ("level", String)],
        Layer::Walkways => &[("id", String), ("kind", String), ("name", String)],
        Layer::Contacts | Layer::Units | Layer::CandidateSites => &[],
    }
}

/// The properties of [`COMPOUND_LABELS`] points.
pub const COMPOUND_LABEL_FIELDS: &[(&str, FieldType)] =
    &[("id", FieldType::String), ("name", FieldType::String), ("kind", FieldType::String)];

/// Parses a tile source: one layer or a comma list (`grids,compounds`), no repeats.
pub fn parse_layers(text: &str) -> Result<Vec<Layer>, ServiceError> {
    let mut layers = Vec::new();
    for word in text.split(',') {
        let layer: Layer = word.parse().map_err(|reason| ServiceError::UnknownLayer { name: word.to_owned(), reason })?;
        if !TILED_LAYERS.contains(&layer) {
            return Err(ServiceError::InvalidParameter { parameter: "layers", reason: format!("{layer} have no tiles") });
        }
        if layers.contains(&layer) {
            return Err(ServiceError::InvalidParameter { parameter: "layers", reason: format!("{layer} given twice") });
        }
        layers.push(layer);
    }
    Ok(layers)
}

/// Encodes one tile of the given layers; an empty Vec when nothing is in it.
pub fn render(snapshot: &Snapshot, layers: &[Layer], tile: TileCoord) -> Vec<u8> {
    let query = envelope(tile.buffered_bounds(BUFFER));
    let data = &snapshot.data;
    let mut encoder = TileEncoder::new(tile);
    for &layer in layers.iter().filter(|&&l| tile.z >= min_zoom(l)) {
        encoder.layer(layer.as_str());
        for i in snapshot.candidates(layer, query) {
            let id = u64::from(i) + 1;
            let r = i as usize;
            match layer {
                Layer::Streets => {
                    let s = &data.streets[r];
                    encoder.add(id, &s.geometry, &[("id", Value::Str(&s.id)), ("name", Value::Str(&s.name))]);
                }
                Layer::Communities => {
                    let c = &data.communities[r];
                    encoder.add(id, &c.geometry, &[("id", Value::Str(&c.id)), ("name", Value::Str(&c.name))]);
                }
                Layer::Grids => {
                    let g = &data.grids[r];
                    encoder.add(
                        id,
                        &g.geometry,
                        &[
                            ("id", Value::Str(&g.id)),
                            ("name", Value::Str(&g.name)),
                            ("level", Value::Str(g.level.as_str())),
                            ("households", Value::Int(i64::from(g.households))),
                        ],
                    );
                }
                Layer::Compounds => {
                    let c = &data.compounds[r];
                    encoder.add(
                        id,
                        &c.geometry,
                        &[
                            ("id", Value::Str(&c.id)),
                            ("name", Value::Str(&c.name)),
                            ("kind", Value::Str(c.kind.as_str())),
                            ("households", Value::Int(i64::from(c.households))),
                        ],
                    );
                }
                Layer::Buildings => {
                    // No composed "杨柳苑 3栋" name: building it per feature would cost more than
                    // encoding the footprint; the compound layer carries compound names.
                    let b = &data.buildings[r];
                    let mut properties = vec![
                        ("id", Value::Str(&b.id)),
                        ("label", Value::Str(&b.label)),
                        ("has_elevator", Value::Bool(b.has_elevator)),
                        ("floors", Value::Int(i64::from(b.floors))),
                        ("households", Value::Int(i64::from(b.households))),
                    ];
                    if let Some(compound) = &b.compound_id {
                        properties.push(("compound_id", Value::Str(compound)));
                    }
                    encoder.add(id, &b.geometry, &properties);
                }
                Layer::Stations => {
                    let s = &data.stations[r];
                    encoder.add(
                        id,
                        &s.geometry,
                        &[
                            ("id", Value::Str(&s.id)),
                            ("name", Value::Str(&s.name)),
                            ("kind", Value::Str(s.kind.as_str())),
                            ("level", Value::Str(s.level.as_str())),
                        ],
                    );
                }
                Layer::Walkways => {
                    let w = &data.walkways[r];
                    let mut properties = vec![("id", Value::Str(&w.id)), ("kind", Value::Str(&w.kind))];
                    if let Some(name) = &w.name {
                        properties.push(("name", Value::Str(name)));
                    }
                    encoder.add(id, &w.geometry, &properties);
                }
                Layer::Contacts | Layer::Units | Layer::CandidateSites => {}
            }
        }
    }
    if tile.z >= min_zoom(Layer::Compounds) && layers.contains(&Layer::Compounds) {
        add_compound_labels(snapshot, &mut encoder, tile, query);
    }
    encoder.finish()
}

/// One label point per compound, in the one tile that holds it: a polygon cut by tile edges
/// would otherwise be labelled once per piece.
fn add_compound_labels(snapshot: &Snapshot, encoder: &mut TileEncoder, tile: TileCoord, query: AABB<[f64; 2]>) {
    let bounds = tile.bounds();
    encoder.layer(COMPOUND_LABELS);
    for i in snapshot.candidates(Layer::Compounds, query) {
        let c = &snapshot.data.compounds[i as usize];
        let Some(point) = c.geometry.interior_point() else { continue };
        // Half-open, so a point on a shared edge belongs to exactly one tile.
        let inside = point.x() >= bounds.min().x && point.x() < bounds.max().x && point.y() > bounds.min().y && point.y() <= bounds.max().y;
        if inside {
            let properties = [("id", Value::Str(&c.id)), ("name", Value::Str(&c.name)), ("kind", Value::Str(c.kind.as_str()))];
            encoder.add(u64::from(i) + 1, &geo::Geometry::Point(point), &properties);
        }
    }
}

fn envelope(rect: Rect) -> AABB<[f64; 2]> {
    AABB::from_corners([rect.min().x, rect.min().y], [rect.max().x, rect.max().y])
}
