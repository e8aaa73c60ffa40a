//! Photos over HTTP: a report filed with photos as multipart, their EXIF (GPS) gone from
//! what is served, thumbnails, cache headers, bad files refused by content and size with
//! nothing stored, the handler's after-photos, hidden photos 404 for the public, Open311's
//! `media_url`, and photos kept in a folder.

mod common;

use axum::http::StatusCode;
use common::backend::{Backend, TestDatabase};
use common::images::{GPS_SECONDS, jpeg_markers, jpeg_with_gps, png, png_chunks, size, webp};
use common::{call, call_raw, json, multipart};
use minsheng::model::reports::Role;
use minsheng::model::time::now;
use minsheng::services::Catalog;
use minsheng::services::auth::{TokenRequest, create_token};
use minsheng::services::photos::PhotoStorage;
use serde_json::{Value, json};

on_both_backends!(
    a_report_with_photos_serves_them_without_exif_in_their_own_type,
    bad_files_are_refused_by_content_and_size_and_nothing_is_stored,
    a_handler_adds_after_photos_and_a_hidden_photo_is_gone_for_the_public,
);

struct Setup {
    catalog: Catalog,
    _database: TestDatabase,
    app: axum::Router,
    point: geo::Point,
    /// The street of `point`, for a supervisor's token.
    street: String,
}

async fn setup_with(backend: Backend, photos: PhotoStorage) -> Setup {
    let (catalog, database) = common::backend::demo_catalog_on(backend).await;
    let settings = minsheng::http::Settings { submissions_per_minute: 0, photos, ..Default::default() };
    let app = minsheng::http::router_with(catalog.clone(), settings);
    let snapshot = catalog.snapshot();
    let point = common::inside(&snapshot.data.buildings[0].geometry);
    let street = minsheng::services::reports::routing::route(&snapshot, point, "property".parse().unwrap()).unwrap().street_id;
    drop(snapshot);
    Setup { catalog, _database: database, app, point, street }
}

async fn setup(backend: Backend) -> Setup {
    setup_with(backend, PhotoStorage::in_database()).await
}

fn report_part(s: &Setup, category: &str) -> String {
    json!({"category": category, "description": "楼道堆物", "lon": s.point.x(), "lat": s.point.y()}).to_string()
}

async fn post_form(s: &Setup, uri: &str, token: Option<&str>, parts: &[(&str, Option<&str>, &[u8])]) -> (StatusCode, Value) {
    let (content_type, body) = multipart(parts);
    let bearer = token.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("content-type", content_type.as_str())];
    if let Some(bearer) = &bearer {
        headers.push(("authorization", bearer.as_str()));
    }
    let (status, _, answer) = call_raw(&s.app, "POST", uri, &headers, body).await;
    let text = String::from_utf8(answer).unwrap();
    (status, json(&text))
}

async fn get(s: &Setup, uri: &str, token: Option<&str>) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let bearer = token.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> = bearer.iter().map(|b| ("authorization", b.as_str())).collect();
    call_raw(&s.app, "GET", uri, &headers, Vec::new()).await
}

