//! The walks behind the check: for each facility kind, one multi-source search from all its
//! facilities gives every demand point (a compound's building, or the interior point of a
//! compound without buildings) its nearest facility and walk; these fold into one result
//! per compound and kind, the walk being the one within which [`Rules::pass_share`] of the
//! compound's people live. Kinds are spread over the cores, each thread reusing its search
//! memory from kind to kind.

use std::sync::atomic::{AtomicUsize, Ordering};

use geo::{BoundingRect, InteriorPoint, Point};

use crate::index::{PointTree, Snapshot};
use crate::model::lifecircle::{KindRule, Rules};
use crate::model::{DemandGroup, FacilityKind};
use crate::network::{Method, NearestSources, Snap, Source};
use crate::services::ServiceError;
use crate::services::cost::Budget;
use crate::services::coverage::{stations_near, stations_of};

/// How far past a kind's limit facilities are searched for, so that a failing compound can
/// still name its nearest facility a little beyond reach.
pub const SEARCH_FACTOR: f64 = 2.0;
/// Demand points handled between two looks at the budget.
const CHECK_EVERY: usize = 4_096;
/// A share of people counts as reached when it falls short of the one asked for by no more
/// than this (relative): estimated groups are fractional, and summing them in another order
/// must not turn a pass into a fail.
pub const SHARE_SLACK: f64 = 1e-9;

/// Where demand is measured: a building of a compound, or (for a compound without
/// buildings) its interior point, which weighs nothing.
struct DemandPoint {
    compound: usize,
    building: Option<u32>,
    at: Option<Point>,
    snap: Option<Snap>,
}

/// One kind at one compound.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KindAtCompound {
    /// The walk within which the rules' `pass_share` of the compound's people of the group
    /// live (see [`share_walk`]); `f64::INFINITY` when that share needs a point with no
    /// facility within the search.
    pub walk_m: f64,
    /// The facility (station position) that the point at `walk_m` walks to.
    pub nearest: Option<u32>,
    /// The longest walk among the compound's demand points; `f64::INFINITY` when some point
    /// has no facility within the search.
    pub farthest_m: f64,
    /// The compound's people of the kind's group, and those beyond the limit.
    pub demand: f64,
    pub affected: f64,
}

impl KindAtCompound {
    pub fn pass(&self, rule: &KindRule) -> bool {
        self.walk_m <= rule.limit_m
    }
}

/// The group a kind counts: the one asked for, or the kind's own.
pub fn group_of(rule: &KindRule, asked: Option<DemandGroup>) -> DemandGroup {
    asked.unwrap_or(rule.group)
}

/// For each kind (in [`Rules::kinds`] order) and each of `compounds` (positions), the
/// compound's result. With every compound asked, the searches start from every facility;
/// with some, only from the facilities within a search's reach of their demand points.
pub fn check_kinds(
    snapshot: &Snapshot,
    rules: &Rules,
    group: Option<DemandGroup>,
    method: Method,
    compounds: &[u32],
    budget: &Budget,
) -> Result<Vec<Vec<KindAtCompound>>, ServiceError> {
    budget.check()?;
    if compounds.is_empty() {
        return Ok(vec![Vec::new(); rules.kinds.len()]);
    }
    let points = demand_points(snapshot, compounds, method);
    let mut members = vec![Vec::new(); compounds.len()];
    for (p, point) in points.iter().enumerate() {
        members[point.compound].push(p);
    }
    let whole_district = compounds.len() == snapshot.data.compounds.len();
    let bbox = (!whole_district).then(|| bbox_of(&points)).flatten();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(rules.kinds.len()).max(1);
    let next = AtomicUsize::new(0);
    let work = || -> Result<Vec<(usize, Vec<KindAtCompound>)>, ServiceError> {
        let mut scratch = NearestSources::default();
        let mut done = Vec::new();
        loop {
            let k = next.fetch_add(1, Ordering::Relaxed);
            let Some(rule) = rules.kinds.get(k) else { return Ok(done) };
            let search_m = rule.limit_m * SEARCH_FACTOR;
            let stations = match bbox {
                Some(bbox) => stations_near(snapshot, rule.kind, Some(bbox), search_m),
                None => stations_of(snapshot, rule.kind),
            };
            let walks = walks(snapshot, &stations, &points, method, search_m, &mut scratch, budget)?;
            done.push((k, fold(snapshot, rules, rule, group_of(rule, group), &members, &points, &walks)));
        }
    };
    let parts: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads).map(|_| scope.spawn(work)).collect();
        handles.into_iter().map(|h| h.join().expect("the check's searches do not panic")).collect()
    });
    let mut by_kind: Vec<Vec<KindAtCompound>> = vec![Vec::new(); rules.kinds.len()];
    for part in parts {
        for (k, result) in part? {
            by_kind[k] = result;
        }
    }
    Ok(by_kind)
}

