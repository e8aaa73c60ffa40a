//! The map page and its assets, served from the binary, called in-process through the router.

mod common;

use axum::body::Body;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use minsheng::model::photos::{ModerationAction, ModerationTarget, PhotoStage};
use minsheng::model::reports::{Action, CaseState, CaseStatus, Category, Rating, Role, Source, Tier};
use minsheng::model::time::{now, to_iso8601};
use minsheng::model::vocabulary::Word;
use minsheng::model::{CircleLevel, CompoundKind, ContactRole, DemandGroup, FacilityKind, GridLevel, Layer, StationLevel, UnitKind};
use minsheng::services::analytics::hotspots::HotSpotClass;
use minsheng::services::auth::{TokenRequest, create_token};
use serde_json::Value;
use tower::ServiceExt;

struct Asset {
    content_type: String,
    cache_control: String,
    body: String,
}

async fn get(app: &axum::Router, uri: &str) -> Asset {
    let response = app.clone().oneshot(Request::get(uri).body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{uri}");
    let header = |name| response.headers().get(name).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    let (content_type, cache_control) = (header(CONTENT_TYPE), header(CACHE_CONTROL));
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body = String::from_utf8(bytes.to_vec()).unwrap_or_else(|_| panic!("{uri}: body is not UTF-8"));
    assert!(!body.trim().is_empty(), "{uri}: empty body");
    Asset { content_type, cache_control, body }
}

async fn app() -> axum::Router {
    minsheng::http::router(common::demo_catalog().await)
}

#[tokio::test]
async fn the_page_is_html_that_loads_maplibre_and_the_app() {
    let page = get(&app().await, "/").await;
    assert_eq!(page.content_type, "text/html; charset=utf-8");
    assert!(page.body.starts_with("<!doctype html>"), "{}", &page.body[..40]);
    for reference in ["/vendor/maplibre-gl.js", "/vendor/maplibre-gl.css", "/app.js", "/style.css"] {
        assert!(page.body.contains(&format!("\"{reference}\"")), "the page does not load {reference}");
    }
    assert!(!page.body.contains("//unpkg") && !page.body.contains("//cdn"), "the page must not need a CDN");
}

#[tokio::test]
async fn every_asset_is_served_with_its_content_type_and_caching() {
    let app = app().await;
    for (uri, content_type, vendor) in [
        ("/app.js", "text/javascript; charset=utf-8", false),
        ("/planner.js", "text/javascript; charset=utf-8", false),
        ("/official.js", "text/javascript; charset=utf-8", false),
        ("/report.js", "text/javascript; charset=utf-8", false),
        ("/staff.js", "text/javascript; charset=utf-8", false),
        ("/moves.js", "text/javascript; charset=utf-8", false),
        ("/board.js", "text/javascript; charset=utf-8", false),
        ("/i18n-work.js", "text/javascript; charset=utf-8", false),
        ("/follow.js", "text/javascript; charset=utf-8", false),
        ("/photos.js", "text/javascript; charset=utf-8", false),
        ("/moderation.js", "text/javascript; charset=utf-8", false),
        ("/i18n-follow.js", "text/javascript; charset=utf-8", false),
        ("/lifecircle.js", "text/javascript; charset=utf-8", false),
        ("/elevators.js", "text/javascript; charset=utf-8", false),
        ("/i18n-lifecircle.js", "text/javascript; charset=utf-8", false),
        ("/i18n.js", "text/javascript; charset=utf-8", false),
        ("/util.js", "text/javascript; charset=utf-8", false),
        ("/style.css", "text/css; charset=utf-8", false),
        ("/vendor/maplibre-gl.js", "text/javascript; charset=utf-8", true),
        ("/vendor/maplibre-gl.css", "text/css; charset=utf-8", true),
    ] {
        let asset = get(&app, uri).await;
        assert_eq!(asset.content_type, content_type, "{uri}");
        let max_age: u32 = asset.cache_control.rsplit("max-age=").next().unwrap().parse().unwrap();
        assert!(if vendor { max_age >= 86400 } else { max_age <= 3600 }, "{uri}: {}", asset.cache_control);
    }
}

#[tokio::test]
async fn the_vendored_library_is_the_real_maplibre() {
    let app = app().await;
    let js = get(&app, "/vendor/maplibre-gl.js").await.body;
    assert!(js.len() > 500_000, "maplibre-gl.js is only {} bytes", js.len());
    assert!(js.contains("maplibregl") && js.contains("MapLibre"));
    let css = get(&app, "/vendor/maplibre-gl.css").await.body;
    assert!(css.contains(".maplibregl-map"));
}

#[tokio::test]
async fn the_app_uses_the_tile_and_api_contract() {
    let js = get(&app().await, "/app.js").await.body;
    for needle in ["/style.json", "/api/locate?lon=", "/api/search?q="] {
        assert!(js.contains(needle), "app.js does not use {needle}");
    }
}

// A few helpers to read our own page: it is small, hand-written HTML with double-quoted
// attributes, so plain string search is enough (the browser tests come later).

/// Every opening `<name …>` tag, with its offset in `html`.
fn tags<'a>(html: &'a str, name: &str) -> Vec<(usize, &'a str)> {
    let open = format!("<{name}");
    html.match_indices(&open)
        .filter(|(at, _)| matches!(html.as_bytes().get(at + open.len()), Some(b' ' | b'>')))
        .map(|(at, _)| (at, &html[at..at + html[at..].find('>').expect("tags close")]))
        .collect()
}

