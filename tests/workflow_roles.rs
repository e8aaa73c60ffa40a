//! Who does the work, over HTTP: a dispatcher dispatches to a unit, that unit's handler
//! works the case, asks for more time and resolves it, a supervisor supervises, decides the
//! extension, verifies and closes; and every move is refused to each role the permission
//! matrix leaves out, with a 403 naming the roles it needs.

mod common;

use axum::http::StatusCode;
use common::backend::{Backend, TestDatabase};
use common::{call, json};
use minsheng::model::reports::{Action, Role};
use minsheng::model::time::{now, to_iso8601};
use minsheng::services::Catalog;
use minsheng::services::auth::permissions::actions_for;
use minsheng::services::auth::{TokenRequest, create_token};
use serde_json::{Value, json};

on_both_backends!(
    #[tokio::test]
    a_dispatcher_a_handler_and_a_supervisor_work_a_case,
    #[tokio::test]
    a_returned_case_goes_back_to_the_dispatcher_and_on_to_another_unit,
    #[tokio::test]
    every_move_is_refused_to_the_roles_the_matrix_leaves_out,
);

struct Setup {
    catalog: Catalog,
    _database: TestDatabase,
    app: axum::Router,
    point: geo::Point,
    /// The unit routing suggests for a parking case at `point` (its property company).
    unit: String,
    /// Another unit serving the place.
    other_unit: String,
    /// A token of each role, working where the case is; and a second admin.
    tokens: Vec<(Role, String)>,
    other_handler: String,
    second_admin: String,
}

impl Setup {
    fn token(&self, role: Role) -> &str {
        &self.tokens.iter().find(|(r, _)| *r == role).unwrap().1
    }
}

async fn setup(backend: Backend) -> Setup {
    let (catalog, database) = common::backend::demo_catalog_on(backend).await;
    let app = common::unlimited_app(catalog.clone());
    let snapshot = catalog.snapshot();
    let data = &snapshot.data;
    // A building in a compound with a property company: parking goes to that company.
    let building = data
        .buildings
        .iter()
        .find(|b| b.compound_id.as_ref().is_some_and(|c| data.compounds.iter().any(|k| &k.id == c && k.property_company.is_some())))
        .unwrap();
    let point = common::inside(&building.geometry);
    let routed = minsheng::services::reports::routing::route(&snapshot, point, "property".parse().unwrap()).unwrap();
    let unit = minsheng::services::reports::units::unit_for(&snapshot, &routed, "property".parse().unwrap()).unwrap().id.clone();
    let other_unit = minsheng::services::reports::units::units_for_place(&snapshot, &routed)
        .into_iter()
        .find(|u| u.id != unit)
        .expect("more than one unit serves the place")
        .id
        .clone();
    let make = |request: TokenRequest| {
        let catalog = catalog.clone();
        async move { create_token(&catalog, &request, now()).await.unwrap().secret }
    };
    let mut tokens = Vec::new();
    for &role in Role::ALL {
        let request = TokenRequest::new(role, &format!("测试{role}"));
        let request = match role {
            Role::Dispatcher => TokenRequest { community: Some(routed.community_id.clone()), ..request },
            Role::Handler => TokenRequest { unit: Some(unit.clone()), ..request },
            Role::Supervisor => TokenRequest { street: Some(routed.street_id.clone()), ..request },
            Role::GridWorker => TokenRequest { grid: Some(routed.grid_id.clone()), ..request },
            Role::Official | Role::Admin => request,
        };
        tokens.push((role, make(request).await));
    }
    let other_handler = make(TokenRequest { unit: Some(other_unit.clone()), ..TokenRequest::new(Role::Handler, "另一单位") }).await;
    let second_admin = make(TokenRequest::new(Role::Admin, "第二管理员")).await;
    drop(snapshot);
    Setup { catalog, _database: database, app, point, unit, other_unit, tokens, other_handler, second_admin }
}

async fn file(s: &Setup) -> String {
    let body = json!({"category": "parking", "description": "消防通道被占", "lon": s.point.x(), "lat": s.point.y()});
    let (status, _, text) = call(&s.app, "POST", "/api/reports", None, Some(body.to_string())).await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    json(&text)["report"]["case_number"].as_str().unwrap().to_owned()
}