/// The demand points of the compounds, in compound order within each building scan.
fn demand_points(snapshot: &Snapshot, compounds: &[u32], method: Method) -> Vec<DemandPoint> {
    let data = &snapshot.data;
    let walking = snapshot.walking();
    let mut slot = vec![usize::MAX; data.compounds.len()];
    for (i, &c) in compounds.iter().enumerate() {
        slot[c as usize] = i;
    }
    let mut has_buildings = vec![false; compounds.len()];
    let mut points = Vec::new();
    for b in 0..data.buildings.len() {
        let Some(c) = snapshot.building_links(b as u32).compound else { continue };
        let i = slot[c as usize];
        if i == usize::MAX {
            continue;
        }
        has_buildings[i] = true;
        points.push(DemandPoint { compound: i, building: Some(b as u32), at: walking.building_points[b], snap: walking.building_snaps[b] });
    }
    for (i, &c) in compounds.iter().enumerate() {
        if !has_buildings[i] {
            let at = data.compounds[c as usize].geometry.interior_point();
            let snap = match (&walking.network, method) {
                (Some(network), Method::Network) => at.and_then(|p| network.snap(p)),
                _ => None,
            };
            points.push(DemandPoint { compound: i, building: None, at, snap });
        }
    }
    points
}

/// West, south, east, north around the points, if any has a position.
fn bbox_of(points: &[DemandPoint]) -> Option<[f64; 4]> {
    let multi: geo::MultiPoint = points.iter().filter_map(|p| p.at).collect();
    let rect = multi.bounding_rect()?;
    Some([rect.min().x, rect.min().y, rect.max().x, rect.max().y])
}

/// Each point's walk to its nearest of `stations` and that station, `None` beyond
/// `search_m` (or off the network).
fn walks(
    snapshot: &Snapshot,
    stations: &[u32],
    points: &[DemandPoint],
    method: Method,
    search_m: f64,
    scratch: &mut NearestSources,
    budget: &Budget,
) -> Result<Vec<Option<(f64, u32)>>, ServiceError> {
    budget.check()?;
    if stations.is_empty() {
        return Ok(vec![None; points.len()]);
    }
    let walking = snapshot.walking();
    let mut out = Vec::with_capacity(points.len());
    match (method, &walking.network) {
        (Method::Network, Some(network)) => {
            let sources: Vec<Source> =
                stations.iter().filter_map(|&s| walking.station_snaps[s as usize].map(|snap| Source { snap, id: s })).collect();
            if !network.nearest_sources(&sources, search_m, scratch, &|| budget.stopped()) {
                return Err(budget.stop_error());
            }
            for (i, p) in points.iter().enumerate() {
                if i.is_multiple_of(CHECK_EVERY) {
                    budget.check()?;
                }
                out.push(p.snap.as_ref().and_then(|snap| network.nearest_source_to(scratch, snap)));
            }
        }
        _ => {
            let tree = PointTree::build(stations.iter().map(|&s| snapshot.data.stations[s as usize].geometry.interior_point()));
            for (i, p) in points.iter().enumerate() {
                if i.is_multiple_of(CHECK_EVERY) {
                    budget.check()?;
                }
                let nearest = p.at.and_then(|at| tree.nearest(at, 1, |_| true).first().copied());
                out.push(nearest.filter(|&(_, m)| m <= search_m).map(|(i, m)| (m, stations[i as usize])));
            }
        }
    }
    Ok(out)
}

/// Folds the points' walks into one result per compound: `members` lists each compound's
/// points.
fn fold(
    snapshot: &Snapshot,
    rules: &Rules,
    rule: &KindRule,
    group: DemandGroup,
    members: &[Vec<usize>],
    points: &[DemandPoint],
    walks: &[Option<(f64, u32)>],
) -> Vec<KindAtCompound> {
    let mut sample = Vec::new();
    members
        .iter()
        .map(|of_compound| {
            let mut at = KindAtCompound { walk_m: f64::INFINITY, nearest: None, farthest_m: f64::NEG_INFINITY, demand: 0.0, affected: 0.0 };
            sample.clear();
            for &p in of_compound {
                let (walk_m, station) = walks[p].map_or((f64::INFINITY, None), |(m, s)| (m, Some(s)));
                at.farthest_m = at.farthest_m.max(walk_m);
                let demand = points[p].building.map_or(0.0, |b| snapshot.data.buildings[b as usize].demand(group));
                at.demand += demand;
                if walk_m > rule.limit_m {
                    at.affected += demand;
                }
                sample.push(Walked { walk_m, station, weight: demand });
            }
            // A compound whose buildings hold nobody of the group counts its buildings.
            if at.demand <= 0.0 {
                sample.iter_mut().for_each(|w| w.weight = 1.0);
            }
            if let Some(w) = share_walk(&mut sample, rules.pass_share) {
                (at.walk_m, at.nearest) = (w.walk_m, w.station);
            }
            // A compound with no position at all has no walk to speak of.
            if at.farthest_m == f64::NEG_INFINITY {
                at.farthest_m = f64::INFINITY;
            }
            at
        })
        .collect()
}

/// A demand point's walk, the facility it walks to and what it weighs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Walked {
    pub walk_m: f64,
    pub station: Option<u32>,
    pub weight: f64,
}

