//! Analysis of the reports for planners: heat tiles, H3 hexagons with Getis-Ord Gi* hot
//! spots, ranked problem lists, timelines, and the performance board for officials. All of
//! it reads the in-memory report columns (`index::reports`), never the database, so it
//! scales to millions of cases.

pub mod answers;
pub mod filter;
pub mod heatmap;
pub mod hotspots;
pub mod performance;
pub mod stats;
pub mod tiles;
