//! GIS tools read the PostGIS tables directly: the demo is imported into a fresh PostgreSQL
//! database, and Debian's GDAL (`ogrinfo`) finds each layer as a table with a typed geometry
//! column in WGS84 (EPSG:4326), holding as many features as the store counts; the cases'
//! public view, for analysts' roles, has no private field.

mod common;

use std::process::Command;

use common::backend::{Backend, demo_catalog_on};
use minsheng::model::Layer;
use minsheng::store::ReportFilter;

/// The layers with geometry, by table name, as GDAL should list them, with their geometry type.
/// Areas and lines mix single and multi parts, so their columns take any geometry.
const TABLES: [(&str, &str); 10] = [
    ("streets", "Unknown (any)"),
    ("communities", "Unknown (any)"),
    ("grids", "Unknown (any)"),
    ("compounds", "Unknown (any)"),
    ("buildings", "Unknown (any)"),
    ("stations", "Point"),
    ("walkways", "Unknown (any)"),
    ("candidate_sites", "Point"),
    ("reports", "Point"),
    ("reports_public", "Point"),
];

/// The case fields only staff may see (services::reports::view leaves them out).
const PRIVATE_FIELDS: [&str; 3] = ["reporter_name", "reporter_phone", "external_id"];

/// `ogrinfo` with arguments, its standard output; a clear failure when GDAL is missing.
fn ogrinfo(args: &[&str]) -> String {
    let output = Command::new("ogrinfo")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("ogrinfo (Debian's gdal-bin) cannot run: {e}. Run `bash scripts/setup.sh`: it installs gdal-bin"));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "ogrinfo {args:?} failed: {}{stdout}", String::from_utf8_lossy(&output.stderr));
    stdout
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ogrinfo_reads_every_layer_with_the_stores_counts() {
    let (catalog, database) = demo_catalog_on(Backend::Postgres).await;
    let source = format!("PG:dbname={} host=127.0.0.1 user=postgres", database.postgres_name().unwrap());
    let store = catalog.store();

    // The listing: "N: table (Type)", or "N: table" for a column of any geometry; the order
    // is the server's, not ours.
    let listing = ogrinfo(&["-ro", &source]);
    let mut listed: Vec<(String, String)> = listing
        .lines()
        .filter_map(|line| line.split_once(": "))
        .filter(|(number, _)| number.parse::<u32>().is_ok())
        .map(|(_, layer)| match layer.split_once(" (") {
            Some((table, kind)) => (table.to_owned(), kind.trim_end_matches(')').to_owned()),
            None => (layer.to_owned(), "Unknown (any)".to_owned()),
        })
        .collect();
    listed.sort();
    let mut expected: Vec<(String, String)> = TABLES.iter().map(|(t, g)| ((*t).to_owned(), (*g).to_owned())).collect();
    expected.sort();
    assert_eq!(listed, expected, "ogrinfo listed:\n{listing}");

    for (table, geometry) in TABLES {
        let summary = ogrinfo(&["-ro", "-so", &source, table]);
        let expected = match table {
            "reports" | "reports_public" => store.count_reports(&ReportFilter::default()).await.unwrap(),
            layer => store.count(layer.parse::<Layer>().unwrap()).await.unwrap(),
        };
        assert!(expected > 0, "the demo has {table}");
        assert!(summary.contains(&format!("Feature Count: {expected}\n")), "{table}: expected {expected} features:\n{summary}");
        assert!(summary.contains(&format!("Geometry: {geometry}\n")), "{table}:\n{summary}");
        assert!(summary.contains("ID[\"EPSG\",4326]"), "{table} is not in EPSG:4326:\n{summary}");
        // Field lines read "name: Type (width.precision)".
        let has = |field: &str| summary.lines().any(|line| line.starts_with(&format!("{field}: ")));
        match table {
            "reports" => assert!(PRIVATE_FIELDS.iter().all(|f| has(f)), "the staff table has every field:\n{summary}"),
            "reports_public" => {
                assert!(PRIVATE_FIELDS.iter().all(|f| !has(f)), "the public view leaks a private field:\n{summary}");
                assert!(has("case_number") && has("state") && has("created_at"), "{summary}");
            }
            _ => {}
        }
    }

    // The columns are typed in PostGIS's own catalogue too, not only as GDAL reads them.
    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(&database.url).await.unwrap();
    let columns: Vec<(String, String, i32)> =
        sqlx::query_as("SELECT f_table_name::text, type::text, srid FROM geometry_columns ORDER BY f_table_name::text")
            .fetch_all(&mut admin)
            .await
            .unwrap();
    assert_eq!(columns.len(), TABLES.len(), "{columns:?}");
    for (table, kind, srid) in &columns {
        assert_eq!(*srid, 4326, "{table}");
        let expected =
            if matches!(table.as_str(), "stations" | "candidate_sites" | "reports" | "reports_public") { "POINT" } else { "GEOMETRY" };
        assert_eq!(kind, expected, "{table}");
    }
    let indexed: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM pg_indexes WHERE indexdef LIKE '%USING gist (geometry)%' OR indexdef LIKE '%USING gist (location)%'",
    )
    .fetch_one(&mut admin)
    .await
    .unwrap();
    // Every table's geometry column (the view has none of its own).
    assert_eq!(indexed, TABLES.len() as i64 - 1, "every geometry column has a GiST index");
}
