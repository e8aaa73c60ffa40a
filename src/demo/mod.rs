//! The demo district: a FICTIONAL but plausible district north of Chengdu, generated from a
//! seed, used by `minsheng demo` and to build city-sized benchmark sets.
//!
//! Layout: a lattice of ~235–290 m cells (one block plus half of each surrounding road).
//! 2×3 cells make a 社区 community, 4×3 communities a 街道 street; each cell is one 网格 grid
//! and holds one 小区 compound, except super-large compounds which take 2×2 cells. Streets,
//! communities and grids therefore tile the district exactly. The walking network (`network`)
//! follows the roads and enters each walled compound only through its gates.
//!
//! # Units
//! Generated in local metres, output in WGS84 degrees rounded to 7 decimals.

mod buildings;
mod candidates;
#[cfg(test)]
mod checks;
mod facilities;
mod layout;
mod network;
mod people;
pub mod reports;
mod stations;
#[cfg(test)]
mod tests;
mod units;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::model::{Building, Community, Compound, CompoundKind, Dataset, Grid, GridLevel, Street};
use buildings::{Group, Style};
use layout::{Bounds, Frame, Lattice};
use stations::Site;

pub use layout::CENTRE;
pub use people::LANDMARK_COMPOUND;
pub use units::OWNERS_COUNCIL_HOUSEHOLDS;

/// What to generate. The same options always give the same dataset, on any platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOptions {
    /// Exact number of buildings to generate.
    pub buildings: usize,
    pub seed: u64,
}

impl Default for DemoOptions {
    fn default() -> DemoOptions {
        DemoOptions { buildings: 300, seed: 2024 }
    }
}

/// Compound wall inset from the kerb; the strip holds pavements and street-front stations.
const WALL: f64 = 15.0;
/// Space between a compound wall and its buildings (gate stations stand there).
const INNER: f64 = 6.0;
/// Buildings keep this far from a grid boundary that runs through a super-large compound.
const CELL_CLEARANCE: f64 = 8.0;
/// Rough buildings per community, only used to shape and centre the district.
const BUILDINGS_PER_COMMUNITY: usize = 120;

/// Generates the demo district with exactly `options.buildings` buildings.
pub fn generate(options: &DemoOptions) -> Dataset {
    if options.buildings == 0 {
        return Dataset::default();
    }
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let communities = options.buildings.div_ceil(BUILDINGS_PER_COMMUNITY);
    let streets = communities.div_ceil(layout::STREET_COMMUNITIES);
    let street_cols = (streets as f64).sqrt().ceil() as usize;
    // Estimated extent in cells, to put the district's middle near the centre point.
    let (cols, rows) = if streets == 1 {
        let n = communities.min(layout::STREET_COMMUNITIES);
        (layout::COMMUNITY_COLS * n.min(layout::STREET_COMMUNITY_COLS), layout::COMMUNITY_ROWS * n.div_ceil(layout::STREET_COMMUNITY_COLS))
    } else {
        (layout::STREET_COLS * street_cols, layout::STREET_ROWS * streets.div_ceil(street_cols))
    };
    let origin = (-131.0 * cols as f64, -131.0 * rows as f64);
    let lattice = Lattice::new(&mut rng, street_cols * layout::STREET_COLS, origin);
    let names = people::Names::new(&mut rng);
    let mut g = Generator {
        rng,
        frame: Frame,
        lattice,
        names,
        street_cols,
        remaining: options.buildings,
        data: Dataset::default(),
        sites: Vec::new(),
        plots: Vec::new(),
    };
    let mut street = 0;
    while g.remaining > 0 {
        g.street(street);
        street += 1;
    }
    let (stations, by_gate) = stations::place(&mut g.rng, g.frame, &g.sites, &g.data);
    g.data.stations = stations;
    g.data.contacts = people::contacts(&mut g.rng, &g.data);
    g.data.walkways = network::walkways(&g.lattice, g.frame, &g.plots, &g.data.compounds, &by_gate, options.seed);
    g.data.units = units::units(&g.data);
    // Everything above stays as it was before the daily facilities existed.
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed.wrapping_add(facilities::FACILITY_STREAM));
    facilities::capacities(&mut rng, &mut g.data.stations);
    let more = facilities::place(&mut rng, g.frame, &g.sites, &g.data);
    g.data.stations.extend(more);
    facilities::people(&mut rng, &mut g.data);
    g.data.candidate_sites = candidates::candidate_sites(&g.data, options.seed);
    g.data
}

/// What a community's cell is meant to hold; a super-large compound takes this cell and the
/// next three (two rows of two).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Plan {
    Single(CompoundKind),
    SuperLarge,
}

/// A compound laid out but not yet recorded.
struct Draft {
    wall: Bounds,
    /// (cell number in the community, lattice cell, micro-grid groups).
    cells: Vec<(usize, (usize, usize), Vec<Group>)>,
    buildings: usize,
}

