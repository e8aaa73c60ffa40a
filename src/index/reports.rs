//! Reports for analysis: one compact row per case (place, category, state, filing time,
//! areas, and the times the performance board measures), in columns, kept in step with the
//! store by incremental syncs.
//!
//! Heat tiles, hexagons and rankings scan these columns. A linear scan of a million rows
//! is a few milliseconds, well inside the targets, and needs no structure to keep up to
//! date as cases move; so there is none.

use std::collections::HashMap;

use h3o::{CellIndex, LatLng, Resolution};

use crate::model::reports::{CaseState, CaseTimes, Category, Rating, ReportRow};

/// Area ids as small numbers, so that grouping is counting into a vector.
#[derive(Debug, Default, Clone)]
pub struct Areas {
    names: Vec<String>,
    numbers: HashMap<String, u32>,
    /// Each number's place among the ids in string order, made on first use after an id is
    /// added: boards order their ties by id, and comparing ranks instead of strings saved
    /// most of a city's grid board (70 of 180 ms on a million cases).
    id_ranks: std::sync::OnceLock<Vec<u32>>,
}

impl Areas {
    fn number(&mut self, id: &str) -> u32 {
        if let Some(&n) = self.numbers.get(id) {
            return n;
        }
        let n = self.names.len() as u32;
        self.names.push(id.to_owned());
        self.numbers.insert(id.to_owned(), n);
        self.id_ranks = std::sync::OnceLock::new();
        n
    }

    /// Every number's rank in the string order of the ids: `id_ranks()[a] < id_ranks()[b]`
    /// exactly when `id(a) < id(b)`.
    pub fn id_ranks(&self) -> &[u32] {
        self.id_ranks.get_or_init(|| {
            let mut by_id: Vec<u32> = (0..self.names.len() as u32).collect();
            by_id.sort_unstable_by(|&a, &b| self.names[a as usize].cmp(&self.names[b as usize]));
            let mut ranks = vec![0; by_id.len()];
            for (rank, &n) in by_id.iter().enumerate() {
                ranks[n as usize] = rank as u32;
            }
            ranks
        })
    }

    /// The number of an id, if any row has it.
    pub fn find(&self, id: &str) -> Option<u32> {
        self.numbers.get(id).copied()
    }

