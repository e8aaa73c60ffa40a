//! What one request may cost. Heavy requests are sized from the index before any work
//! starts ([`Limits`], refused with [`ServiceError::TooLarge`]), run in a bounded
//! [`Pool`] (refused with [`ServiceError::Busy`] when its queue is full), and carry a
//! [`Budget`] that their loops check, so that they stop when the time runs out or the
//! client goes away.

mod budget;
mod pool;

pub use budget::Budget;
pub use pool::{Pool, PoolStatus};

use std::time::Duration;

use super::ServiceError;

/// Staff bounds are this many times the anonymous ones: higher, but bounds nonetheless.
pub const STAFF_FACTOR: usize = 5;

/// The most one request may touch. [`Limits::ANONYMOUS`] are sized so that the worst
/// request of each kind stays under about a second and 200 MB on a city of 200,000
/// buildings; staff get [`Limits::staff`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Buildings in one `coverage/buildings` answer.
    pub buildings: usize,
    /// Station isochrones of 1,000 m in one answer; fewer at longer distances, since a
    /// walk's reach grows with the square of the distance (see [`Limits::isochrone_stations`]).
    pub isochrone_stations: usize,
    /// Candidate sites of a plan at 1,000 m, scaled as isochrones are.
    pub plan_candidates: usize,
    /// H3 cells a heat map's box covers at its resolution.
    pub hexagons: usize,
    /// Weeks or months of a timeline.
    pub timeline_buckets: usize,
    /// Rows of a problem list.
    pub problem_rows: usize,
    /// Wall-clock time, queueing included, before the work is stopped.
    pub time: Duration,
}

impl Limits {
    pub const ANONYMOUS: Limits = Limits {
        buildings: 20_000,
        isochrone_stations: 50,
        plan_candidates: 2_000,
        hexagons: 20_000,
        timeline_buckets: 520,
        problem_rows: 1_000,
        time: Duration::from_secs(10),
    };

    /// [`STAFF_FACTOR`] times these limits.
    pub fn staff(self) -> Limits {
        Limits {
            buildings: self.buildings * STAFF_FACTOR,
            isochrone_stations: self.isochrone_stations * STAFF_FACTOR,
            plan_candidates: self.plan_candidates * STAFF_FACTOR,
            hexagons: self.hexagons * STAFF_FACTOR,
            timeline_buckets: self.timeline_buckets * STAFF_FACTOR,
            problem_rows: self.problem_rows * STAFF_FACTOR,
            time: self.time * STAFF_FACTOR as u32,
        }
    }

    /// Isochrones allowed at `limit_m`: [`Limits::isochrone_stations`] at 1,000 m, scaled by
    /// the reach's area, at least one.
    pub fn isochrone_stations(&self, limit_m: f64) -> usize {
        scaled_by_area(self.isochrone_stations, limit_m)
    }

    /// Plan candidates allowed at `limit_m`, scaled as isochrones.
    pub fn plan_candidates(&self, limit_m: f64) -> usize {
        scaled_by_area(self.plan_candidates, limit_m)
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::ANONYMOUS
    }
}

/// `at_1km` scaled by (1,000 m / `limit_m`)², at least 1 and at most 10 × `at_1km` (short
/// walks still cost a search and a traced polygon each).
fn scaled_by_area(at_1km: usize, limit_m: f64) -> usize {
    let factor = (1_000.0 / limit_m.max(1.0)).powi(2).min(10.0);
    ((at_1km as f64 * factor).floor() as usize).max(1)
}

/// Refuses a request that would touch more than `limit` of something.
///
/// `what` names it with where it was counted ("buildings in the bbox"), `hint` says how to
/// narrow the request.
pub fn within(what: &str, needed: usize, limit: usize, hint: &str) -> Result<(), ServiceError> {
    if needed <= limit {
        return Ok(());
    }
    Err(ServiceError::TooLarge { what: what.to_owned(), needed, limit, hint: hint.to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_limits_are_higher_but_finite() {
        let staff = Limits::ANONYMOUS.staff();
        assert_eq!(staff.buildings, 5 * Limits::ANONYMOUS.buildings);
        assert_eq!(staff.time, Duration::from_secs(50));
    }

    #[test]
    fn longer_walks_allow_fewer_isochrones() {
        let limits = Limits::ANONYMOUS;
        assert_eq!(limits.isochrone_stations(1_000.0), 50);
        assert_eq!(limits.isochrone_stations(5_000.0), 2);
        assert_eq!(limits.isochrone_stations(300.0), 500, "capped at ten times the 1 km figure");
        assert_eq!(Limits { isochrone_stations: 1, ..limits }.isochrone_stations(5_000.0), 1);
    }

    #[test]
    fn refusals_name_the_count_the_limit_and_the_way_out() {
        assert!(within("buildings in the bbox", 20, 20, "give a smaller bbox").is_ok());
        let message = within("buildings in the bbox", 48_210, 20_000, "give a smaller bbox").unwrap_err().to_string();
        assert!(message.contains("48210") && message.contains("20000") && message.contains("smaller bbox"), "{message}");
    }
}
