//! What the board counts of one case, and the rates those counts make. The definitions
//! (also in the README) live here and nowhere else.

use serde::Serialize;

use crate::index::reports::ReportPoints;
use crate::model::reports::{CaseState, Rating};

/// A rate's counts: the cases that met the mark over the cases it is judged on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Count {
    pub met: u32,
    pub of: u32,
}

impl Count {
    /// Adds a case if it is `judged`, counting it as met if it also `met`.
    #[inline]
    fn add(&mut self, judged: bool, met: bool) {
        self.of += u32::from(judged);
        self.met += u32::from(judged & met);
    }

    /// Percent (0–100); `None` with nothing to judge.
    pub fn percent(self) -> Option<f64> {
        (self.of > 0).then(|| f64::from(self.met) * 100.0 / f64::from(self.of))
    }
}

/// The counts of one group in one period (Unix seconds for the sums of durations).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Tally {
    /// Cases filed in the period.
    pub cases: u32,
    /// 响应率: answered within the response deadline, of cases answered or past it.
    pub response: Count,
    /// 按时办结率: resolved by the (extended) deadline, of dispatched cases resolved or past it.
    pub on_time: Count,
    /// 解决率: resolved, verified or closed, of cases accepted (answered, not rejected or duplicate).
    pub resolution: Count,
    /// 重办率: reopened at least once, of cases resolved at least once.
    pub reopen: Count,
    /// 满意率: 满意 or 基本满意 ratings, of all ratings given (by reporters or on return
    /// visits): the last resolution's and every 不满意 that reopened the case; 未评价 is
    /// no rating.
    pub satisfaction: Count,
    /// Receipt to first answer, summed over answered cases.
    pub respond_secs: i64,
    pub responded: u32,
    /// Dispatch to resolution, summed over resolved cases.
    pub resolve_secs: i64,
    pub resolved: u32,
}

impl Tally {
    /// Counts row `i` of `points`, judged at `now`: a deadline still ahead of an unfinished
    /// case leaves it out of that rate.
    ///
    /// Written without branches on the case's data (flags added as 0 or 1): cases come in
    /// no order, and mispredicted branches made the scan of a million rows several times
    /// slower.
    #[inline]
    pub fn add(&mut self, points: &ReportPoints, i: usize, now: i64) {
        let t = &points.times;
        self.cases += 1;
        let due = t.response_due_at[i];
        let answered = t.responded_at[i];
        let answer = answered.unwrap_or(i64::MAX);
        self.response.add(answered.is_some() | (due < now), answer <= due);
        self.responded += u32::from(answered.is_some());
        self.respond_secs += if answered.is_some() { answer - points.created_at[i] } else { 0 };

        let (dispatched, deadline, resolved) = (t.dispatched_at[i], t.deadline_at[i], t.resolved_at[i]);
        let deadline = if dispatched.is_some() { deadline } else { None };
        let limit = deadline.unwrap_or(i64::MIN);
        let done = resolved.is_some() & deadline.is_some();
        let finish = resolved.unwrap_or(i64::MAX);
        self.on_time.add(done | (deadline.is_some() & (limit < now)), done & (finish <= limit));
        self.resolved += u32::from(done);
        self.resolve_secs += if done { finish - dispatched.unwrap_or(finish) } else { 0 };

        let state = 1u16 << points.state[i] as u16;
        self.resolution.add(state & NOT_ACCEPTED == 0, state & SOLVED != 0);
        // A reopened case lost its resolution time, but it was resolved once.
        let reopened = t.reopened[i] > 0;
        self.reopen.add(reopened | resolved.is_some(), reopened);

        let content = u32::from(matches!(t.rating[i], Some(Rating::Satisfied | Rating::BasicallySatisfied)));
        self.satisfaction.met += content;
        self.satisfaction.of += content + t.unsatisfied[i];
    }
}

impl Count {
    fn merge(&mut self, other: Count) {
        self.met += other.met;
        self.of += other.of;
    }
}

impl Tally {
    /// Adds the counts of another part of the same group's cases.
    pub fn merge(&mut self, other: &Tally) {
        self.cases += other.cases;
        self.response.merge(other.response);
        self.on_time.merge(other.on_time);
        self.resolution.merge(other.resolution);
        self.reopen.merge(other.reopen);
        self.satisfaction.merge(other.satisfaction);
        self.respond_secs += other.respond_secs;
        self.responded += other.responded;
        self.resolve_secs += other.resolve_secs;
        self.resolved += other.resolved;
    }
}

/// States as bits: those that are not (or not yet) accepted, and those past resolution.
const NOT_ACCEPTED: u16 = 1 << CaseState::Received as u16 | 1 << CaseState::Rejected as u16 | 1 << CaseState::Duplicate as u16;
const SOLVED: u16 = 1 << CaseState::Resolved as u16 | 1 << CaseState::Verified as u16 | 1 << CaseState::Closed as u16;

/// A rate this period and the period before.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Rate {
    /// Percent (0–100); null when no case is judged.
    pub percent: Option<f64>,
    pub numerator: u32,
    pub denominator: u32,
    pub previous_percent: Option<f64>,
    pub previous_numerator: u32,
    pub previous_denominator: u32,
    /// `percent − previous_percent`, in percentage points; null unless both exist.
    pub change_pp: Option<f64>,
}

impl Rate {
    pub fn new(now: Count, before: Count) -> Rate {
        let (percent, previous_percent) = (now.percent(), before.percent());
        Rate {
            percent,
            numerator: now.met,
            denominator: now.of,
            previous_percent,
            previous_numerator: before.met,
            previous_denominator: before.of,
            change_pp: percent.zip(previous_percent).map(|(a, b)| a - b),
        }
    }
}

/// Hours from a sum of seconds over `n` cases; `None` for none.
pub fn average_hours(secs: i64, n: u32) -> Option<f64> {
    (n > 0).then(|| secs as f64 / f64::from(n) / 3_600.0)
}