    /// The id behind a number.
    pub fn id(&self, number: u32) -> &str {
        &self.names[number as usize]
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// No compound (or, in the unit column, no unit yet).
pub const NONE: u32 = u32::MAX;

/// Every report's analysis fields, in columns; row order is case id order.
#[derive(Debug, Default, Clone)]
pub struct ReportPoints {
    pub ids: Vec<i64>,
    pub lon: Vec<f64>,
    pub lat: Vec<f64>,
    pub category: Vec<Category>,
    pub state: Vec<CaseState>,
    pub created_at: Vec<i64>,
    /// Area numbers (see [`ReportPoints::areas`]); `NONE` where a case has no compound.
    pub compound: Vec<u32>,
    pub grid: Vec<u32>,
    pub community: Vec<u32>,
    pub street: Vec<u32>,
    /// Who had each case and when each step was due and done.
    pub times: TimeColumns,
    /// Web Mercator position as fractions of the world (0 at the west and north edges, 1
    /// at the east and south): a tile's units are then two multiplications away, with no
    /// trigonometry per case and tile.
    pub mercator: Vec<[f64; 2]>,
    /// Per H3 resolution (index 0–15), the cell containing each row (0 where H3 cannot
    /// place the point): indexed on a resolution's first use, then kept in step by
    /// [`ReportPoints::apply`]. Indexing a point costs about 0.35 µs, too much to repeat
    /// per row and request on a city (a million rows took 0.38 s at resolution 8).
    cells: [std::sync::OnceLock<Vec<u64>>; 16],
    pub areas: Areas,
    /// Rows by the z13 tile they fall in, so a map tile from z13 on scans only its own
    /// few thousand rows instead of every case.
    buckets: rustc_hash::FxHashMap<u32, Vec<u32>>,
    /// The last audit event applied: the next sync asks for cases changed after it.
    pub synced_event: i64,
}

impl ReportPoints {
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Adds new cases and updates changed ones. Ids only grow, so a new case appends and a
    /// known one is found by binary search.
    pub fn apply(&mut self, rows: Vec<ReportRow>, synced_event: i64) {
        let mut rebucket = false;
        for row in rows {
            let compound = row.compound_id.as_deref().map_or(NONE, |id| self.areas.number(id));
            let (grid, community, street) =
                (self.areas.number(&row.grid_id), self.areas.number(&row.community_id), self.areas.number(&row.street_id));
            let unit = row.times.unit_id.as_deref().map_or(NONE, |id| self.areas.number(id));
            match self.ids.binary_search(&row.id) {
                Ok(i) => {
                    self.lon[i] = row.lon;
                    self.lat[i] = row.lat;
                    self.category[i] = row.category;
                    self.state[i] = row.state;
                    self.created_at[i] = row.created_at;
                    self.compound[i] = compound;
                    (self.grid[i], self.community[i], self.street[i]) = (grid, community, street);
                    self.times.set(i, unit, &row.times);
                    let moved = mercator(row.lon, row.lat);
                    rebucket |= moved != self.mercator[i];
                    self.mercator[i] = moved;
                    for (resolution, column) in self.indexed_columns() {
                        column[i] = cell_of(row.lat, row.lon, resolution);
                    }
                }
                Err(i) => {
                    // Normally the end; a case inserted out of order (concurrent writers) still
                    // lands in place, and the buckets are rebuilt since rows moved.
                    if i == self.ids.len() {
                        let [x, y] = mercator(row.lon, row.lat);
                        self.buckets.entry(bucket_key(x, y)).or_default().push(i as u32);
                    } else {
                        rebucket = true;
                    }
                    self.ids.insert(i, row.id);
                    self.lon.insert(i, row.lon);
                    self.lat.insert(i, row.lat);
                    self.category.insert(i, row.category);
                    self.state.insert(i, row.state);
                    self.created_at.insert(i, row.created_at);
                    self.compound.insert(i, compound);
                    self.grid.insert(i, grid);
                    self.community.insert(i, community);
                    self.street.insert(i, street);
                    self.times.insert(i, unit, &row.times);
                    self.mercator.insert(i, mercator(row.lon, row.lat));
                    for (resolution, column) in self.indexed_columns() {
                        column.insert(i, cell_of(row.lat, row.lon, resolution));
                    }
                }
            }
        }
        if rebucket {
            self.buckets.clear();
            for (i, &[x, y]) in self.mercator.iter().enumerate() {
                self.buckets.entry(bucket_key(x, y)).or_default().push(i as u32);
            }
        }
        self.synced_event = self.synced_event.max(synced_event);
    }

    /// Rows that may lie in a Web Mercator box (fractions of the world: west, north, east,
    /// south), in id order: the rows of every z13 tile the box touches.
    pub fn rows_near(&self, [west, north, east, south]: [f64; 4]) -> Vec<u32> {
        let scale = f64::from(1u32 << BUCKET_ZOOM);
        let last = (1u32 << BUCKET_ZOOM) - 1;
        let cell = |v: f64| ((v * scale).floor().max(0.0) as u32).min(last);
        let mut rows = Vec::new();
        for x in cell(west)..=cell(east) {
            for y in cell(north)..=cell(south) {
                if let Some(bucket) = self.buckets.get(&(x << BUCKET_ZOOM | y)) {
                    rows.extend_from_slice(bucket);
                }
            }
        }
        rows.sort_unstable();
        rows
    }

    /// The H3 cell of `resolution` that holds row `i` (`None` for a point H3 cannot place).
    pub fn cell_at(&self, i: usize, resolution: Resolution) -> Option<CellIndex> {
        CellIndex::try_from(self.cells(resolution)[i]).ok()
    }

    /// Every row's cell of `resolution` (0 where H3 cannot place the point), in row order.
    ///
    /// Each resolution is indexed from the points themselves, not as parents of one stored
    /// fine cell: H3 children do not tile their parent, so a fine cell's parent can be a
    /// hexagon that does not contain the point (about 200 of the 3,050 demo cases at
    /// resolution 9).
    pub fn cells(&self, resolution: Resolution) -> &[u64] {
        self.cells[usize::from(u8::from(resolution))]
            .get_or_init(|| self.lat.iter().zip(&self.lon).map(|(&lat, &lon)| cell_of(lat, lon, resolution)).collect())
    }

    /// The resolutions indexed so far, with their columns, for `apply` to keep in step.
    fn indexed_columns(&mut self) -> impl Iterator<Item = (Resolution, &mut Vec<u64>)> {
        self.cells.iter_mut().enumerate().filter_map(|(r, column)| {
            let column = column.get_mut()?;
            Some((Resolution::try_from(r as u8).expect("0–15"), column))
        })
    }

    /// Rows passing a filter, in id order.
    pub fn matching<'a>(&'a self, filter: &ReportQuery) -> impl Iterator<Item = usize> + 'a {
        let matcher = filter.matcher();
        (0..self.len()).filter(move |&i| matcher.accepts(self, i))
    }
}

