//! Import: every kind of bad input is rejected with a message naming the feature and the
//! problem, and nothing is written; re-import by id updates in place.

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use minsheng::import::{ImportError, import_file};
use minsheng::model::{Dataset, Layer};
use minsheng::store::Store;
use serde_json::{Value, json};

fn square(west: f64, south: f64, side: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[[west, south], [west + side, south], [west + side, south + side], [west, south + side], [west, south]]]})
}

fn feature(id: &str, geometry: Value, properties: Value) -> Value {
    json!({"type": "Feature", "id": id, "geometry": geometry, "properties": properties})
}

fn collection(features: Vec<Value>) -> Value {
    json!({"type": "FeatureCollection", "features": features})
}

struct Fixture {
    store: Arc<dyn Store>,
    dir: tempfile::TempDir,
}

impl Fixture {
    /// A store holding one street, community, grid, micro-grid and compound.
    async fn new() -> Fixture {
        let fixture = Fixture { store: common::empty_store().await, dir: tempfile::tempdir().unwrap() };
        let layers = [
            (Layer::Streets, vec![feature("S1", square(104.0, 30.0, 0.1), json!({"name": "青龙街道"}))]),
            (Layer::Communities, vec![feature("C1", square(104.0, 30.0, 0.1), json!({"name": "锦绣社区", "street_id": "S1"}))]),
            (
                Layer::Grids,
                vec![
                    // The micro-grid comes first: a parent later in the same file is fine.
                    feature(
                        "M1",
                        square(104.0, 30.0, 0.01),
                        json!({"name": "第1网格-1微网格", "level": "micro_grid", "community_id": "C1", "parent_id": "G1", "households": 60}),
                    ),
                    feature(
                        "G1",
                        square(104.0, 30.0, 0.1),
                        json!({"name": "第1网格", "level": "grid", "community_id": "C1", "households": 400}),
                    ),
                ],
            ),
            (
                Layer::Compounds,
                vec![feature("K1", square(104.0, 30.0, 0.02), json!({"name": "杨柳苑", "kind": "old", "community_id": "C1"}))],
            ),
        ];
        for (layer, features) in layers {
            fixture.import(layer, collection(features)).await.expect("fixture imports");
        }
        fixture
    }

    fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }

    async fn import(&self, layer: Layer, file: Value) -> Result<minsheng::import::ImportReport, ImportError> {
        let path = self.write(&format!("{layer}.geojson"), &file.to_string());
        import_file(self.store.as_ref(), layer, &path).await
    }

    async fn loaded(&self) -> Dataset {
        self.store.load().await.unwrap()
    }
}

fn building(id: &str, properties: Value) -> Value {
    let mut base =
        json!({"label": "1栋", "compound_id": "K1", "grid_id": "M1", "floors": 6, "units": 2, "households": 24, "has_elevator": false});
    for (k, v) in properties.as_object().unwrap() {
        base[k] = v.clone();
    }
    feature(id, square(104.001, 30.001, 0.0002), base)
}

/// Imports `file` as buildings, expects rejection, and checks that nothing was written.
async fn rejected(fixture: &Fixture, file: Value) -> String {
    let before = fixture.loaded().await;
    let version = fixture.store.data_version().await.unwrap();
    let error = fixture.import(Layer::Buildings, file).await.expect_err("must be rejected");
    assert_eq!(fixture.loaded().await, before, "a rejected import changed the database");
    assert_eq!(fixture.store.data_version().await.unwrap(), version);
    error.to_string()
}