async fn token(s: &Setup, request: TokenRequest) -> String {
    create_token(&s.catalog, &request, now()).await.unwrap().secret
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

async fn a_report_with_photos_serves_them_without_exif_in_their_own_type(backend: Backend) {
    let s = setup(backend).await;
    let phone_photo = jpeg_with_gps(3000, 2000);
    assert!(jpeg_markers(&phone_photo).contains(&0xE1) && contains(&phone_photo, &GPS_SECONDS), "the test photo carries EXIF GPS");
    let screenshot = png(400, 300);
    let report = report_part(&s, "parking");
    let parts: [(&str, Option<&str>, &[u8]); 3] =
        [("report", None, report.as_bytes()), ("photo", Some("IMG_0042.jpg"), &phone_photo), ("photo", Some("screen.png"), &screenshot)];
    let (status, answer) = post_form(&s, "/api/reports", None, &parts).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let photos = answer["report"]["photos"].as_array().unwrap().clone();
    assert_eq!(photos.len(), 2, "{answer}");
    assert!(photos.iter().all(|p| p["stage"] == "before"));

    // The JPEG: re-encoded, scaled to 2048 px, no APP1 (EXIF) segment and no GPS bytes.
    let url = photos[0]["url"].as_str().unwrap();
    let (status, headers, bytes) = get(&s, url, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "image/jpeg");
    let cache = headers["cache-control"].to_str().unwrap();
    assert!(cache.starts_with("public") && cache.contains("max-age=") && cache.contains("immutable"), "{cache}");
    let etag = headers["etag"].to_str().unwrap().to_owned();
    assert!(!jpeg_markers(&bytes).contains(&0xE1), "no APP1 segment: {:x?}", jpeg_markers(&bytes));
    assert!(!contains(&bytes, b"Exif") && !contains(&bytes, &GPS_SECONDS), "no EXIF left");
    assert_eq!(size(&bytes), (2048, 1365));
    assert_eq!((photos[0]["width"].as_u64(), photos[0]["height"].as_u64()), (Some(2048), Some(1365)));

    // The thumbnail: smaller, at most 320 px, same type.
    let (status, headers, thumb) = get(&s, photos[0]["thumb_url"].as_str().unwrap(), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "image/jpeg");
    assert_eq!(size(&thumb), (320, 213));
    assert!(thumb.len() < bytes.len());

    // A cache revalidating with the ETag gets 304.
    let (status, _, empty) = call_raw(&s.app, "GET", url, &[("if-none-match", &etag)], Vec::new()).await;
    assert_eq!((status, empty.len()), (StatusCode::NOT_MODIFIED, 0));

    // The PNG stays a PNG, with no text or EXIF chunks.
    let (status, headers, bytes) = get(&s, photos[1]["url"].as_str().unwrap(), None).await;
    assert_eq!((status, headers["content-type"].to_str().unwrap()), (StatusCode::OK, "image/png"));
    let chunks = png_chunks(&bytes);
    assert!(chunks.iter().all(|c| ["IHDR", "IDAT", "IEND"].contains(&c.as_str())), "{chunks:?}");

    // A WebP is taken as fields in parts of their own, and becomes a JPEG.
    let image = webp(200, 100);
    let (lon, lat) = (s.point.x().to_string(), s.point.y().to_string());
    let parts: [(&str, Option<&str>, &[u8]); 5] = [
        ("category", None, b"sanitation"),
        ("description", None, "垃圾满溢".as_bytes()),
        ("lon", None, lon.as_bytes()),
        ("lat", None, lat.as_bytes()),
        ("photo", Some("a.webp"), &image),
    ];
    let (status, answer) = post_form(&s, "/api/reports", None, &parts).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let case = answer["report"]["case_number"].as_str().unwrap().to_owned();
    let (_, headers, bytes) = get(&s, answer["report"]["photos"][0]["url"].as_str().unwrap(), None).await;
    assert_eq!(headers["content-type"], "image/jpeg");
    assert_eq!(size(&bytes), (200, 100));

    // The case view lists the photos; Open311's media_url is the first one, absolute.
    let (_, _, text) = call(&s.app, "GET", &format!("/api/reports/{case}"), None, None).await;
    assert_eq!(json(&text)["report"]["photos"].as_array().unwrap().len(), 1);
    let (_, _, text) = call(&s.app, "GET", &format!("/open311/v2/requests/{case}.json"), None, None).await;
    let media = json(&text)[0]["media_url"].as_str().unwrap().to_owned();
    assert!(media.starts_with("http") && media.ends_with(answer["report"]["photos"][0]["url"].as_str().unwrap()), "{media}");
}

async fn photo_count(s: &Setup) -> usize {
    s.catalog.store().dump().await.unwrap().photos.len()
}

async fn bad_files_are_refused_by_content_and_size_and_nothing_is_stored(backend: Backend) {
    let s = setup(backend).await;
    let report = report_part(&s, "parking");
    let good = jpeg_with_gps(64, 64);
    let cases_before = s.catalog.store().dump().await.unwrap().reports.len();

    // A text file named .jpg (and declared image/jpeg) is not an image.
    let parts: [(&str, Option<&str>, &[u8]); 3] = [
        ("report", None, report.as_bytes()),
        ("photo", Some("ok.jpg"), &good),
        ("photo", Some("notes.jpg"), b"just some text, not a photo"),
    ];
    let (status, answer) = post_form(&s, "/api/reports", None, &parts).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(message.contains("photo 2") && message.contains("notes.jpg") && message.contains("not an image"), "{message}");

    // Four photos are one too many.
    let parts: Vec<(&str, Option<&str>, &[u8])> =
        std::iter::once(("report", None, report.as_bytes())).chain((0..4).map(|_| ("photo", Some("p.jpg"), good.as_slice()))).collect();
    let (status, answer) = post_form(&s, "/api/reports", None, &parts).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert!(answer["error"]["message"].as_str().unwrap().contains("at most 3"), "{answer}");

    // A 6 MB file is over the 5 MB limit, named.
    let mut huge = good.clone();
    huge.resize(6 * 1024 * 1024, 0);
    let parts: [(&str, Option<&str>, &[u8]); 2] = [("report", None, report.as_bytes()), ("photo", Some("big.jpg"), &huge)];
    let (status, answer) = post_form(&s, "/api/reports", None, &parts).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{answer}");
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(message.contains("big.jpg") && message.contains("5 MB"), "{message}");

    // A GIF is an image, but not one we take.
    let parts: [(&str, Option<&str>, &[u8]); 2] =
        [("report", None, report.as_bytes()), ("photo", Some("a.gif"), b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")];
    let (status, answer) = post_form(&s, "/api/reports", None, &parts).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert!(answer["error"]["message"].as_str().unwrap().contains("JPEG, PNG and WebP"), "{answer}");

    // A bad report field refuses the photos with it.
    let bad = json!({"category": "parking", "description": "", "lon": s.point.x(), "lat": s.point.y()}).to_string();
    let parts: [(&str, Option<&str>, &[u8]); 2] = [("report", None, bad.as_bytes()), ("photo", Some("ok.jpg"), &good)];
    let (status, answer) = post_form(&s, "/api/reports", None, &parts).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");

    assert_eq!(photo_count(&s).await, 0, "no photo stored");
    assert_eq!(s.catalog.store().dump().await.unwrap().reports.len(), cases_before, "no case filed");
}

async fn a_handler_adds_after_photos_and_a_hidden_photo_is_gone_for_the_public(backend: Backend) {
    let s = setup(backend).await;
    let photo = jpeg_with_gps(800, 600);
    let report = report_part(&s, "parking");
    let parts: [(&str, Option<&str>, &[u8]); 2] = [("report", None, report.as_bytes()), ("photo", Some("a.jpg"), &photo)];
    let (status, answer) = post_form(&s, "/api/reports", None, &parts).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let case = answer["report"]["case_number"].as_str().unwrap().to_owned();
    let before = answer["report"]["photos"][0]["id"].as_i64().unwrap();

    let admin = token(&s, TokenRequest::new(Role::Admin, "管理员")).await;
    let supervisor = token(&s, TokenRequest { street: Some(s.street.clone()), ..TokenRequest::new(Role::Supervisor, "督办") }).await;
    let official = token(&s, TokenRequest::new(Role::Official, "干部")).await;

    // Not before the work starts, and not by a supervisor.
    let after = png(300, 300);
    let parts: [(&str, Option<&str>, &[u8]); 1] = [("photo", Some("done.png"), &after)];
    let uri = format!("/api/reports/{case}/photos");
    assert_eq!(post_form(&s, &uri, Some(&admin), &parts).await.0, StatusCode::CONFLICT);
    for step in ["accepted", "dispatched", "in_progress"] {
        let (status, _, text) =
            call(&s.app, "POST", &format!("/api/reports/{case}/transition"), Some(&admin), Some(json!({"to": step}).to_string())).await;
        assert_eq!(status, StatusCode::OK, "{text}");
    }
    assert_eq!(post_form(&s, &uri, Some(&supervisor), &parts).await.0, StatusCode::FORBIDDEN);
    assert_eq!(post_form(&s, &uri, None, &parts).await.0, StatusCode::UNAUTHORIZED);
    let (status, answer) = post_form(&s, &uri, Some(&admin), &parts).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let stages: Vec<&str> = answer.as_array().unwrap().iter().map(|p| p["stage"].as_str().unwrap()).collect();
    assert_eq!(stages, ["before", "after"]);

    // A supervisor hides the reporter's photo: the public gets 404 and no trace of it.
    let body = json!({"target": "photo", "id": before, "action": "hide", "reason": "照片拍到了邻居的脸"});
    let (status, _, text) =
        call(&s.app, "POST", &format!("/api/reports/{case}/moderation"), Some(&supervisor), Some(body.to_string())).await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let moderation = json(&text)["moderation"]["id"].as_i64().unwrap();
    for suffix in ["", "/thumb"] {
        let (status, _, _) = get(&s, &format!("/api/photos/{before}{suffix}"), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "hidden photo{suffix}");
        // Staff who may read the case still see it, never cached.
        let (status, headers, _) = get(&s, &format!("/api/photos/{before}{suffix}"), Some(&official)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["cache-control"], "private, no-store");
    }
    let (_, _, text) = call(&s.app, "GET", &format!("/api/reports/{case}"), None, None).await;
    let public = json(&text);
    let ids: Vec<i64> = public["report"]["photos"].as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect();
    assert!(!ids.contains(&before) && ids.len() == 1, "{public}");
    assert!(!text.contains(&format!("/api/photos/{before}")));
    // Staff see both, the hidden one marked.
    let (_, _, text) = call(&s.app, "GET", &format!("/api/reports/{case}"), Some(&official), None).await;
    let staff = json(&text);
    let hidden: Vec<bool> = staff["report"]["photos"].as_array().unwrap().iter().map(|p| p["hidden"].as_bool().unwrap_or(false)).collect();
    assert_eq!(hidden, [true, false], "{staff}");

    // An admin reverts it: public again.
    let (status, _, text) = call(&s.app, "POST", &format!("/api/reports/{case}/moderation/{moderation}/revert"), Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(get(&s, &format!("/api/photos/{before}"), None).await.0, StatusCode::OK);
    assert_eq!(get(&s, "/api/photos/999999", None).await.0, StatusCode::NOT_FOUND);
    assert_eq!(get(&s, "/api/photos/abc", None).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn photos_kept_in_a_folder_are_files_named_by_content_and_served_alike() {
    let folder = tempfile::tempdir().unwrap();
    let s = setup_with(Backend::Sqlite, PhotoStorage::in_folder(folder.path()).unwrap()).await;
    let photo = jpeg_with_gps(640, 480);
    let report = report_part(&s, "parking");
    let parts: [(&str, Option<&str>, &[u8]); 2] = [("report", None, report.as_bytes()), ("photo", Some("a.jpg"), &photo)];
    let (status, answer) = post_form(&s, "/api/reports", None, &parts).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let (status, headers, bytes) = get(&s, answer["report"]["photos"][0]["url"].as_str().unwrap(), None).await;
    assert_eq!(status, StatusCode::OK);
    let digest = headers["etag"].to_str().unwrap().trim_matches('"').to_owned();
    let on_disk = std::fs::read(folder.path().join(&digest)).unwrap();
    assert_eq!(on_disk, bytes, "the file is what is served");
    assert!(!contains(&on_disk, &GPS_SECONDS));
    assert!(folder.path().join(format!("{digest}.thumb")).exists());
    let dump = s.catalog.store().dump().await.unwrap();
    assert!(dump.photos[0].photo.bytes.is_none(), "the database keeps the metadata only");
}

#[tokio::test]
async fn open311_takes_a_media_upload_and_points_media_url_at_it() {
    let s = setup(Backend::Sqlite).await;
    let photo = jpeg_with_gps(500, 400);
    let (lat, long) = (s.point.y().to_string(), s.point.x().to_string());
    let parts: [(&str, Option<&str>, &[u8]); 5] = [
        ("service_code", None, b"noise"),
        ("lat", None, lat.as_bytes()),
        ("long", None, long.as_bytes()),
        ("description", None, "夜间噪音".as_bytes()),
        ("media", Some("noise.jpg"), &photo),
    ];
    let (status, answer) = post_form(&s, "/open311/v2/requests.json", None, &parts).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let case = answer[0]["service_request_id"].as_str().unwrap().to_owned();
    let (_, _, text) = call(&s.app, "GET", &format!("/open311/v2/requests/{case}.json"), None, None).await;
    let media = json(&text)[0]["media_url"].as_str().unwrap().to_owned();
    let path = &media[media.find("/api/photos/").expect("our photo")..];
    let (status, headers, bytes) = get(&s, path, None).await;
    assert_eq!((status, headers["content-type"].to_str().unwrap()), (StatusCode::OK, "image/jpeg"));
    assert!(!contains(&bytes, &GPS_SECONDS));
    // A text file as media is refused, naming the part.
    let parts: [(&str, Option<&str>, &[u8]); 4] = [
        ("service_code", None, b"noise"),
        ("lat", None, lat.as_bytes()),
        ("long", None, long.as_bytes()),
        ("media", Some("x.jpg"), b"text"),
    ];
    let (status, answer) = post_form(&s, "/open311/v2/requests.json", None, &parts).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert!(answer.to_string().contains("media 1"), "{answer}");
}