/// What the performance board measures of each case ([`CaseTimes`]), in columns (Unix
/// seconds), row for row beside the other columns of [`ReportPoints`].
#[derive(Debug, Default, Clone)]
pub struct TimeColumns {
    /// The responding unit's number among [`ReportPoints::areas`]; `NONE` before one is named.
    pub unit: Vec<u32>,
    pub response_due_at: Vec<i64>,
    pub responded_at: Vec<Option<i64>>,
    pub dispatched_at: Vec<Option<i64>>,
    /// The resolution deadline after extensions, and as first set.
    pub deadline_at: Vec<Option<i64>>,
    pub original_deadline_at: Vec<Option<i64>>,
    pub resolved_at: Vec<Option<i64>>,
    pub closed_at: Vec<Option<i64>>,
    pub on_time: Vec<Option<bool>>,
    pub reopened: Vec<u32>,
    /// The rating of the last resolution, and the 不满意 ratings before it.
    pub rating: Vec<Option<Rating>>,
    pub unsatisfied: Vec<u32>,
}

impl TimeColumns {
    fn set(&mut self, i: usize, unit: u32, t: &CaseTimes) {
        self.unit[i] = unit;
        self.response_due_at[i] = t.response_due_at;
        self.responded_at[i] = t.responded_at;
        self.dispatched_at[i] = t.dispatched_at;
        self.deadline_at[i] = t.deadline_at;
        self.original_deadline_at[i] = t.original_deadline_at;
        self.resolved_at[i] = t.resolved_at;
        self.closed_at[i] = t.closed_at;
        self.on_time[i] = t.on_time;
        self.reopened[i] = t.reopened;
        self.rating[i] = t.rating;
        self.unsatisfied[i] = t.unsatisfied;
    }

    fn insert(&mut self, i: usize, unit: u32, t: &CaseTimes) {
        self.unit.insert(i, unit);
        self.response_due_at.insert(i, t.response_due_at);
        self.responded_at.insert(i, t.responded_at);
        self.dispatched_at.insert(i, t.dispatched_at);
        self.deadline_at.insert(i, t.deadline_at);
        self.original_deadline_at.insert(i, t.original_deadline_at);
        self.resolved_at.insert(i, t.resolved_at);
        self.closed_at.insert(i, t.closed_at);
        self.on_time.insert(i, t.on_time);
        self.reopened.insert(i, t.reopened);
        self.rating.insert(i, t.rating);
        self.unsatisfied.insert(i, t.unsatisfied);
    }
}

