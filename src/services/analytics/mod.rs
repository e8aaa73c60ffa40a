//! Statistics over the reports for planners, as plain functions of numbers.

pub mod hotspots;
