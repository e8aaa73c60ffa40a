//! Candidate sites for new stations (候选站址), made last from the finished district with a
//! random stream of their own, so that adding them changes nothing else the demo makes.
//!
//! - about one public room (公共用房) per 2–3 compounds, inside the wall beside the main gate
//!   (on the path that rings the compound, a few metres along from where the gate enters);
//! - a few idle sites (闲置场地) on the street frontage, along the pavement from a gate;
//! - some vacant rooms (空置房屋), one in about every 30 buildings, at the building.

use geo::{Coord, Geometry, InteriorPoint, LineString, Point};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::layout::{METRES_PER_DEGREE_LAT, METRES_PER_DEGREE_LON};
use crate::model::{CandidateSite, Dataset, SiteKind};

/// Added to the demo seed: the candidates' own stream.
const SEED_OFFSET: u64 = 0x5EED_0017;
/// Chance that a compound has a public room that could take a station.
const PUBLIC_ROOM_SHARE: f64 = 0.4;
/// Chance of an idle site on the street beside a compound.
const IDLE_SITE_SHARE: f64 = 0.08;
/// Chance that a building has a vacant room on offer.
const VACANT_ROOM_SHARE: f64 = 1.0 / 30.0;
/// How far along the ring path (public room) or the pavement (idle site) from the gate.
const ALONG_GATE_M: (f64, f64) = (8.0, 14.0);
const ALONG_PAVEMENT_M: (f64, f64) = (20.0, 40.0);

/// The district's candidate sites: public rooms, then idle sites, then vacant rooms, each in
/// compound (or building) order.
pub fn candidate_sites(data: &Dataset, seed: u64) -> Vec<CandidateSite> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed.wrapping_add(SEED_OFFSET));
    let mut sites = Vec::new();
    let mut idle = Vec::new();
    let gates: std::collections::HashMap<&str, &Geometry> =
        data.walkways.iter().filter(|w| w.kind == "gate").map(|w| (w.id.as_str(), &w.geometry)).collect();
    for compound in &data.compounds {
        // The main gate is the compound's first: from the street centre, over the kerb, to the
        // path inside the wall.
        let Some(Geometry::LineString(LineString(line))) = gates.get(format!("W-{}-G1", compound.id).as_str()) else { continue };
        let &[_, kerb, inside] = line.as_slice() else { continue };
        let has_room = rng.random_bool(PUBLIC_ROOM_SHARE);
        let room_along = rng.random_range(ALONG_GATE_M.0..ALONG_GATE_M.1) * side(&mut rng);
        let has_idle = rng.random_bool(IDLE_SITE_SHARE);
        let idle_along = rng.random_range(ALONG_PAVEMENT_M.0..ALONG_PAVEMENT_M.1) * side(&mut rng);
        let area = rng.random_range(60.0..240.0_f64).round();
        let plot = rng.random_range(150.0..900.0_f64).round();
        if has_room {
            sites.push(CandidateSite {
                id: format!("CS-{}-R", compound.id),
                name: format!("{}公共用房", compound.name),
                kind: SiteKind::PublicRoom,
                area_m2: Some(area),
                community_id: compound.community_id.clone(),
                geometry: sideways(kerb, inside, inside, room_along).into(),
            });
        }
        if has_idle {
            idle.push(CandidateSite {
                id: format!("CS-{}-I", compound.id),
                name: format!("{}旁闲置场地", compound.name),
                kind: SiteKind::IdleSite,
                area_m2: Some(plot),
                community_id: compound.community_id.clone(),
                geometry: sideways(kerb, inside, kerb, idle_along).into(),
            });
        }
    }
    sites.append(&mut idle);
    let communities: std::collections::HashMap<&str, &Option<String>> =
        data.compounds.iter().map(|c| (c.id.as_str(), &c.community_id)).collect();
    let community_of = |compound_id: &Option<String>| communities.get(compound_id.as_deref()?).and_then(|c| (*c).clone());
    for building in &data.buildings {
        if !rng.random_bool(VACANT_ROOM_SHARE) {
            continue;
        }
        let area = rng.random_range(40.0..120.0_f64).round();
        let Some(at) = building.geometry.interior_point() else { continue };
        sites.push(CandidateSite {
            id: format!("CS-{}-V", building.id),
            name: format!("{}空置房屋", building.label),
            kind: SiteKind::VacantRoom,
            area_m2: Some(area),
            community_id: community_of(&building.compound_id),
            geometry: rounded(at).into(),
        });
    }
    sites
}

fn side(rng: &mut ChaCha8Rng) -> f64 {
    if rng.random_bool(0.5) { 1.0 } else { -1.0 }
}

/// `from` moved `metres` across the gate's direction (kerb → inside), i.e. along the wall.
fn sideways(kerb: Coord, inside: Coord, from: Coord, metres: f64) -> Point {
    let (dx, dy) = ((inside.x - kerb.x) * METRES_PER_DEGREE_LON, (inside.y - kerb.y) * METRES_PER_DEGREE_LAT);
    let length = dx.hypot(dy).max(1e-9);
    // The unit vector across the gate, in metres.
    let (ax, ay) = (-dy / length, dx / length);
    rounded(Point::new(from.x + ax * metres / METRES_PER_DEGREE_LON, from.y + ay * metres / METRES_PER_DEGREE_LAT))
}

/// To 7 decimals, as the rest of the demo's coordinates.
fn rounded(p: Point) -> Point {
    let round7 = |v: f64| (v * 1e7).round() / 1e7;
    Point::new(round7(p.x()), round7(p.y()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{DemoOptions, generate};
    use geo::Contains;

    #[test]
    fn public_rooms_stand_inside_their_compound_and_idle_sites_outside() {
        let data = generate(&DemoOptions::default());
        let sites = &data.candidate_sites;
        let count = |kind| sites.iter().filter(|s| s.kind == kind).count();
        let compounds = data.compounds.len();
        assert!((compounds / 4..=compounds / 2 + 2).contains(&count(SiteKind::PublicRoom)), "{} rooms", count(SiteKind::PublicRoom));
        assert!(count(SiteKind::VacantRoom) >= 3);
        for site in sites {
            let Geometry::Point(p) = site.geometry else { panic!("{} is not a point", site.id) };
            let compound = data.compounds.iter().find(|c| site.id.starts_with(&format!("CS-{}-", c.id)));
            match site.kind {
                SiteKind::PublicRoom => assert!(compound.unwrap().geometry.contains(&p), "{} outside its compound", site.id),
                SiteKind::IdleSite => assert!(!compound.unwrap().geometry.contains(&p), "{} inside the wall", site.id),
                SiteKind::VacantRoom => {}
            }
        }
        let mut ids: Vec<&str> = sites.iter().map(|s| s.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), sites.len(), "ids are unique");
    }
}
