//! GIS tools read the PostGIS tables directly: the demo is imported into a fresh PostgreSQL
//! database, and Debian's GDAL (`ogrinfo`) finds each layer as a table with a typed geometry
//! column in WGS84 (EPSG:4326), holding as many features as the store counts.

mod common;

use std::process::Command;

use common::backend::{demo_catalog_on, Backend};
use minsheng::model::Layer;
use minsheng::store::ReportFilter;

/// The layers with geometry, by table name, as GDAL should list them, with their geometry type.
/// Areas and lines mix single and multi parts, so their columns take any geometry.
const TABLES: [(&str, &str); 8] = [
    ("streets", "Unknown (any)"),
    ("communities", "Unknown (any)"),
    ("grids", "Unknown (any)"),
    ("compounds", "Unknown (any)"),
    ("buildings", "Unknown (any)"),
    ("stations", "Point"),
    ("walkways", "Unknown (any)"),
    ("reports", "Point"),
];

/// `ogrinfo` with arguments, its standard output; a clear failure when GDAL is missing.
fn ogrinfo(args: &[&str]) -> String {
    let output = Command::new("ogrinfo").args(args).output().unwrap_or_else(|e| {
        panic!("ogrinfo (Debian's gdal-bin) cannot run: {e}. Run `bash scripts/setup.sh`: it installs gdal-bin")
    });
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "ogrinfo {args:?} failed: {}{stdout}", String::from_utf8_lossy(&output.stderr));
    stdout
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ogrinfo_reads_every_layer_with_the_stores_counts() {
    let (catalog, database) = demo_catalog_on(Backend::Postgres).await;
    let source = format!("PG:dbname={} host=127.0.0.1 user=postgres", database.postgres_name().unwrap());
    let store = catalog.store();

    let listing = ogrinfo(&["-ro", &source]);
    for (i, (table, geometry)) in TABLES.iter().enumerate() {
        // The listing names a typed layer's geometry type, and nothing for "any".
        let line = match *geometry {
            "Unknown (any)" => format!("{}: {table}\n", i + 1),
            typed => format!("{}: {table} ({typed})\n", i + 1),
        };
        assert!(listing.contains(&line), "{line:?} not listed:\n{listing}");
    }
    assert!(!listing.contains(&format!("{}: ", TABLES.len() + 1)), "more layers than expected:\n{listing}");

    for (table, geometry) in TABLES {
        let summary = ogrinfo(&["-ro", "-so", &source, table]);
        let expected = match table {
            "reports" => store.count_reports(&ReportFilter::default()).await.unwrap(),
            layer => store.count(layer.parse::<Layer>().unwrap()).await.unwrap(),
        };
        assert!(expected > 0, "the demo has {table}");
        assert!(summary.contains(&format!("Feature Count: {expected}\n")), "{table}: expected {expected} features:\n{summary}");
        assert!(summary.contains(&format!("Geometry: {geometry}\n")), "{table}:\n{summary}");
        assert!(summary.contains("ID[\"EPSG\",4326]"), "{table} is not in EPSG:4326:\n{summary}");
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
        let expected = if matches!(table.as_str(), "stations" | "reports") { "POINT" } else { "GEOMETRY" };
        assert_eq!(kind, expected, "{table}");
    }
    let indexed: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM pg_indexes WHERE indexdef LIKE '%USING gist (geometry)%' OR indexdef LIKE '%USING gist (location)%'",
    )
    .fetch_one(&mut admin)
    .await
    .unwrap();
    assert_eq!(indexed, TABLES.len() as i64, "every geometry column has a GiST index");
}