/// An attribute's value in a tag (`name="value"`); `Some("")` for a bare attribute.
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    if let Some(start) = tag.find(&format!(" {name}=\"")) {
        let value = &tag[start + name.len() + 3..];
        return Some(&value[..value.find('"').unwrap()]);
    }
    tag.split_whitespace().any(|word| word == name).then_some("")
}

/// The values of a `<select id="…">`'s options.
fn options(html: &str, select: &str) -> Vec<String> {
    let start = html.find(&format!("<select id=\"{select}\"")).unwrap_or_else(|| panic!("no select #{select}"));
    let inner = &html[start..start + html[start..].find("</select>").unwrap()];
    tags(inner, "option").iter().map(|(_, tag)| attribute(tag, "value").unwrap().to_owned()).collect()
}

/// The quoted strings right after `prefix` in a script (`$('…')`, `from './…'`).
fn quoted_after(js: &str, prefix: &str) -> Vec<String> {
    js.match_indices(prefix)
        .map(|(at, _)| {
            let rest = &js[at + prefix.len()..];
            rest[..rest.find('\'').unwrap()].to_owned()
        })
        .collect()
}

async fn json(app: &axum::Router, uri: &str) -> Value {
    let (status, _, body) = common::call(app, "GET", uri, None, None).await;
    assert_eq!(status, StatusCode::OK, "{uri}: {body}");
    common::json(&body)
}

#[tokio::test]
async fn the_page_has_a_resident_a_planner_an_official_a_performance_and_a_staff_view_as_tabs() {
    let html = get(&app().await, "/").await.body;
    let tabs = tags(&html, "button").into_iter().filter(|(_, tag)| attribute(tag, "role") == Some("tab")).collect::<Vec<_>>();
    let ids: Vec<_> = tabs.iter().map(|(_, tag)| attribute(tag, "id").unwrap()).collect();
    assert_eq!(ids, ["tab-resident", "tab-planner", "tab-coverage", "tab-lifecircle", "tab-board", "tab-staff"]);
    for (_, tab) in &tabs {
        let panel = attribute(tab, "aria-controls").expect("a tab names its panel");
        let (_, section) = tags(&html, "section")
            .into_iter()
            .find(|(_, tag)| attribute(tag, "id") == Some(panel))
            .unwrap_or_else(|| panic!("no panel #{panel}"));
        assert_eq!(attribute(section, "role"), Some("tabpanel"));
        // The resident view is the one shown first.
        let selected = attribute(tab, "aria-selected") == Some("true");
        assert_eq!(attribute(section, "hidden").is_none(), selected, "#{panel}");
    }
    // The problem list and the coverage table are their own regions, hidden until the
    // planner or official view opens.
    for id in ["ranking", "coverage-table", "lc-card", "staff-case"] {
        let (_, aside) = tags(&html, "aside").into_iter().find(|(_, tag)| attribute(tag, "id") == Some(id)).unwrap();
        assert!(attribute(aside, "hidden").is_some(), "#{id}");
    }
    assert!(html.contains("id=\"csv\" href=\"/api/stats/problems.csv\""));
}

#[tokio::test]
async fn every_control_on_the_page_has_a_label() {
    let html = get(&app().await, "/").await.body;
    let mut checked = 0;
    for name in ["input", "select"] {
        for (at, tag) in tags(&html, name) {
            let by_for = attribute(tag, "id").is_some_and(|id| html.contains(&format!("<label for=\"{id}\"")));
            let wrapped =
                html[..at].rfind("<label").map(|open| html[..at].rfind("</label>").is_none_or(|close| close < open)).unwrap_or(false);
            assert!(by_for || wrapped || attribute(tag, "aria-label").is_some(), "no label for {tag}>");
            checked += 1;
        }
    }
    for (at, tag) in tags(&html, "button") {
        let text = &html[at + tag.len() + 1..at + html[at..].find("</button>").unwrap()];
        assert!(!text.trim().is_empty() || attribute(tag, "aria-label").is_some(), "a button without a name: {tag}>");
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} controls: did the planner or official view go?");
}

#[tokio::test]
async fn the_scripts_find_their_elements_and_modules() {
    let app = app().await;
    let html = get(&app, "/").await.body;
    let mut modules = vec!["/app.js".to_owned()];
    let mut seen = 0;
    while let Some(path) = modules.pop() {
        let js = get(&app, &path).await;
        assert_eq!(js.content_type, "text/javascript; charset=utf-8", "{path}");
        for id in quoted_after(&js.body, "$('") {
            assert!(html.contains(&format!(" id=\"{id}\"")), "{path} looks up #{id}, which the page lacks");
        }
        // Imports are relative to the page's root, where every module is served.
        for import in quoted_after(&js.body, " from '") {
            modules.push(format!("/{}", import.trim_start_matches("./").trim_start_matches('/')));
        }
        seen += 1;
    }
    assert!(seen >= 7, "app.js imports the planner, official, report, staff, i18n and util modules");
}

/// The page's own files: the HTML and every script it loads (not the vendored library).
const PAGE_FILES: [&str; 18] = [
    "/",
    "/app.js",
    "/planner.js",
    "/official.js",
    "/report.js",
    "/staff.js",
    "/moves.js",
    "/board.js",
    "/i18n.js",
    "/i18n-work.js",
    "/follow.js",
    "/photos.js",
    "/moderation.js",
    "/i18n-follow.js",
    "/lifecircle.js",
    "/elevators.js",
    "/i18n-lifecircle.js",
    "/util.js",
];

async fn vocabulary(app: &axum::Router) -> Value {
    json(app, "/api/vocabulary").await
}

