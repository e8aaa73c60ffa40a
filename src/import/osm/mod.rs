//! A real city from an OpenStreetMap PBF extract (`minsheng import-osm`): walkable ways
//! as walkways, building footprints as buildings (floors from their tags, households
//! estimated from floor area; see [`buildings`]), `landuse=residential` areas as compounds,
//! amenities as stations (the tag table is in [`stations`]), and, since OSM has no
//! 街道/社区/网格, an administrative chain synthesised from H3 cells ([`hierarchy`]);
//! responding units from `operator` tags and that chain ([`units`]).
//!
//! Record ids come from OSM ids (`osm-w123`, `osm-r45`, `osm-n67`) and H3 cells
//! (`osm-h3-…`), so importing the same file again updates every record in place. Features
//! that are gone from a newer extract are not deleted.

mod areas;
pub mod buildings;
pub mod hierarchy;
mod reader;
mod rings;
pub mod stations;
mod units;
mod walkways;

pub use reader::{OsmError, ReadStats};
pub use walkways::is_walkable;

use std::fmt;
use std::path::Path;

use geo::{Centroid, Geometry, LineString, Point};

use crate::import::{ImportError, ImportReport, Parsed};
use crate::model::Dataset;
use crate::model::lifecircle::{DEFAULT_CHILDREN_SHARE, DEFAULT_ELDERLY_SHARE};
use crate::store::Store;
use areas::Areas;
use hierarchy::Hierarchy;
use reader::Extract;

/// The records made from an extract, and what happened on the way.
#[derive(Debug, Clone, PartialEq)]
pub struct City {
    pub data: Dataset,
    pub summary: Summary,
}

/// Figures about one extract's import.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub read: ReadStats,
    /// Buildings given households (residential types, and `yes` in residential areas).
    pub residential_buildings: usize,
    /// Buildings whose centroid lies in a compound.
    pub buildings_in_compounds: usize,
    pub households: u64,
    pub population: u64,
    /// Compounds and stations in no community's cell (no building near them).
    pub compounds_without_community: usize,
    pub stations_without_community: usize,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = &self.read;
        writeln!(f, "read {} nodes, {} ways, {} relations in {} passes", r.nodes, r.ways, r.relations, r.passes)?;
        if r.incomplete_buildings + r.invalid_buildings + r.residential_left_out > 0 {
            writeln!(
                f,
                "left out {} buildings cut by the extract's edge, {} with an outline that crosses itself, {} residential areas",
                r.incomplete_buildings, r.invalid_buildings, r.residential_left_out
            )?;
        }
        writeln!(
            f,
            "estimated {} households ({} people) in {} residential buildings; {} buildings lie in compounds",
            self.households, self.population, self.residential_buildings, self.buildings_in_compounds
        )?;
        write!(
            f,
            "{} compounds and {} stations lie in no community (no building near)",
            self.compounds_without_community, self.stations_without_community
        )
    }
}

/// The shares of residents counted as elderly (60+) and as small children (0–5) in every
/// imported building: OSM has no ages. Defaults: the 2020 census
/// ([`DEFAULT_ELDERLY_SHARE`], [`DEFAULT_CHILDREN_SHARE`]); `import-osm --elderly-share
/// --children-share` sets a city's own.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shares {
    pub elderly: f64,
    pub children: f64,
}

impl Default for Shares {
    fn default() -> Shares {
        Shares { elderly: DEFAULT_ELDERLY_SHARE, children: DEFAULT_CHILDREN_SHARE }
    }
}

impl Shares {
    /// The counts of a building of `population` residents, rounded.
    pub fn counts(self, population: u32) -> (u32, u32) {
        let of = |share: f64| (f64::from(population) * share).round() as u32;
        (of(self.elderly), of(self.children))
    }
}

/// Reads an extract and turns it into records of every layer (nothing is written), with
/// the census shares of elderly and children.
pub fn read_city(path: &Path) -> Result<City, OsmError> {
    read_city_with(path, Shares::default())
}

/// [`read_city`] with a city's own shares of elderly and children.
pub fn read_city_with(path: &Path, shares: Shares) -> Result<City, OsmError> {
    Ok(build(reader::read(path)?, shares))
}

/// Reads an extract and writes it in one transaction (all or nothing), updating records
/// a previous import of the same place made. Reading is synchronous.
pub async fn import_osm(store: &dyn Store, path: &Path) -> Result<(Summary, ImportReport), ImportError> {
    let City { data, summary } = read_city(path)?;
    let report = super::write(store, &Parsed::from(data)).await?;
    Ok((summary, report))
}

/// The walkable ways of a PBF file as WGS84 lines, for the walking network.
pub fn walkable_ways(path: &Path) -> Result<Vec<LineString>, OsmError> {
    Ok(reader::read(path)?
        .walkways
        .into_iter()
        .filter_map(|f| match f.geometry {
            Geometry::LineString(line) => Some(line),
            _ => None,
        })
        .collect())
}

fn build(extract: Extract, shares: Shares) -> City {
    let Extract { walkways, buildings: footprints, residential, amenities, stats } = extract;
    let mut summary = Summary { read: stats, ..Summary::default() };
    let mut data = Dataset {
        walkways: walkways
            .into_iter()
            .filter_map(|f| match f.geometry {
                Geometry::LineString(line) => Some(walkways::walkway(f.id, &f.tags, line)),
                _ => None,
            })
            .collect(),
        ..Dataset::default()
    };

    let areas = Areas::new(&residential);
    let mut compound_households = vec![0u32; residential.len()];
    let mut centres: Vec<(Point, u32)> = Vec::with_capacity(footprints.len());
    for footprint in &footprints {
        // A valid polygon always has a centroid.
        let Some(centre) = footprint.geometry.centroid() else { continue };
        let area = areas.smallest_containing(centre);
        let mut building = buildings::building(footprint, area.is_some());
        let (elderly, children) = shares.counts(building.population);
        (building.elderly, building.children) = (Some(elderly), Some(children));
        if let Some(i) = area {
            building.compound_id = Some(residential[i].id.record_id());
            compound_households[i] += building.households;
            summary.buildings_in_compounds += 1;
        }
        summary.residential_buildings += usize::from(building.households > 0);
        summary.households += u64::from(building.households);
        summary.population += u64::from(building.population);
        centres.push((centre, building.households));
        data.buildings.push(building);
    }

    let (mut hierarchy, grid_ids) = Hierarchy::over(&centres);
    for (building, grid_id) in data.buildings.iter_mut().zip(grid_ids) {
        building.grid_id = grid_id.expect("centroids of valid WGS84 polygons are places on Earth");
    }
    data.streets = std::mem::take(&mut hierarchy.streets);
    data.communities = std::mem::take(&mut hierarchy.communities);
    data.grids = std::mem::take(&mut hierarchy.grids);

    for (feature, households) in residential.iter().zip(compound_households) {
        let mut compound = areas::compound(feature, households);
        compound.community_id = feature.geometry.centroid().and_then(|c| hierarchy.community_at(c));
        summary.compounds_without_community += usize::from(compound.community_id.is_none());
        data.compounds.push(compound);
    }
    for feature in &amenities {
        let Geometry::Point(point) = feature.geometry else { continue };
        if let Some(mut station) = stations::station(feature, point) {
            station.community_id = hierarchy.community_at(point);
            summary.stations_without_community += usize::from(station.community_id.is_none());
            data.stations.push(station);
        }
    }
    data.units = units::units(&data);
    City { data, summary }
}
