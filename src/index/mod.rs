//! The in-memory index: every record, its resolved parent links, and R-trees per layer.
//!
//! A [`Snapshot`] is immutable; [`Index`] swaps in a new one after each committed write,
//! so readers hold an `Arc<Snapshot>` and never wait on a lock.

mod ids;
mod neighbourhood;
pub mod reports;
mod spatial;
pub mod text;
mod units;
mod walking;

pub use spatial::{PointTree, distance_m};
pub use walking::Walking;

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use arc_swap::ArcSwap;
use geo::{Centroid, Contains, Geometry, Intersects, Point};
use h3o::{CellIndex, Resolution};
use rstar::{AABB, Envelope};

use crate::model::{Dataset, GridLevel, Layer, Record};
use ids::IdIndex;
use neighbourhood::{Neighbourhoods, box_holds};
use spatial::AreaTree;
use text::{Hit, TextIndex};
use units::UnitsByArea;

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("{layer} record {id:?}: {property} {target_id:?} names no {target} record")]
    Dangling { layer: Layer, id: String, property: &'static str, target: Layer, target_id: String },
}

/// Positions (into the `Dataset` vectors) of a building's parents.
#[derive(Debug, Clone, Copy)]
pub struct BuildingLinks {
    pub compound: Option<u32>,
    pub grid: u32,
}

/// Positions of a grid's community and parent grid.
#[derive(Debug, Clone, Copy)]
pub struct GridLinks {
    pub community: u32,
    pub parent: Option<u32>,
}

/// One consistent, immutable view of all data.
pub struct Snapshot {
    /// The store's data version this snapshot was built from.
    pub version: i64,
    pub data: Dataset,
    ids: Vec<IdIndex>,
    building_links: Vec<BuildingLinks>,
    grid_links: Vec<GridLinks>,
    community_street: Vec<u32>,
    compound_community: Vec<Option<u32>>,
    areas: HashMap<Layer, AreaTree>,
    stations: PointTree,
    neighbourhoods: Neighbourhoods,
    /// Contacts per layer and record: a range into `contact_list`.
    contact_ranges: Vec<Vec<(u32, u32)>>,
    contact_list: Vec<u32>,
    units: UnitsByArea,
    names: TextIndex,
    /// Per H3 resolution (index 0–15), the cell holding each building's centre with its
    /// households, worked out on a resolution's first use (hexagon maps only).
    building_cells: [OnceLock<Vec<(CellIndex, u32)>>; 16],
    /// The walking network and every building's and station's place on it, built on first use.
    walking: OnceLock<Walking>,
}

/// The layers with area or line geometry, each with an R-tree of bounding rectangles.
/// Candidate sites are points, but few: an area tree of their points serves them.
const SHAPE_LAYERS: [Layer; 7] =
    [Layer::Streets, Layer::Communities, Layer::Grids, Layer::Compounds, Layer::Buildings, Layer::Walkways, Layer::CandidateSites];

