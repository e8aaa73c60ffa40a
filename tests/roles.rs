//! Roles and scoped tokens over HTTP and the CLI: `/api/me`, the admin token API, expiry,
//! the scope each role takes, and a database from before roles keeping its tokens.

mod common;

use axum::http::StatusCode;
use common::backend::{Backend, TestDatabase};
use common::server::BINARY;
use common::{call, json};
use minsheng::model::reports::Role;
use minsheng::model::scope::TokenScope;
use minsheng::model::time::{now, to_iso8601};
use minsheng::services::Catalog;
use minsheng::services::auth::{TokenRequest, create_token};
use minsheng::store::NewStaffToken;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::str::FromStr;

on_both_backends!(
    #[tokio::test]
    me_says_who_the_token_is_and_what_it_may_do,
    #[tokio::test]
    only_admins_list_create_and_revoke_tokens,
    #[tokio::test]
    an_expired_token_is_refused_saying_when,
    #[tokio::test]
    a_scope_the_role_does_not_take_is_refused_naming_the_flag,
    #[tokio::test]
    tokens_from_before_roles_keep_their_grid,
);

async fn token(catalog: &Catalog, request: TokenRequest) -> String {
    create_token(catalog, &request, now()).await.unwrap().secret
}

async fn me_says_who_the_token_is_and_what_it_may_do(backend: Backend) {
    let (catalog, _database) = common::backend::district_catalog_on(backend).await;
    let app = minsheng::http::router(catalog.clone());
    let (status, _, text) = call(&app, "GET", "/api/me", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{text}");

    let community = catalog.snapshot().data.communities[0].clone();
    let dispatcher = TokenRequest {
        community: Some(community.id.clone()),
        expires: Some("30d".into()),
        ..TokenRequest::new(Role::Dispatcher, "张伟 派遣员")
    };
    let secret = token(&catalog, dispatcher).await;
    let (status, _, text) = call(&app, "GET", "/api/me", Some(&secret), None).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let me = json(&text);
    assert_eq!(me["role"], json!({"code": "dispatcher", "label_zh": "派遣员", "label_en": "dispatcher"}));
    assert_eq!(me["scope"], json!({"kind": "community", "id": community.id, "name": community.name}));
    assert_eq!(me["label"], "张伟 派遣员");
    let expires = me["expires_at"].as_i64().unwrap();
    assert!((expires - (now() + 30 * 86_400)).abs() < 60, "{expires}");
    let actions: Vec<&str> = me["actions"].as_array().unwrap().iter().map(|a| a["code"].as_str().unwrap()).collect();
    assert_eq!(actions, ["accept", "dispatch", "reject", "mark_duplicate", "escalate", "support", "reassign", "return_visit"]);
    for action in ["accept", "reject", "mark_duplicate", "dispatch", "reassign", "escalate"] {
        assert!(actions.contains(&action), "a dispatcher may {action}: {actions:?}");
    }
    for action in ["resolve", "verify", "close", "supervise"] {
        assert!(!actions.contains(&action), "a dispatcher may not {action}: {actions:?}");
    }

    let official = token(&catalog, TokenRequest::new(Role::Official, "街道干部")).await;
    let me = json(&call(&app, "GET", "/api/me", Some(&official), None).await.2);
    assert_eq!(me["scope"], json!({"kind": "everywhere", "id": null, "name": null}));
    assert_eq!(me["expires_at"], Value::Null);
    let actions: Vec<&str> = me["actions"].as_array().unwrap().iter().map(|a| a["code"].as_str().unwrap()).collect();
    assert_eq!(actions, ["support"], "an official reads and makes no moves");
}

async fn only_admins_list_create_and_revoke_tokens(backend: Backend) {
    let (catalog, _database) = common::backend::district_catalog_on(backend).await;
    let app = minsheng::http::router(catalog.clone());
    let admin = token(&catalog, TokenRequest::new(Role::Admin, "管理员")).await;
    let official = token(&catalog, TokenRequest::new(Role::Official, "街道干部")).await;
    let street = catalog.snapshot().data.streets[0].id.clone();
    let body = json!({"role": "supervisor", "street": street, "expires": "2099-12-31", "label": "王督办"}).to_string();

    for (method, uri, body) in
        [("GET", "/api/tokens", None), ("POST", "/api/tokens", Some(body.clone())), ("DELETE", "/api/tokens/1", None)]
    {
        let (status, _, text) = call(&app, method, uri, Some(&official), body.clone()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {uri}: {text}");
        assert!(text.contains("admin") && text.contains("this token is official"), "{text}");
        assert_eq!(call(&app, method, uri, None, body).await.0, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(catalog.store().tokens().await.unwrap().len(), 2, "a refused request made no token");

    let (status, _, text) = call(&app, "POST", "/api/tokens", Some(&admin), Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let created = json(&text);
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("ms_"));
    let id = created["token"]["id"].as_i64().unwrap();
    assert_eq!(created["token"]["role"], "supervisor");
    assert_eq!(created["token"]["scope"], json!({"kind": "street", "id": street}));
    let end_of_2099 = minsheng::model::time::parse_iso8601("2100-01-01T00:00:00+08:00").unwrap();
    assert_eq!(created["token"]["expires_at"], end_of_2099);
    assert_eq!(json(&call(&app, "GET", "/api/me", Some(&secret), None).await.2)["role"]["code"], "supervisor");

    let (status, _, text) = call(&app, "GET", "/api/tokens", Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!text.contains(&secret[3..]) && !text.contains("secret") && !text.contains("hash"), "a listing shows no secret: {text}");
    let listed = json(&text);
    assert_eq!(listed.as_array().unwrap().len(), 3);
    assert_eq!(listed[2]["label"], "王督办");

    let (status, _, text) = call(&app, "DELETE", &format!("/api/tokens/{id}"), Some(&admin), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{text}");
    assert_eq!(call(&app, "GET", "/api/me", Some(&secret), None).await.0, StatusCode::UNAUTHORIZED);
    let (status, _, text) = call(&app, "DELETE", &format!("/api/tokens/{id}"), Some(&admin), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "revoked twice: {text}");
    let (status, _, text) = call(&app, "DELETE", "/api/tokens/first", Some(&admin), None).await;
    assert_eq!((status, json(&text)["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_parameter")), "{text}");
    assert!(json(&call(&app, "GET", "/api/tokens", Some(&admin), None).await.2)[2]["revoked_at"].is_i64());
}

async fn an_expired_token_is_refused_saying_when(backend: Backend) {
    let (catalog, _database) = common::backend::district_catalog_on(backend).await;
    let app = minsheng::http::router(catalog.clone());
    let secret = "ms_an_expired_secret_for_this_test";
    let expired_at = now() - 60;
    let stored = NewStaffToken {
        role: Role::Official,
        scope: &TokenScope::Everywhere,
        label: "过期",
        created_at: now() - 86_400,
        expires_at: Some(expired_at),
    };
    let hash: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
    catalog.store().insert_token(&hash, &stored).await.unwrap();
    let (status, _, text) = call(&app, "GET", "/api/me", Some(secret), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{text}");
    assert!(text.contains(&format!("expired at {}", to_iso8601(expired_at))), "{text}");
    let (status, _, _) = call(&app, "GET", "/api/reports", Some(secret), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn a_scope_the_role_does_not_take_is_refused_naming_the_flag(backend: Backend) {
    let (catalog, _database) = common::backend::district_catalog_on(backend).await;
    let app = minsheng::http::router(catalog.clone());
    let admin = token(&catalog, TokenRequest::new(Role::Admin, "管理员")).await;
    let grid = catalog.snapshot().data.grids[0].id.clone();
    let refusals = [
        (json!({"role": "handler", "label": "x"}), "unit", "--unit"),
        (json!({"role": "handler", "grid": grid, "label": "x"}), "grid", "--unit"),
        (json!({"role": "dispatcher", "grid": grid, "label": "x"}), "grid", "--community C or --street S"),
        (json!({"role": "supervisor", "label": "x"}), "role", "--community C or --street S"),
        (json!({"role": "grid_worker", "community": "C-nowhere", "label": "x"}), "community", "--grid"),
        (json!({"role": "admin", "street": "S-nowhere", "label": "x"}), "street", "leave --unit"),
        (json!({"role": "dispatcher", "community": "C-nowhere", "label": "x"}), "community", "no community \"C-nowhere\""),
        (json!({"role": "handler", "unit": "U-nowhere", "label": "x"}), "unit", "no unit \"U-nowhere\""),
        (json!({"role": "grid_worker", "grid": grid, "street": "S1", "label": "x"}), "street", "only one of"),
        (json!({"role": "admin", "expires": "2020-01-01", "label": "x"}), "expires", "already past"),
        (json!({"role": "admin", "expires": "soon", "label": "x"}), "expires", "30d"),
        (json!({"role": "mayor", "label": "x"}), "body", "dispatcher, handler, supervisor"),
    ];
    for (body, parameter, words) in refusals {
        let (status, _, text) = call(&app, "POST", "/api/tokens", Some(&admin), Some(body.to_string())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {text}");
        let message = json(&text)["error"]["message"].as_str().unwrap().to_owned();
        assert!(message.contains(parameter) && message.contains(words), "{body}: {message}");
    }
    // Handler tokens are made to the first refusal's advice, with a unit.
    let unit = catalog.snapshot().data.units[0].id.clone();
    let body = json!({"role": "handler", "unit": unit, "label": "物业"});
    let (status, _, text) = call(&app, "POST", "/api/tokens", Some(&admin), Some(body.to_string())).await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    assert_eq!(catalog.store().tokens().await.unwrap().len(), 2, "only the admin's and the handler's");
}

/// `token create` with a scope and an expiry, and `token list` showing both (never a secret).
#[tokio::test]
async fn the_cli_makes_scoped_expiring_tokens_and_lists_them() {
    let database = TestDatabase::new(Backend::Sqlite).await;
    let catalog = Catalog::open(database.store().await).await.unwrap();
    assert!(catalog.seed_demo_district_if_empty().await.unwrap());
    let street = catalog.snapshot().data.streets[0].id.clone();
    drop(catalog);
    let cli = |args: &[&str]| {
        std::process::Command::new(BINARY).args(args).args(["--database", &database.url]).env("RUST_LOG", "warn").output().unwrap()
    };
    let made = cli(&["token", "create", "--role", "supervisor", "--street", &street, "--expires", "2099-06-30", "--label", "王督办"]);
    let stderr = String::from_utf8_lossy(&made.stderr);
    assert!(made.status.success(), "{stderr}");
    let secret = String::from_utf8(made.stdout).unwrap().trim().to_owned();
    assert!(stderr.contains(&format!("street {street}")) && stderr.contains("until 2099-07-01T00:00:00+08:00"), "{stderr}");

    let refused = cli(&["token", "create", "--role", "handler", "--street", &street, "--label", "x"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--unit"), "{}", String::from_utf8_lossy(&refused.stderr));

    let listed = cli(&["token", "list"]);
    let listing = String::from_utf8(listed.stdout).unwrap();
    let row = listing.lines().find(|line| line.contains("王督办")).unwrap_or_else(|| panic!("{listing}"));
    for field in ["supervisor", &format!("street {street}"), "2099-07-01T00:00:00+08:00"] {
        assert!(row.contains(field), "{field} missing from {row:?}");
    }
    assert!(!listing.contains(&secret[3..]), "the listing shows the secret");
}

/// `demo --tokens` loads the demo into an empty database and prints one working token of
/// each role, all working where the same cases are.
#[tokio::test]
async fn demo_tokens_give_one_working_token_of_each_role() {
    let database = TestDatabase::new(Backend::Sqlite).await;
    let output = std::process::Command::new(BINARY)
        .args(["demo", "--tokens", "--database", &database.url])
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let listing = String::from_utf8(output.stdout).unwrap();
    let catalog = Catalog::open(database.store().await).await.unwrap();
    let mut roles = Vec::new();
    let mut scopes = Vec::new();
    for line in listing.lines() {
        let secret = line.split_whitespace().find(|w| w.starts_with("ms_")).unwrap_or_else(|| panic!("no secret in {line:?}"));
        let staff = minsheng::services::auth::authenticate(&catalog, secret).await.unwrap();
        assert!(line.starts_with(staff.role.as_str()), "{line:?} is not the token's role {}", staff.role);
        roles.push(staff.role);
        scopes.push(staff.scope);
    }
    assert_eq!(roles, Role::ALL, "{listing}");
    let snapshot = catalog.snapshot();
    let data = &snapshot.data;
    let community = scopes.iter().find_map(|s| match s {
        TokenScope::Community(c) => Some(c.clone()),
        _ => None,
    });
    let unit = scopes.iter().find_map(|s| match s {
        TokenScope::Unit(u) => data.units.iter().find(|unit| &unit.id == u),
        _ => None,
    });
    let (community, unit) = (community.unwrap(), unit.unwrap());
    assert!(
        unit.compound_ids.iter().any(|c| data.compounds.iter().any(|k| &k.id == c && k.community_id.as_ref() == Some(&community))),
        "the handler's unit serves the dispatcher's community"
    );
}

/// A database made before roles keeps its tokens: a grid worker's grid becomes a grid scope,
/// everyone else's "everywhere", nothing expires, and numbering continues.
async fn tokens_from_before_roles_keep_their_grid(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    // The migrations before this branch's, applied as sqlx applies them, so that opening the
    // store afterwards runs exactly the roles migration on the old rows.
    let (folder, first_of_roles) = match backend {
        Backend::Sqlite => ("migrations/sqlite", "0008"),
        Backend::Postgres => ("migrations/postgres", "0005"),
    };
    let older = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(folder)).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if name.as_str() < first_of_roles {
            std::fs::copy(&path, older.path().join(name)).unwrap();
        }
    }
    let migrator = sqlx::migrate::Migrator::new(older.path()).await.unwrap();
    // A grid for the grid worker's token to name (the old table has a foreign key), with a
    // geometry each backend takes; then two tokens as the old table held them.
    let rows = |geometry: &str| {
        format!(
            "INSERT INTO streets (id, name, geometry) VALUES ('S1', '街道', {geometry});
             INSERT INTO communities (id, name, street_id, geometry) VALUES ('C1', '社区', 'S1', {geometry});
             INSERT INTO grids (id, name, level, community_id, households, geometry) VALUES ('G1', '网格', 'grid', 'C1', 60, {geometry});
             INSERT INTO api_tokens (token_hash, role, grid_id, label, created_at) VALUES ('1', 'grid_worker', 'G1', '网格员', 10);
             INSERT INTO api_tokens (token_hash, role, grid_id, label, created_at, revoked_at) VALUES ('2', 'official', NULL, '干部', 20, 30);"
        )
    };
    match backend {
        Backend::Sqlite => {
            let options = sqlx::sqlite::SqliteConnectOptions::from_str(&database.url).unwrap().create_if_missing(true).foreign_keys(true);
            let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
            migrator.run(&pool).await.unwrap();
            sqlx::raw_sql(sqlx::AssertSqlSafe(rows("''"))).execute(&pool).await.unwrap();
            pool.close().await;
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&database.url).await.unwrap();
            migrator.run(&pool).await.unwrap();
            sqlx::raw_sql(sqlx::AssertSqlSafe(rows("'SRID=4326;POINT(0 0)'"))).execute(&pool).await.unwrap();
            pool.close().await;
        }
    }

    let store = database.store().await;
    let found: Vec<_> =
        store.tokens().await.unwrap().into_iter().map(|t| (t.id, t.role, t.scope, t.label, t.expires_at, t.revoked_at)).collect();
    assert_eq!(
        found,
        [
            (1, Role::GridWorker, TokenScope::Grid("G1".into()), "网格员".into(), None, None),
            (2, Role::Official, TokenScope::Everywhere, "干部".into(), None, Some(30)),
        ]
    );
    let token = |role, scope| NewStaffToken { role, scope, label: "新", created_at: 40, expires_at: None };
    assert_eq!(store.insert_token(&[3; 32], &token(Role::Admin, &TokenScope::Everywhere)).await.unwrap(), 3, "numbering continues");
    // The rebuilt table refuses what the service refuses.
    assert!(store.insert_token(&[4; 32], &token(Role::Handler, &TokenScope::Everywhere)).await.is_err(), "a handler without a unit");
}
