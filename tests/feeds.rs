//! Area feeds (`/api/feeds/cases.atom`, `.rss`) over the demo district: read by feedparser
//! (the Python feed library) as a reader would; the cases of every kind of area checked
//! against a brute-force filter of the store's cases; only public fields; 304 on a
//! matching `If-None-Match`; bad areas refused naming the parameter.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use axum::http::StatusCode;
use geo::{Intersects, LineString, Point, Polygon};
use minsheng::model::reports::{Category, Report, ReportEvent};
use minsheng::model::{GridLevel, Layer};
use minsheng::services::Catalog;
use minsheng::store::ReportFilter;
use serde_json::{Value, json};

use common::{call, json as parse};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/feeds_check.py");

/// Each document as feedparser reads it.
fn feedparser(documents: &[&str]) -> Vec<Value> {
    let out = common::run_python(SCRIPT, "import feedparser", "feedparser", &json!(documents));
    serde_json::from_slice(&out).unwrap()
}

async fn get(app: &axum::Router, uri: &str) -> (StatusCode, axum::http::HeaderMap, String) {
    call(app, "GET", uri, None, None).await
}

/// Every stored case.
async fn all_cases(catalog: &Catalog) -> Vec<Report> {
    catalog.store().reports(&ReportFilter::default()).await.unwrap()
}

/// The entry ids (tag URIs) and times a feed of these cases holds, by the rule: the filing,
/// every state move and every public reply or comment.
async fn entries_of(catalog: &Catalog, cases: &[&Report]) -> Vec<(String, i64)> {
    let mut entries = Vec::new();
    for case in cases {
        let (_, events) = catalog.store().report(&case.case_number).await.unwrap().unwrap();
        for (n, event) in events.iter().enumerate() {
            if n == 0 || event.to_state.is_some() || event.reply.is_some() {
                entries.push((format!("tag:minsheng,2026:{}/{n}", case.case_number), event.at));
            }
        }
    }
    entries.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| b.0.cmp(&a.0)));
    entries
}

fn case_of(entry_id: &str) -> &str {
    entry_id.trim_start_matches("tag:minsheng,2026:").split('/').next().unwrap()
}

/// `(id, updated)` of each entry feedparser read.
fn read_entries(parsed: &Value) -> Vec<(String, i64)> {
    parsed["entries"].as_array().unwrap().iter().map(|e| (e["id"].as_str().unwrap().to_owned(), e["updated"].as_i64().unwrap())).collect()
}

fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test]
async fn a_small_compounds_feed_is_every_filing_and_move_of_its_cases_read_by_feedparser() {
    let catalog = common::demo_catalog().await;
    let app = minsheng::http::router(catalog.clone());
    let cases = all_cases(&catalog).await;
    let mut by_compound: BTreeMap<(&str, Category), Vec<&Report>> = BTreeMap::new();
    for case in &cases {
        if let Some(compound) = &case.routed.compound_id {
            by_compound.entry((compound.as_str(), case.category)).or_default().push(case);
        }
    }
    // A compound and category whose whole history fits in one feed, so the feed must be all of it.
    let mut chosen = None;
    for ((compound, category), of_compound) in &by_compound {
        if !(5..=40).contains(&of_compound.len()) {
            continue;
        }
        let expected = entries_of(&catalog, of_compound).await;
        if (20..=100).contains(&expected.len()) {
            chosen = Some((*compound, *category, expected));
            break;
        }
    }
    let (compound, category, expected) = chosen.expect("a compound and category with 20–100 entries");
    let category = category.as_str();
    let (status, headers, atom) = get(&app, &format!("/api/feeds/cases.atom?compound={compound}&category={category}&limit=100")).await;
    assert_eq!(status, StatusCode::OK, "{atom}");
    assert_eq!(headers["content-type"], "application/atom+xml; charset=utf-8");
    let (status, headers, rss) = get(&app, &format!("/api/feeds/cases.rss?limit=100&category={category}&compound={compound}")).await;
    assert_eq!(status, StatusCode::OK, "{rss}");
    assert_eq!(headers["content-type"], "application/rss+xml; charset=utf-8");

    let parsed = feedparser(&[&atom, &rss]);
    for (feed, version) in parsed.iter().zip(["atom10", "rss20"]) {
        assert!(!feed["bozo"].as_bool().unwrap(), "{version}: {}", feed["bozo_exception"]);
        assert_eq!(feed["version"], version);
        assert!(feed["title"].as_str().unwrap().contains(compound), "{}", feed["title"]);
        assert_eq!(read_entries(feed), expected, "{version}: every filing and state move, newest first");
        for entry in feed["entries"].as_array().unwrap() {
            let case = case_of(entry["id"].as_str().unwrap());
            assert!(entry["link"].as_str().unwrap().ends_with(&format!("/#case={case}")), "{entry}");
            assert!(entry["point"].is_array(), "a GeoRSS point: {entry}");
        }
    }
    let atom_entry = &parsed[0]["entries"][0];
    let case = case_of(atom_entry["id"].as_str().unwrap());
    let json_link = atom_entry["links"].as_array().unwrap().iter().find(|l| l["type"] == "application/json").unwrap();
    let path = json_link["href"].as_str().unwrap().split_once("/api/").map(|(_, rest)| format!("/api/{rest}")).unwrap();
    assert_eq!(path, format!("/api/reports/{case}"));
    let (status, _, text) = get(&app, &path).await;
    assert_eq!((status, parse(&text)["report"]["case_number"].as_str()), (StatusCode::OK, Some(case)), "the JSON link works");
}

