//! Problem reports: routing a report to the "一呼四应" responder, and (next) intake,
//! the case workflow and Open311.

pub mod routing;
