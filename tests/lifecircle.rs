//! The life-circle check (生活圈体检) as the service answers it: community and street totals
//! against sums over their compounds' checks; the CSV against the GeoJSON; the 400s and 404s;
//! the report page; the README's table against the default rules. The walks themselves:
//! tests/lifecircle_walks.rs; the pass share: tests/lifecircle_share.rs.

mod common;

use std::collections::HashMap;

use common::{call, json};
use minsheng::model::lifecircle::Rules;
use minsheng::model::{Compound, FacilityKind, Layer};

#[tokio::test]
async fn community_and_street_totals_are_sums_over_their_compounds() {
    let catalog = common::demo_catalog().await;
    let snapshot = catalog.snapshot();
    let app = common::unlimited_app(catalog.clone());
    let community = &snapshot.data.communities[0];
    let (status, _, body) = call(&app, "GET", &format!("/api/lifecircle?community={}&group=elderly", community.id), None, None).await;
    assert_eq!(status, 200, "{body}");
    let area = json(&body);
    assert_eq!(area["area"]["level"], "community");
    assert_eq!(area["group"], "elderly");
    let listed = area["compounds"].as_array().unwrap();
    let members: Vec<&Compound> =
        snapshot.data.compounds.iter().filter(|c| c.community_id.as_deref() == Some(community.id.as_str())).collect();
    assert!(members.len() >= 2, "the community has compounds");
    assert_eq!(listed.len(), members.len());
    let mut sums: HashMap<String, (f64, f64, u64)> = HashMap::new();
    let mut scores = 0.0;
    for compound in &members {
        let (status, _, body) = call(&app, "GET", &format!("/api/lifecircle?compound={}&group=elderly", compound.id), None, None).await;
        assert_eq!(status, 200);
        let check = json(&body);
        scores += check["score"].as_f64().unwrap();
        let entry = listed.iter().find(|l| l["id"] == compound.id.as_str()).unwrap();
        assert_eq!(entry["score"], check["score"]);
        assert_eq!(entry["missing"], check["missing"]);
        for kind in check["kinds"].as_array().unwrap() {
            assert_eq!(kind["group"], "elderly");
            let sum = sums.entry(kind["kind"].as_str().unwrap().to_owned()).or_default();
            sum.0 += kind["demand"].as_f64().unwrap();
            sum.1 += kind["affected"].as_f64().unwrap();
            sum.2 += u64::from(kind["pass"] == false);
        }
    }
    assert!((area["score"].as_f64().unwrap() - scores / members.len() as f64).abs() < 1e-9);
    for kind in area["kinds"].as_array().unwrap() {
        let (demand, affected, failing) = sums[kind["kind"].as_str().unwrap()];
        // Each compound's figure is rounded to 0.1, the area's sum once.
        let slack = 0.05 * (members.len() as f64 + 1.0);
        assert!((kind["demand"].as_f64().unwrap() - demand).abs() <= slack, "{kind}");
        assert!((kind["affected"].as_f64().unwrap() - affected).abs() <= slack, "{kind}");
        assert_eq!(kind["compounds_failing"].as_u64(), Some(failing), "{kind}");
        assert_eq!(kind["compounds"].as_u64(), Some(members.len() as u64));
        assert_eq!(kind["pass"], failing == 0);
        assert!(kind["walk_m"].is_null() && kind["nearest"].is_null());
    }
    // The street holds at least this community's compounds.
    let street = &community.street_id;
    let (status, _, body) = call(&app, "GET", &format!("/api/lifecircle?street={street}"), None, None).await;
    assert_eq!(status, 200, "{body}");
    let street_check = json(&body);
    assert_eq!(street_check["area"]["level"], "street");
    let in_street = snapshot
        .data
        .compounds
        .iter()
        .filter(|c| {
            c.community_id.as_ref().is_some_and(|id| snapshot.data.communities.iter().any(|m| &m.id == id && &m.street_id == street))
        })
        .count();
    assert_eq!(street_check["compounds"].as_array().unwrap().len(), in_street);
}

#[tokio::test]
async fn the_csv_says_what_the_geojson_says() {
    let catalog = common::demo_catalog().await;
    let app = common::unlimited_app(catalog.clone());
    let (status, _, body) = call(&app, "GET", "/api/lifecircle/compounds?group=children", None, None).await;
    assert_eq!(status, 200, "{body}");
    let map = json(&body);
    assert_eq!(map["type"], "FeatureCollection");
    let features = map["features"].as_array().unwrap();
    assert_eq!(features.len(), catalog.snapshot().data.compounds.len());
    let (status, headers, text) = call(&app, "GET", "/api/lifecircle/compounds.csv?group=children", None, None).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(header, ["id", "name", "kind", "community_id", "score", "met", "required", "missing", "missing_count", "demand"]);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), features.len());
    for (row, feature) in rows.iter().zip(features) {
        let p = &feature["properties"];
        assert!(matches!(feature["geometry"]["type"].as_str(), Some("Polygon" | "MultiPolygon")));
        assert_eq!(row[0], *p["id"].as_str().unwrap());
        assert_eq!(row[1], *p["name"].as_str().unwrap());
        assert_eq!(row[2], *p["kind"].as_str().unwrap());
        assert_eq!(row[3], *p["community_id"].as_str().unwrap_or(""));
        // serde_json (without its float_roundtrip feature) may read the last digit one unit off.
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * a.abs().max(1.0);
        assert!(close(row[4].parse::<f64>().unwrap(), p["score"].as_f64().unwrap()), "{} vs {}", &row[4], p["score"]);
        assert_eq!(row[5].parse::<u64>().unwrap(), p["met"].as_u64().unwrap());
        assert_eq!(row[6].parse::<u64>().unwrap(), p["required"].as_u64().unwrap());
        let missing: Vec<&str> = p["missing"].as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect();
        assert_eq!(row[7], missing.join(";"));
        assert_eq!(row[8].parse::<usize>().unwrap(), missing.len());
        assert!(close(row[9].parse::<f64>().unwrap(), p["demand"].as_f64().unwrap()), "{} vs {}", &row[9], p["demand"]);
        let score = p["score"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&score));
    }
    assert!(rows.iter().any(|r| r[8] != *"0"), "some compound misses something");
}

