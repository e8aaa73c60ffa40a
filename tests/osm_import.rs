//! `import-osm` on real OpenStreetMap extracts (tests/fixtures, © OpenStreetMap
//! contributors, ODbL 1.0; the figures quoted are from tests/fixtures/README.md, counted
//! with pyosmium): every layer is filled, every building has a grid, links agree with the
//! geometry, a second import updates in place, and the result loads into the index.

mod common;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use geo::{Centroid, Contains};
use minsheng::import::ImportError;
use minsheng::import::osm::{import_osm, read_city};
use minsheng::model::{GridLevel, Layer, UnitKind};
use minsheng::services::Catalog;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

#[tokio::test]
async fn monaco_becomes_a_city_and_a_second_import_updates_it_in_place() {
    let store = common::empty_store().await;
    let (summary, report) = import_osm(store.as_ref(), &fixture("monaco.osm.pbf")).await.unwrap();
    let city = Catalog::open(store.clone()).await.expect("the imported data loads into the index");
    let snapshot = city.snapshot();
    let data = &snapshot.data;

    // README: 2,852 highway ways of which 2,693 walkable; 7 landuse=residential;
    // 1,283 building polygons, as pyosmium assembles them: two building multipolygons
    // miss members outside the extract, and one (two courtyards sharing a wall) is
    // repaired rather than dropped.
    assert_eq!(data.walkways.len(), 2_693);
    assert_eq!(data.compounds.len(), 7);
    assert_eq!(data.buildings.len(), 1_283);
    let read = summary.read;
    assert_eq!((read.incomplete_buildings, read.invalid_buildings, read.residential_left_out), (2, 0, 0), "{read:?}");
    assert!(!data.stations.is_empty());
    assert!(report.layers.iter().all(|(_, c)| c.updated == 0), "{report}");

    // Every building has a micro-grid, in a grid, in a community, in a street.
    let grids: HashMap<&str, _> = data.grids.iter().map(|g| (g.id.as_str(), g)).collect();
    for building in &data.buildings {
        let micro = grids[building.grid_id.as_str()];
        assert_eq!(micro.level, GridLevel::MicroGrid);
        assert!(micro.geometry.contains(&building.geometry.centroid().unwrap()), "{} is outside its micro-grid", building.id);
        let grid = grids[micro.parent_id.as_deref().unwrap()];
        assert_eq!((grid.level, &grid.community_id), (GridLevel::Grid, &micro.community_id));
        assert!(building.floors >= 1 && building.units >= 1);
        assert_eq!(building.has_elevator, building.floors >= 7);
    }
    assert!(data.communities.iter().all(|c| data.streets.iter().any(|s| s.id == c.street_id)));
    assert_units_follow_operators_and_the_chain(data);

    // Households: some buildings have them, and grids and compounds add them up.
    let households: u32 = data.buildings.iter().map(|b| b.households).sum();
    assert!(data.buildings.iter().filter(|b| b.households > 0).count() > 300, "residential buildings");
    assert!((5_000..=60_000).contains(&households), "{households} households (Monaco has about 38,000 people)");
    for level in [GridLevel::Grid, GridLevel::MicroGrid] {
        assert_eq!(data.grids.iter().filter(|g| g.level == level).map(|g| g.households).sum::<u32>(), households, "{level:?}");
    }
    assert_eq!(u64::from(households), summary.households);

    // A building linked to a compound has its centroid inside it; compounds sum their buildings.
    let mut linked = 0;
    for compound in &data.compounds {
        let members: Vec<_> = data.buildings.iter().filter(|b| b.compound_id.as_ref() == Some(&compound.id)).collect();
        for building in &members {
            assert!(compound.geometry.contains(&building.geometry.centroid().unwrap()), "{} is outside {}", building.id, compound.id);
        }
        assert_eq!(compound.households, members.iter().map(|b| b.households).sum::<u32>(), "{}", compound.id);
        linked += members.len();
    }
    assert!(linked > 0 && linked == summary.buildings_in_compounds, "{linked} buildings in compounds");

    // The index answers for a real building: the one at its own centroid, with its grid.
    let some = data.buildings.iter().position(|b| b.households > 0).unwrap();
    let centre = data.buildings[some].geometry.centroid().unwrap();
    assert!(snapshot.grid_at(centre).is_some());

    // Again: same records, all updated in place.
    let before: Vec<u64> = counts(&store).await;
    let (_, again) = import_osm(store.as_ref(), &fixture("monaco.osm.pbf")).await.unwrap();
    assert_eq!(counts(&store).await, before);
    assert!(again.layers.iter().all(|(_, c)| c.new == 0 && c.updated > 0), "{again}");
    assert_eq!(again.layers.len(), report.layers.len());
}

/// A property company per distinct `operator` of the compounds, serving exactly those; a
/// community office per community and a street department per street.
fn assert_units_follow_operators_and_the_chain(data: &minsheng::model::Dataset) {
    let of_kind = |kind: UnitKind| data.units.iter().filter(move |u| u.kind == kind);
    let operators: HashSet<&str> = data.compounds.iter().filter_map(|c| c.property_company.as_deref()).collect();
    assert_eq!(of_kind(UnitKind::PropertyCompany).map(|u| u.name.as_str()).collect::<HashSet<_>>(), operators);
    for company in of_kind(UnitKind::PropertyCompany) {
        let managed: Vec<&String> =
            data.compounds.iter().filter(|c| c.property_company.as_deref() == Some(company.name.as_str())).map(|c| &c.id).collect();
        assert_eq!(company.compound_ids.iter().collect::<Vec<_>>(), managed, "{}", company.name);
    }
    let offices: Vec<&String> = of_kind(UnitKind::CommunityOffice).flat_map(|u| &u.community_ids).collect();
    assert_eq!(offices, data.communities.iter().map(|c| &c.id).collect::<Vec<_>>());
    let departments: Vec<&String> = of_kind(UnitKind::StreetDepartment).flat_map(|u| &u.street_ids).collect();
    assert_eq!(departments, data.streets.iter().map(|s| &s.id).collect::<Vec<_>>());
}