#[tokio::test]
async fn each_kind_of_bad_feature_is_named_and_nothing_is_written() {
    let fixture = Fixture::new().await;
    let open_ring =
        json!({"type": "Polygon", "coordinates": [[[104.001, 30.001], [104.002, 30.001], [104.002, 30.002], [104.001, 30.002]]]});
    let bow_tie =
        json!({"type": "Polygon", "coordinates": [[[104.0, 30.0], [104.001, 30.001], [104.001, 30.0], [104.0, 30.001], [104.0, 30.0]]]});
    let cases: Vec<(Value, &str)> = vec![
        (feature("B1", open_ring, building("x", json!({}))["properties"].clone()), "feature #0 (id B1): exterior ring is not closed"),
        (feature("B1", bow_tie, building("x", json!({}))["properties"].clone()), "feature #0 (id B1): invalid geometry"),
        (feature("B1", square(30.0, 104.0, 0.001), building("x", json!({}))["properties"].clone()), "out of range"),
        (
            feature("B1", json!({"type": "Point", "coordinates": [104.0, 30.0]}), building("x", json!({}))["properties"].clone()),
            "geometry is a Point, expected a Polygon or MultiPolygon",
        ),
        (building("B1", json!({"households": null})), "feature #0 (id B1): property \"households\" is required"),
        (building("B1", json!({"has_elevator": "yes"})), "\"has_elevator\" must be true or false"),
        (building("B1", json!({"floors": 0})), "\"floors\" and \"units\" must be at least 1"),
        (building("B1", json!({"grid_id": "NOPE"})), "feature #0 (id B1): grid_id \"NOPE\" names no existing grids record"),
        (building("B1", json!({"compound_id": "NOPE"})), "compound_id \"NOPE\" names no existing compounds record"),
    ];
    for (bad, message) in cases {
        // A good feature before the bad one must not be written either.
        let error = rejected(&fixture, collection(vec![building("GOOD", json!({})), bad])).await;
        let expected = message.replace("feature #0", "feature #1");
        assert!(error.contains(&expected), "expected {expected:?} in:\n{error}");
    }
}

#[tokio::test]
async fn every_problem_in_a_file_is_listed() {
    let fixture = Fixture::new().await;
    let file = collection(vec![
        building("B1", json!({"label": ""})),
        building("B2", json!({})),
        building("B2", json!({})),
        json!({"type": "Feature", "geometry": square(104.001, 30.001, 0.0002), "properties": {"label": "9栋"}}),
    ]);
    let error = rejected(&fixture, file).await;
    for line in [
        "feature #0 (id B1): property \"label\" is required",
        "feature #2 (id B2): duplicate id: feature #1 has the same id",
        "feature #3 (no id): no id",
        "feature #3 (no id): property \"grid_id\" is required",
        "feature #3 (no id): property \"floors\" is required",
    ] {
        assert!(error.contains(line), "expected {line:?} in:\n{error}");
    }
}

#[tokio::test]
async fn files_that_are_not_feature_collections_are_rejected() {
    let fixture = Fixture::new().await;
    let path = fixture.write("broken.geojson", "{\"type\": \"FeatureCollection\", \"features\": [");
    let error = import_file(fixture.store.as_ref(), Layer::Buildings, &path).await.unwrap_err();
    assert!(matches!(error, ImportError::NotGeoJson { .. }), "{error}");
    let error = fixture.import(Layer::Buildings, json!({"type": "Feature"})).await.unwrap_err();
    assert!(error.to_string().contains("expected \"FeatureCollection\""), "{error}");
    let missing = import_file(fixture.store.as_ref(), Layer::Buildings, &fixture.dir.path().join("nope.geojson")).await;
    assert!(matches!(missing, Err(ImportError::Read { .. })));
}

