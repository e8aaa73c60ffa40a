//! The areas a unit serves are rows of `unit_areas`, one per unit × area with exactly one of
//! `compound_id`, `community_id`, `street_id` set; both backends turn those rows back into a
//! [`Unit`]'s lists here.

use std::collections::HashMap;

use crate::model::{Layer, Unit};
use crate::store::StoreError;

/// The `unit_areas` columns, in `Unit::AREA_PROPERTIES` order.
const AREA_COLUMNS: [&str; 3] = [Unit::AREA_PROPERTIES[0].1, Unit::AREA_PROPERTIES[1].1, Unit::AREA_PROPERTIES[2].1];

/// One stored row: the unit, and the area columns as read (exactly one should be set).
pub struct AreaRow {
    pub unit_id: String,
    pub areas: [Option<String>; 3],
}

/// The start of a multi-row INSERT of [`rows`], for either backend's `QueryBuilder`.
pub fn insert_statement() -> String {
    format!("INSERT INTO unit_areas (unit_id, {}) ", AREA_COLUMNS.join(", "))
}

/// The rows that store the areas of `units`, one per unit and area, in the units' order.
pub fn rows(units: &[Unit]) -> Vec<AreaRow> {
    units.iter().flat_map(|u| u.areas().map(|(_, layer, id)| AreaRow { unit_id: u.id.clone(), areas: area_values(layer, id) })).collect()
}

/// The column values of one area: the area's id in its layer's column, `None` in the others.
fn area_values(layer: Layer, id: &str) -> [Option<String>; 3] {
    Unit::AREA_PROPERTIES.map(|(_, _, column_layer)| (column_layer == layer).then(|| id.to_owned()))
}

/// Appends each row's area to its unit's list, in row order. A row naming no unit that was
/// loaded, or not exactly one area, is corrupt.
pub fn attach(units: &mut [Unit], rows: Vec<AreaRow>) -> Result<(), StoreError> {
    let position: HashMap<String, usize> = units.iter().enumerate().map(|(i, u)| (u.id.clone(), i)).collect();
    for AreaRow { unit_id, areas } in rows {
        let corrupt = |reason: &str| StoreError::Corrupt { layer: Layer::Units, id: unit_id.clone(), reason: reason.to_owned() };
        let &index = position.get(&unit_id).ok_or_else(|| corrupt("an area row names a unit that is not stored"))?;
        let mut set = Unit::AREA_PROPERTIES.iter().zip(areas).filter_map(|(&(_, _, layer), id)| id.map(|id| (layer, id)));
        let (Some((layer, id)), None) = (set.next(), set.next()) else {
            return Err(corrupt("an area row sets not exactly one of compound_id, community_id, street_id"));
        };
        units[index].areas_mut(layer).expect("area layers are compounds, communities or streets").push(id);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::UnitKind;

    fn unit(id: &str) -> Unit {
        Unit {
            id: id.into(),
            name: "物业".into(),
            kind: UnitKind::PropertyCompany,
            phone: None,
            compound_ids: vec![],
            community_ids: vec![],
            street_ids: vec![],
        }
    }

    #[test]
    fn the_rows_written_read_back_as_the_same_units() {
        let mut served = unit("U1");
        served.compound_ids = vec!["P2".into(), "P1".into()];
        served.street_ids = vec!["S01".into()];
        let units = vec![served, Unit { community_ids: vec!["C1".into()], ..unit("U2") }];
        let rows = rows(&units);
        assert_eq!(rows.len(), 4);
        assert!(rows.iter().all(|r| r.areas.iter().flatten().count() == 1));
        let mut read = vec![unit("U1"), unit("U2")];
        attach(&mut read, rows).unwrap();
        assert_eq!(read, units);
    }

    #[test]
    fn rows_become_the_lists_in_order_and_bad_rows_are_corrupt() {
        let mut units = vec![unit("U1"), unit("U2")];
        let rows = vec![
            AreaRow { unit_id: "U2".into(), areas: area_values(Layer::Streets, "S01") },
            AreaRow { unit_id: "U1".into(), areas: area_values(Layer::Compounds, "P2") },
            AreaRow { unit_id: "U1".into(), areas: area_values(Layer::Compounds, "P1") },
        ];
        attach(&mut units, rows).unwrap();
        assert_eq!(units[0].compound_ids, ["P2", "P1"]);
        assert_eq!(units[1].street_ids, ["S01"]);
        let orphan = vec![AreaRow { unit_id: "U9".into(), areas: area_values(Layer::Streets, "S01") }];
        assert!(matches!(attach(&mut units, orphan), Err(StoreError::Corrupt { id, .. }) if id == "U9"));
        let empty = vec![AreaRow { unit_id: "U1".into(), areas: [None, None, None] }];
        assert!(attach(&mut units, empty).is_err());
    }
}