/// The walk within which `share` of the weight lives: the weighted quantile of the walks,
/// i.e. the shortest walk of a point such that the points up to it (in walk order) weigh at
/// least `share` of the whole (up to [`SHARE_SLACK`]). With `share` 1 it is the farthest
/// point that weighs anything. Points that weigh nothing are never the answer, unless
/// nothing weighs anything (then none is). Sorts `sample` by walk.
pub fn share_walk(sample: &mut [Walked], share: f64) -> Option<Walked> {
    sample.sort_by(|a, b| a.walk_m.total_cmp(&b.walk_m));
    let total: f64 = sample.iter().map(|w| w.weight).sum();
    let needed = share * total - SHARE_SLACK * total;
    let mut reached = 0.0;
    for w in sample.iter() {
        reached += w.weight;
        if w.weight > 0.0 && reached >= needed {
            return Some(*w);
        }
    }
    None
}

/// Every required kind whose facilities a compound lacks within reach, for listing.
pub fn missing(rules: &Rules, results: &[Vec<KindAtCompound>], compound: usize) -> Vec<FacilityKind> {
    rules.kinds.iter().zip(results).filter(|(rule, r)| rule.required && !r[compound].pass(rule)).map(|(rule, _)| rule.kind).collect()
}

/// The score: the weight of the required kinds met over the weight of all required kinds.
/// With no required weight at all, 1 when nothing required is missing, else 0.
pub fn score(rules: &Rules, results: &[Vec<KindAtCompound>], compound: usize) -> (f64, usize, usize) {
    let (mut weight, mut met_weight, mut required, mut met) = (0.0, 0.0, 0, 0);
    for (rule, r) in rules.kinds.iter().zip(results) {
        if !rule.required {
            continue;
        }
        required += 1;
        weight += rule.weight;
        if r[compound].pass(rule) {
            met += 1;
            met_weight += rule.weight;
        }
    }
    let score = if weight > 0.0 {
        met_weight / weight
    } else if met == required {
        1.0
    } else {
        0.0
    };
    (score, required, met)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(points: &[(f64, f64)]) -> Vec<Walked> {
        points.iter().enumerate().map(|(i, &(walk_m, weight))| Walked { walk_m, station: Some(i as u32), weight }).collect()
    }

    /// Worked by hand: walks 300, 100, 200, 400 m holding 10, 40, 30, 20 people, so nearest
    /// first the shares reached are 0.4, 0.7, 0.8 and 1.
    #[test]
    fn the_share_walk_is_the_weighted_quantile() {
        let points = [(300.0, 10.0), (100.0, 40.0), (200.0, 30.0), (400.0, 20.0)];
        for (share, walk) in
            [(1.0, 400.0), (0.81, 400.0), (0.8, 300.0), (0.75, 300.0), (0.7, 200.0), (0.5, 200.0), (0.4, 100.0), (0.01, 100.0)]
        {
            let got = share_walk(&mut sample(&points), share).unwrap();
            assert_eq!(got.walk_m, walk, "share {share}");
        }
        // The facility is the one the building at that walk walks to.
        assert_eq!(share_walk(&mut sample(&points), 0.5).unwrap().station, Some(2));
    }

    #[test]
    fn points_that_weigh_nothing_are_never_the_walk() {
        // The farthest point holds nobody: share 1 stops at the farthest one with people.
        let points = [(50.0, 1.0), (500.0, 0.0), (90.0, 1.0), (10.0, 0.0)];
        assert_eq!(share_walk(&mut sample(&points), 1.0).unwrap().walk_m, 90.0);
        assert_eq!(share_walk(&mut sample(&points), 0.5).unwrap().walk_m, 50.0);
        assert_eq!(share_walk(&mut sample(&[(10.0, 0.0)]), 0.5), None);
        assert_eq!(share_walk(&mut [], 0.9), None);
    }

    #[test]
    fn a_share_that_needs_a_point_beyond_the_search_has_no_walk() {
        let mut points = sample(&[(120.0, 3.0), (f64::INFINITY, 1.0)]);
        points[1].station = None;
        assert_eq!(share_walk(&mut points.clone(), 0.75).unwrap().walk_m, 120.0);
        let beyond = share_walk(&mut points, 0.76).unwrap();
        assert!(beyond.walk_m.is_infinite() && beyond.station.is_none());
    }

    #[test]
    fn a_share_reached_up_to_rounding_counts_as_reached() {
        // 0.1 + 0.7 is 0.7999999999999999 in floating point, short of 0.8 × 1.0: the first
        // two points still hold 80 % of the people.
        let points = [(1.0, 0.1), (2.0, 0.7), (3.0, 0.2)];
        let people = |n: usize| points[..n].iter().map(|p| p.1).sum::<f64>();
        assert!(people(2) < 0.8 * people(3), "the sums fall short as described");
        assert_eq!(share_walk(&mut sample(&points), 0.8).unwrap().walk_m, 2.0);
        assert_eq!(share_walk(&mut sample(&points), 0.81).unwrap().walk_m, 3.0);
    }
}