#[tokio::test]
async fn bad_questions_are_named_and_unknown_areas_are_404() {
    let catalog = common::demo_catalog().await;
    let snapshot = catalog.snapshot();
    let app = common::unlimited_app(catalog.clone());
    let compound = &snapshot.data.compounds[0].id;
    let community = &snapshot.data.communities[0].id;
    for (uri, status, names) in [
        ("/api/lifecircle".to_owned(), 400, "compound"),
        (format!("/api/lifecircle?compound={compound}&community={community}"), 400, "compound"),
        (format!("/api/lifecircle?community={community}&street=S01"), 400, "community"),
        (format!("/api/lifecircle?compound={compound}&group=pets"), 400, "group"),
        (format!("/api/lifecircle?compound={compound}&method=flying"), 400, "method"),
        ("/api/lifecircle?compound=NO-SUCH-PLACE".to_owned(), 404, "NO-SUCH-PLACE"),
        ("/api/lifecircle?community=NO-SUCH-COMMUNITY".to_owned(), 404, "NO-SUCH-COMMUNITY"),
        ("/api/lifecircle?street=NO-SUCH-STREET".to_owned(), 404, "NO-SUCH-STREET"),
        ("/api/lifecircle/compounds?group=pets".to_owned(), 400, "group"),
        ("/api/lifecircle/compounds.csv?method=flying".to_owned(), 400, "method"),
        ("/lifecircle/report".to_owned(), 400, "compound"),
        ("/lifecircle/report?compound=NO-SUCH-PLACE".to_owned(), 404, "NO-SUCH-PLACE"),
    ] {
        let (got, _, body) = call(&app, "GET", &uri, None, None).await;
        assert_eq!(got.as_u16(), status, "{uri}: {body}");
        assert!(json(&body)["error"]["message"].as_str().unwrap().contains(names), "{uri}: {body}");
    }
    let (status, _, body) = call(&app, "GET", "/api/lifecircle/rules", None, None).await;
    assert_eq!(status, 200);
    assert_eq!(json(&body), serde_json::to_value(Rules::default()).unwrap());
    assert_eq!(json(&body)["pass_share"], 0.9);
}

#[tokio::test]
async fn the_report_prints_and_escapes_names() {
    let catalog = common::demo_catalog().await;
    let compound = catalog.snapshot().data.compounds[0].clone();
    let hostile = r#"{"type": "FeatureCollection", "features": [{"type": "Feature", "id": "EVIL",
        "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [0.001, 0], [0.001, 0.001], [0, 0.001], [0, 0]]]},
        "properties": {"name": "<script>alert(1)</script>小区", "kind": "old"}}]}"#;
    let parsed = minsheng::import::parse_layer(Layer::Compounds, hostile.as_bytes()).unwrap();
    minsheng::import::write(catalog.store().as_ref(), &parsed).await.unwrap();
    catalog.reload().await.unwrap();
    let app = common::unlimited_app(catalog.clone());

    let (status, headers, page) = call(&app, "GET", &format!("/lifecircle/report?compound={}", compound.id), None, None).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert!(page.starts_with("<!DOCTYPE html>"));
    for needed in [
        "@media print",
        "window.print()",
        "打印",
        "<svg",
        "设施",
        "生活圈",
        "要求步行",
        "最近设施",
        "步行距离",
        "是否达标",
        "影响人数",
        "最远楼栋步行",
        "的 90% 所在楼栋",
        &compound.name,
    ] {
        assert!(page.contains(needed), "the report lacks {needed:?}");
    }
    for external in ["<link", "<script", "src=", "href=", "@import", "url("] {
        assert!(!page.contains(external), "the report loads nothing from elsewhere ({external})");
    }
    // One row per kind.
    assert_eq!(page.matches("<tr class=").count(), FacilityKind::ALL.len());

    let (status, _, page) = call(&app, "GET", "/lifecircle/report?compound=EVIL", None, None).await;
    assert_eq!(status, 200, "{page}");
    assert!(!page.contains("<script>alert"), "the name is escaped");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;小区"));
}

#[test]
fn the_readme_table_is_the_default_rules() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = &readme[readme.find("## The life-circle check").expect("the README has the section")..];
    let table = &section[section.find("**The defaults**").unwrap()..];
    let rows: Vec<Vec<String>> = table
        .lines()
        .skip_while(|l| !l.starts_with("| kind"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| l.trim_matches('|').split('|').map(|c| c.trim().to_owned()).collect())
        .collect();
    let rules = Rules::default();
    assert_eq!(rows.len(), rules.kinds.len());
    for (row, rule) in rows.iter().zip(&rules.kinds) {
        let circle = match rule.circle.as_str() {
            "block" => "block".to_owned(),
            other => other.replace("_minutes", " minutes").replace("five", "5").replace("ten", "10").replace("fifteen", "15"),
        };
        let expected = [
            format!("`{}` {}", rule.kind, rule.kind.label_zh()),
            circle,
            format!("{}", rule.limit_m),
            rule.group.to_string(),
            (if rule.required { "yes" } else { "no" }).to_owned(),
            format!("{}", rule.weight),
        ];
        assert_eq!(row.as_slice(), expected.as_slice());
    }
}