/// The H3 cell of `resolution` containing a point, as a number (0 if H3 cannot place it).
fn cell_of(lat: f64, lon: f64, resolution: Resolution) -> u64 {
    LatLng::new(lat, lon).map_or(0, |p| u64::from(p.to_cell(resolution)))
}

/// The zoom of the tiles rows are bucketed by.
pub const BUCKET_ZOOM: u32 = 13;

fn bucket_key(x: f64, y: f64) -> u32 {
    let scale = f64::from(1u32 << BUCKET_ZOOM);
    let last = (1u32 << BUCKET_ZOOM) - 1;
    let x = ((x * scale).floor().max(0.0) as u32).min(last);
    let y = ((y * scale).floor().max(0.0) as u32).min(last);
    x << BUCKET_ZOOM | y
}

/// Web Mercator fractions of the world for a WGS84 point (latitude clamped to the
/// projection's ±85.05°).
pub fn mercator(lon: f64, lat: f64) -> [f64; 2] {
    let lat = lat.clamp(-85.051_128_78, 85.051_128_78).to_radians();
    let x = (lon + 180.0) / 360.0;
    let y = (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0;
    [x, y]
}

/// Which reports an analysis covers. Empty sets mean "any".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportQuery {
    pub categories: Vec<Category>,
    pub states: Vec<CaseState>,
    /// Filed at or after / before (Unix seconds).
    pub since: Option<i64>,
    pub until: Option<i64>,
    /// west, south, east, north (WGS84).
    pub bbox: Option<[f64; 4]>,
}

impl ReportQuery {
    /// The filter in the form a scan tests fastest: categories and states as bit sets, the
    /// period as plain bounds. Build it once per scan, not per row.
    pub fn matcher(&self) -> Matcher {
        let bits = |positions: &mut dyn Iterator<Item = u32>| positions.fold(0u32, |set, p| set | 1 << p);
        Matcher {
            categories: if self.categories.is_empty() { u32::MAX } else { bits(&mut self.categories.iter().map(|&c| c as u32)) },
            states: if self.states.is_empty() { u32::MAX } else { bits(&mut self.states.iter().map(|&s| s as u32)) },
            since: self.since.unwrap_or(i64::MIN),
            until: self.until.unwrap_or(i64::MAX),
            bbox: self.bbox,
        }
    }

    /// Whether row `i` passes (for one-off tests; scans use [`ReportQuery::matcher`]).
    pub fn accepts(&self, points: &ReportPoints, i: usize) -> bool {
        self.matcher().accepts(points, i)
    }
}

/// A [`ReportQuery`] compiled for scanning.
#[derive(Debug, Clone, Copy)]
pub struct Matcher {
    categories: u32,
    states: u32,
    since: i64,
    until: i64,
    bbox: Option<[f64; 4]>,
}

