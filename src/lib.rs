//! Minsheng (民生): a map service for residential-compound governance.
//!
//! Data flows one way (DESIGN.md): `import` → `store` → `index` → `services` → `http`.
//! Lower layers never import higher ones.

pub mod cli;
pub mod crs;
pub mod demo;
pub mod export;
pub mod geodesy;
pub mod http;
pub mod import;
pub mod index;
pub mod model;
pub mod network;
pub mod services;
pub mod store;