/// The stored cases of an area by brute force, the rule `area` says in words.
fn in_area<'a>(cases: &'a [Report], area: impl Fn(&Report) -> bool, categories: &[Category]) -> Vec<&'a Report> {
    cases.iter().filter(|c| area(c) && (categories.is_empty() || categories.contains(&c.category))).collect()
}

/// What a feed of `limit` over `expected` cases must satisfy without knowing their
/// updates: every entry is of an expected case, newest first, and every filing newer than
/// the oldest entry is there (filing times are the cases' `created_at`).
fn check_feed(label: &str, parsed: &Value, expected: &[&Report], limit: usize) {
    assert!(!parsed["bozo"].as_bool().unwrap(), "{label}: {}", parsed["bozo_exception"]);
    let entries = read_entries(parsed);
    assert!(!entries.is_empty() && entries.len() <= limit, "{label}: {} entries", entries.len());
    let numbers: BTreeSet<&str> = expected.iter().map(|c| c.case_number.as_str()).collect();
    for (id, _) in &entries {
        assert!(numbers.contains(case_of(id)), "{label}: {id} is not a case of the area");
    }
    assert!(entries.windows(2).all(|w| w[0].1 >= w[1].1), "{label}: newest first");
    let oldest = entries.last().unwrap().1;
    let ids: BTreeSet<&str> = entries.iter().map(|(id, _)| id.as_str()).collect();
    for case in expected.iter().filter(|c| c.created_at > oldest) {
        let filing = format!("tag:minsheng,2026:{}/0", case.case_number);
        assert!(ids.contains(filing.as_str()), "{label}: the filing of {} is missing", case.case_number);
    }
}