/// The codes of one list of `/api/vocabulary`.
fn codes(vocabulary: &Value, list: &str) -> Vec<String> {
    let words = vocabulary[list].as_array().unwrap_or_else(|| panic!("the vocabulary has no list {list}"));
    words.iter().map(|w| w["code"].as_str().unwrap().to_owned()).collect()
}

/// One list of the answer, as (code, Chinese, English) triples.
fn triples(vocabulary: &Value, list: &str) -> Vec<(String, String, String)> {
    let text = |w: &Value, key: &str| w[key].as_str().unwrap_or_else(|| panic!("{list}: no {key} in {w}")).to_owned();
    vocabulary[list].as_array().unwrap().iter().map(|w| (text(w, "code"), text(w, "label_zh"), text(w, "label_en"))).collect()
}

fn words<W: Word>() -> Vec<(String, String, String)> {
    W::all().iter().map(|w| (w.as_str().to_owned(), w.label_zh().to_owned(), w.label_en().to_owned())).collect()
}

/// `/api/vocabulary` is the Rust lists, every one with both labels, cacheable, and documented.
#[tokio::test]
async fn the_vocabulary_is_the_rust_word_lists_with_both_labels() {
    let app = app().await;
    let (status, headers, body) = common::call(&app, "GET", "/api/vocabulary", None, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let v = common::json(&body);
    for (list, expected) in [
        ("sources", words::<Source>()),
        ("statuses", words::<CaseStatus>()),
        ("actions", words::<Action>()),
        ("ratings", words::<Rating>()),
        ("facility_kinds", words::<FacilityKind>()),
        ("station_levels", words::<StationLevel>()),
        ("circle_levels", words::<CircleLevel>()),
        ("demand_groups", words::<DemandGroup>()),
        ("compound_kinds", words::<CompoundKind>()),
        ("contact_roles", words::<ContactRole>()),
        ("unit_kinds", words::<UnitKind>()),
        ("staff_roles", words::<Role>()),
        ("grid_levels", words::<GridLevel>()),
        ("layers", words::<Layer>()),
        ("hot_spot_classes", words::<HotSpotClass>()),
        ("photo_stages", words::<PhotoStage>()),
        ("moderation_targets", words::<ModerationTarget>()),
        ("moderation_actions", words::<ModerationAction>()),
        ("categories", words::<Category>()),
        ("tiers", words::<Tier>()),
        ("states", words::<CaseState>()),
    ] {
        assert_eq!(triples(&v, list), expected, "{list}");
    }
    for category in Category::ALL {
        let entry = v["categories"].as_array().unwrap().iter().find(|c| c["code"] == category.as_str()).unwrap();
        assert_eq!(entry["tier"], category.default_tier().as_str());
        assert_eq!(entry["deadline_hours"].as_u64().unwrap() * 3_600, category.deadline().as_secs());
    }
    for state in CaseState::ALL {
        let entry = v["states"].as_array().unwrap().iter().find(|s| s["code"] == state.as_str()).unwrap();
        let next: Vec<&str> = state.next_states().iter().map(|s| s.as_str()).collect();
        assert_eq!(entry["next_states"], serde_json::json!(next), "{state}");
        assert_eq!((entry["action"].as_str(), entry["status"].as_str()), (Some(state.action()), Some(state.open311_status())));
    }
    for tier in Tier::ALL {
        let entry = v["tiers"].as_array().unwrap().iter().find(|t| t["code"] == tier.as_str()).unwrap();
        assert_eq!(entry["escalates_to"], serde_json::json!(tier.escalated().map(Tier::as_str)));
    }

    // Cacheable: a validator and a lifetime; the same validator answers 304 with no body.
    let etag = headers["etag"].to_str().unwrap().to_owned();
    assert!(headers["cache-control"].to_str().unwrap().contains("max-age="));
    let request = Request::get("/api/vocabulary").header("if-none-match", &etag).body(Body::empty()).unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
    assert!(response.into_body().collect().await.unwrap().to_bytes().is_empty());
    let request = Request::get("/api/vocabulary").header("if-none-match", "\"other\"").body(Body::empty()).unwrap();
    assert_eq!(app.clone().oneshot(request).await.unwrap().status(), StatusCode::OK);

    let openapi = json(&app, "/openapi.json").await;
    let operation = &openapi["paths"]["/api/vocabulary"]["get"];
    assert_eq!(operation["tags"][0], "vocabulary", "{operation}");
    assert!(openapi["components"]["schemas"]["Vocabulary"]["properties"]["categories"].is_object(), "the answer's schema is documented");
}

/// No word list is copied into the page: it asks `/api/vocabulary` and builds its menus,
/// legends and labels from it. So no label of a list appears in the page's files, and a code
/// appears as a string only where the page's behaviour depends on that one word (each named
/// below with its reason); a menu or table of codes would name many.
#[tokio::test]
async fn the_page_copies_no_word_list_and_asks_for_the_vocabulary() {
    let app = app().await;
    let v = vocabulary(&app).await;
    let mut files = Vec::new();
    for path in PAGE_FILES {
        files.push((path, get(&app, path).await.body));
    }
    let i18n = &files.iter().find(|(path, _)| *path == "/i18n.js").unwrap().1;
    assert!(i18n.contains("getJSON('/api/vocabulary')"), "i18n.js does not load the vocabulary");

    // Lists whose labels are their own words (not "street" or "网格", which the page's own
    // sentences use too): none of their labels, in either language, may be in the page.
    let distinct = [
        "categories",
        "sources",
        "tiers",
        "states",
        "statuses",
        "actions",
        "facility_kinds",
        "station_levels",
        "compound_kinds",
        "contact_roles",
        "staff_roles",
        "hot_spot_classes",
        "ratings",
    ];
    // Comments may name words; code and markup may not.
    let files: Vec<(&str, String)> = files
        .into_iter()
        .map(|(path, text)| {
            let code = text.lines().filter(|line| !["//", "* ", "/**"].iter().any(|c| line.trim_start().starts_with(c)));
            (path, code.collect::<Vec<_>>().join("\n"))
        })
        .collect();
    // A short label ("上报", "派遣") is also a piece of longer words ("上报时间"): it counts
    // when it stands alone, quoted or as an element's whole text.
    let stands_alone = |text: &str, label: &str| {
        ["'", "\"", "`", ">"].iter().zip(["'", "\"", "`", "<"]).any(|(open, close)| text.contains(&format!("{open}{label}{close}")))
    };
    let mut copies = Vec::new();
    let mut checked = 0;
    for list in distinct {
        for (code, zh, en) in triples(&v, list) {
            for (path, text) in &files {
                let copied = if zh.chars().count() <= 3 { stands_alone(text, &zh) } else { text.contains(zh.as_str()) };
                if copied {
                    copies.push(format!("{path}: {list} label {zh:?}"));
                }
                // English labels of one plain word ("noise", "open") are ordinary words.
                // Those the same as their code are checked as codes, below.
                if en.contains(' ') && text.to_lowercase().contains(&en.to_lowercase()) || en != code && stands_alone(text, &en) {
                    copies.push(format!("{path}: {list} label {en:?}"));
                }
            }
            checked += 1;
        }
    }
    // Codes as string literals ('parking', "parking", `parking`), for the lists whose codes are
    // not also ordinary words of the page's code (actions such as `submit`, layers).
    let allowed: [(&str, &str, &str); 10] = [
        ("/official.js", "elderly_day_care", "the kind the official view opens with"),
        ("/lifecircle.js", "elderly_day_care", "the kind the set-covering plan opens with (issue 17's question)"),
        ("/staff.js", "open", "the queue's dots: open cases in orange"),
        ("/app.js", "resident", "the resident view's name"),
        ("/planner.js", "community", "the problem list's grouping shows grid and community ids"),
        ("/", "community", "the problem list's grouping by community"),
        ("/planner.js", "hot_", "the outline palette of the hot-spot classes"),
        ("/planner.js", "cold_", "the outline palette of the hot-spot classes"),
        ("/planner.js", "not_significant", "cells drawn without an outline"),
        ("/follow.js", "unrated", "the one rating a resident is not offered: verification records it"),
    ];
    for list in [
        "categories",
        "sources",
        "tiers",
        "states",
        "statuses",
        "facility_kinds",
        "compound_kinds",
        "contact_roles",
        "staff_roles",
        "hot_spot_classes",
        "ratings",
    ] {
        for code in codes(&v, list) {
            for (path, text) in &files {
                let quoted = ['\'', '"', '`'].iter().any(|q| text.contains(&format!("{q}{code}{q}")));
                let excused = allowed.iter().any(|(file, word, _)| file == path && code.starts_with(word));
                if quoted && !excused {
                    copies.push(format!("{path}: {list} code {code:?}"));
                }
            }
            checked += 1;
        }
    }
    assert!(copies.is_empty(), "word lists copied into the page:\n{}", copies.join("\n"));
    assert!(checked > 100, "only {checked} words checked");
    // The allowances are still needed (a stale one would hide a new copy of that word).
    for (file, word, why) in allowed {
        let text = &files.iter().find(|(path, _)| *path == file).unwrap().1;
        assert!(
            text.contains(&format!("'{word}")) || text.contains(&format!("\"{word}")),
            "{file} no longer uses {word:?} ({why}): drop the allowance"
        );
    }
    // And the menus are built from the lists.
    for (path, needle) in [
        ("/planner.js", "list('categories')"),
        ("/planner.js", "list('statuses')"),
        ("/report.js", "list('categories')"),
        ("/staff.js", "list('states')"),
        ("/staff.js", "list('categories')"),
        ("/official.js", "list('facility_kinds')"),
        ("/lifecircle.js", "list('facility_kinds')"),
        ("/lifecircle.js", "list('demand_groups')"),
    ] {
        let text = &files.iter().find(|(p, _)| *p == path).unwrap().1;
        assert!(text.contains(needle), "{path} does not build its menu from {needle}");
    }
}

/// Every piece of markup goes through util.js's `html` template (which escapes what it is
/// given) and `render` (which refuses anything else): no script sets `innerHTML` itself or
/// glues template strings together.
#[tokio::test]
async fn markup_goes_through_the_escaping_html_template() {
    let app = app().await;
    let util = get(&app, "/util.js").await.body;
    for export in ["export const $", "export function html", "export function render", "export async function getJSON"] {
        assert!(util.contains(export), "util.js lacks {export}");
    }
    assert_eq!(util.matches("innerHTML").count(), 1, "util.js sets innerHTML in render alone");
    let mut renders = 0;
    for path in PAGE_FILES.iter().filter(|p| p.ends_with(".js") && **p != "/util.js") {
        let js = get(&app, path).await.body;
        for sink in ["innerHTML", "outerHTML", "insertAdjacentHTML", "setHTML(", "document.write", "fetch("] {
            assert!(!js.contains(sink), "{path} uses {sink}: use render(element, html`…`) and getJSON");
        }
        for (n, line) in js.lines().enumerate() {
            assert!(!line.trim_end().ends_with("` +"), "{path}:{}: template strings glued with + escape nothing: {line}", n + 1);
        }
        assert!(!js.contains("const $ ="), "{path} defines its own $: import it from util.js");
        renders += js.matches("render(").count();
    }
    assert!(renders >= 30, "only {renders} render calls: does the page still draw its panels?");
}

/// What the planner view asks for, with the choices its controls offer, is what the API
/// answers, in the shape the view reads.
#[tokio::test]
async fn the_planners_choices_are_accepted_by_the_api() {
    let app = app().await;
    let html = get(&app, "/").await.body;
    let js = get(&app, "/planner.js").await.body;
    for path in [
        "'/api/heatmap'",
        "'/api/stats/problems'",
        "'/api/stats/problems.csv'",
        "'/api/stats/timeline'",
        "'/tiles/reports.json'",
        "`/api/layers/${",
    ] {
        assert!(js.contains(path), "planner.js does not use {path}");
    }
    // The filter as the page writes it: every category ticked, a status, and dates, the
    // last one moved a day on since the API's `until` is exclusive.
    let categories: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
    let day = |t: i64| to_iso8601(t)[..10].to_owned();
    let filter = format!("category={}&since={}&until={}", categories.join("%2C"), day(now() - 365 * 86_400), day(now() + 86_400));
    let mut status = vec![String::new()];
    status.extend(codes(&vocabulary(&app).await, "statuses"));
    assert_eq!(status, ["", "open", "closed"]);

    let resolutions = options(&html, "resolution");
    assert_eq!(resolutions, ["8", "9", "10", "11"]);
    for resolution in &resolutions {
        for status in &status {
            let hexagons = json(&app, &format!("/api/heatmap?{filter}&status={status}&resolution={resolution}")).await;
            assert_eq!(hexagons["type"], "FeatureCollection");
            assert_eq!(hexagons["resolution"].to_string(), *resolution, "the heat scale reads the resolution back");
            let cell = &hexagons["features"][0]["properties"];
            for key in ["h3", "count", "households", "rate_per_1000", "z", "p", "class"] {
                assert!(cell.get(key).is_some(), "hexagons lack {key}: {cell}");
            }
        }
    }
    let tilejson = json(&app, "/tiles/reports.json").await;
    assert!(tilejson["tiles"][0].as_str().unwrap().contains("/tiles/reports/{z}/{x}/{y}"));

    let groups = options(&html, "group-by");
    assert_eq!(groups, ["compound", "grid", "community", "street"]);
    for group in &groups {
        let list = json(&app, &format!("/api/stats/problems?{filter}&status=open&group_by={group}")).await;
        for key in ["since", "until", "previous_since", "previous_until"] {
            assert!(list[key].as_str().is_some_and(|t| t.len() >= 19), "{key}: {list}");
        }
        let row = &list["rows"][0];
        for key in ["rank", "id", "name", "count", "rate_per_1000", "previous_count", "change", "change_pct"] {
            assert!(row.get(key).is_some(), "rows lack {key}: {row}");
        }
        // Clicking a row zooms to the area: the view maps the grouping to its layer.
        let layer = quoted_after(&js, &format!("{group}: '")).pop().unwrap_or_else(|| panic!("no layer for {group}"));
        let area = json(&app, &format!("/api/layers/{layer}/{}", row["id"].as_str().unwrap())).await;
        assert_eq!(area["type"], "Feature");
        assert!(area["geometry"]["coordinates"].is_array());

        let (status, headers, csv) =
            common::call(&app, "GET", &format!("/api/stats/problems.csv?{filter}&group_by={group}"), None, None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(headers[CONTENT_TYPE].to_str().unwrap().starts_with("text/csv"));
        assert!(csv.trim_start_matches('\u{feff}').starts_with("rank,id,name,count"));
    }
    for interval in ["week", "month"] {
        let timeline = json(&app, &format!("/api/stats/timeline?{filter}&interval={interval}")).await;
        let bucket = &timeline["buckets"][0];
        assert!(bucket["start"].is_string() && bucket["count"].is_u64(), "{timeline}");
    }
}

/// The official view's controls: a labelled kind picker with every facility kind, a circle
/// picker with GB 50180's 5, 10 and 15 minutes and a custom distance, and the siting form.
#[tokio::test]
async fn the_official_view_has_labelled_kind_circle_and_siting_controls() {
    let app = app().await;
    let html = get(&app, "/").await.body;
    let js = get(&app, "/official.js").await.body;
    let kinds: Vec<&str> = FacilityKind::ALL.iter().map(|k| k.as_str()).collect();
    assert_eq!(codes(&vocabulary(&app).await, "facility_kinds"), kinds, "the kind picker offers the server's kinds, in its order");
    assert!(options(&html, "coverage-kind").is_empty(), "the kind picker is filled from the vocabulary, not written in the page");
    assert!(js.contains("list('facility_kinds')"), "official.js does not fill the kind picker from the vocabulary");
    assert_eq!(options(&html, "coverage-circle"), ["meters=300", "meters=500", "minutes=15", "custom"]);
    assert_eq!(options(&html, "siting-candidates"), ["compounds", "buildings"]);
    for id in ["coverage-kind", "coverage-circle", "coverage-metres", "coverage-by", "siting-add", "siting-candidates"] {
        assert!(html.contains(&format!("<label for=\"{id}\"")), "#{id} has no label");
    }
    for id in ["show-isochrones", "show-distance", "show-walkways"] {
        let (at, _) = tags(&html, "input").into_iter().find(|(_, tag)| attribute(tag, "id") == Some(id)).unwrap();
        assert!(html[..at].ends_with("<label>"), "#{id} is not inside its label");
    }
    for (id, min, max) in [("coverage-metres", "50", "5000"), ("siting-add", "1", "50")] {
        let (_, tag) = tags(&html, "input").into_iter().find(|(_, tag)| attribute(tag, "id") == Some(id)).unwrap();
        assert_eq!((attribute(tag, "type"), attribute(tag, "min"), attribute(tag, "max")), (Some("number"), Some(min), Some(max)), "#{id}");
    }
    // The view keeps its kind and circle in the address, as `#coverage?kind=…&…`: official.js
    // gives its part, app.js puts the view's name in front and the map position after.
    assert!(js.contains("`kind=${"), "official.js does not give its state for the address");
    let app_js = get(&app, "/app.js").await.body;
    assert!(app_js.contains("`#${view}${"), "app.js does not write the view into the address");
}

/// What the official view asks for, with every choice its controls offer, is what the API
/// answers, in the shape the view reads.
#[tokio::test]
async fn the_official_views_choices_are_accepted_by_the_api() {
    let app = app().await;
    let html = get(&app, "/").await.body;
    let js = get(&app, "/official.js").await.body;
    for path in
        ["'/api/coverage'", "'/api/coverage/buildings'", "'/api/coverage/isochrones'", "'/api/coverage/plan'", "'/tiles/walkways.json'"]
    {
        assert!(js.contains(path), "official.js does not use {path}");
    }
    let (_, metres) = tags(&html, "input").into_iter().find(|(_, tag)| attribute(tag, "id") == Some("coverage-metres")).unwrap();
    let custom = format!("meters={}", attribute(metres, "value").unwrap());
    let circles: Vec<String> =
        options(&html, "coverage-circle").into_iter().map(|c| if c == "custom" { custom.clone() } else { c }).collect();
    for kind in codes(&vocabulary(&app).await, "facility_kinds") {
        for circle in &circles {
            let answer = json(&app, &format!("/api/coverage?kind={kind}&{circle}")).await;
            assert_eq!(answer["kind"], kind.as_str());
            for key in [
                "kind_label",
                "limit_m",
                "minutes",
                "speed_m_per_min",
                "method",
                "stations",
                "stations_off_network",
                "buildings_off_network",
            ] {
                assert!(!answer[key].is_null(), "{kind} {circle}: no {key}");
            }
            assert!(answer.get("method_note").is_some());
            if answer["method"] == "euclidean" {
                assert!(answer["method_note"].is_string(), "a straight-line answer says why");
            }
            let expected = match circle.split_once('=').unwrap() {
                ("meters", m) => m.parse::<f64>().unwrap(),
                (_, minutes) => minutes.parse::<f64>().unwrap() * 1000.0 / 15.0,
            };
            assert!((answer["limit_m"].as_f64().unwrap() - expected).abs() < 1e-6, "{circle}: {}", answer["limit_m"]);
            let tallies = [&answer["total"], &answer["by_street"][0], &answer["by_community"][0]];
            for tally in tallies {
                for key in ["buildings", "buildings_covered", "households", "households_covered", "population", "population_covered"] {
                    assert!(tally[key].is_u64(), "{kind} {circle}: {key} in {tally}");
                }
                for key in ["buildings_share", "households_share", "population_share"] {
                    assert!(tally[key].as_f64().is_some_and(|s| (0.0..=1.0).contains(&s)), "{kind} {circle}: {key} in {tally}");
                }
            }
            for area in ["by_street", "by_community"] {
                assert!(answer[area][0]["name"].is_string(), "{area} rows have names");
            }
            for compound in answer["uncovered_compounds"].as_array().unwrap() {
                for key in ["id", "name", "households", "households_uncovered", "buildings_uncovered"] {
                    assert!(!compound[key].is_null(), "{key} in {compound}");
                }
                let centre = compound["centre"].as_array().expect("a compound has a centre to zoom to");
                assert!(centre.len() == 2 && centre.iter().all(Value::is_f64));
                assert!(compound["nearest_m"].is_null() || compound["nearest_m"].is_f64());
            }
        }
    }
    // The map's layers and the siting plan, for one kind and each circle.
    let bbox = "bbox=104.0,30.7,104.1,30.9";
    for circle in &circles {
        let buildings = json(&app, &format!("/api/coverage/buildings?kind=clinic&{circle}&{bbox}")).await;
        assert_eq!(buildings["type"], "FeatureCollection");
        assert!(buildings["limit_m"].is_f64() && buildings["method"].is_string());
        let features = buildings["features"].as_array().unwrap();
        assert!(!features.is_empty(), "the bbox holds the demo's buildings");
        for feature in features {
            let p = &feature["properties"];
            for key in ["id", "name", "households", "population", "covered"] {
                assert!(!p[key].is_null(), "{key} in {p}");
            }
            assert!(p["distance_m"].is_null() || p["distance_m"].is_f64(), "{p}");
        }
        let isochrones = json(&app, &format!("/api/coverage/isochrones?kind=clinic&{circle}")).await;
        assert_eq!(isochrones["type"], "FeatureCollection");
        let first = &isochrones["features"][0];
        assert!(first["geometry"]["type"].as_str().unwrap().ends_with("Polygon"));
        for key in ["station_id", "name", "limit_m", "reached_m", "off_network"] {
            assert!(!first["properties"][key].is_null(), "{key} in {}", first["properties"]);
        }
        let (key, value) = circle.split_once('=').unwrap();
        for candidates in options(&html, "siting-candidates") {
            let body = format!(r#"{{"kind":"clinic","{key}":{value},"add":3,"candidates":"{candidates}"}}"#);
            let (status, _, text) = common::call(&app, "POST", "/api/coverage/plan", None, Some(body.clone())).await;
            assert_eq!(status, StatusCode::OK, "{body}: {text}");
            let plan = common::json(&text);
            for key in [
                "households",
                "households_covered_before",
                "households_share_before",
                "candidates",
                "candidates_evaluated",
                "method",
                "limit_m",
            ] {
                assert!(!plan[key].is_null(), "{key} in the plan");
            }
            let picks = plan["picks"].as_array().unwrap();
            // Fewer picks than asked only when no candidate adds households any more.
            let everyone = plan["households_covered_before"] == plan["households"];
            assert!(picks.len() <= 3 && (everyone || !picks.is_empty()), "{body}: {} picks", picks.len());
            for (i, pick) in picks.iter().enumerate() {
                assert_eq!(pick["rank"], i + 1);
                assert!(pick["households_added"].as_u64().unwrap() > 0);
                assert!(pick["households_covered"].is_u64() && pick["households_share"].is_f64());
                assert!(pick["site"]["lon"].is_f64() && pick["site"]["lat"].is_f64() && pick["site"]["type"].is_string());
            }
        }
    }
    let tilejson = json(&app, "/tiles/walkways.json").await;
    assert!(tilejson["tiles"][0].as_str().unwrap().contains("/tiles/walkways/{z}/{x}/{y}"));
}

/// The ids the browser tests drive: they must stay as they are.
#[tokio::test]
async fn the_page_has_the_ids_the_browser_tests_use() {
    let html = get(&app().await, "/").await.body;
    for id in [
        "where-am-i",
        "report-open",
        "report-form",
        "report-category",
        "report-description",
        "report-name",
        "report-phone",
        "report-submit",
        "report-duplicates",
        "report-result",
        "report-case",
        "case-lookup",
        "case-number",
        "case-status",
        "tab-staff",
        "staff-token",
        "staff-signin",
        "staff-signout",
        "staff-queue",
        "staff-case",
        "transition-note",
        "transition-reply",
        "after-photo",
        "after-photo-previews",
        "moderation-form",
        "moderation-actions",
        "moderation-reason",
        "moderation-apply",
        "report-photo",
        "report-photo-previews",
        "report-notify",
        "report-follow",
        "report-follow-url",
        "report-follow-open",
        "my-follows",
        "follow",
        "follow-body",
        "follow-ratings",
        "follow-rate-form",
        "follow-rate-comment",
        "follow-rate-submit",
        "follow-comment",
        "follow-comment-submit",
        "lang-toggle",
        "tab-lifecircle",
        "lifecircle-view",
        "lc-status",
        "lc-group",
        "lc-fill",
        "lc-legend",
        "lc-legend-title",
        "lc-worst",
        "lc-card",
        "lc-card-body",
        "lc-plan",
        "lc-plan-kind",
        "lc-plan-minutes",
        "lc-plan-group",
        "lc-plan-target",
        "lc-plan-candidates",
        "lc-plan-run",
        "lc-plan-summary",
        "lc-plan-bound",
        "lc-plan-picks",
        "elevator-rows",
        "elevator-csv",
        "show-elevators",
    ] {
        assert!(html.contains(&format!(" id=\"{id}\"")), "the page lacks #{id}");
    }
    let app_js = get(&app().await, "/app.js").await.body;
    assert!(app_js.contains("window.minsheng"), "app.js exposes the map for the browser tests");
    let staff = get(&app().await, "/staff.js").await.body;
    for needle in ["case-item", "dataset.case", "Bearer ", "/api/me"] {
        assert!(staff.contains(needle), "staff.js lacks {needle}");
    }
    let moves = get(&app().await, "/moves.js").await.body;
    for needle in ["class=\"move", "data-action=", "found.actions", "unit_choices"] {
        assert!(moves.contains(needle), "moves.js lacks {needle}");
    }
    let report = get(&app().await, "/report.js").await.body;
    assert!(report.contains("me-too"), "report.js gives each possible duplicate a .me-too button");
}

/// The report form takes up to three photos from the phone's camera or gallery (the types
/// and size the server accepts), sends them as multipart `photo` parts beside the `report`
/// JSON, asks the consent to be told of progress, and shows the follow-up link it gets back.
#[tokio::test]
async fn the_report_form_takes_photos_and_consent_and_keeps_the_follow_up_link() {
    let app = app().await;
    let html = get(&app, "/").await.body;
    let (_, photo) = tags(&html, "input").into_iter().find(|(_, tag)| attribute(tag, "id") == Some("report-photo")).unwrap();
    assert_eq!(attribute(photo, "type"), Some("file"));
    assert_eq!(attribute(photo, "capture"), Some("environment"), "the camera is offered");
    assert!(attribute(photo, "multiple").is_some(), "several photos may be picked");
    let accept = attribute(photo, "accept").unwrap();
    for kind in ["image/jpeg", "image/png", "image/webp"] {
        assert!(accept.contains(kind), "the picker does not accept {kind}: {accept}");
    }
    let (_, consent) = tags(&html, "input").into_iter().find(|(_, tag)| attribute(tag, "id") == Some("report-notify")).unwrap();
    assert_eq!(attribute(consent, "type"), Some("checkbox"));
    let photos = get(&app, "/photos.js").await.body;
    for needle in ["MAX_PHOTOS = 3", "MAX_MB = 5", "form.append(part, file", "'image/jpeg'", "'image/png'", "'image/webp'"] {
        assert!(photos.contains(needle), "photos.js lacks {needle}");
    }
    let report = get(&app, "/report.js").await.body;
    for needle in ["multipart({ report: body }, files)", "body.notify = true", "follow_url", "saveFollow("] {
        assert!(report.contains(needle), "report.js lacks {needle}");
    }
    let follow = get(&app, "/follow.js").await.body;
    for needle in ["/api/follow/", "'/comment'", "'/rating'", "may_rate", "list('ratings')"] {
        assert!(follow.contains(needle), "follow.js lacks {needle}");
    }
    let app_js = get(&app, "/app.js").await.body;
    assert!(app_js.contains("params.get('follow')"), "app.js does not open #follow=<secret>");
}

/// The report form offers the server's twelve categories, and its length limit is the one
/// the API enforces.
#[tokio::test]
async fn the_report_form_matches_what_the_api_accepts() {
    let app = common::unlimited_app(common::demo_catalog().await);
    let html = get(&app, "/").await.body;
    let categories: Vec<_> = Category::ALL.iter().map(|c| c.as_str().to_owned()).collect();
    assert_eq!(codes(&vocabulary(&app).await, "categories"), categories);
    assert!(options(&html, "report-category").is_empty(), "the category menu is filled from the vocabulary");
    assert!(get(&app, "/report.js").await.body.contains("list('categories')"));
    let (_, textarea) = tags(&html, "textarea").into_iter().find(|(_, tag)| attribute(tag, "id") == Some("report-description")).unwrap();
    assert!(attribute(textarea, "required").is_some());
    let limit: usize = attribute(textarea, "maxlength").unwrap().parse().unwrap();
    let (_, name) = tags(&html, "input").into_iter().find(|(_, tag)| attribute(tag, "id") == Some("report-name")).unwrap();
    let name_limit: usize = attribute(name, "maxlength").unwrap().parse().unwrap();

    // A point inside the demo district, as the locate card gives it.
    let building = json(&app, "/api/layers/buildings?limit=1").await;
    let ring = &building["features"][0]["geometry"]["coordinates"][0];
    let ring = if ring[0][0].is_array() { &ring[0] } else { ring };
    let (lon, lat) = (ring[0][0].as_f64().unwrap(), ring[0][1].as_f64().unwrap());
    let nearby = json(&app, &format!("/api/reports/nearby?lon={lon}&lat={lat}&category=parking")).await;
    assert!(nearby["reports"].is_array());
    let post = |description: String, name: String| {
        let app = app.clone();
        async move {
            let body =
                serde_json::json!({"category": "parking", "description": description, "reporter_name": name, "lon": lon, "lat": lat});
            common::call(&app, "POST", "/api/reports", None, Some(body.to_string())).await
        }
    };
    let (status, _, body) = post("停".repeat(limit), "张".repeat(name_limit)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let answer = common::json(&body);
    for key in ["case_number", "grid_id", "tier_label", "responder"] {
        assert!(answer["report"][key].is_string(), "the result shows {key}: {answer}");
    }
    let case = answer["report"]["case_number"].as_str().unwrap().to_owned();
    let (status, _, body) = post("停".repeat(limit + 1), String::new()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(common::json(&body)["error"]["message"].is_string());
    let (status, _, _) = post("停".into(), "张".repeat(name_limit + 1)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // What the lookup box reads.
    let public = json(&app, &format!("/api/reports/{case}")).await;
    for key in ["case_number", "state_label", "category_label", "created_at", "description", "status"] {
        assert!(!public["report"][key].is_null(), "{key}");
    }
    assert_eq!(public["history"][0]["action"], "submit");
}

/// The staff view's filters, buttons and audit-trail words are the server's vocabulary: its
/// state filter offers each status's states together, then every state, and the workflow's
/// moves and audit actions all have words.
#[tokio::test]
async fn the_staff_view_speaks_the_workflows_vocabulary() {
    let catalog = common::demo_catalog().await;
    let token = create_token(&catalog, &TokenRequest::new(Role::Official, "网页测试 web test"), now()).await.unwrap().secret;
    let app = minsheng::http::router(catalog);
    let html = get(&app, "/").await.body;
    for select in ["staff-state", "staff-category"] {
        assert!(options(&html, select).is_empty(), "#{select} is filled from the vocabulary");
    }
    let v = vocabulary(&app).await;
    let actions = codes(&v, "actions");
    for state in v["states"].as_array().unwrap() {
        assert!(actions.iter().any(|a| a == state["action"].as_str().unwrap()), "no words for the move into {}", state["code"]);
    }
    // Every action the audit trail writes has words.
    for action in
        ["submit", "accept", "dispatch", "start", "resolve", "verify", "close", "reject", "mark_duplicate", "reopen", "escalate", "support"]
    {
        assert!(actions.iter().any(|a| a == action), "the vocabulary has no words for the action {action}");
    }
    let staff = get(&app, "/staff.js").await.body;
    for needle in ["label('actions'", "label('states'", "label('tiers'", "label('sources'", "list('statuses')"] {
        assert!(staff.contains(needle), "staff.js lacks {needle}");
    }
    // The queue answers each choice the state menu offers: every status's states, and each state.
    let mut choices: Vec<String> = codes(&v, "statuses")
        .iter()
        .map(|status| {
            let states = v["states"].as_array().unwrap().iter().filter(|s| s["status"] == status.as_str());
            states.map(|s| s["code"].as_str().unwrap()).collect::<Vec<_>>().join(",")
        })
        .collect();
    choices.extend(codes(&v, "states"));
    for state in choices {
        let (status, _, body) = common::call(&app, "GET", &format!("/api/reports?state={state}&limit=1"), Some(&token), None).await;
        assert_eq!(status, StatusCode::OK, "state={state}: {body}");
    }
}
