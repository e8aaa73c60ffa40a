//! Open311 GeoReport v2 through the router: services, filing a request, reading requests
//! with filters, in JSON and XML; reporter privacy; spec-format errors that write nothing.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use minsheng::model::reports::{CaseState, Category, ReportEvent};
use serde_json::{Value, json};
use tower::ServiceExt;

const NAME_GIVEN: &str = "秘密";
const NAME_FAMILY: &str = "王";
const PHONE: &str = "13912345678";
const DAY: i64 = 24 * 3_600;

struct Answer {
    status: StatusCode,
    content_type: String,
    text: String,
}

impl Answer {
    fn json(&self) -> Value {
        assert!(self.content_type.starts_with("application/json"), "{}: {}", self.content_type, self.text);
        serde_json::from_str(&self.text).unwrap_or_else(|_| panic!("not JSON: {}", self.text))
    }

    fn xml(&self) -> roxmltree::Document<'_> {
        assert_eq!(self.content_type, "text/xml; charset=utf-8", "{}", self.text);
        assert!(self.text.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>"), "{}", self.text);
        roxmltree::Document::parse(&self.text).unwrap_or_else(|e| panic!("not XML ({e}): {}", self.text))
    }
}

async fn call(app: &axum::Router, method: &str, uri: &str, content_type: Option<&str>, body: &str) -> Answer {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(content_type) = content_type {
        request = request.header(header::CONTENT_TYPE, content_type);
    }
    let response = app.clone().oneshot(request.body(Body::from(body.to_owned())).unwrap()).await.unwrap();
    let status = response.status();
    let content_type = response.headers().get(header::CONTENT_TYPE).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Answer { status, content_type, text: String::from_utf8(bytes.to_vec()).unwrap() }
}

async fn get(app: &axum::Router, uri: &str) -> Answer {
    call(app, "GET", uri, None, "").await
}

const FORM: Option<&str> = Some("application/x-www-form-urlencoded");

fn form(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap()
}

/// The child elements of `node` named `name`.
fn children<'a>(node: roxmltree::Node<'a, 'a>, name: &'a str) -> impl Iterator<Item = roxmltree::Node<'a, 'a>> + 'a {
    node.children().filter(move |c| c.has_tag_name(name))
}

fn text_of<'a>(node: roxmltree::Node<'a, 'a>, name: &str) -> Option<&'a str> {
    node.children().find(|c| c.has_tag_name(name)).and_then(|c| c.text())
}

