//! The reporter's follow-up link, public replies, return visits and satisfaction (issue 16,
//! points 1, 2 and 4), over HTTP: the secret handed out on filing opens the reporter's own
//! case, takes comments and, once resolved, a rating; 不满意 reopens the case with a new
//! deadline; a resident's case is verified only after 满意/基本满意 or once the rating time
//! has passed (then as 未评价); staff replies reach the public history and Open311, their
//! internal notes never do.

mod common;

use axum::http::StatusCode;
use common::backend::{Backend, TestDatabase};
use common::{call, call_with, json};
use minsheng::model::reports::{CaseState, RATE_WITHIN, Rating, Role};
use minsheng::model::time::now;
use minsheng::services::Catalog;
use minsheng::services::auth::{TokenRequest, authenticate, create_token};
use minsheng::services::reports::workflow::{Move, Seen, transition};
use serde_json::{Value, json};

on_both_backends!(
    #[tokio::test]
    the_follow_link_shows_the_reporters_case_and_takes_comments_and_ratings,
    #[tokio::test]
    return_visits_and_the_rating_time_decide_when_a_case_may_be_verified,
);

struct Setup {
    catalog: Catalog,
    _database: TestDatabase,
    app: axum::Router,
    point: geo::Point,
    /// Two admins: one works the case, the other verifies it (nobody verifies their own).
    worker: String,
    verifier: String,
    official: String,
}

async fn setup(backend: Backend) -> Setup {
    let (catalog, database) = common::backend::district_catalog_on(backend).await;
    let app = common::unlimited_app(catalog.clone());
    let snapshot = catalog.snapshot();
    let data = &snapshot.data;
    // A building in a compound with a property company: a parking case has a unit to go to.
    let building = data
        .buildings
        .iter()
        .find(|b| b.compound_id.as_ref().is_some_and(|c| data.compounds.iter().any(|k| &k.id == c && k.property_company.is_some())))
        .unwrap();
    let point = common::inside(&building.geometry);
    drop(snapshot);
    let make = |role: Role, label: &str| {
        let (catalog, request) = (catalog.clone(), TokenRequest::new(role, label));
        async move { create_token(&catalog, &request, now()).await.unwrap().secret }
    };
    let (worker, verifier, official) =
        (make(Role::Admin, "办理").await, make(Role::Admin, "核查").await, make(Role::Official, "干部").await);
    Setup { catalog, _database: database, app, point, worker, verifier, official }
}

/// Files a resident's parking report: its case number and the answer.
async fn file(s: &Setup, extra: Value) -> (String, Value) {
    let mut body = json!({"category": "parking", "description": "消防通道被占", "lon": s.point.x(), "lat": s.point.y()});
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    let (status, _, text) = call(&s.app, "POST", "/api/reports", None, Some(body.to_string())).await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let answer = json(&text);
    (answer["report"]["case_number"].as_str().unwrap().to_owned(), answer)
}

async fn post(s: &Setup, token: Option<&str>, uri: &str, body: Value) -> (StatusCode, Value) {
    let (status, _, text) = call(&s.app, "POST", uri, token, Some(body.to_string())).await;
    (status, json(&text))
}

async fn get(s: &Setup, uri: &str) -> (StatusCode, String) {
    let (status, _, text) = call(&s.app, "GET", uri, None, None).await;
    (status, text)
}

async fn move_to(s: &Setup, token: &str, case: &str, body: Value) -> Value {
    let (status, answer) = post(s, Some(token), &format!("/api/reports/{case}/transition"), body.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}: {answer}");
    answer
}

/// Works a case from received to resolved, the resolution with `reply` and an internal note.
async fn resolve(s: &Setup, case: &str, reply: &str) {
    move_to(s, &s.worker, case, json!({"to": "accepted", "reply": "已受理"})).await;
    move_to(s, &s.worker, case, json!({"to": "dispatched"})).await;
    move_to(s, &s.worker, case, json!({"to": "in_progress"})).await;
    move_to(s, &s.worker, case, json!({"to": "resolved", "reply": reply, "note": "内部备注：车主是物业经理的亲戚"})).await;
}

async fn follow(s: &Setup, secret: &str) -> Value {
    let (status, text) = get(s, &format!("/api/follow/{secret}")).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    json(&text)
}

fn actions(history: &Value) -> Vec<&str> {
    history.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect()
}

