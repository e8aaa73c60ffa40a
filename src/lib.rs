//! Minsheng (民生): a map service for residential-compound governance.
//!
//! Data flows one way (DESIGN.md): `import` → `store` → `index` → `services` → `http`.
//! Lower layers never import higher ones. `mvt` (vector-tile encoding) and `network` (walking
//! graphs) are small libraries of their own beside them, with no knowledge of the catalog;
//! `crs` (coordinate systems) and `geodesy` (degrees to metres on the mean sphere) are
//! leaves that every layer may use.

pub mod cli;
pub mod crs;
pub mod demo;
pub mod export;
pub mod geodesy;
pub mod http;
pub mod import;
pub mod index;
pub mod model;
pub mod mvt;
pub mod network;
pub mod services;
pub mod store;