impl Snapshot {
    /// Builds every lookup structure. Fails if a record references a missing parent.
    pub fn build(data: Dataset, version: i64) -> Result<Snapshot, IndexError> {
        let ids: Vec<IdIndex> = Layer::ALL.iter().map(|&layer| IdIndex::build(&data.ids(layer))).collect();
        let resolve = |layer: Layer, id: &str, property: &'static str, target: Layer, target_id: &str| {
            find_in(&ids, &data, target, target_id).ok_or_else(|| IndexError::Dangling {
                layer,
                id: id.to_owned(),
                property,
                target,
                target_id: target_id.to_owned(),
            })
        };
        let community_street = data
            .communities
            .iter()
            .map(|c| resolve(Layer::Communities, &c.id, "street_id", Layer::Streets, &c.street_id))
            .collect::<Result<_, _>>()?;
        let grid_links = data
            .grids
            .iter()
            .map(|g| {
                Ok(GridLinks {
                    community: resolve(Layer::Grids, &g.id, "community_id", Layer::Communities, &g.community_id)?,
                    parent: g.parent_id.as_deref().map(|p| resolve(Layer::Grids, &g.id, "parent_id", Layer::Grids, p)).transpose()?,
                })
            })
            .collect::<Result<_, _>>()?;
        let compound_community = data
            .compounds
            .iter()
            .map(|c| {
                c.community_id.as_deref().map(|id| resolve(Layer::Compounds, &c.id, "community_id", Layer::Communities, id)).transpose()
            })
            .collect::<Result<_, _>>()?;
        let building_links = data
            .buildings
            .iter()
            .map(|b| {
                Ok(BuildingLinks {
                    compound: b
                        .compound_id
                        .as_deref()
                        .map(|id| resolve(Layer::Buildings, &b.id, "compound_id", Layer::Compounds, id))
                        .transpose()?,
                    grid: resolve(Layer::Buildings, &b.id, "grid_id", Layer::Grids, &b.grid_id)?,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;

        let mut scoped: Vec<((Layer, u32), u32)> = Vec::with_capacity(data.contacts.len());
        for (i, contact) in data.contacts.iter().enumerate() {
            let target = contact.scope.layer();
            let at = resolve(Layer::Contacts, &contact.id, contact.scope.property(), target, contact.scope.id())?;
            scoped.push(((target, at), i as u32));
        }
        scoped.sort_unstable();
        let mut contact_ranges: Vec<Vec<(u32, u32)>> = Layer::ALL.iter().map(|&layer| vec![(0, 0); data.count(layer)]).collect();
        for (at, ((layer, record), _)) in scoped.iter().enumerate() {
            let range = &mut contact_ranges[*layer as usize][*record as usize];
            if range.0 == range.1 {
                range.0 = at as u32;
            }
            range.1 = at as u32 + 1;
        }
        let contact_list = scoped.into_iter().map(|(_, contact)| contact).collect();
        let units = UnitsByArea::build(&data, resolve)?;

        let areas = SHAPE_LAYERS.iter().map(|&layer| (layer, AreaTree::build(area_geometries(&data, layer)))).collect();
        let stations = PointTree::build(data.stations.iter().map(|s| match s.geometry {
            Geometry::Point(p) => Some(p),
            _ => None,
        }));

        let neighbourhoods = Neighbourhoods::build(
            &data.compounds.iter().map(|c| &c.geometry).collect::<Vec<_>>(),
            &data.buildings.iter().map(|b| &b.geometry).collect::<Vec<_>>(),
            building_links.iter().map(|l| l.compound),
            &stations,
        );
        let mut names = TextIndex::default();
        for (i, c) in data.compounds.iter().enumerate() {
            names.add(Layer::Compounds, i as u32, &c.name);
        }
        for (i, s) in data.stations.iter().enumerate() {
            names.add(Layer::Stations, i as u32, &s.name);
        }
        for i in 0..data.buildings.len() as u32 {
            names.add(Layer::Buildings, i, &building_name(&data, &building_links, i));
        }
        Ok(Snapshot {
            version,
            data,
            ids,
            building_links,
            grid_links,
            community_street,
            compound_community,
            areas,
            stations,
            neighbourhoods,
            contact_ranges,
            contact_list,
            units,
            names,
            building_cells: std::array::from_fn(|_| OnceLock::new()),
            walking: OnceLock::new(),
        })
    }

    /// An empty snapshot (no data yet).
    pub fn empty() -> Snapshot {
        Snapshot::build(Dataset::default(), 0).expect("an empty dataset has no dangling references")
    }

    /// The H3 cell of `resolution` holding each building's centre, with the building's
    /// households, for the buildings with homes and a centre: households per hexagon come
    /// from these. Each resolution is indexed from the centres themselves (not as parents
    /// of a finer cell, which need not contain them), once per snapshot.
    pub fn building_cells(&self, resolution: Resolution) -> &[(CellIndex, u32)] {
        self.building_cells[usize::from(u8::from(resolution))].get_or_init(|| {
            self.data
                .buildings
                .iter()
                .filter(|b| b.households > 0)
                .filter_map(|b| {
                    let centre = b.geometry.centroid()?;
                    let cell = h3o::LatLng::new(centre.y(), centre.x()).ok()?.to_cell(resolution);
                    Some((cell, b.households))
                })
                .collect()
        })
    }

    /// The walking network with every building and station joined to it (coverage
    /// analysis). Built on the first call, which may take seconds on a city.
    pub fn walking(&self) -> &Walking {
        self.walking.get_or_init(|| Walking::build(&self.data))
    }

    /// The position of a record by id.
    pub fn find(&self, layer: Layer, id: &str) -> Option<u32> {
        find_in(&self.ids, &self.data, layer, id)
    }

    pub fn building_links(&self, building: u32) -> BuildingLinks {
        self.building_links[building as usize]
    }

    pub fn grid_links(&self, grid: u32) -> GridLinks {
        self.grid_links[grid as usize]
    }

    pub fn community_street(&self, community: u32) -> u32 {
        self.community_street[community as usize]
    }

    pub fn compound_community(&self, compound: u32) -> Option<u32> {
        self.compound_community[compound as usize]
    }

    /// What residents call a building: "杨柳苑 3栋", or just its label outside a compound.
    pub fn building_name(&self, building: u32) -> String {
        building_name(&self.data, &self.building_links, building)
    }

    /// Records of an area layer that contain the point.
    ///
    /// # Units
    /// lon/lat degrees (WGS84).
    pub fn containing(&self, layer: Layer, point: Point) -> impl Iterator<Item = u32> + '_ {
        self.areas.get(&layer).into_iter().flat_map(move |tree| tree.containing(point, move |i| area_geometry(&self.data, layer, i)))
    }

    /// The record of an area layer nearest the point within `max_m` metres, with its distance.
    pub fn nearest_area(&self, layer: Layer, point: Point, max_m: f64) -> Option<(u32, f64)> {
        self.areas.get(&layer)?.nearest(point, max_m, |i| area_geometry(&self.data, layer, i))
    }

    /// The finest grid containing the point: a micro-grid if there is one, else a grid.
    pub fn grid_at(&self, point: Point) -> Option<u32> {
        self.containing(Layer::Grids, point)
            .max_by_key(|&g| (self.data.grids[g as usize].level == GridLevel::MicroGrid, std::cmp::Reverse(g)))
    }

    /// Whether one grid's polygon contains the point.
    pub fn grid_contains(&self, grid: u32, point: Point) -> bool {
        geo::Contains::contains(&self.data.grids[grid as usize].geometry, &point)
    }

    /// The building containing the point: first among the buildings of the compound the
    /// point is in (a short list), then in the whole building tree.
    ///
    /// # Units
    /// lon/lat degrees (WGS84).
    pub fn building_at(&self, point: Point) -> Option<u32> {
        for compound in self.containing(Layer::Compounds, point) {
            for (bbox, building) in self.neighbourhoods.members(compound) {
                if box_holds(bbox, point) && self.data.buildings[*building as usize].geometry.contains(&point) {
                    return Some(*building);
                }
            }
        }
        self.containing(Layer::Buildings, point).next()
    }

    /// Up to `k` stations nearest the point (haversine metres), nearest first. Pass the
    /// compound the point is in or near, if known: its short-list answers without a tree walk.
    pub fn nearest_stations(&self, point: Point, k: usize, near_compound: Option<u32>) -> Vec<(u32, f64)> {
        near_compound
            .and_then(|c| self.neighbourhoods.nearest_stations(c, point, k, &self.stations))
            .unwrap_or_else(|| self.stations.nearest(point, k, |_| true))
    }

    /// Contacts serving one record, by position into `data.contacts`.
    pub fn contacts_of(&self, layer: Layer, record: u32) -> &[u32] {
        let (start, end) = self.contact_ranges[layer as usize][record as usize];
        &self.contact_list[start as usize..end as usize]
    }

    /// Units serving one compound, community or street, by position into `data.units`,
    /// ascending; empty for other layers.
    pub fn units_serving(&self, layer: Layer, area: u32) -> &[u32] {
        self.units.serving(layer, area)
    }

    /// Records of a layer whose geometry meets `bbox` (all records when `None`), in stored order.
    pub fn in_bbox(&self, layer: Layer, bbox: Option<AABB<[f64; 2]>>) -> Vec<u32> {
        let Some(bbox) = bbox else {
            return (0..self.data.count(layer) as u32).collect();
        };
        let mut hits = self.candidates(layer, bbox);
        if SHAPE_LAYERS.contains(&layer) {
            // Bounding rectangles meeting the box are candidates; keep those whose shape does.
            let rect = geo::Rect::new(bbox.lower(), bbox.upper());
            hits.retain(|&i| area_geometry(&self.data, layer, i).intersects(&rect));
        }
        hits.sort_unstable();
        hits
    }

    /// Candidate records of a layer for a box: those whose bounding rectangle meets it, in
    /// no particular order and without an exact test (tile clipping does the rest).
    pub fn candidates(&self, layer: Layer, bbox: AABB<[f64; 2]>) -> Vec<u32> {
        match layer {
            Layer::Stations => self.stations.in_envelope(bbox).collect(),
            Layer::Contacts | Layer::Units => Vec::new(),
            _ => self.areas.get(&layer).map(|tree| tree.in_envelope(bbox).collect()).unwrap_or_default(),
        }
    }

    /// The box holding every geometry of a layer (`None` for an empty layer, contacts or units).
    /// Read off the R-tree's root, so it costs nothing per call.
    ///
    /// # Units
    /// lon/lat degrees (WGS84).
    pub fn extent(&self, layer: Layer) -> Option<AABB<[f64; 2]>> {
        match layer {
            Layer::Stations => self.stations.envelope(),
            _ => self.areas.get(&layer)?.envelope(),
        }
    }

    /// West, south, east, north around all mapped data, if there is any.
    pub fn bounds(&self) -> Option<[f64; 4]> {
        let envelopes = Layer::ALL.iter().filter_map(|&layer| self.extent(layer));
        envelopes.reduce(|a, b| a.merged(&b)).map(|e| [e.lower()[0], e.lower()[1], e.upper()[0], e.upper()[1]])
    }

    /// Compounds, buildings and stations whose name matches the query, best first.
    pub fn search(&self, query: &str, limit: usize) -> Vec<Hit> {
        self.names.search(&text::normalize(query), limit)
    }
}

fn building_name(data: &Dataset, links: &[BuildingLinks], building: u32) -> String {
    let b = &data.buildings[building as usize];
    match links[building as usize].compound {
        Some(c) => format!("{} {}", data.compounds[c as usize].name, b.label),
        None => b.label.clone(),
    }
}

fn find_in(ids: &[IdIndex], data: &Dataset, layer: Layer, id: &str) -> Option<u32> {
    fn id_of<'a, R: Record>(records: &'a [R]) -> impl Fn(u32) -> &'a str {
        move |i| records[i as usize].id()
    }
    let index = &ids[layer as usize];
    match layer {
        Layer::Streets => index.find(id, id_of(&data.streets)),
        Layer::Communities => index.find(id, id_of(&data.communities)),
        Layer::Grids => index.find(id, id_of(&data.grids)),
        Layer::Compounds => index.find(id, id_of(&data.compounds)),
        Layer::Buildings => index.find(id, id_of(&data.buildings)),
        Layer::Stations => index.find(id, id_of(&data.stations)),
        Layer::Contacts => index.find(id, id_of(&data.contacts)),
        Layer::Walkways => index.find(id, id_of(&data.walkways)),
        Layer::Units => index.find(id, id_of(&data.units)),
        Layer::CandidateSites => index.find(id, id_of(&data.candidate_sites)),
    }
}

