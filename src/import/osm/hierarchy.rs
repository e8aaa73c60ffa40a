//! The administrative chain an OSM extract does not have (街道 › 社区 › 网格 › 微网格),
//! synthesised from H3 cells so that every building has a grid.
//!
//! Each building's centroid falls in one resolution-10 cell: the cells holding buildings
//! are the micro-grids, their resolution-9 parents the grids, the resolution-8 parents
//! the communities and the resolution-7 parents the streets. The resolutions are chosen
//! by size against the units they stand for in a dense Chinese city (about 20,000 people
//! per km²): a res-7 cell averages 5.2 km² (a 街道 covers a few km²), res 8 0.74 km²
//! (a 社区 of 2,000–5,000 households), res 9 0.105 km² (a 网格 of a few hundred
//! households), res 10 0.015 km² (a 微网格 of 50–80 households, often one building).
//! Only cells that hold a building exist, so a park or the sea between them is outside
//! every grid. Outlines are the cells' hexagons; H3 children do not tile their parent
//! exactly, so a grid can stick out of its community's hexagon by a sliver, while the
//! links (grid → community → street) follow H3's own parent cells.
//!
//! Ids are `osm-h3-{cell}` (the H3 index in hex), the same for every import of the
//! same place. Names carry the street's cell and the H3 digits below it, so a grid's name
//! extends its community's: 街道 873969a8a › 社区 873969a8a-3 › 网格 873969a8a-35 ›
//! 微网格 873969a8a-352.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use geo::{Coord, Geometry, LineString, Point, Polygon};
use h3o::{CellIndex, LatLng, Resolution};

use crate::model::{Community, Grid, GridLevel, Street};

pub const STREET: Resolution = Resolution::Seven;
pub const COMMUNITY: Resolution = Resolution::Eight;
pub const GRID: Resolution = Resolution::Nine;
pub const MICRO_GRID: Resolution = Resolution::Ten;

/// Streets, communities and grids (grids first, then micro-grids) over the buildings.
#[derive(Debug, Default)]
pub struct Hierarchy {
    pub streets: Vec<Street>,
    pub communities: Vec<Community>,
    pub grids: Vec<Grid>,
    community_cells: HashSet<CellIndex>,
}

/// The cell of a WGS84 point at a resolution (`None` for a point that is not a place on Earth).
pub fn cell(point: Point, resolution: Resolution) -> Option<CellIndex> {
    LatLng::new(point.y(), point.x()).ok().map(|ll| ll.to_cell(resolution))
}

/// The id of a cell's record: `osm-h3-8a396a...`.
pub fn cell_id(cell: CellIndex) -> String {
    format!("osm-h3-{cell}")
}

impl Hierarchy {
    /// Builds the chain over the buildings' centroids and households. Returns it and each
    /// building's micro-grid id (`None` only for a centroid that is not a place on Earth).
    pub fn over(buildings: &[(Point, u32)]) -> (Hierarchy, Vec<Option<String>>) {
        let mut micro: BTreeMap<CellIndex, u32> = BTreeMap::new();
        let building_cells: Vec<Option<String>> = buildings
            .iter()
            .map(|&(point, households)| {
                let at = cell(point, MICRO_GRID)?;
                *micro.entry(at).or_default() += households;
                Some(cell_id(at))
            })
            .collect();
        let mut grids: BTreeMap<CellIndex, u32> = BTreeMap::new();
        for (&c, &households) in &micro {
            *grids.entry(parent(c, GRID)).or_default() += households;
        }
        let communities: BTreeSet<CellIndex> = grids.keys().map(|&c| parent(c, COMMUNITY)).collect();
        let streets: BTreeSet<CellIndex> = communities.iter().map(|&c| parent(c, STREET)).collect();

        let grid = |c: CellIndex, households: u32, level: GridLevel| Grid {
            id: cell_id(c),
            name: name(if level == GridLevel::Grid { "网格" } else { "微网格" }, c),
            level,
            community_id: cell_id(parent(c, COMMUNITY)),
            parent_id: (level == GridLevel::MicroGrid).then(|| cell_id(parent(c, GRID))),
            households,
            geometry: hexagon(c),
        };
        let hierarchy = Hierarchy {
            streets: streets.iter().map(|&c| Street { id: cell_id(c), name: name("街道", c), geometry: hexagon(c) }).collect(),
            communities: communities
                .iter()
                .map(|&c| Community {
                    id: cell_id(c), name: name("社区", c), street_id: cell_id(parent(c, STREET)), geometry: hexagon(c)
                })
                .collect(),
            grids: grids
                .iter()
                .map(|(&c, &h)| grid(c, h, GridLevel::Grid))
                .chain(micro.iter().map(|(&c, &h)| grid(c, h, GridLevel::MicroGrid)))
                .collect(),
            community_cells: communities.into_iter().collect(),
        };
        (hierarchy, building_cells)
    }

