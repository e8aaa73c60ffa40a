//! Which responding units serve each compound, community and street, built once per
//! snapshot so that routing a case to its unit reads a few short lists instead of scanning
//! every unit.

use super::IndexError;
use crate::model::{Dataset, Layer, Unit};

/// Per area layer (in `Unit::AREA_PROPERTIES` order) and area record: the units serving it,
/// by position into `data.units`, ascending.
pub struct UnitsByArea {
    lists: [Vec<Vec<u32>>; 3],
}

impl UnitsByArea {
    /// `resolve` finds an area's position and names a dangling reference.
    pub fn build(
        data: &Dataset,
        resolve: impl Fn(Layer, &str, &'static str, Layer, &str) -> Result<u32, IndexError>,
    ) -> Result<UnitsByArea, IndexError> {
        let mut lists = Unit::AREA_PROPERTIES.map(|(_, _, layer)| vec![Vec::new(); data.count(layer)]);
        for (position, unit) in data.units.iter().enumerate() {
            for (property, layer, id) in unit.areas() {
                let area = resolve(Layer::Units, &unit.id, property, layer, id)?;
                let served = &mut lists[slot(layer).expect("unit areas are area layers")][area as usize];
                // A unit listing the same area twice still serves it once.
                if served.last() != Some(&(position as u32)) {
                    served.push(position as u32);
                }
            }
        }
        Ok(UnitsByArea { lists })
    }

    /// The units serving one compound, community or street (empty for other layers).
    pub fn serving(&self, layer: Layer, area: u32) -> &[u32] {
        slot(layer).and_then(|s| self.lists[s].get(area as usize)).map_or(&[], Vec::as_slice)
    }
}

fn slot(layer: Layer) -> Option<usize> {
    Unit::AREA_PROPERTIES.iter().position(|&(_, _, l)| l == layer)
}