impl Draft {
    fn sum(&self, of: fn(&buildings::Placed) -> u32) -> u32 {
        self.cells.iter().flat_map(|c| &c.2).flat_map(|g| &g.buildings).map(of).sum()
    }
}

/// The community being filled.
struct Ctx {
    street: usize,
    index: usize,
    id: String,
    origin: (usize, usize),
}

impl Ctx {
    /// Lattice cell of the community's `k`-th cell, row by row from the south-west.
    fn cell(&self, k: usize) -> (usize, usize) {
        (self.origin.0 + k % layout::COMMUNITY_COLS, self.origin.1 + k / layout::COMMUNITY_COLS)
    }
}

struct Generator {
    rng: ChaCha8Rng,
    frame: Frame,
    lattice: Lattice,
    names: people::Names,
    street_cols: usize,
    remaining: usize,
    data: Dataset,
    sites: Vec<Site>,
    /// The compounds as the walking network needs them, one per compound.
    plots: Vec<network::Plot>,
}

impl Generator {
    fn street(&mut self, s: usize) {
        let (col, row) = (s % self.street_cols, s / self.street_cols);
        self.lattice.ensure_rows(&mut self.rng, (row + 1) * layout::STREET_ROWS);
        let id = format!("S{:02}", s + 1);
        let name = self.names.street();
        let mut cells = Vec::new();
        for i in 0..layout::STREET_COMMUNITIES {
            if self.remaining == 0 {
                break;
            }
            let origin = (
                col * layout::STREET_COLS + (i % layout::STREET_COMMUNITY_COLS) * layout::COMMUNITY_COLS,
                row * layout::STREET_ROWS + (i / layout::STREET_COMMUNITY_COLS) * layout::COMMUNITY_ROWS,
            );
            let ctx = Ctx { street: s, index: self.data.communities.len(), id: format!("{id}-C{:02}", i + 1), origin };
            cells.extend(self.community(ctx, &id));
        }
        let geometry = self.lattice.outline(&self.frame, &cells).into();
        self.data.streets.push(Street { id, name, geometry });
    }

    /// Fills a community cell by cell until it is full or the building budget is spent;
    /// returns the cells used.
    fn community(&mut self, ctx: Ctx, street_id: &str) -> Vec<(usize, usize)> {
        let name = self.names.community();
        let mut plan = self.plan(ctx.index);
        let mut cells = Vec::new();
        let mut k = 0;
        while k < layout::COMMUNITY_CELLS && self.remaining > 0 {
            if plan[k] == Plan::SuperLarge {
                let draft = self.draft(&ctx, &[k, k + 1, k + 2, k + 3], Style::SuperLarge, usize::MAX);
                if draft.buildings <= self.remaining {
                    // The kind promises more than 10,000 residents; a lattice too small for that
                    // gets an ordinary commodity estate.
                    let big = draft.sum(|b| b.households) >= 3_600 && draft.sum(|b| b.population) > 10_000;
                    let kind = if big { CompoundKind::SuperLarge } else { CompoundKind::Commodity };
                    cells.extend(self.commit(&ctx, draft, kind));
                    k += 4;
                    continue;
                }
                plan[k..k + 4].fill(Plan::Single(CompoundKind::Commodity));
            }
            let Plan::Single(kind) = plan[k] else { unreachable!("super-large handled above") };
            let style = match kind {
                CompoundKind::Old => Style::Old,
                CompoundKind::Resettlement => Style::Resettlement,
                CompoundKind::Commodity | CompoundKind::SuperLarge => Style::Commodity,
            };
            let mut draft = self.draft(&ctx, &[k], style, usize::MAX);
            let mut kind = kind;
            if draft.buildings > self.remaining {
                // The last compound takes exactly the buildings left, as towers (one micro-grid each).
                draft = self.draft(&ctx, &[k], Style::Towers, self.remaining);
                kind = CompoundKind::Commodity;
            }
            cells.extend(self.commit(&ctx, draft, kind));
            k += 1;
        }
        let geometry = self.lattice.outline(&self.frame, &cells).into();
        self.data.communities.push(Community { id: ctx.id, name, street_id: street_id.to_owned(), geometry });
        cells
    }