fn area_geometries(data: &Dataset, layer: Layer) -> Box<dyn Iterator<Item = &Geometry> + '_> {
    match layer {
        Layer::Streets => Box::new(data.streets.iter().map(|r| &r.geometry)),
        Layer::Communities => Box::new(data.communities.iter().map(|r| &r.geometry)),
        Layer::Grids => Box::new(data.grids.iter().map(|r| &r.geometry)),
        Layer::Compounds => Box::new(data.compounds.iter().map(|r| &r.geometry)),
        Layer::Buildings => Box::new(data.buildings.iter().map(|r| &r.geometry)),
        Layer::Walkways => Box::new(data.walkways.iter().map(|r| &r.geometry)),
        Layer::CandidateSites => Box::new(data.candidate_sites.iter().map(|r| &r.geometry)),
        Layer::Stations | Layer::Contacts | Layer::Units => Box::new(std::iter::empty()),
    }
}

fn area_geometry(data: &Dataset, layer: Layer, i: u32) -> &Geometry {
    let i = i as usize;
    match layer {
        Layer::Streets => &data.streets[i].geometry,
        Layer::Communities => &data.communities[i].geometry,
        Layer::Grids => &data.grids[i].geometry,
        Layer::Compounds => &data.compounds[i].geometry,
        Layer::Buildings => &data.buildings[i].geometry,
        Layer::Walkways => &data.walkways[i].geometry,
        Layer::CandidateSites => &data.candidate_sites[i].geometry,
        Layer::Stations | Layer::Contacts | Layer::Units => unreachable!("{layer} has no area tree"),
    }
}

/// The current snapshot, replaced whole after every committed write.
pub struct Index {
    current: ArcSwap<Snapshot>,
}

impl Index {
    pub fn new(snapshot: Snapshot) -> Index {
        Index { current: ArcSwap::from_pointee(snapshot) }
    }

    /// The snapshot to read from; cheap, and never blocks a writer.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.current.load_full()
    }

    pub fn replace(&self, snapshot: Snapshot) {
        self.current.store(Arc::new(snapshot));
    }
}
