//! The performance board (三率 and more) per unit, grid, community, street or property
//! company, over a period against the one before; and the 红黑榜 of property companies.
//! Both are one linear scan of the in-memory report columns.

pub mod period;
pub mod query;
pub mod red_black;
mod tally;
#[cfg(test)]
mod tests;

use serde::Serialize;

pub use period::{Period, PeriodBounds};
pub use tally::Rate;
use tally::{Count, Tally};

use crate::index::Snapshot;
use crate::index::reports::{Areas, NONE, ReportPoints};
use crate::model::Layer;

/// Groups whose on-time denominator is below this are flagged `small_sample` and not ranked.
pub const MIN_SAMPLE: u32 = 5;

/// What the board groups cases by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BoardGroup {
    /// The responding unit a case is dispatched to (or routed to before dispatch).
    Unit,
    Grid,
    Community,
    Street,
    /// The property company of the compound the case lies in.
    PropertyCompany,
}

impl BoardGroup {
    pub const ALL: [BoardGroup; 5] =
        [BoardGroup::Unit, BoardGroup::Grid, BoardGroup::Community, BoardGroup::Street, BoardGroup::PropertyCompany];

    pub fn as_str(self) -> &'static str {
        match self {
            BoardGroup::Unit => "unit",
            BoardGroup::Grid => "grid",
            BoardGroup::Community => "community",
            BoardGroup::Street => "street",
            BoardGroup::PropertyCompany => "property_company",
        }
    }
}

impl std::str::FromStr for BoardGroup {
    type Err = String;
    fn from_str(text: &str) -> Result<BoardGroup, String> {
        BoardGroup::ALL.into_iter().find(|g| g.as_str() == text).ok_or_else(|| {
            let words: Vec<&str> = BoardGroup::ALL.iter().map(|g| g.as_str()).collect();
            format!("unknown value {text:?}, expected one of: {}", words.join(", "))
        })
    }
}

/// One group's line on the board.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BoardRow {
    /// By on-time rate (ties by response rate, then id); null for a small sample.
    pub rank: Option<usize>,
    pub id: String,
    pub name: String,
    /// Cases filed in the period, and in the period before.
    pub cases: u32,
    pub previous_cases: u32,
    /// 响应率: answered within the response deadline / answered or past it.
    pub response_rate: Rate,
    /// 按时办结率: resolved by the (extended) deadline / dispatched and resolved or past it.
    pub on_time_rate: Rate,
    /// 解决率: resolved, verified or closed / accepted (answered, not rejected or duplicate).
    pub resolution_rate: Rate,
    /// 满意率: 满意 and 基本满意 of all ratings (the reporters' and the return visits' 回访,
    /// each 不满意 included); null when neither period has a rating.
    pub satisfaction_rate: Option<Rate>,
    /// 重办率: reopened / resolved at least once.
    pub reopen_rate: Rate,
    /// Receipt to first answer, and dispatch to resolution, in hours (this period).
    pub avg_response_hours: Option<f64>,
    pub avg_resolution_hours: Option<f64>,
    /// The on-time denominator is below `min_sample`: shown, not ranked.
    pub small_sample: bool,
}

/// The board: ranked groups first, then the small samples by id.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Board {
    pub group_by: BoardGroup,
    #[serde(flatten)]
    pub period: PeriodBounds,
    pub min_sample: u32,
    /// Groups with cases in either period (the rows may show only the first of them).
    pub groups: usize,
    pub rows: Vec<BoardRow>,
}

/// Each row's group, as a number: its area number in a column, or for property companies
/// its compound's company (`companies`: by area number, and their names).
struct Grouping<'a> {
    column: &'a [u32],
    areas: &'a Areas,
    companies: Option<(Vec<u32>, Vec<String>)>,
}

impl Grouping<'_> {
    #[inline]
    fn of(&self, i: usize) -> u32 {
        let n = self.column[i];
        match &self.companies {
            Some((by_area, _)) if n != NONE => by_area[n as usize],
            _ => n,
        }
    }

    fn len(&self) -> usize {
        self.companies.as_ref().map_or(self.areas.len(), |(_, names)| names.len())
    }

    /// Each group's place in the string order of the ids (ties on the board go by id).
    fn id_ranks(&self) -> std::borrow::Cow<'_, [u32]> {
        match &self.companies {
            Some((_, names)) => {
                let mut by_name: Vec<u32> = (0..names.len() as u32).collect();
                by_name.sort_unstable_by(|&a, &b| names[a as usize].cmp(&names[b as usize]));
                let mut ranks = vec![0; names.len()];
                for (rank, &n) in by_name.iter().enumerate() {
                    ranks[n as usize] = rank as u32;
                }
                std::borrow::Cow::Owned(ranks)
            }
            None => std::borrow::Cow::Borrowed(self.areas.id_ranks()),
        }
    }

    fn id(&self, group: usize) -> &str {
        match &self.companies {
            Some((_, names)) => &names[group],
            None => self.areas.id(group as u32),
        }
    }
}