    /// The first two communities show every compound kind; later ones are random.
    fn plan(&mut self, community: usize) -> [Plan; layout::COMMUNITY_CELLS] {
        use CompoundKind::*;
        match community {
            0 => [Plan::Single(Old), Plan::Single(Resettlement), Plan::SuperLarge, Plan::SuperLarge, Plan::SuperLarge, Plan::SuperLarge],
            _ => {
                let mut plan = [Plan::Single(Commodity); layout::COMMUNITY_CELLS];
                for p in &mut plan {
                    *p = Plan::Single(match self.rng.random_range(0..10) {
                        0..3 => Old,
                        3..5 => Resettlement,
                        _ => Commodity,
                    });
                }
                if community == 1 {
                    plan[0] = Plan::Single(Commodity);
                    plan[1] = Plan::Single(Old);
                } else if self.rng.random_bool(0.2) {
                    let start = layout::COMMUNITY_COLS * self.rng.random_range(0..layout::COMMUNITY_ROWS - 1);
                    plan[start] = Plan::SuperLarge;
                }
                plan
            }
        }
    }

    /// Lays out a compound over the community's cells `ks` (one, or 2×2 in row order).
    fn draft(&mut self, ctx: &Ctx, ks: &[usize], style: Style, cap: usize) -> Draft {
        let span = if ks.len() == 4 { (2, 2) } else { (1, 1) };
        let wall = self.lattice.block(ctx.cell(ks[0]), span).inset(WALL);
        // Newer estates are often turned a few degrees off the street grid.
        let angle = match style {
            Style::Commodity | Style::Towers if self.rng.random_bool(0.5) => self.rng.random_range(-0.08..0.08),
            _ => 0.0,
        };
        let mut draft = Draft { wall, cells: Vec::with_capacity(ks.len()), buildings: 0 };
        for &k in ks {
            let cell = ctx.cell(k);
            let region = wall.inset(INNER).intersection(self.lattice.cells(cell, (1, 1)).inset(CELL_CLEARANCE));
            let groups = buildings::fill(&mut self.rng, region, style, angle, cap - draft.buildings);
            draft.buildings += groups.iter().map(|g| g.buildings.len()).sum::<usize>();
            draft.cells.push((k, cell, groups));
        }
        draft
    }

    /// Records a drafted compound with its grids, micro-grids and buildings; returns its cells.
    fn commit(&mut self, ctx: &Ctx, draft: Draft, kind: CompoundKind) -> Vec<(usize, usize)> {
        let index = self.data.compounds.len();
        let compound_id = format!("CP{:04}", index + 1);
        let households = draft.sum(|b| b.households);
        self.data.compounds.push(Compound {
            id: compound_id.clone(),
            name: self.names.compound(),
            kind,
            property_company: people::property_company(&mut self.rng, kind, index == 0),
            households,
            community_id: Some(ctx.id.clone()),
            geometry: self.frame.rect(draft.wall).into(),
        });
        self.remaining -= draft.buildings;
        let mut number = 0;
        let mut cells = Vec::with_capacity(draft.cells.len());
        let mut plot =
            network::Plot { cell: draft.cells[0].1, span: if draft.cells.len() == 4 { 2 } else { 1 }, wall: draft.wall, lanes: Vec::new() };
        for (k, cell, groups) in draft.cells {
            let grid_id = format!("{}-G{:02}", ctx.id, k + 1);
            let bounds = self.lattice.cells(cell, (1, 1));
            let paths = draft.wall.inset(network::RING).intersection(bounds);
            plot.lanes.extend(network::lanes(paths, &groups));
            self.data.grids.push(Grid {
                id: grid_id.clone(),
                name: format!("第{}网格", k + 1),
                level: GridLevel::Grid,
                community_id: ctx.id.clone(),
                parent_id: None,
                households: groups.iter().flat_map(|g| &g.buildings).map(|b| b.households).sum(),
                geometry: self.frame.rect(bounds).into(),
            });
            for (m, group) in groups.into_iter().enumerate() {
                let micro_id = format!("{grid_id}-M{:02}", m + 1);
                self.data.grids.push(Grid {
                    id: micro_id.clone(),
                    name: format!("第{}网格-{}微网格", k + 1, m + 1),
                    level: GridLevel::MicroGrid,
                    community_id: ctx.id.clone(),
                    parent_id: Some(grid_id.clone()),
                    households: group.buildings.iter().map(|b| b.households).sum(),
                    geometry: self.frame.rect(group.bounds).into(),
                });
                for b in group.buildings {
                    number += 1;
                    self.data.buildings.push(Building {
                        id: format!("{compound_id}-B{number:02}"),
                        label: format!("{number}栋"),
                        compound_id: Some(compound_id.clone()),
                        grid_id: micro_id.clone(),
                        floors: b.floors,
                        units: b.units,
                        households: b.households,
                        population: b.population,
                        has_elevator: b.has_elevator,
                        elderly: None,
                        children: None,
                        geometry: self.frame.polygon(b.corners).into(),
                    });
                }
            }
            let site = Site { street: ctx.street, community: ctx.index, compound: index, cell: bounds, compound_bounds: draft.wall };
            self.sites.push(site);
            cells.push(cell);
        }
        self.plots.push(plot);
        cells
    }
}
