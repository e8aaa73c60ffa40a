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

#[cfg(test)]
mod tests {
    use crate::demo::{DemoOptions, generate};
    use crate::index::{IndexError, Snapshot};
    use crate::model::Layer;

    #[test]
    fn each_area_lists_its_units_once_and_a_missing_area_is_refused() {
        let mut data = generate(&DemoOptions { buildings: 200, seed: 3 });
        let company = data.units.iter().position(|u| !u.compound_ids.is_empty()).expect("a unit serving a compound");
        let compound = data.units[company].compound_ids[0].clone();
        data.units[company].compound_ids.push(compound.clone());
        let snapshot = Snapshot::build(data.clone(), 1).unwrap();
        let at = snapshot.find(Layer::Compounds, &compound).unwrap();
        let serving = snapshot.units_serving(Layer::Compounds, at);
        let expected: Vec<u32> =
            (0..data.units.len() as u32).filter(|&u| data.units[u as usize].compound_ids.contains(&compound)).collect();
        assert_eq!(serving, expected, "listed twice or out of order");
        assert!(snapshot.units_serving(Layer::Buildings, 0).is_empty());

        data.units[company].street_ids.push("no-such-street".into());
        match Snapshot::build(data, 1) {
            Err(IndexError::Dangling { layer: Layer::Units, property: "street_ids", target: Layer::Streets, .. }) => {}
            other => panic!("expected a dangling street, got {:?}", other.err()),
        }
    }
}