fn grouping<'a>(snapshot: &Snapshot, points: &'a ReportPoints, group_by: BoardGroup) -> Grouping<'a> {
    let by = |column: &'a [u32]| Grouping { column, areas: &points.areas, companies: None };
    match group_by {
        BoardGroup::Unit => by(&points.times.unit),
        BoardGroup::Grid => by(&points.grid),
        BoardGroup::Community => by(&points.community),
        BoardGroup::Street => by(&points.street),
        BoardGroup::PropertyCompany => Grouping { companies: Some(companies_by_compound(snapshot, points)), ..by(&points.compound) },
    }
}

/// For every area number, the number of the property company managing that compound
/// (`NONE` for other areas and compounds without one), and the companies' names.
fn companies_by_compound(snapshot: &Snapshot, points: &ReportPoints) -> (Vec<u32>, Vec<String>) {
    let mut map = vec![NONE; points.areas.len()];
    let mut names: Vec<String> = Vec::new();
    let mut numbers: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
    for compound in &snapshot.data.compounds {
        let (Some(company), Some(area)) = (compound.property_company.as_deref(), points.areas.find(&compound.id)) else { continue };
        let number = *numbers.entry(company).or_insert_with(|| {
            names.push(company.to_owned());
            names.len() as u32 - 1
        });
        map[area as usize] = number;
    }
    (map, names)
}

/// The tallies of the groups that have cases, this period (`[0]`) and the period before
/// (`[1]`). Kept dense (a slot per group seen, found through one `u32` per group number)
/// rather than one per possible group: a city has hundreds of thousands of grids, and
/// zeroing and walking a tally for each of them cost more than the scan itself.
pub(super) struct Tallies {
    slot_of: Vec<u32>,
    /// Per slot: its group number and its tallies.
    groups: Vec<u32>,
    tallies: Vec<[Tally; 2]>,
}

impl Tallies {
    fn new(groups: usize) -> Tallies {
        Tallies { slot_of: vec![NONE; groups], groups: Vec::new(), tallies: Vec::new() }
    }

    #[inline]
    fn entry(&mut self, group: u32) -> &mut [Tally; 2] {
        let slot = &mut self.slot_of[group as usize];
        if *slot == NONE {
            *slot = self.tallies.len() as u32;
            self.groups.push(group);
            self.tallies.push([Tally::default(); 2]);
        }
        &mut self.tallies[*slot as usize]
    }

    /// A group's tallies; `None` for a group without cases in either period.
    pub(super) fn get(&self, group: usize) -> Option<&[Tally; 2]> {
        let slot = *self.slot_of.get(group)?;
        (slot != NONE).then(|| &self.tallies[slot as usize])
    }

    /// Every group with cases, and its tallies.
    fn iter(&self) -> impl Iterator<Item = (usize, &[Tally; 2])> {
        self.groups.iter().map(|&g| g as usize).zip(&self.tallies)
    }
}

/// Rows from which a scan is split across the cores: below, a thread costs more than it saves.
const PARALLEL_FROM: usize = 100_000;

