//! The store gives back exactly what it was given, for every layer, in a file database.

mod common;

use minsheng::demo::{generate, DemoOptions};
use minsheng::model::Layer;
use minsheng::store::{SqliteStore, Store};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_layer_round_trips_through_a_file_database() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("round-trip.db").display());
    let data = generate(&DemoOptions { buildings: 1_000, seed: 7 });
    let store = SqliteStore::open(&url).await.unwrap();
    assert_eq!(store.data_version().await.unwrap(), 0);
    store.upsert(&data).await.unwrap();
    assert_eq!(store.data_version().await.unwrap(), 1);
    assert_eq!(store.load().await.unwrap(), data);
    for layer in Layer::ALL {
        assert_eq!(store.count(*layer).await.unwrap() as usize, data.count(*layer), "{layer}");
    }

    // Reopening the file (migrations already applied) sees the same data.
    drop(store);
    let reopened = SqliteStore::open(&url).await.unwrap();
    assert_eq!(reopened.load().await.unwrap(), data);
}

#[tokio::test]
async fn an_in_memory_store_loads_on_a_single_threaded_runtime() {
    let store = common::empty_store().await;
    let data = generate(&DemoOptions { buildings: 200, seed: 1 });
    store.upsert(&data).await.unwrap();
    assert_eq!(store.load().await.unwrap(), data);
}
