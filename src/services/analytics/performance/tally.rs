//! What the board counts of one case, and the rates those counts make. The definitions
//! (also in the README) live here and nowhere else.

use serde::Serialize;

use crate::index::reports::ReportPoints;
use crate::model::reports::CaseState;

/// A rate's counts: the cases that met the mark over the cases it is judged on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Count {
    pub met: u32,
    pub of: u32,
}

impl Count {
    fn judge(&mut self, met: bool) {
        self.of += 1;
        self.met += u32::from(met);
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
    #[inline]
    pub fn add(&mut self, points: &ReportPoints, i: usize, now: i64) {
        let t = &points.times;
        self.cases += 1;
        let due = t.response_due_at[i];
        match t.responded_at[i] {
            Some(answered) => {
                self.response.judge(answered <= due);
                self.respond_secs += answered - points.created_at[i];
                self.responded += 1;
            }
            None if due < now => self.response.judge(false),
            None => {}
        }
        if let (Some(dispatched), Some(deadline)) = (t.dispatched_at[i], t.deadline_at[i]) {
            match t.resolved_at[i] {
                Some(resolved) => {
                    self.on_time.judge(resolved <= deadline);
                    self.resolve_secs += resolved - dispatched;
                    self.resolved += 1;
                }
                None if deadline < now => self.on_time.judge(false),
                None => {}
            }
        }
        let state = points.state[i];
        if !matches!(state, CaseState::Received | CaseState::Rejected | CaseState::Duplicate) {
            self.resolution.judge(matches!(state, CaseState::Resolved | CaseState::Verified | CaseState::Closed));
        }
        // A reopened case lost its resolution time, but it was resolved once.
        let reopened = t.reopened[i] > 0;
        if reopened || t.resolved_at[i].is_some() {
            self.reopen.judge(reopened);
        }
    }
}

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