/// Counts every row passing `keep` into its group's tally for the period or the period
/// before: the one scan both the board and the 红黑榜 make. A city's rows are split across the
/// cores, each part tallied alone and the parts added up (the tallies of a million cases
/// over a hundred thousand grids miss the cache on nearly every row, so two cores halve it).
fn scan(points: &ReportPoints, groups: &Grouping, period: &Period, now: i64, keep: impl Fn(usize) -> bool + Sync) -> Tallies {
    let rows = points.created_at.len();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(4);
    if threads < 2 || rows < PARALLEL_FROM {
        return scan_rows(points, groups, period, now, &keep, 0..rows);
    }
    let chunk = rows.div_ceil(threads);
    let mut parts = std::thread::scope(|scope| {
        let keep = &keep;
        let running: Vec<_> = (0..threads)
            .map(|t| scope.spawn(move || scan_rows(points, groups, period, now, keep, t * chunk..rows.min((t + 1) * chunk))))
            .collect();
        running.into_iter().map(|part| part.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect::<Vec<_>>()
    });
    let mut total = parts.swap_remove(0);
    for part in parts {
        for (group, [now, before]) in part.iter() {
            let sum = total.entry(group as u32);
            sum[0].merge(now);
            sum[1].merge(before);
        }
    }
    total
}

fn scan_rows(
    points: &ReportPoints,
    groups: &Grouping,
    period: &Period,
    now: i64,
    keep: &impl Fn(usize) -> bool,
    rows: std::ops::Range<usize>,
) -> Tallies {
    let mut tallies = Tallies::new(groups.len());
    for i in rows {
        let created = points.created_at[i];
        let which = if created >= period.since && created < period.until {
            0
        } else if created >= period.previous_since && created < period.since {
            1
        } else {
            continue;
        };
        let group = groups.of(i);
        if group == NONE || !keep(i) {
            continue;
        }
        tallies.entry(group)[which].add(points, i, now);
    }
    tallies
}

/// The name shown for a group's id: the area's name, the company's own, or the id when
/// the map data no longer has it.
fn name_of(snapshot: &Snapshot, group_by: BoardGroup, id: &str) -> String {
    let data = &snapshot.data;
    let name = match group_by {
        BoardGroup::Grid => snapshot.find(Layer::Grids, id).map(|n| data.grids[n as usize].name.clone()),
        BoardGroup::Community => snapshot.find(Layer::Communities, id).map(|n| data.communities[n as usize].name.clone()),
        BoardGroup::Street => snapshot.find(Layer::Streets, id).map(|n| data.streets[n as usize].name.clone()),
        BoardGroup::PropertyCompany => None,
        BoardGroup::Unit => unit_name(snapshot, id),
    };
    name.unwrap_or_else(|| id.to_owned())
}

/// A responding unit's name, from the units layer.
fn unit_name(snapshot: &Snapshot, id: &str) -> Option<String> {
    snapshot.find(Layer::Units, id).map(|n| snapshot.data.units[n as usize].name.clone())
}

/// Rows unless asked: a district's units, communities or companies all fit; a city's
/// grids are read from the top.
pub const DEFAULT_ROWS: usize = 1_000;

/// The board for `group_by` over `period` against the period before, judged at `now`: its
/// first `limit` rows.
pub fn board(snapshot: &Snapshot, points: &ReportPoints, group_by: BoardGroup, period: &Period, now: i64, limit: usize) -> Board {
    let groups = grouping(snapshot, points, group_by);
    let tallies = scan(points, &groups, period, now, |_| true);
    // Rank on numbers first; names and rows only for the rows shown (a city has hundreds of
    // thousands of grids with a case).
    let ranks = groups.id_ranks();
    let mut standings: Vec<Standing> = tallies.iter().map(|(group, [now, _])| Standing::of(group, ranks[group], now)).collect();
    let total = standings.len();
    let order = |a: &Standing, b: &Standing| a.key.cmp(&b.key);
    if limit < standings.len() {
        standings.select_nth_unstable_by(limit, order);
        standings.truncate(limit);
    }
    standings.sort_unstable_by(order);
    let rows = standings
        .iter()
        .enumerate()
        .map(|(position, standing)| {
            let [now, before] = tallies.get(standing.group).expect("a standing has a tally");
            let small_sample = now.on_time.of < MIN_SAMPLE;
            BoardRow {
                rank: (!small_sample).then_some(position + 1),
                id: groups.id(standing.group).to_owned(),
                name: name_of(snapshot, group_by, groups.id(standing.group)),
                cases: now.cases,
                previous_cases: before.cases,
                response_rate: Rate::new(now.response, before.response),
                on_time_rate: Rate::new(now.on_time, before.on_time),
                resolution_rate: Rate::new(now.resolution, before.resolution),
                satisfaction_rate: (now.satisfaction.of + before.satisfaction.of > 0)
                    .then(|| Rate::new(now.satisfaction, before.satisfaction)),
                reopen_rate: Rate::new(now.reopen, before.reopen),
                avg_response_hours: tally::average_hours(now.respond_secs, now.responded),
                avg_resolution_hours: tally::average_hours(now.resolve_secs, now.resolved),
                small_sample,
            }
        })
        .collect();
    Board { group_by, period: period.bounds(), min_sample: MIN_SAMPLE, groups: total, rows }
}

/// Where a group stands, as a key that sorts the board: ranked groups by on-time rate,
/// then response rate (higher first, none last), small samples after them (ties, here and
/// there, by id). Rates are compared as exact fractions, so equal rates tie.
struct Standing {
    group: usize,
    /// The order: rates, then the id's rank (kept here, so that sorting a hundred thousand
    /// grids reads no table).
    key: (bool, std::cmp::Reverse<Fraction>, std::cmp::Reverse<Fraction>, u32),
}

impl Standing {
    fn of(group: usize, id_rank: u32, tally: &Tally) -> Standing {
        let small = tally.on_time.of < MIN_SAMPLE;
        let rate = |c: Count| std::cmp::Reverse(if small { Fraction::NONE } else { Fraction(c) });
        Standing { group, key: (small, rate(tally.on_time), rate(tally.response), id_rank) }
    }
}

/// `met / of` for ordering, with no rate (nothing judged) below every rate; 1/2 and 2/4
/// are equal.
#[derive(Debug, Clone, Copy)]
struct Fraction(Count);

impl Fraction {
    const NONE: Fraction = Fraction(Count { met: 0, of: 0 });
}

impl PartialEq for Fraction {
    fn eq(&self, other: &Fraction) -> bool {
        self.cmp(other) == std::cmp::Ordering::Equal
    }
}

impl Eq for Fraction {}

impl Ord for Fraction {
    fn cmp(&self, other: &Fraction) -> std::cmp::Ordering {
        match (self.0.of, other.0.of) {
            (0, 0) => std::cmp::Ordering::Equal,
            (0, _) => std::cmp::Ordering::Less,
            (_, 0) => std::cmp::Ordering::Greater,
            (a, b) => (u64::from(self.0.met) * u64::from(b)).cmp(&(u64::from(other.0.met) * u64::from(a))),
        }
    }
}

impl PartialOrd for Fraction {
    fn partial_cmp(&self, other: &Fraction) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