#[tokio::test]
async fn other_layers_check_their_own_rules() {
    let fixture = Fixture::new().await;
    let cases = [
        (
            Layer::Grids,
            feature("M9", square(104.0, 30.0, 0.01), json!({"name": "x", "level": "micro_grid", "community_id": "C1"})),
            "needs \"parent_id\"",
        ),
        (
            Layer::Compounds,
            feature("K9", square(104.0, 30.0, 0.01), json!({"name": "x", "kind": "castle"})),
            "unknown value \"castle\", expected one of: resettlement, old, super_large, commodity",
        ),
        (
            Layer::Stations,
            feature("T9", square(104.0, 30.0, 0.01), json!({"name": "x", "kind": "clinic", "level": "community"})),
            "expected a Point",
        ),
        (
            Layer::Contacts,
            feature(
                "P9",
                Value::Null,
                json!({"role": "grid_worker", "name": "王芳", "phone": "139", "grid_id": "G1", "building_id": "B1"}),
            ),
            "exactly one of",
        ),
        (
            Layer::Contacts,
            feature("P9", Value::Null, json!({"role": "grid_worker", "name": "王芳", "phone": "139", "grid_id": "G404"})),
            "grid_id \"G404\" names no existing grids record",
        ),
        (Layer::Communities, feature("C9", square(104.0, 30.0, 0.01), json!({"name": "x", "street_id": "S404"})), "street_id \"S404\""),
        (
            Layer::Units,
            feature("U9", Value::Null, json!({"name": "x", "kind": "bakery", "street_ids": ["S1"]})),
            "property \"kind\": unknown value \"bakery\", expected one of: property_company, community_office, street_department, \
             police_station, urban_management, owners_council, other",
        ),
        (Layer::Units, feature("U9", Value::Null, json!({"name": "x", "kind": "other"})), "serves at least one area"),
        (
            Layer::Units,
            feature("U9", Value::Null, json!({"name": "x", "kind": "other", "compound_ids": ["K1", {"id": "K2"}]})),
            "property \"compound_ids\" must list ids",
        ),
        (
            Layer::Units,
            feature("U9", Value::Null, json!({"name": "x", "kind": "other", "community_ids": ["C1", "C404"]})),
            "community_ids \"C404\" names no existing communities record",
        ),
        (
            Layer::Units,
            feature("U9", square(104.0, 30.0, 0.01), json!({"name": "x", "kind": "other", "street_ids": ["S1"]})),
            "carry no geometry",
        ),
    ];
    for (layer, bad, message) in cases {
        let before = fixture.loaded().await;
        let error = fixture.import(layer, collection(vec![bad])).await.expect_err("must be rejected").to_string();
        assert!(error.contains(message), "{layer}: expected {message:?} in:\n{error}");
        assert_eq!(fixture.loaded().await, before);
    }
}

#[tokio::test]
async fn reimporting_an_id_updates_it_and_geometry_round_trips_exactly() {
    let fixture = Fixture::new().await;
    let report = fixture
        .import(Layer::Buildings, collection(vec![building("B1", json!({})), building("B2", json!({"label": "2栋"}))]))
        .await
        .unwrap();
    assert_eq!(report.to_string(), "buildings: 2 new, 0 updated");

    // Awkward coordinates: many digits, values that are not exact in binary.
    let precise = json!({"type": "Polygon", "coordinates": [[[104.001, 30.001], [104.001_123_456_789_02, 30.001], [104.001_123_456_789_02, 30.0010987654321], [104.001, 30.001]]]});
    let changed = feature("B1", precise.clone(), building("B1", json!({"label": "一号楼", "households": 30}))["properties"].clone());
    let report = fixture.import(Layer::Buildings, collection(vec![changed])).await.unwrap();
    assert_eq!(report.to_string(), "buildings: 0 new, 1 updated");

    let data = fixture.loaded().await;
    assert_eq!(data.buildings.len(), 2);
    let b1 = data.buildings.iter().find(|b| b.id == "B1").unwrap();
    assert_eq!((b1.label.as_str(), b1.households), ("一号楼", 30));
    let expected: geojson::GeometryValue = serde_json::from_value(precise).unwrap();
    let expected = geo::Geometry::try_from(&expected).unwrap();
    assert_eq!(b1.geometry, expected, "geometry must round-trip bit for bit");
}