#[tokio::test]
async fn every_kind_of_area_and_categories_select_the_cases_a_brute_force_filter_does() {
    let catalog = common::demo_catalog().await;
    let app = minsheng::http::router(catalog.clone());
    let cases = all_cases(&catalog).await;
    let snapshot = catalog.snapshot();
    let busiest = |key: fn(&Report) -> Option<String>| -> String {
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        cases.iter().filter_map(key).for_each(|id| *counts.entry(id).or_default() += 1);
        counts.into_iter().max_by_key(|(id, n)| (*n, id.clone())).unwrap().0
    };
    let compound = busiest(|c| c.routed.compound_id.clone());
    let grid = busiest(|c| Some(c.routed.grid_id.clone()));
    let community = busiest(|c| Some(c.routed.community_id.clone()));
    let street = busiest(|c| Some(c.routed.street_id.clone()));
    let micro = busiest(|c| c.routed.micro_grid_id.clone());
    let micro_index = snapshot.find(Layer::Grids, &micro).unwrap() as usize;
    assert_eq!(snapshot.data.grids[micro_index].level, GridLevel::MicroGrid);
    let micro_outline = snapshot.data.grids[micro_index].geometry.clone();
    // A box and a drawn triangle around the busiest community's cases.
    let points: Vec<(f64, f64)> = cases.iter().filter(|c| c.routed.community_id == community).map(|c| (c.lon, c.lat)).collect();
    let (lons, lats): (Vec<f64>, Vec<f64>) = points.iter().copied().unzip();
    let mid = |v: &[f64]| (v.iter().cloned().fold(f64::MAX, f64::min) + v.iter().cloned().fold(f64::MIN, f64::max)) / 2.0;
    let (cx, cy) = (mid(&lons[..]), mid(&lats[..]));
    let bbox = [cx - 0.004, cy - 0.003, cx + 0.004, cy + 0.003];
    let triangle = [(cx - 0.006, cy - 0.004), (cx + 0.006, cy - 0.004), (cx, cy + 0.005)];
    let ring = triangle.iter().map(|(x, y)| format!("{x} {y}")).collect::<Vec<_>>().join(", ");
    let triangle_shape = Polygon::new(LineString::from(triangle.to_vec()), vec![]);
    let closed: Vec<[f64; 2]> = [triangle[0], triangle[1], triangle[2], triangle[0]].iter().map(|&(x, y)| [x, y]).collect();
    let geojson_triangle = json!({"type": "Polygon", "coordinates": [closed]}).to_string();
    // The two commonest categories.
    let mut by_category: BTreeMap<Category, usize> = BTreeMap::new();
    cases.iter().for_each(|c| *by_category.entry(c.category).or_default() += 1);
    let mut common_categories: Vec<(Category, usize)> = by_category.into_iter().collect();
    common_categories.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    let two = [common_categories[0].0, common_categories[1].0];
    let words = format!("{},{}", two[0].as_str(), two[1].as_str());
    let (any, both, first): (&[Category], &[Category], &[Category]) = (&[], &two, &two[..1]);

    let at = |c: &Report| Point::new(c.lon, c.lat);
    type Rule<'a> = Box<dyn Fn(&Report) -> bool + 'a>;
    let areas: Vec<(String, Rule<'_>, &[Category])> = vec![
        (format!("compound={compound}"), Box::new(|c: &Report| c.routed.compound_id.as_deref() == Some(&compound)), any),
        (format!("grid={grid}&category={words}"), Box::new(|c: &Report| c.routed.grid_id == grid), both),
        (format!("community={community}"), Box::new(|c: &Report| c.routed.community_id == community), any),
        (format!("street={street}&category={}", two[0].as_str()), Box::new(|c: &Report| c.routed.street_id == street), first),
        (format!("grid={micro}"), Box::new(|c: &Report| micro_outline.intersects(&at(c))), any),
        (
            format!("bbox={},{},{},{}", bbox[0], bbox[1], bbox[2], bbox[3]),
            Box::new(|c: &Report| c.lon >= bbox[0] && c.lon <= bbox[2] && c.lat >= bbox[1] && c.lat <= bbox[3]),
            any,
        ),
        (format!("polygon={}", encode(&ring)), Box::new(|c: &Report| triangle_shape.intersects(&at(c))), any),
        (format!("polygon={}&category={words}", encode(&geojson_triangle)), Box::new(|c: &Report| triangle_shape.intersects(&at(c))), both),
        (String::new(), Box::new(|_: &Report| true), any),
    ];
    let mut documents = Vec::new();
    for (query, _, _) in &areas {
        let (status, _, text) = get(&app, &format!("/api/feeds/cases.atom?limit=60&{query}")).await;
        assert_eq!(status, StatusCode::OK, "{query}: {text}");
        documents.push(text);
    }
    let parsed = feedparser(&documents.iter().map(String::as_str).collect::<Vec<_>>());
    for ((query, rule, categories), feed) in areas.iter().zip(&parsed) {
        let expected = in_area(&cases, rule, categories);
        assert!(!expected.is_empty(), "{query}: the test area holds cases");
        check_feed(query, feed, &expected, 60);
    }
    // The micro-grid's cases are a part of its grid's, selected by outline.
    let micro_cases = in_area(&cases, |c| micro_outline.intersects(&at(c)), &[]);
    assert!(micro_cases.iter().all(|c| c.routed.micro_grid_id.is_some()), "{micro}");
}

#[tokio::test]
async fn feeds_show_public_fields_only_and_a_new_filing_first() {
    let catalog = common::demo_catalog().await;
    let app = common::unlimited_app(catalog.clone());
    let snapshot = catalog.snapshot();
    let compound = &snapshot.data.compounds[0];
    let point = common::inside(&compound.geometry);
    let body = json!({
        "category": "parking", "description": "消防通道被私家车堵住", "lon": point.x(), "lat": point.y(),
        "reporter_name": "王秘密", "reporter_phone": "13900001234",
    });
    let (status, _, text) = call(&app, "POST", "/api/reports", None, Some(body.to_string())).await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let filed = parse(&text);
    let case = filed["report"]["case_number"].as_str().unwrap().to_owned();
    let compound_id = filed["report"]["compound_id"].as_str().map_or_else(|| compound.id.clone(), str::to_owned);
    // The reporter's comment through the follow-up link is a public update of its own.
    let secret = filed["follow"].as_str().unwrap();
    let comment = json!({"comment": "车还停在消防通道上"}).to_string();
    let (status, _, text) = call(&app, "POST", &format!("/api/follow/{secret}/comment"), None, Some(comment)).await;
    assert_eq!(status, StatusCode::OK, "{text}");

    for format in ["atom", "rss"] {
        let (status, _, text) = get(&app, &format!("/api/feeds/cases.{format}?compound={compound_id}&limit=100")).await;
        assert_eq!(status, StatusCode::OK, "{text}");
        let parsed = &feedparser(&[&text])[0];
        assert_eq!(parsed["entries"][0]["id"], format!("tag:minsheng,2026:{case}/1"), "{format}: the comment is newest");
        assert!(text.contains("车还停在消防通道上"), "{format}: the comment's text");
        assert_eq!(parsed["entries"][1]["id"], format!("tag:minsheng,2026:{case}/0"), "{format}: then the filing");
        assert!(parsed["entries"][1]["title"].as_str().unwrap().contains("消防通道"), "{}", parsed["entries"][1]);
        assert!(!text.contains(secret), "{format}: the follow-up secret stays out");
        assert!(!text.contains("王秘密") && !text.contains("13900001234"), "{format}: the reporter stays out");
        // Nothing staff-only of any case in the feed: actors and internal notes.
        let numbers: BTreeSet<&str> = parsed["entries"].as_array().unwrap().iter().map(|e| case_of(e["id"].as_str().unwrap())).collect();
        for number in numbers {
            let (report, events): (Report, Vec<ReportEvent>) = catalog.store().report(number).await.unwrap().unwrap();
            for private in [&report.reporter_name, &report.reporter_phone].into_iter().flatten() {
                assert!(!text.contains(private.as_str()), "{format}: {number}'s reporter {private}");
            }
            for event in &events {
                assert!(!text.contains(&event.actor), "{format}: {number}'s actor {}", event.actor);
                if let Some(note) = event.note.as_deref().filter(|n| n.chars().count() >= 4) {
                    assert!(!text.contains(note), "{format}: {number}'s note {note}");
                }
            }
        }
    }
}