async fn counts(store: &std::sync::Arc<dyn minsheng::store::Store>) -> Vec<u64> {
    let mut counts = Vec::new();
    for layer in Layer::ALL {
        counts.push(store.count(*layer).await.unwrap());
    }
    counts
}

#[test]
fn kotka_has_its_residential_areas_and_buildings() {
    let city = read_city(&fixture("kotka_test.osm.pbf")).unwrap();
    // README: 2,171 buildings, 17 landuse=residential (the complete ones: the extract is
    // a box that cuts through 48 more buildings and 9 more residential areas).
    assert_eq!(city.data.buildings.len(), 2_171);
    assert_eq!(city.data.compounds.len(), 17);
    let read = city.summary.read;
    assert_eq!((read.incomplete_buildings, read.residential_left_out), (48, 9), "{read:?}");
    assert!(city.data.buildings.iter().any(|b| b.compound_id.is_some()));
    assert_units_follow_operators_and_the_chain(&city.data);
}

#[tokio::test]
async fn a_missing_or_foreign_file_is_a_clear_error_and_writes_nothing() {
    let store = common::empty_store().await;
    let missing = Path::new("/nonexistent/city.osm.pbf");
    let error = import_osm(store.as_ref(), missing).await.unwrap_err();
    assert!(matches!(error, ImportError::Osm(_)) && error.to_string().contains("/nonexistent/city.osm.pbf"), "{error}");

    let not_pbf = fixture("README.md");
    let error = import_osm(store.as_ref(), &not_pbf).await.unwrap_err().to_string();
    assert!(error.contains("README.md") && error.contains("not a readable OpenStreetMap PBF file"), "{error}");

    let empty = tempfile::NamedTempFile::new().unwrap();
    let error = import_osm(store.as_ref(), empty.path()).await.unwrap_err().to_string();
    assert!(error.contains("holds no OpenStreetMap data"), "{error}");

    assert_eq!(counts(&store).await.iter().sum::<u64>(), 0);
}

#[test]
fn the_cli_imports_monaco_and_exits_non_zero_on_a_bad_file_without_creating_the_database() {
    use std::process::Command;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("city.db");
    let database = format!("sqlite://{}", path.display());
    let binary = env!("CARGO_BIN_EXE_minsheng");

    let output = Command::new(binary).args(["import-osm", "--database", &database]).arg(fixture("README.md")).output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("README.md is not a readable OpenStreetMap PBF file"), "{stderr}");
    assert!(!path.exists(), "a bad file leaves no database behind");

    let output = Command::new(binary).args(["import-osm", "--database", &database]).arg(fixture("monaco.osm.pbf")).output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "{stderr}");
    let row = |layer: &str| stdout.lines().find(|l| l.starts_with(layer)).map(|l| l.split_whitespace().collect::<Vec<_>>());
    assert_eq!(row("buildings").unwrap(), ["buildings", "1283", "0"], "{stdout}");
    assert_eq!(row("walkways").unwrap(), ["walkways", "2693", "0"], "{stdout}");
    assert!(stderr.contains("synthesised") && stderr.contains("H3"), "{stderr}");
}

/// The facility kinds found in Monaco, per kind, against pyosmium reading the same file
/// through a second implementation of README's tag tables (tests/osm_facilities.py); and
/// every building counts its elderly and children from the shares.
#[test]
fn monaco_facilities_match_an_independent_count() {
    let pbf = fixture("monaco.osm.pbf");
    let city = read_city(&pbf).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/osm_facilities.py");
    let output = common::run_python(script, "import osmium", "osmium", &serde_json::json!({ "pbf": pbf }));
    let expected: HashMap<String, usize> = serde_json::from_slice(&output).unwrap();
    let mut found: HashMap<String, usize> = HashMap::new();
    for s in &city.data.stations {
        *found.entry(s.kind.to_string()).or_default() += 1;
    }
    assert_eq!(found, expected);
    // The new kinds are there in numbers (a table that matched nothing would agree too).
    for kind in ["convenience_store", "park_square", "pharmacy", "primary_school", "public_toilet", "sports_ground", "waste_point"] {
        assert!(found.get(kind).is_some_and(|&n| n >= 5), "{kind}: {found:?}");
    }
    for b in &city.data.buildings {
        let share = |n: Option<u32>, share: f64| n == Some((f64::from(b.population) * share).round() as u32);
        assert!(share(b.elderly, 0.187) && share(b.children, 0.065), "{}", b.id);
    }
    let shares = minsheng::import::osm::Shares { elderly: 0.3, children: 0.0 };
    let older = minsheng::import::osm::read_city_with(&pbf, shares).unwrap();
    let total = |data: &minsheng::model::Dataset| data.buildings.iter().map(|b| b.elderly.unwrap()).sum::<u32>();
    assert!(total(&older.data) > total(&city.data));
    assert!(older.data.buildings.iter().all(|b| b.children == Some(0)));
}