async fn the_follow_link_shows_the_reporters_case_and_takes_comments_and_ratings(backend: Backend) {
    let s = setup(backend).await;
    let (case, filed) = file(&s, json!({"reporter_name": "王小明", "reporter_phone": "13912345678", "notify": true})).await;
    let secret = filed["follow"].as_str().unwrap().to_owned();
    assert_eq!(secret.len(), 32, "{filed}");
    assert!(secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{secret}");
    let url = filed["follow_url"].as_str().unwrap();
    assert!(url.starts_with("http") && url.ends_with(&format!("/#follow={secret}")), "{url}");
    // Derived with the database's key: what a notification would compute is the same link.
    assert_eq!(minsheng::services::reports::follow::follow_secret(&s.catalog, &case).unwrap(), secret);

    // The link shows the reporter's own details; the public view does not, nor the secret.
    let mine = follow(&s, &secret).await;
    assert_eq!((mine["report"]["case_number"].as_str(), mine["reporter_name"].as_str()), (Some(case.as_str()), Some("王小明")));
    assert_eq!(
        (mine["reporter_phone"].as_str(), mine["notify"].as_bool(), mine["may_rate"].as_bool()),
        (Some("13912345678"), Some(true), Some(false))
    );
    let (_, headers, _) = call(&s.app, "GET", &format!("/api/follow/{secret}"), None, None).await;
    assert_eq!(headers["cache-control"], "private, no-store");
    let (_, public) = get(&s, &format!("/api/reports/{case}")).await;
    for private in ["王小明", "13912345678", secret.as_str()] {
        assert!(!public.contains(private), "{private} in the public view: {public}");
    }

    // A wrong secret (one letter changed, or of the wrong shape) finds nothing and names nothing.
    let last = secret.chars().last().unwrap();
    let wrong = format!("{}{}", &secret[..31], if last == 'A' { 'B' } else { 'A' });
    for bad in [wrong.as_str(), "abc", "13912345678"] {
        let (status, text) = get(&s, &format!("/api/follow/{bad}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{bad}: {text}");
        assert!(!text.contains(&case), "{text}");
    }
    let (status, _) = post(&s, None, &format!("/api/follow/{wrong}/comment"), json!({"comment": "冒充"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Comments: public, named `comment` when bad.
    let (status, answer) = post(&s, None, &format!("/api/follow/{secret}/comment"), json!({"comment": "  晚上更严重  "})).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let comment = answer["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((comment["action"].as_str(), comment["reply"].as_str()), (Some("comment"), Some("晚上更严重")));
    assert!(comment["id"].as_i64().unwrap() > 0 && comment.get("actor").is_none() && comment.get("note").is_none(), "{comment}");
    for (body, reason) in [(json!({"comment": "  "}), "empty"), (json!({"comment": "长".repeat(1_001)}), "longer")] {
        let (status, answer) = post(&s, None, &format!("/api/follow/{secret}/comment"), body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        let message = answer["message"].as_str().unwrap_or_default().to_owned() + &answer.to_string();
        assert!(message.contains("comment") && message.contains(reason), "{answer}");
    }

    // Not resolved yet: no rating, and the refusal names the state.
    let (status, answer) = post(&s, None, &format!("/api/follow/{secret}/rating"), json!({"rating": "satisfied"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert!(answer.to_string().contains("received"), "{answer}");

    // A resolution needs a public reply; the reply is public, the note is not.
    move_to(&s, &s.worker, &case, json!({"to": "accepted", "reply": "已受理，将派物业处理"})).await;
    move_to(&s, &s.worker, &case, json!({"to": "dispatched"})).await;
    move_to(&s, &s.worker, &case, json!({"to": "in_progress"})).await;
    let (status, answer) =
        post(&s, Some(&s.worker), &format!("/api/reports/{case}/transition"), json!({"to": "resolved", "note": "x"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert!(answer.to_string().contains("reply"), "{answer}");
    let note = "内部备注：车主是物业经理的亲戚";
    move_to(&s, &s.worker, &case, json!({"to": "resolved", "reply": "已清理通道并张贴告示", "note": note})).await;
    let (_, public) = get(&s, &format!("/api/reports/{case}")).await;
    assert!(public.contains("已清理通道并张贴告示") && public.contains("晚上更严重"), "{public}");
    assert!(!public.contains(note) && !public.contains("staff:"), "{public}");

    // Open311 carries the latest public reply as status_notes, and lists the updates.
    let (status, text) = get(&s, &format!("/open311/v2/requests/{case}.json")).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(json(&text)[0]["status_notes"], "已清理通道并张贴告示");
    let (status, text) = get(&s, "/open311/v2/servicerequestupdates.json").await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(!text.contains(note), "{text}");
    let updates = json(&text);
    let ours: Vec<&Value> = updates.as_array().unwrap().iter().filter(|u| u["service_request_id"] == case.as_str()).collect();
    let described: Vec<(&str, &str)> = ours.iter().map(|u| (u["status"].as_str().unwrap(), u["description"].as_str().unwrap())).collect();
    assert_eq!(
        described,
        [
            ("open", ""),
            ("open", "晚上更严重"),
            ("open", "已受理，将派物业处理"),
            ("open", ""),
            ("open", ""),
            ("closed", "已清理通道并张贴告示")
        ]
    );
    let ids: Vec<i64> = ours.iter().map(|u| u["update_id"].as_str().unwrap().parse().unwrap()).collect();
    assert!(ids.windows(2).all(|p| p[0] < p[1]), "{ids:?}");
    let (status, text) = get(&s, "/open311/v2/servicerequestupdates.xml?start_date=2000-01-01&end_date=2000-01-02").await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(text.contains("<service_requests_updates") && !text.contains("<request_update>"), "an empty window: {text}");
    let (status, text) = get(&s, "/open311/v2/servicerequestupdates.json?start_date=yesterday").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
    assert!(text.contains("start_date"), "{text}");

    // Verification waits for the reporter's rating.
    let (status, answer) = post(&s, Some(&s.verifier), &format!("/api/reports/{case}/transition"), json!({"to": "verified"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert!(answer.to_string().contains("rating"), "{answer}");
    assert_eq!(follow(&s, &secret).await["may_rate"], true);

    for bad in ["unrated", "good"] {
        let (status, answer) = post(&s, None, &format!("/api/follow/{secret}/rating"), json!({"rating": bad})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        assert!(answer.to_string().contains("rating"), "{answer}");
    }

    // 不满意: back to work (重办) with a new deadline, counted.
    let before = now();
    let (status, answer) =
        post(&s, None, &format!("/api/follow/{secret}/rating"), json!({"rating": "unsatisfied", "comment": "车又停回来了"})).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(
        (answer["report"]["state"].as_str(), answer["reopened"].as_u64(), answer["rating"].as_str()),
        (Some("in_progress"), Some(1), None)
    );
    let allowed = answer["report"]["resolution_secs"].as_i64().unwrap();
    let deadline = answer["report"]["deadline_at"].as_i64().unwrap();
    assert!((before + allowed..=now() + allowed).contains(&deadline), "deadline {deadline}, allowed {allowed}");
    let reopen = answer["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (reopen["action"].as_str(), reopen["rating"].as_str(), reopen["reply"].as_str()),
        (Some("reopen"), Some("unsatisfied"), Some("车又停回来了"))
    );
    let (_, _, staff) = call(&s.app, "GET", &format!("/api/reports/{case}"), Some(&s.worker), None).await;
    let staff = json(&staff);
    assert_eq!((staff["report"]["reopened"].as_u64(), staff["report"]["unsatisfied"].as_u64()), (Some(1), Some(1)), "{staff}");
    assert!(staff["report"]["resolved_at"].is_null());

    // Resolved again and rated 满意: rated once, then verified and closed.
    move_to(&s, &s.worker, &case, json!({"to": "resolved", "reply": "已加装隔离桩"})).await;
    let (status, answer) = post(&s, None, &format!("/api/follow/{secret}/rating"), json!({"rating": "satisfied"})).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(
        (answer["report"]["state"].as_str(), answer["rating"].as_str(), answer["may_rate"].as_bool()),
        (Some("resolved"), Some("satisfied"), Some(false))
    );
    let (status, _) = post(&s, None, &format!("/api/follow/{secret}/rating"), json!({"rating": "unsatisfied"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "rated once per resolution");
    move_to(&s, &s.verifier, &case, json!({"to": "verified"})).await;
    move_to(&s, &s.verifier, &case, json!({"to": "closed"})).await;
    let (status, _) = post(&s, None, &format!("/api/follow/{secret}/comment"), json!({"comment": "谢谢"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "a closed case takes no comments");
    let done = follow(&s, &secret).await;
    assert_eq!(
        (done["report"]["state"].as_str(), done["rating_label"].as_str(), done["may_comment"].as_bool()),
        (Some("closed"), Some("满意"), Some(false))
    );
    assert_eq!(actions(&done["history"]).iter().filter(|a| **a == "rate").count(), 1);

    // A replayed submission answers the same link.
    let body = json!({"category": "noise", "description": "广场舞", "lon": s.point.x(), "lat": s.point.y()}).to_string();
    let headers = [("idempotency-key", "follow-replay-1")];
    let (first, _, a) = call_with(&s.app, "POST", "/api/reports", &headers, Some(body.clone())).await;
    let (second, replayed, b) = call_with(&s.app, "POST", "/api/reports", &headers, Some(body)).await;
    assert_eq!((first, second), (StatusCode::CREATED, StatusCode::CREATED));
    assert_eq!(replayed["idempotent-replayed"], "true");
    assert_eq!(json(&a)["follow"], json(&b)["follow"]);
    assert_eq!(json(&a)["report"]["case_number"], json(&b)["report"]["case_number"]);
}

async fn return_visits_and_the_rating_time_decide_when_a_case_may_be_verified(backend: Backend) {
    let s = setup(backend).await;

    // A phone return visit (回访) counts as the reporter's rating; an official may not record one.
    let (case, _) = file(&s, json!({"reporter_phone": "13800000000"})).await;
    resolve(&s, &case, "已处理").await;
    let visit = format!("/api/reports/{case}/return-visit");
    let (status, answer) = post(&s, Some(&s.official), &visit, json!({"rating": "satisfied"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
    let (status, answer) =
        post(&s, Some(&s.verifier), &visit, json!({"rating": "basically_satisfied", "comment": "电话回访：基本满意"})).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["report"]["rating"], "basically_satisfied");
    let last = answer["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((last["action"].as_str(), last["rating"].as_str()), (Some("return_visit"), Some("basically_satisfied")));
    move_to(&s, &s.verifier, &case, json!({"to": "verified"})).await;

    // 不满意 on a return visit reopens as the reporter's would.
    let (case, _) = file(&s, json!({})).await;
    resolve(&s, &case, "已处理").await;
    let (status, answer) =
        post(&s, Some(&s.verifier), &format!("/api/reports/{case}/return-visit"), json!({"rating": "unsatisfied"})).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!((answer["report"]["state"].as_str(), answer["report"]["reopened"].as_u64()), (Some("in_progress"), Some(1)));

    // Nobody rated: verification is refused until the rating time has passed, then records 未评价.
    let (case, _) = file(&s, json!({})).await;
    resolve(&s, &case, "已处理").await;
    let verifier = authenticate(&s.catalog, &s.verifier).await.unwrap();
    let resolved_at = s.catalog.store().report(&case).await.unwrap().unwrap().0.resolved_at.unwrap();
    let verify = || Move { to: CaseState::Verified, note: None, reply: None, duplicate_of: None, unit: None };
    let rate_within = RATE_WITHIN.as_secs() as i64;
    let early = transition(&s.catalog, &verifier, &case, verify(), &Seen::default(), resolved_at + rate_within - 60).await;
    assert!(early.is_err_and(|e| e.to_string().contains("rating")));
    let verified = transition(&s.catalog, &verifier, &case, verify(), &Seen::default(), resolved_at + rate_within).await.unwrap();
    assert_eq!((verified.report.public.state, verified.report.rating), (CaseState::Verified, Some(Rating::Unrated)));
    assert_eq!(verified.history.last().unwrap().rating, Some(Rating::Unrated));

    // A hotline case recorded by staff is verified as before, with no rating to wait for.
    let body = json!({"category": "parking", "description": "热线转来", "lon": s.point.x(), "lat": s.point.y(), "source": "hotline_12345"});
    let (status, answer) = post(&s, Some(&s.worker), "/api/reports", body).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let case = answer["report"]["case_number"].as_str().unwrap().to_owned();
    resolve(&s, &case, "已处理").await;
    move_to(&s, &s.verifier, &case, json!({"to": "verified"})).await;

    // Rejecting needs a public reason.
    let (case, _) = file(&s, json!({})).await;
    let (status, answer) =
        post(&s, Some(&s.worker), &format!("/api/reports/{case}/transition"), json!({"to": "rejected", "note": "内部"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert!(answer.to_string().contains("reply"), "{answer}");
    move_to(&s, &s.worker, &case, json!({"to": "rejected", "reply": "不属于本社区管辖，请拨打12345"})).await;
}