#[tokio::test]
async fn a_matching_if_none_match_gets_304_until_the_area_changes() {
    let catalog = common::demo_catalog().await;
    let app = common::unlimited_app(catalog.clone());
    let compound = catalog.snapshot().data.compounds[1].clone();
    let uri = format!("/api/feeds/cases.rss?compound={}", compound.id);
    let (status, headers, first) = get(&app, &uri).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let etag = headers["etag"].to_str().unwrap().to_owned();
    assert!(headers.contains_key("last-modified"));
    let (_, again, second) = get(&app, &uri).await;
    assert_eq!((again["etag"].to_str().unwrap(), second.as_str()), (etag.as_str(), first.as_str()), "the same feed, the same tag");

    let conditional = |tag: String| {
        let app = app.clone();
        let uri = uri.clone();
        async move {
            use http_body_util::BodyExt;
            use tower::ServiceExt;
            let request = axum::http::Request::get(&uri).header("if-none-match", tag).body(axum::body::Body::empty()).unwrap();
            let response = app.oneshot(request).await.unwrap();
            let status = response.status();
            (status, response.into_body().collect().await.unwrap().to_bytes().len())
        }
    };
    assert_eq!(conditional(etag.clone()).await, (StatusCode::NOT_MODIFIED, 0));
    assert_eq!(conditional(format!("\"other\", W/{etag}")).await, (StatusCode::NOT_MODIFIED, 0));
    assert_eq!(conditional("\"other\"".into()).await.0, StatusCode::OK);

    let point = common::inside(&compound.geometry);
    let body = json!({"category": "noise", "description": "夜间施工", "lon": point.x(), "lat": point.y()});
    let (status, _, text) = call(&app, "POST", "/api/reports", None, Some(body.to_string())).await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    if parse(&text)["report"]["compound_id"] == compound.id.as_str() {
        assert_eq!(conditional(etag).await.0, StatusCode::OK, "a new case in the area changes the feed");
    }
}

#[tokio::test]
async fn bad_areas_and_limits_are_refused_naming_the_parameter() {
    let catalog = common::demo_catalog().await;
    let app = minsheng::http::router(catalog.clone());
    let compound = catalog.snapshot().data.compounds[0].id.clone();
    // Short vertices, so that the URI stays within the server's 8 KiB.
    let many: Vec<String> = (0..600).map(|i| format!("{} {}", i % 7, i % 5)).collect();
    for (query, parameter, words) in [
        (format!("compound={compound}&street=S1"), "street", "one area"),
        ("compound=NOPE".into(), "compound", "not a compound"),
        ("grid=NOPE".into(), "grid", "not a grid"),
        ("bbox=1,2,3".into(), "bbox", "4 numbers"),
        ("polygon=104%2030.8%2C104.1".into(), "polygon", "vertex 2"),
        ("polygon=0%200%2C2%202%2C2%200%2C0%202".into(), "polygon", "not a valid polygon"),
        (format!("polygon={}", encode(&many.join(","))), "polygon", "500 vertices"),
        ("limit=0".into(), "limit", "1–100"),
        ("limit=101".into(), "limit", "1–100"),
        ("category=weather".into(), "category", "weather"),
    ] {
        for format in ["atom", "rss"] {
            let (status, _, text) = get(&app, &format!("/api/feeds/cases.{format}?{query}")).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {text}");
            let message = parse(&text)["error"]["message"].as_str().unwrap().to_owned();
            assert!(message.contains(parameter) && message.contains(words), "{query}: {message}");
        }
    }
}
