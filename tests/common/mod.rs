//! Shared test setup: a catalog over a fresh in-memory database with the demo district.
#![allow(dead_code)]

use std::sync::Arc;

use geo::{Geometry, InteriorPoint, Point};
use minsheng::services::Catalog;
use minsheng::store::{SqliteStore, Store};

/// A fresh in-memory store (nothing shared between tests).
pub async fn empty_store() -> Arc<dyn Store> {
    Arc::new(SqliteStore::open("sqlite::memory:").await.expect("in-memory SQLite opens"))
}

/// A catalog holding the bundled demo district.
pub async fn demo_catalog() -> Catalog {
    let catalog = Catalog::open(empty_store().await).await.expect("catalog opens");
    assert!(catalog.seed_demo_if_empty().await.expect("demo loads"));
    catalog
}

/// A point certainly inside an area.
pub fn inside(geometry: &Geometry) -> Point {
    geometry.interior_point().expect("areas have an interior point")
}