#[tokio::test]
async fn discovery_and_every_category_as_a_service_in_json_and_xml() {
    let app = common::unlimited_app(common::district_catalog().await);

    let discovery = get(&app, "/open311/v2/discovery.json").await.json();
    assert_eq!(discovery["endpoints"][0]["specification"], "http://wiki.open311.org/GeoReport_v2");
    assert_eq!(discovery["endpoints"][0]["formats"], json!(["text/xml", "application/json"]));
    let answer = get(&app, "/open311/v2/discovery.xml").await;
    let xml = answer.xml();
    let endpoint = xml.descendants().find(|n| n.has_tag_name("endpoint")).expect("an endpoint");
    assert_eq!(text_of(endpoint, "url"), Some("http://localhost/open311/v2"));
    assert_eq!(endpoint.descendants().filter(|n| n.has_tag_name("format")).count(), 2);

    let services = get(&app, "/open311/v2/services.json").await.json();
    let services = services.as_array().expect("a list of services");
    let codes: Vec<&str> = services.iter().map(|s| s["service_code"].as_str().unwrap()).collect();
    let expected: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(codes, expected);
    let parking = &services[0];
    assert_eq!(parking["service_name"], "停车");
    assert_eq!((parking["metadata"].clone(), parking["type"].clone()), (json!(false), json!("realtime")));
    assert_eq!(parking["group"], Category::Parking.default_tier().label_zh());
    assert!(parking["description"].as_str().unwrap().contains("3 天"), "{parking}");

    let answer = get(&app, "/open311/v2/services.xml").await;
    let xml = answer.xml();
    assert!(xml.root_element().has_tag_name("services"));
    let xml_codes: Vec<&str> = children(xml.root_element(), "service").map(|s| text_of(s, "service_code").unwrap()).collect();
    assert_eq!(xml_codes, expected);
    let elevator = children(xml.root_element(), "service").find(|s| text_of(*s, "service_code") == Some("elevator_installation")).unwrap();
    assert_eq!(text_of(elevator, "service_name"), Some("加装电梯"));
    assert_eq!(text_of(elevator, "metadata"), Some("false"));

    let definition = get(&app, "/open311/v2/services/pets.json").await.json();
    assert_eq!(definition, json!({"service_code": "pets", "attributes": []}));
    let answer = get(&app, "/open311/v2/services/pets.xml").await;
    assert_eq!(text_of(answer.xml().root_element(), "service_code"), Some("pets"));
    assert!(answer.xml().root_element().has_tag_name("service_definition"));

    let missing = get(&app, "/open311/v2/services/dragons.json").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let error = missing.json();
    assert_eq!(error[0]["code"], 404);
    assert!(error[0]["description"].as_str().unwrap().contains("parking"), "the allowed codes are listed: {error}");
    let missing = get(&app, "/open311/v2/services/dragons.xml").await;
    let xml = missing.xml();
    assert!(xml.root_element().has_tag_name("errors"));
    let error = children(xml.root_element(), "error").next().unwrap();
    assert_eq!(text_of(error, "code"), Some("404"));
    assert_eq!(get(&app, "/open311/v2/services.json?jurisdiction_id=sfgov.org").await.status, StatusCode::NOT_FOUND);
    assert_eq!(get(&app, "/open311/v2/services.json?jurisdiction_id=minsheng-demo").await.status, StatusCode::OK);
    // No extension, no format: the spec's 404, in JSON.
    let bare = get(&app, "/open311/v2/services/pets").await;
    assert_eq!(bare.status, StatusCode::NOT_FOUND);
    assert!(bare.json()[0]["description"].as_str().unwrap().contains(".json or .xml"));
    assert_eq!(get(&app, "/open311/v2/tokens/1.xml").await.xml().root_element().tag_name().name(), "errors");
}

