//! Per-compound shortcuts for the resident's lookup. Most points people send fall inside a
//! compound; the compound R-tree is small enough to stay in cache, so going compound →
//! its buildings (a short contiguous list of bounding boxes) avoids a cold walk down the
//! million-entry building tree, and a precomputed station short-list avoids a k-nearest
//! walk. Both fall back to the full trees whenever they cannot prove their answer exact.

use geo::{BoundingRect, CoordsIter, Distance, Geometry, Haversine, Point};

use super::spatial::PointTree;
use crate::geodesy::envelope_around;

/// Stations short-listed per compound: enough to answer "the k nearest" for k up to this.
pub const SHORT_LIST_K: usize = 3;

/// How far outside its compound a point may be and still use the compound's short-list
/// (covers the 50 m "nearest building" reach).
const SHORT_LIST_MARGIN_M: f64 = 60.0;

/// Beyond this a box is no longer a safe bound for a circle; such compounds get no short-list.
const SHORT_LIST_MAX_REACH_M: f64 = 100_000.0;

struct ShortList {
    centre: Point,
    /// Points within this many metres of `centre` may use the list.
    reach_m: f64,
    start: u32,
    end: u32,
}

pub struct Neighbourhoods {
    /// Per compound: a range into `members`.
    member_ranges: Vec<(u32, u32)>,
    /// (west, south, east, north, building) grouped by compound.
    members: Vec<([f64; 4], u32)>,
    short_lists: Vec<Option<ShortList>>,
    stations: Vec<u32>,
}

impl Neighbourhoods {
    /// `building_compound[b]` is building b's compound; `compounds[c]` compound c's geometry.
    pub fn build<'a>(
        compounds: &[&'a Geometry],
        buildings: &[&'a Geometry],
        building_compound: impl Iterator<Item = Option<u32>>,
        stations: &PointTree,
    ) -> Neighbourhoods {
        let mut grouped: Vec<(u32, u32)> = building_compound.enumerate().filter_map(|(b, c)| c.map(|c| (c, b as u32))).collect();
        grouped.sort_unstable();
        let mut member_ranges = vec![(0, 0); compounds.len()];
        let mut members = Vec::with_capacity(grouped.len());
        for (at, &(compound, building)) in grouped.iter().enumerate() {
            let range = &mut member_ranges[compound as usize];
            if range.0 == range.1 {
                range.0 = at as u32;
            }
            range.1 = at as u32 + 1;
            let rect = buildings[building as usize].bounding_rect().expect("buildings have area");
            members.push(([rect.min().x, rect.min().y, rect.max().x, rect.max().y], building));
        }

        let mut station_list = Vec::new();
        let short_lists = compounds
            .iter()
            .map(|geometry| {
                let centre: Point = geometry.bounding_rect()?.center().into();
                let radius = geometry.coords_iter().map(|c| Haversine.distance(centre, c.into())).fold(0.0, f64::max);
                let reach_m = radius + SHORT_LIST_MARGIN_M;
                let kth = stations.nearest(centre, SHORT_LIST_K, |_| true).get(SHORT_LIST_K - 1)?.1;
                // Any of the k nearest stations of a point within `reach_m` of the centre is
                // within kth + 2 × reach_m of the centre (triangle inequality).
                let bound = kth + 2.0 * reach_m;
                if bound > SHORT_LIST_MAX_REACH_M {
                    return None;
                }
                let start = station_list.len() as u32;
                station_list
                    .extend(stations.in_envelope(envelope_around(centre, bound)).filter(|&s| stations.distance_to(centre, s) <= bound));
                Some(ShortList { centre, reach_m, start, end: station_list.len() as u32 })
            })
            .collect();
        Neighbourhoods { member_ranges, members, short_lists, stations: station_list }
    }

    /// Members of a compound with their bounding boxes.
    pub fn members(&self, compound: u32) -> &[([f64; 4], u32)] {
        let (start, end) = self.member_ranges[compound as usize];
        &self.members[start as usize..end as usize]
    }

    /// The k (≤ SHORT_LIST_K) nearest stations from the compound's short-list, if the point
    /// is close enough to the compound for the list to be exact.
    pub fn nearest_stations(&self, compound: u32, point: Point, k: usize, stations: &PointTree) -> Option<Vec<(u32, f64)>> {
        let list = self.short_lists[compound as usize].as_ref()?;
        if k > SHORT_LIST_K || Haversine.distance(list.centre, point) > list.reach_m {
            return None;
        }
        let mut found: Vec<(u32, f64)> =
            self.stations[list.start as usize..list.end as usize].iter().map(|&s| (s, stations.distance_to(point, s))).collect();
        found.sort_unstable_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        found.truncate(k);
        Some(found)
    }
}

/// Whether a [west, south, east, north] box holds the point.
pub fn box_holds(bbox: &[f64; 4], point: Point) -> bool {
    point.x() >= bbox[0] && point.x() <= bbox[2] && point.y() >= bbox[1] && point.y() <= bbox[3]
}