impl Matcher {
    #[inline]
    pub fn accepts(&self, points: &ReportPoints, i: usize) -> bool {
        let created = points.created_at[i];
        let passes = created >= self.since
            && created < self.until
            && self.categories & (1 << points.category[i] as u32) != 0
            && self.states & (1 << points.state[i] as u32) != 0;
        match self.bbox {
            None => passes,
            Some([west, south, east, north]) => {
                let (lon, lat) = (points.lon[i], points.lat[i]);
                passes && lon >= west && lon <= east && lat >= south && lat <= north
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::reports::CaseTimes;

    fn row(id: i64, state: CaseState) -> ReportRow {
        ReportRow {
            id,
            lon: 104.05 + id as f64 * 0.001,
            lat: 30.82,
            category: Category::Parking,
            state,
            created_at: 1_000 * id,
            compound_id: (id % 2 == 0).then(|| "CP1".to_owned()),
            grid_id: "G1".into(),
            community_id: "C1".into(),
            street_id: "S1".into(),
            times: CaseTimes::default(),
        }
    }

    #[test]
    fn syncs_append_new_cases_and_update_known_ones() {
        let mut points = ReportPoints::default();
        points.apply(vec![row(1, CaseState::Received), row(2, CaseState::Received), row(4, CaseState::Received)], 3);
        points.apply(vec![row(2, CaseState::Closed), row(3, CaseState::Accepted)], 7);
        assert_eq!(points.ids, [1, 2, 3, 4]);
        assert_eq!(points.state, [CaseState::Received, CaseState::Closed, CaseState::Accepted, CaseState::Received]);
        assert_eq!(points.synced_event, 7);
        assert_eq!(points.compound[0], NONE);
        assert_eq!(points.areas.id(points.compound[1]), "CP1");
        let query = ReportQuery { states: vec![CaseState::Received], since: Some(1_500), ..Default::default() };
        assert_eq!(points.matching(&query).collect::<Vec<_>>(), [3]);
        let before = points.cell_at(0, Resolution::Eight);
        points.apply(vec![ReportRow { lon: 104.2, ..row(2, CaseState::Closed) }, row(0, CaseState::Received)], 8);
        assert_eq!(points.ids, [0, 1, 2, 3, 4]);
        assert_eq!(points.cells(Resolution::Eight).len(), 5, "an indexed resolution follows inserts");
        assert_eq!(points.cell_at(1, Resolution::Eight), before);
        let moved = LatLng::new(30.82, 104.2).unwrap().to_cell(Resolution::Eight);
        assert_eq!(points.cell_at(2, Resolution::Eight), Some(moved), "and moves");
        let cell = points.cell_at(1, Resolution::Eight).unwrap();
        assert_eq!(cell.resolution(), Resolution::Eight);
        let direct = LatLng::new(30.82, 104.051).unwrap().to_cell(Resolution::Eight);
        assert_eq!(cell, direct, "the cell holding the point");
    }

    #[test]
    fn case_times_follow_the_syncs_with_the_unit_as_an_area_number() {
        let mut points = ReportPoints::default();
        let timed = |id, unit: Option<&str>, resolved| ReportRow {
            times: CaseTimes {
                unit_id: unit.map(str::to_owned),
                response_due_at: 9,
                resolved_at: resolved,
                reopened: 1,
                ..CaseTimes::default()
            },
            ..row(id, CaseState::Resolved)
        };
        points.apply(vec![timed(1, None, None), timed(3, Some("U1"), Some(5))], 1);
        points.apply(vec![timed(1, Some("U2"), Some(7)), timed(2, Some("U1"), None)], 2);
        let units: Vec<Option<&str>> = points.times.unit.iter().map(|&n| (n != NONE).then(|| points.areas.id(n))).collect();
        assert_eq!(units, [Some("U2"), Some("U1"), Some("U1")]);
        assert_eq!(points.times.resolved_at, [Some(7), None, Some(5)]);
        assert_eq!(points.times.response_due_at, [9, 9, 9]);
        assert_eq!(points.times.reopened.len(), 3);
    }

    #[test]
    fn a_case_counts_in_the_cell_that_contains_it_not_a_fine_cells_parent() {
        // A point whose resolution-12 cell's parent at 9 is a neighbour of the hexagon that
        // holds it (PyPI h3 4.5.0: latlng_to_cell gives 8940e35705bffff, the parent rule
        // 8940e357297ffff): H3 children do not tile their parent.
        let mut points = ReportPoints::default();
        points.apply(vec![ReportRow { lat: 30.8203, lon: 104.05, ..row(1, CaseState::Received) }], 1);
        let cell = points.cell_at(0, Resolution::Nine).unwrap();
        assert_eq!(cell.to_string(), "8940e35705bffff");
        let fine = LatLng::new(30.8203, 104.05).unwrap().to_cell(Resolution::Twelve);
        assert_eq!(fine.parent(Resolution::Nine).unwrap().to_string(), "8940e357297ffff", "the parent rule differs here");
    }
}
