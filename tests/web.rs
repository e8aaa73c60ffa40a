//! The map page and its assets, served from the binary, called in-process through the router.

mod common;

use axum::body::Body;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
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
    for needle in ["/tiles/grids,compounds,buildings,stations.json", "/api/locate?lon=", "/api/search?q="] {
        assert!(js.contains(needle), "app.js does not use {needle}");
    }
}