#[tokio::test]
async fn a_form_post_files_a_case_that_reads_back_with_the_native_responder() {
    let catalog = common::district_catalog().await;
    let app = common::unlimited_app(catalog.clone());
    let snapshot = catalog.snapshot();
    let building = &snapshot.data.buildings[10];
    let p = common::inside(&building.geometry);
    let (lat, long) = (p.y().to_string(), p.x().to_string());

    // A staff api_key lifts the submission limit and may set the source; a wrong one is refused.
    let key = minsheng::services::auth::create_token(
        &catalog,
        &minsheng::services::auth::TokenRequest::new(minsheng::model::reports::Role::Official, "12345热线接口"),
        0,
    )
    .await
    .unwrap()
    .secret;
    let wrong = form(&[("api_key", "ms_wrong"), ("service_code", "parking"), ("lat", &lat), ("long", &long), ("description", "x")]);
    let refused = call(&app, "POST", "/open311/v2/requests.json", FORM, &wrong).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.text);
    assert_eq!(refused.json()[0]["code"], 401);
    let body = form(&[
        ("api_key", &key),
        ("source", "hotline_12345"),
        ("jurisdiction_id", "minsheng-demo"),
        ("service_code", "parking"),
        ("lat", &lat),
        ("long", &long),
        ("address_string", "ignored when lat/long are given"),
        ("description", "消防通道 <长期> 被占用 & 无人管"),
        ("media_url", "https://example.org/photo.jpg"),
        ("first_name", NAME_GIVEN),
        ("last_name", NAME_FAMILY),
        ("phone", PHONE),
        ("email", "secret@example.org"),
        ("device_id", "tt222111"),
    ]);
    let created = call(&app, "POST", "/open311/v2/requests.json", FORM, &body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let created = created.json();
    let id = created[0]["service_request_id"].as_str().expect("a service_request_id").to_owned();
    assert!(id.starts_with("MS"), "{id}");
    assert_eq!(created[0]["account_id"], Value::Null);

    let native: Value = serde_json::from_str(&get(&app, &format!("/api/reports/{id}")).await.text).unwrap();
    assert_eq!(native["report"]["source"], "hotline_12345", "the staff key's source was kept");
    let responder = native["report"]["responder"].as_str().unwrap();
    assert!(created[0]["service_notice"].as_str().unwrap().contains(responder), "{created}");

    let one = get(&app, &format!("/open311/v2/requests/{id}.json")).await.json();
    let request = &one.as_array().expect("a list of one")[0];
    assert_eq!(one.as_array().unwrap().len(), 1);
    assert_eq!(request["service_request_id"], id.as_str());
    assert_eq!(request["agency_responsible"], responder);
    assert_eq!(request["status"], "open");
    assert_eq!(request["status_notes"], "已受理 received");
    assert_eq!((request["service_code"].clone(), request["service_name"].clone()), (json!("parking"), json!("停车")));
    assert_eq!(request["description"], "消防通道 <长期> 被占用 & 无人管");
    assert_eq!(request["media_url"], "https://example.org/photo.jpg");
    assert_eq!(request["address_id"], building.id.as_str());
    assert!(request["address"].as_str().unwrap().contains(&building.label), "{request}");
    // serde_json's default float parsing may be one ulp off.
    assert!((request["lat"].as_f64().unwrap() - p.y()).abs() < 1e-9 && (request["long"].as_f64().unwrap() - p.x()).abs() < 1e-9);
    assert_eq!(request["zipcode"], Value::Null);
    assert_eq!(request["requested_datetime"], request["updated_datetime"]);
    assert!(request["requested_datetime"].as_str().unwrap().ends_with("+08:00"));

    let answer = get(&app, &format!("/open311/v2/requests/{id}.xml")).await;
    let xml = answer.xml();
    assert!(xml.root_element().has_tag_name("service_requests"));
    let node = children(xml.root_element(), "request").next().expect("a <request>");
    assert_eq!(text_of(node, "service_request_id"), Some(id.as_str()));
    assert_eq!(text_of(node, "agency_responsible"), Some(responder));
    assert_eq!(text_of(node, "description"), Some("消防通道 <长期> 被占用 & 无人管"));

    // The stored case keeps the reporter, in Chinese name order; the email is not kept.
    let (stored, _) = catalog.store().report(&id).await.unwrap().unwrap();
    assert_eq!(stored.reporter_name.as_deref(), Some("王秘密"));
    assert_eq!(stored.reporter_phone.as_deref(), Some(PHONE));

    // JSON bodies work too, with numbers as numbers; an XML answer is a <service_requests>.
    let body = json!({"service_code": "pets", "lat": p.y(), "long": p.x(), "description": "狗吠扰民"}).to_string();
    let answer = call(&app, "POST", "/open311/v2/requests.xml", Some("application/json"), &body).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    let xml = answer.xml();
    let node = children(xml.root_element(), "request").next().unwrap();
    assert!(text_of(node, "service_request_id").unwrap().starts_with("MS"));
    assert!(text_of(node, "service_notice").unwrap().contains("楼栋长"), "pets go to the building head");
    assert_eq!(catalog.store().count_reports(&Default::default()).await.unwrap(), 2);
    assert_eq!(get(&app, "/open311/v2/requests/MS99999999.json").await.status, StatusCode::NOT_FOUND);
    let missing = get(&app, "/open311/v2/requests/MS99999999.xml").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.xml().root_element().has_tag_name("errors"));
}

