//! Service stations of the "1+N+X" matrix, placed unevenly (services cluster in some
//! communities and are missing from others) so that coverage analysis has gaps to find.
//!
//! # Units
//! Local metres (see `layout`).

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::layout::{Bounds, Frame};
use crate::model::{CompoundKind, Dataset, FacilityKind, Station, StationLevel};

/// One generated cell: where it is and which compound stands on it.
#[derive(Debug, Clone, Copy)]
pub struct Site {
    pub street: usize,
    pub community: usize,
    pub compound: usize,
    pub cell: Bounds,
    pub compound_bounds: Bounds,
}

/// Where a compound station stands by its compound's wall, so that the walking network can
/// put the main gate beside it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ByGate {
    pub compound: usize,
    /// East of the district centre, in metres.
    pub x: f64,
    /// On the south wall (else the north one).
    pub south: bool,
}

/// The community-level services beyond the community centre.
const SERVICES: [FacilityKind; 6] = [
    FacilityKind::ElderlyDayCare,
    FacilityKind::Canteen,
    FacilityKind::Clinic,
    FacilityKind::Library,
    FacilityKind::DisabilityHome,
    FacilityKind::YouthSpace,
];

fn name_tail(kind: FacilityKind) -> &'static str {
    match kind {
        FacilityKind::PartyMassCentre | FacilityKind::CommunityCentre => "党群服务中心",
        FacilityKind::CompoundStation => "党群服务站",
        FacilityKind::ElderlyDayCare => "老年人日间照料中心",
        FacilityKind::Canteen => "食堂",
        FacilityKind::Clinic => "卫生服务站",
        FacilityKind::Library => "书屋",
        FacilityKind::DisabilityHome => "残疾人之家",
        FacilityKind::YouthSpace => "青少年活动空间",
        other => other.label_zh(),
    }
}

fn opening_hours(kind: FacilityKind) -> &'static str {
    match kind {
        FacilityKind::ElderlyDayCare => "08:00-18:00",
        FacilityKind::Canteen => "07:00-19:30",
        FacilityKind::Clinic => "08:00-20:00",
        FacilityKind::Library => "09:00-21:00",
        FacilityKind::YouthSpace => "14:00-21:00",
        FacilityKind::CompoundStation => "09:00-17:00",
        _ => "08:30-17:30",
    }
}

/// Where a station stands on a site.
#[derive(Clone, Copy)]
enum Spot {
    /// On the pavement between kerb and compound wall, `n`-th along it (clusters line up).
    Frontage(usize),
    /// Just inside the compound wall, by the gate.
    Gate,
}

struct Placer<'a> {
    rng: &'a mut ChaCha8Rng,
    frame: Frame,
    data: &'a Dataset,
    stations: Vec<Station>,
    /// Frontage spots used per site.
    used: Vec<usize>,
    by_gate: Vec<ByGate>,
}

impl Placer<'_> {
    fn add(&mut self, sites: &[Site], site: usize, kind: FacilityKind, name: String, spot: Spot) {
        let s = sites[site];
        let (cell, wall) = (s.cell, s.compound_bounds);
        // The compound's south wall lies in this cell unless the cell is the top half of a
        // super-large compound; then use the north side.
        let south = wall.y0 > cell.y0;
        let x0 = cell.x0.max(wall.x0);
        let (x, y) = match spot {
            Spot::Frontage(n) => (x0 + 12.0 + 16.0 * n as f64, if south { wall.y0 - 7.0 } else { wall.y1 + 7.0 }),
            Spot::Gate => {
                let x = x0 + self.rng.random_range(10.0..80.0);
                self.by_gate.push(ByGate { compound: s.compound, x, south });
                (x, if south { wall.y0 + 3.0 } else { wall.y1 - 3.0 })
            }
        };
        let level = match kind {
            FacilityKind::PartyMassCentre => StationLevel::Street,
            FacilityKind::CompoundStation => StationLevel::Compound,
            _ => StationLevel::Community,
        };
        let phone = match spot {
            Spot::Gate if self.rng.random_bool(0.5) => None,
            _ => Some(format!("028-8{:03}-{:04}", self.rng.random_range(0..1000), self.rng.random_range(0..10_000))),
        };
        self.stations.push(Station {
            id: format!("ST{:04}", self.stations.len() + 1),
            name,
            kind,
            level,
            opening_hours: Some(opening_hours(kind).to_owned()),
            phone,
            community_id: Some(self.data.communities[s.community].id.clone()),
            capacity: None,
            geometry: self.frame.point(x, y).into(),
        });
    }

    fn frontage(&mut self, site: usize) -> Spot {
        self.used[site] += 1;
        Spot::Frontage(self.used[site] - 1)
    }
}

/// Places every station; `sites` are in generation order (grouped by street, then community).
/// Also says where the compound stations stand by their compound's wall.
pub fn place(rng: &mut ChaCha8Rng, frame: Frame, sites: &[Site], data: &Dataset) -> (Vec<Station>, Vec<ByGate>) {
    let mut p = Placer { rng, frame, data, stations: Vec::new(), used: vec![0; sites.len()], by_gate: Vec::new() };
    let groups = |key: fn(&Site) -> usize| {
        let mut ranges: Vec<std::ops::Range<usize>> = Vec::new();
        for (i, site) in sites.iter().enumerate() {
            match ranges.last_mut() {
                Some(r) if key(&sites[r.start]) == key(site) => r.end = i + 1,
                _ => ranges.push(i..i + 1),
            }
        }
        ranges
    };
    for street in groups(|s| s.street) {
        let site = p.rng.random_range(street.clone());
        let name = format!("{}{}", data.streets[sites[site].street].name, name_tail(FacilityKind::PartyMassCentre));
        let spot = p.frontage(site);
        p.add(sites, site, FacilityKind::PartyMassCentre, name, spot);
    }
    for (n, community) in groups(|s| s.community).into_iter().enumerate() {
        let centre = p.rng.random_range(community.clone());
        let community_name = data.communities[sites[centre].community].name.clone();
        let kinds = std::iter::once(FacilityKind::CommunityCentre).chain(SERVICES);
        // The first community has every service, the second none beyond its centre; the rest vary.
        let share = match n {
            0 => 1.0,
            1 => 0.0,
            _ => [1.0, 0.5, 0.0][p.rng.random_range(0..3)],
        };
        for kind in kinds {
            if kind == FacilityKind::CommunityCentre || p.rng.random_bool(share) {
                let spot = p.frontage(centre);
                p.add(sites, centre, kind, format!("{community_name}{}", name_tail(kind)), spot);
            }
        }
    }
    let mut seen = vec![false; data.compounds.len()];
    for (i, site) in sites.iter().enumerate() {
        let compound = &data.compounds[site.compound];
        if std::mem::replace(&mut seen[site.compound], true) {
            continue;
        }
        if compound.kind == CompoundKind::SuperLarge || p.rng.random_bool(0.15) {
            let name = format!("{}{}", compound.name, name_tail(FacilityKind::CompoundStation));
            p.add(sites, i, FacilityKind::CompoundStation, name, Spot::Gate);
        }
    }
    (p.stations, p.by_gate)
}