    /// The community whose cell holds the point, if there is one (there is none where
    /// no building is near).
    pub fn community_at(&self, point: Point) -> Option<String> {
        cell(point, COMMUNITY).filter(|c| self.community_cells.contains(c)).map(cell_id)
    }
}

fn parent(cell: CellIndex, resolution: Resolution) -> CellIndex {
    cell.parent(resolution).expect("cells here are at resolution 7 or finer")
}

/// "网格 873969a8a-35": the word, the street cell's significant hex digits, then the H3
/// digit of each resolution below the street.
fn name(word: &str, cell: CellIndex) -> String {
    let street = parent(cell, STREET).to_string();
    // A res-7 index in hex: 9 significant digits, then 6 unused `f`s.
    let mut name = format!("{word} {}", &street[..9]);
    let finest = u8::from(cell.resolution());
    for r in u8::from(COMMUNITY)..=finest {
        if r == u8::from(COMMUNITY) {
            name.push('-');
        }
        let resolution = Resolution::try_from(r).expect("8..=15 are resolutions");
        let digit = cell.direction_at(resolution).map_or(0, u8::from);
        name.push(char::from(b'0' + digit));
    }
    name
}

/// The cell's outline as a closed polygon.
///
/// # Units
/// WGS84 lon/lat degrees.
fn hexagon(cell: CellIndex) -> Geometry {
    let ring: Vec<Coord> = cell.boundary().iter().map(|ll| Coord { x: ll.lng(), y: ll.lat() }).collect();
    Geometry::Polygon(Polygon::new(LineString::new(ring), vec![]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Contains, Validation};

    #[test]
    fn every_building_gets_a_micro_grid_in_a_full_chain() {
        let buildings = [(Point::new(7.4200, 43.7300), 10), (Point::new(7.4201, 43.7301), 5), (Point::new(7.4400, 43.7500), 0)];
        let (h, cells) = Hierarchy::over(&buildings);
        assert_eq!(cells.iter().flatten().count(), 3);
        let micro: Vec<&Grid> = h.grids.iter().filter(|g| g.level == GridLevel::MicroGrid).collect();
        let grids: Vec<&Grid> = h.grids.iter().filter(|g| g.level == GridLevel::Grid).collect();
        assert!(micro.len() >= 2 && grids.len() >= 2 && !h.communities.is_empty() && !h.streets.is_empty());
        assert_eq!(micro.iter().map(|g| g.households).sum::<u32>(), 15);
        assert_eq!(grids.iter().map(|g| g.households).sum::<u32>(), 15);
        for (building, cell) in buildings.iter().zip(&cells) {
            let grid = h.grids.iter().find(|g| Some(&g.id) == cell.as_ref()).unwrap();
            assert!(grid.geometry.contains(&building.0), "the building's micro-grid holds its centroid");
            let parent = h.grids.iter().find(|g| Some(&g.id) == grid.parent_id.as_ref()).unwrap();
            assert_eq!(parent.community_id, grid.community_id);
            let community = h.communities.iter().find(|c| c.id == grid.community_id).unwrap();
            assert!(h.streets.iter().any(|s| s.id == community.street_id));
            assert!(grid.name.starts_with(&parent.name.replace("网格", "微网格")), "{} / {}", grid.name, parent.name);
            assert!(parent.name.starts_with(&community.name.replace("社区", "网格")), "{} / {}", parent.name, community.name);
        }
        assert!(h.grids.iter().all(|g| g.geometry.is_valid() && g.id.starts_with("osm-h3-")));
        let first = h.grids.iter().find(|g| Some(&g.id) == cells[0].as_ref()).unwrap();
        assert_eq!(h.community_at(buildings[0].0).as_deref(), Some(first.community_id.as_str()));
        assert_eq!(h.community_at(Point::new(100.0, 30.0)), None);
        let (again, _) = Hierarchy::over(&buildings);
        assert_eq!(again.grids, h.grids, "deterministic");
    }
}