/// Files one report per (category, description) and returns the case numbers.
async fn file(app: &axum::Router, at: geo::Point, reports: &[(&str, &str)]) -> Vec<String> {
    let (lat, long) = (at.y().to_string(), at.x().to_string());
    let mut ids = Vec::new();
    for (code, description) in reports {
        let body = form(&[
            ("service_code", code),
            ("lat", &lat),
            ("long", &long),
            ("description", description),
            ("first_name", NAME_GIVEN),
            ("last_name", NAME_FAMILY),
            ("phone", PHONE),
        ]);
        let answer = call(app, "POST", "/open311/v2/requests.json", FORM, &body).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
        ids.push(answer.json()[0]["service_request_id"].as_str().unwrap().to_owned());
    }
    ids
}

fn ids_of(answer: &Answer) -> Vec<String> {
    answer.json().as_array().unwrap().iter().map(|r| r["service_request_id"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn listings_filter_by_id_code_status_and_dates_and_never_show_the_reporter() {
    let catalog = common::district_catalog().await;
    let app = common::unlimited_app(catalog.clone());
    let p = common::inside(&catalog.snapshot().data.buildings[3].geometry);
    let ids = file(&app, p, &[("parking", "占道停车"), ("noise", "夜间施工噪音"), ("parking", "僵尸车")]).await;

    // An old case, closed 100 days ago: outside the default 90-day window.
    let (mut old, _) = catalog.store().report(&ids[0]).await.unwrap().unwrap();
    let now = old.created_at;
    old.created_at = now - 100 * DAY;
    old.state = CaseState::Closed;
    old.closed_at = Some(now - 95 * DAY);
    // A copy imported as history: imported cases have no follow-up link (the live one keeps its own).
    old.follow_hash = None;
    let event = ReportEvent {
        at: old.created_at,
        actor: "test".into(),
        action: "import".into(),
        from_state: None,
        to_state: Some(CaseState::Closed),
        note: None,
        ..Default::default()
    };
    let old_id = catalog.store().insert_reports(&[(old, vec![event])]).await.unwrap().remove(0);
    // The second parking report duplicates the first: closed, and the notes say of what.
    let (mut duplicate, _) = catalog.store().report(&ids[2]).await.unwrap().unwrap();
    duplicate.state = CaseState::Duplicate;
    duplicate.duplicate_of = Some(ids[0].clone());
    let event = ReportEvent {
        at: now,
        actor: "test".into(),
        action: "duplicate".into(),
        from_state: Some(CaseState::Received),
        to_state: Some(CaseState::Duplicate),
        note: None,
        ..Default::default()
    };
    assert!(catalog.store().update_report(duplicate.version, &duplicate, &event).await.unwrap());

    let newest_first = vec![ids[2].clone(), ids[1].clone(), ids[0].clone()];
    assert_eq!(ids_of(&get(&app, "/open311/v2/requests.json").await), newest_first);
    assert_eq!(ids_of(&get(&app, "/open311/v2/requests.json?service_code=parking").await), vec![ids[2].clone(), ids[0].clone()]);
    assert_eq!(ids_of(&get(&app, "/open311/v2/requests.json?service_code=noise,pets").await), vec![ids[1].clone()]);
    assert_eq!(ids_of(&get(&app, "/open311/v2/requests.json?status=open").await), vec![ids[1].clone(), ids[0].clone()]);
    assert_eq!(ids_of(&get(&app, "/open311/v2/requests.json?status=closed").await), vec![ids[2].clone()]);
    assert_eq!(ids_of(&get(&app, "/open311/v2/requests.json?status=open,closed").await), newest_first);
    let duplicate = &get(&app, &format!("/open311/v2/requests/{}.json", ids[2])).await.json()[0];
    assert_eq!(duplicate["status"], "closed");
    assert_eq!(duplicate["status_notes"], format!("重复件 duplicate of {}", ids[0]));

    // Dates: the old case only when asked for; ids override every other argument.
    let iso = minsheng::model::time::to_iso8601;
    let window = format!("start_date={}&end_date={}", iso(now - 101 * DAY), iso(now - 99 * DAY)).replace('+', "%2B");
    assert_eq!(ids_of(&get(&app, &format!("/open311/v2/requests.json?{window}")).await), vec![old_id.clone()]);
    let closed = &get(&app, &format!("/open311/v2/requests.json?{window}&status=closed")).await.json()[0];
    assert_eq!(closed["updated_datetime"], iso(now - 95 * DAY));
    assert_eq!(ids_of(&get(&app, &format!("/open311/v2/requests.json?{window}&status=open")).await), Vec::<String>::new());
    let since = format!("start_date={}", iso(now - DAY)).replace('+', "%2B");
    assert_eq!(ids_of(&get(&app, &format!("/open311/v2/requests.json?{since}")).await), newest_first);
    let picked = format!("/open311/v2/requests.json?service_request_id={},{old_id}&status=open&service_code=noise", ids[1]);
    // Newest filed first, though the old (imported) case has the later row.
    assert_eq!(ids_of(&get(&app, &picked).await), vec![ids[1].clone(), old_id.clone()]);
    let answer = get(&app, &format!("/open311/v2/requests.xml?service_request_id={}", ids[1])).await;
    let xml = answer.xml();
    let requests: Vec<_> = children(xml.root_element(), "request").collect();
    assert_eq!(requests.len(), 1);
    assert_eq!(text_of(requests[0], "service_code"), Some("noise"));

    // The reporter filed name and phone with every case; no Open311 answer carries them.
    let every_answer = [
        "/open311/v2/requests.json".to_owned(),
        "/open311/v2/requests.xml".to_owned(),
        format!("/open311/v2/requests.json?{window}"),
        format!("/open311/v2/requests/{}.json", ids[0]),
        format!("/open311/v2/requests/{}.xml", ids[0]),
        format!("/open311/v2/requests/{old_id}.xml"),
    ];
    for uri in every_answer {
        let text = get(&app, &uri).await.text;
        assert!(text.contains("service_request_id"), "{uri}: {text}");
        assert!(!text.contains(NAME_GIVEN) && !text.contains(NAME_FAMILY) && !text.contains(PHONE), "{uri} leaks the reporter: {text}");
    }
    let body = form(&[
        ("service_code", "noise"),
        ("lat", &p.y().to_string()),
        ("long", &p.x().to_string()),
        ("description", "广场舞"),
        ("first_name", NAME_GIVEN),
        ("last_name", NAME_FAMILY),
        ("phone", PHONE),
    ]);
    for format in ["json", "xml"] {
        let text = call(&app, "POST", &format!("/open311/v2/requests.{format}"), FORM, &body).await.text;
        assert!(!text.contains(NAME_GIVEN) && !text.contains(PHONE), "the {format} POST answer leaks: {text}");
    }
}

#[tokio::test]
async fn bad_input_gets_spec_errors_naming_the_parameter_and_writes_nothing() {
    let catalog = common::district_catalog().await;
    let app = common::unlimited_app(catalog.clone());
    let p = common::inside(&catalog.snapshot().data.buildings[0].geometry);
    let (lat, long) = (p.y().to_string(), p.x().to_string());
    let good = [("service_code", "pets"), ("lat", lat.as_str()), ("long", long.as_str()), ("description", "狗吠扰民")];
    let with = |key: &'static str, value: &'static str| -> String {
        let mut pairs: Vec<(&str, &str)> = good.iter().copied().filter(|(k, _)| *k != key).collect();
        pairs.push((key, value));
        form(&pairs)
    };
    let without = |key: &str| form(&good.iter().copied().filter(|(k, _)| *k != key).collect::<Vec<_>>());
    let cases: Vec<(String, Option<&str>, StatusCode, &str)> = vec![
        (without("service_code"), FORM, StatusCode::BAD_REQUEST, "service_code"),
        (with("service_code", "dragons"), FORM, StatusCode::NOT_FOUND, "elevator_installation"),
        (with("jurisdiction_id", "sfgov.org"), FORM, StatusCode::NOT_FOUND, "jurisdiction_id"),
        (
            form(&[("service_code", "pets"), ("address_string", "杨柳苑3栋"), ("description", "狗")]),
            FORM,
            StatusCode::BAD_REQUEST,
            "does not geocode",
        ),
        (without("long"), FORM, StatusCode::BAD_REQUEST, "long"),
        (with("lat", "north"), FORM, StatusCode::BAD_REQUEST, "lat"),
        (with("lat", "95"), FORM, StatusCode::BAD_REQUEST, "lat"),
        (with("long", "200"), FORM, StatusCode::BAD_REQUEST, "long"),
        (with("long", "103.0"), FORM, StatusCode::BAD_REQUEST, "lat/long"),
        (without("description"), FORM, StatusCode::BAD_REQUEST, "description"),
        (with("media_url", "javascript:alert(1)"), FORM, StatusCode::BAD_REQUEST, "media_url"),
        (with("phone", "call me maybe"), FORM, StatusCode::BAD_REQUEST, "phone"),
        (format!("{}&lat=1", form(&good)), FORM, StatusCode::BAD_REQUEST, "lat"),
        (
            json!({"service_code": "pets", "lat": p.y(), "long": p.x(), "description": ["a"]}).to_string(),
            Some("application/json"),
            StatusCode::BAD_REQUEST,
            "description",
        ),
        ("[1]".to_owned(), Some("application/json"), StatusCode::BAD_REQUEST, "body"),
        (form(&good), Some("text/plain"), StatusCode::BAD_REQUEST, "Content-Type"),
        (format!("{}&description={}", without("description"), "长".repeat(30_000)), FORM, StatusCode::PAYLOAD_TOO_LARGE, "body"),
    ];
    for (body, content_type, status, named) in cases {
        let answer = call(&app, "POST", "/open311/v2/requests.json", content_type, &body).await;
        assert_eq!(answer.status, status, "{body}: {}", answer.text);
        let errors = answer.json();
        assert_eq!(errors[0]["code"], status.as_u16(), "{}", answer.text);
        let description = errors[0]["description"].as_str().unwrap();
        assert!(description.contains(named), "{body}: {description:?} does not name {named}");
    }
    let answer = call(&app, "POST", "/open311/v2/requests.xml", FORM, &with("lat", "north")).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    let xml = answer.xml();
    let error = children(xml.root_element(), "error").next().unwrap();
    assert_eq!(text_of(error, "code"), Some("400"));
    assert!(text_of(error, "description").unwrap().contains("lat"));
    assert_eq!(catalog.store().count_reports(&Default::default()).await.unwrap(), 0, "a rejected request was written");

    for (query, named) in [
        ("service_code=dragons", "service_code"),
        ("status=pending", "status"),
        ("start_date=yesterday", "start_date"),
        ("start_date=2026-01-01&end_date=2026-06-01", "end_date"),
        ("jurisdiction_id=sfgov.org", "jurisdiction_id"),
    ] {
        let answer = get(&app, &format!("/open311/v2/requests.json?{query}")).await;
        assert!(answer.status.is_client_error(), "{query}: {}", answer.text);
        assert!(answer.json()[0]["description"].as_str().unwrap().contains(named), "{query}: {}", answer.text);
    }
    let wrong_method = call(&app, "DELETE", "/open311/v2/requests.xml", None, "").await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(wrong_method.xml().root_element().has_tag_name("errors"));

    // The same form, corrected, goes through.
    let answer = call(&app, "POST", "/open311/v2/requests.json", FORM, &form(&good)).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
}