#[tokio::test]
async fn units_import_with_their_areas_and_a_reimport_replaces_them() {
    let fixture = Fixture::new().await;
    let unit = |properties: Value| feature("U1", Value::Null, properties);
    let first =
        unit(json!({"name": "杨柳苑物业", "kind": "property_company", "phone": "028-1", "compound_ids": ["K1"], "street_ids": "S1"}));
    let report = fixture.import(Layer::Units, collection(vec![first])).await.unwrap();
    assert_eq!(report.to_string(), "units: 1 new, 0 updated");
    let stored = &fixture.loaded().await.units[0];
    assert_eq!((stored.kind.as_str(), stored.phone.as_deref()), ("property_company", Some("028-1")));
    assert_eq!(
        (stored.compound_ids.as_slice(), stored.street_ids.as_slice()),
        (["K1".to_owned()].as_slice(), ["S1".to_owned()].as_slice())
    );

    let again = unit(json!({"name": "锦绣社区居委会", "kind": "community_office", "community_ids": ["C1"]}));
    let report = fixture.import(Layer::Units, collection(vec![again])).await.unwrap();
    assert_eq!(report.to_string(), "units: 0 new, 1 updated");
    let stored = &fixture.loaded().await.units[0];
    assert_eq!((stored.name.as_str(), stored.phone.as_deref()), ("锦绣社区居委会", None));
    assert_eq!(stored.community_ids, ["C1"]);
    assert!(stored.compound_ids.is_empty() && stored.street_ids.is_empty(), "the old areas were kept: {stored:?}");
}

#[tokio::test]
async fn the_database_itself_enforces_references() {
    let fixture = Fixture::new().await;
    let mut data = fixture.loaded().await;
    data.streets.clear();
    data.communities.clear();
    data.compounds.clear();
    data.grids.truncate(1);
    data.grids[0].id = "G-NEW".into();
    data.grids[0].community_id = "C-MISSING".into();
    data.grids[0].parent_id = None;
    let version = fixture.store.data_version().await.unwrap();
    assert!(fixture.store.upsert(&data).await.is_err(), "a dangling foreign key must fail the transaction");
    assert_eq!(fixture.store.data_version().await.unwrap(), version);
    assert!(!fixture.store.ids(Layer::Grids).await.unwrap().contains("G-NEW"));
}

#[tokio::test]
async fn walkways_import_as_lines_and_join_where_they_share_a_coordinate() {
    let fixture = Fixture::new().await;
    let street = json!({"type": "LineString", "coordinates": [[104.0, 30.0], [104.001, 30.0], [104.002, 30.0]]});
    // Two paths: one leaves the street at its middle vertex, the other only crosses it.
    let paths = json!({"type": "MultiLineString", "coordinates": [
        [[104.001, 30.0], [104.001, 30.001]],
        [[104.0015, 29.999], [104.0015, 30.001]]
    ]});
    let report = fixture
        .import(
            Layer::Walkways,
            collection(vec![feature("W1", street, json!({"kind": "residential", "name": "青龙路"})), feature("W2", paths, json!({}))]),
        )
        .await
        .unwrap();
    assert_eq!(report.to_string(), "walkways: 2 new, 0 updated");
    let data = fixture.loaded().await;
    let w2 = data.walkways.iter().find(|w| w.id == "W2").unwrap();
    assert_eq!((w2.kind.as_str(), w2.name.as_deref()), ("footway", None), "kind defaults to footway");

    let snapshot = minsheng::index::Snapshot::build(data, 1).unwrap();
    let network = snapshot.walking().network.as_ref().expect("walkways make a network");
    // 3 street nodes + 1 path end + 2 ends of the crossing path: the crossing is not a junction.
    assert_eq!(network.nodes().len(), 6);
    assert_eq!(network.edges().len(), 4);

    for (bad, message) in [
        (
            json!({"type": "Polygon", "coordinates": [[[104.0, 30.0], [104.1, 30.0], [104.1, 30.1], [104.0, 30.0]]]}),
            "expected a LineString or MultiLineString",
        ),
        (json!({"type": "LineString", "coordinates": [[104.0, 30.0]]}), "a line needs at least 2"),
        (json!({"type": "LineString", "coordinates": [[30.0, 104.0], [30.1, 104.0]]}), "out of range"),
    ] {
        let before = fixture.loaded().await;
        let error = fixture
            .import(Layer::Walkways, collection(vec![feature("W9", bad, json!({}))]))
            .await
            .expect_err("must be rejected")
            .to_string();
        assert!(error.contains(message), "expected {message:?} in:\n{error}");
        assert_eq!(fixture.loaded().await, before);
    }
}