async fn post(s: &Setup, token: &str, uri: &str, body: Value) -> (StatusCode, Value) {
    let (status, _, text) = call(&s.app, "POST", uri, Some(token), Some(body.to_string())).await;
    (status, json(&text))
}

async fn to(s: &Setup, token: &str, case: &str, body: Value) -> (StatusCode, Value) {
    post(s, token, &format!("/api/reports/{case}/transition"), body).await
}

async fn ok(s: &Setup, token: &str, uri: &str, body: Value) -> Value {
    let (status, answer) = post(s, token, uri, body.clone()).await;
    assert_eq!(status, StatusCode::OK, "{uri} {body}: {answer}");
    answer
}

async fn view(s: &Setup, token: &str, case: &str) -> Value {
    let (status, _, text) = call(&s.app, "GET", &format!("/api/reports/{case}"), Some(token), None).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    json(&text)
}

async fn queue(s: &Setup, token: &str, query: &str) -> Vec<String> {
    let (status, _, text) = call(&s.app, "GET", &format!("/api/reports?limit=1000&{query}"), Some(token), None).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    json(&text)["reports"].as_array().unwrap().iter().map(|r| r["case_number"].as_str().unwrap().to_owned()).collect()
}

async fn a_dispatcher_a_handler_and_a_supervisor_work_a_case(backend: Backend) {
    let s = setup(backend).await;
    let (dispatcher, handler, supervisor) = (s.token(Role::Dispatcher), s.token(Role::Handler), s.token(Role::Supervisor));
    let case = file(&s).await;
    let transition = format!("/api/reports/{case}/transition");

    // Routing suggests the property company; the handler sees nothing before dispatch.
    let fresh = view(&s, dispatcher, &case).await;
    assert_eq!(fresh["report"]["unit_id"], s.unit.as_str());
    assert_eq!(fresh["actions"], json!(["accept", "reject", "mark_duplicate", "escalate"]), "{}", fresh["actions"]);
    assert!(fresh["unit_choices"].as_array().unwrap().len() >= 2);
    assert!(!queue(&s, handler, "").await.contains(&case), "a handler sees only what is dispatched to their unit");

    ok(&s, dispatcher, &transition, json!({"to": "accepted", "note": "属实"})).await;
    let dispatched = ok(&s, dispatcher, &transition, json!({"to": "dispatched"})).await;
    assert_eq!(dispatched["unit"]["id"], s.unit.as_str(), "dispatched by default to the unit routing suggests");
    assert!(queue(&s, handler, "").await.contains(&case));
    assert!(!queue(&s, &s.other_handler, "").await.contains(&case));
    let (status, refusal) = to(&s, &s.other_handler, &case, json!({"to": "in_progress"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refusal}");

    // The handler works it and asks for more time; the supervisor flags and extends it.
    let started = ok(&s, handler, &transition, json!({"to": "in_progress"})).await;
    let deadline = started["report"]["deadline_at"].as_i64().unwrap();
    let until = deadline + 2 * 86_400;
    let extension = format!("/api/reports/{case}/extension");
    let (status, refusal) = post(&s, handler, &extension, json!({"until": to_iso8601(until)})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a request says why: {refusal}");
    let asked = ok(&s, handler, &extension, json!({"until": to_iso8601(until), "note": "需业委会表决"})).await;
    assert_eq!(asked["report"]["extension_requested_to"], until);
    ok(&s, supervisor, &format!("/api/reports/{case}/supervise"), json!({"note": "群众反映强烈，请加快"})).await;
    assert!(queue(&s, supervisor, "supervised=true").await.contains(&case), "a supervised case shows on the queue");
    let decided = ok(&s, supervisor, &format!("/api/reports/{case}/extension/decision"), json!({"approve": true})).await;
    assert_eq!(
        (decided["report"]["deadline_at"].as_i64(), decided["report"]["original_deadline_at"].as_i64()),
        (Some(until), Some(deadline))
    );

    let resolved = ok(&s, handler, &transition, json!({"to": "resolved", "note": "已划线", "reply": "已划线并张贴告示"})).await;
    assert!(resolved["report"]["supervised_at"].is_null(), "the flag stays only until the case moves");
    let (status, refusal) = to(&s, handler, &case, json!({"to": "verified"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refusal}");
    assert!(refusal["error"]["message"].as_str().unwrap().contains("supervisor"), "{refusal}");
    // A resident's case waits for the reporter's rating; the supervisor calls them back (回访).
    let (status, refusal) = to(&s, supervisor, &case, json!({"to": "verified"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refusal}");
    ok(&s, supervisor, &format!("/api/reports/{case}/return-visit"), json!({"rating": "satisfied", "comment": "电话回访"})).await;
    ok(&s, supervisor, &transition, json!({"to": "verified", "note": "现场核实"})).await;
    let closed = ok(&s, supervisor, &transition, json!({"to": "closed"})).await;
    assert_eq!(closed["report"]["on_time"], true, "resolved by the extended deadline");

    let history = closed["history"].as_array().unwrap();
    let actions: Vec<&str> = history.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        [
            "submit",
            "accept",
            "dispatch",
            "start",
            "request_extension",
            "supervise",
            "approve_extension",
            "resolve",
            "return_visit",
            "verify",
            "close"
        ]
    );
    for (i, role) in [(1, "dispatcher"), (3, "handler"), (5, "supervisor"), (8, "supervisor"), (9, "supervisor")] {
        assert!(history[i]["actor"].as_str().unwrap().starts_with(role), "{}", history[i]);
    }
}

async fn a_returned_case_goes_back_to_the_dispatcher_and_on_to_another_unit(backend: Backend) {
    let s = setup(backend).await;
    let (dispatcher, handler) = (s.token(Role::Dispatcher), s.token(Role::Handler));
    let case = file(&s).await;
    let transition = format!("/api/reports/{case}/transition");
    ok(&s, dispatcher, &transition, json!({"to": "accepted"})).await;
    ok(&s, dispatcher, &transition, json!({"to": "dispatched"})).await;

    let (status, refusal) = to(&s, handler, &case, json!({"to": "accepted"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a return says why: {refusal}");
    let returned = ok(&s, handler, &transition, json!({"to": "accepted", "note": "不属物业职责，属城管执法"})).await;
    assert_eq!(returned["report"]["state"], "accepted");
    assert_eq!(returned["history"].as_array().unwrap().last().unwrap()["action"], "return");
    assert!(!queue(&s, handler, "").await.contains(&case), "back with the dispatcher");

    let (status, refusal) = to(&s, dispatcher, &case, json!({"to": "dispatched", "unit": "U-nowhere"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refusal}");
    let redispatched = ok(&s, dispatcher, &transition, json!({"to": "dispatched", "unit": s.other_unit})).await;
    assert_eq!(redispatched["unit"]["id"], s.other_unit.as_str());
    assert!(queue(&s, &s.other_handler, "").await.contains(&case));

    // Reassigning moves it back to the first unit, which starts over.
    let reassign = format!("/api/reports/{case}/reassign");
    let (status, refusal) = post(&s, dispatcher, &reassign, json!({"unit": s.unit})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a reassignment says why: {refusal}");
    let moved = ok(&s, dispatcher, &reassign, json!({"unit": s.unit, "note": "经核实属物业"})).await;
    assert_eq!((moved["report"]["unit_id"].as_str(), moved["report"]["state"].as_str()), (Some(s.unit.as_str()), Some("dispatched")));
    assert!(queue(&s, handler, "").await.contains(&case) && !queue(&s, &s.other_handler, "").await.contains(&case));
}

/// Brings a new case to the state a move starts from, with admins' moves (a second admin
/// verifies, as nobody verifies what they resolved); `rated` is a resolved case with a return
/// visit's 满意, which a resident's case needs before verification; `pending` also leaves an
/// extension request.
async fn case_at(s: &Setup, state: &str, pending: bool) -> String {
    let case = file(s).await;
    let admin = s.token(Role::Admin);
    let path = ["accepted", "dispatched", "in_progress", "resolved", "rated", "verified"];
    let steps = path.iter().position(|p| *p == state).map_or(0, |i| i + 1);
    for &step in &path[..steps] {
        if step == "rated" {
            ok(s, admin, &format!("/api/reports/{case}/return-visit"), json!({"rating": "satisfied"})).await;
            continue;
        }
        let token = if step == "verified" { &s.second_admin } else { admin };
        ok(s, token, &format!("/api/reports/{case}/transition"), json!({"to": step, "reply": "公开答复"})).await;
    }
    if pending {
        let deadline = view(s, admin, &case).await["report"]["deadline_at"].as_i64().unwrap();
        let body = json!({"until": to_iso8601(deadline + 86_400), "note": "等配件"});
        ok(s, admin, &format!("/api/reports/{case}/extension"), body).await;
    }
    case
}

async fn every_move_is_refused_to_the_roles_the_matrix_leaves_out(backend: Backend) {
    let s = setup(backend).await;
    let original = file(&s).await;
    // (action, the state it starts from, an extension pending, the endpoint, the body)
    let moves: Vec<(Action, &str, bool, &str, Value)> = vec![
        (Action::Accept, "received", false, "transition", json!({"to": "accepted"})),
        (Action::Reject, "received", false, "transition", json!({"to": "rejected", "note": "不属实", "reply": "经核实不属实"})),
        (Action::MarkDuplicate, "received", false, "transition", json!({"to": "duplicate", "duplicate_of": original})),
        (Action::Escalate, "received", false, "escalate", json!({})),
        (Action::Dispatch, "accepted", false, "transition", json!({"to": "dispatched"})),
        (Action::Start, "dispatched", false, "transition", json!({"to": "in_progress"})),
        (Action::Return, "dispatched", false, "transition", json!({"to": "accepted", "note": "非本单位职责"})),
        (Action::Reassign, "dispatched", false, "reassign", json!({"unit": s.other_unit, "note": "改派"})),
        (Action::Supervise, "dispatched", false, "supervise", json!({"note": "请加快"})),
        (Action::Resolve, "in_progress", false, "transition", json!({"to": "resolved", "reply": "已处理"})),
        (Action::RequestExtension, "in_progress", false, "extension", json!({"until": to_iso8601(now() + 40 * 86_400), "note": "等待"})),
        (Action::ApproveExtension, "in_progress", true, "extension/decision", json!({"approve": true})),
        (Action::RefuseExtension, "in_progress", true, "extension/decision", json!({"approve": false, "note": "理由不足"})),
        (Action::ReturnVisit, "resolved", false, "return-visit", json!({"rating": "satisfied"})),
        (Action::Verify, "rated", false, "transition", json!({"to": "verified"})),
        (Action::Reopen, "resolved", false, "transition", json!({"to": "in_progress", "note": "未整改到位"})),
        (Action::Close, "verified", false, "transition", json!({"to": "closed"})),
    ];
    for (action, state, pending, endpoint, body) in moves {
        let case = case_at(&s, state, pending).await;
        let uri = format!("/api/reports/{case}/{endpoint}");
        let allowed: Vec<Role> = Role::ALL.iter().copied().filter(|&r| actions_for(r).contains(&action)).collect();
        for &role in Role::ALL.iter().filter(|r| !allowed.contains(r)) {
            let (status, refusal) = post(&s, s.token(role), &uri, body.clone()).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{action} by {role}: {refusal}");
            let message = refusal["error"]["message"].as_str().unwrap();
            assert!(message.contains(&format!("this token is {role}")) && message.contains(allowed[0].as_str()), "{message}");
        }
        // The case is untouched by the refusals; the first role allowed (not admin) makes the move.
        let doer = allowed.iter().copied().find(|&r| r != Role::Admin).unwrap();
        let answer = ok(&s, s.token(doer), &uri, body.clone()).await;
        let last = answer["history"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["action"], action.as_str(), "{action} by {doer}");
        assert!(last["actor"].as_str().unwrap().starts_with(doer.as_str()), "{last}");
    }

    // A patrol report is a grid worker's; a resident's report needs no token.
    let patrol = json!({"category": "sanitation", "source": "patrol", "description": "垃圾满溢", "lon": s.point.x(), "lat": s.point.y()});
    for &role in Role::ALL {
        let (status, _, text) = call(&s.app, "POST", "/api/reports", Some(s.token(role)), Some(patrol.to_string())).await;
        let expected = if actions_for(role).contains(&Action::Submit) { StatusCode::CREATED } else { StatusCode::FORBIDDEN };
        assert_eq!(status, expected, "a patrol report by {role}: {text}");
    }
    assert_eq!(s.catalog.store().tokens().await.unwrap().len(), Role::ALL.len() + 2);
}
