//! Schemathesis (PyPI, pinned in tests/requirements.txt) fuzzes the live server from its own
//! OpenAPI document: every documented operation, positive and negative inputs, with a fixed
//! seed and a bounded number of examples, and an admin's token so the staff routes are
//! reached too. The run must see no 5xx and no response that breaks its documented schema.

mod common;

use std::process::Command;
use std::time::Instant;

use common::server::{BINARY, get_json, request_with, start};

/// Examples per operation and mode: enough to reach every parameter's edge cases, few enough
/// that the whole run stays within a couple of minutes on two cores.
const EXAMPLES_PER_OPERATION: &str = "40";
/// Fixed, so a failure in CI reproduces on a laptop.
const SEED: &str = "20261206";

#[test]
fn schemathesis_finds_no_server_error_and_no_answer_outside_its_schema() {
    let python = common::python();
    let schemathesis = python.parent().expect("the venv's bin folder").join("schemathesis");
    assert!(schemathesis.exists(), "schemathesis (tests/requirements.txt) is missing from the venv: run `bash scripts/setup.sh`");

    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("fuzz.db").display());
    // No submission limit: the fuzzer files reports far faster than any resident, and a 429
    // would hide what the route does with the input.
    let server = start(&database, &["--submissions-per-minute", "0"]);
    let token = admin_token(&database);

    let (status, document) = get_json(&server, "/openapi.json");
    assert_eq!(status, 200, "/openapi.json answers");
    let documented = operations(&document);
    assert!(!documented.is_empty(), "the document lists operations");

    // Real identifiers for the path parameters, so the fuzzer reaches the handlers' logic
    // (transitions and escalations of a real case, a real feature) rather than their 404s.
    let config = dir.path().join("schemathesis.toml");
    std::fs::write(&config, known_identifiers(&server, &token)).unwrap();

    let report = dir.path().join("junit.xml");
    let started = Instant::now();
    let output = Command::new(&schemathesis)
        .arg("--config-file")
        .arg(&config)
        .arg("run")
        .arg(format!("http://{}/openapi.json", server.address))
        .args(["--checks", "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance"])
        .args(["--max-examples", EXAMPLES_PER_OPERATION, "--seed", SEED])
        .args(["--phases", "examples,coverage,fuzzing"])
        .args(["--generation-database", "none", "--workers", "2", "--request-timeout", "30"])
        .args(["--suppress-health-check", "all", "--no-color"])
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .args(["--report", "junit", "--report-junit-path"])
        .arg(&report)
        .env("SCHEMATHESIS_HOOKS", "")
        .current_dir(dir.path())
        .output()
        .expect("schemathesis starts");
    let seconds = started.elapsed().as_secs_f64();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    eprintln!("schemathesis ran {} documented operations in {seconds:.0} s", documented.len());

    let junit =
        std::fs::read_to_string(&report).unwrap_or_else(|error| panic!("schemathesis wrote no report ({error}):\n{stdout}\n{stderr}"));
    let results = junit_results(&junit);
    let failed: Vec<&(String, Option<String>)> = results.iter().filter(|(_, failure)| failure.is_some()).collect();
    assert!(
        failed.is_empty() && output.status.success(),
        "schemathesis found {} failing operations (exit {:?}):\n{}\n--- output ---\n{}",
        failed.len(),
        output.status.code(),
        failed.iter().map(|(name, failure)| format!("{name}: {}", failure.as_deref().unwrap_or(""))).collect::<Vec<_>>().join("\n"),
        tail(&stdout, 12_000)
    );
    // Every documented operation was exercised: a document that schemathesis cannot read,
    // or operations it skipped, would pass the checks above without testing anything.
    for (method, path) in &documented {
        let name = format!("{} {path}", method.to_uppercase());
        assert!(results.iter().any(|(tested, _)| *tested == name), "schemathesis did not test {name}:\n{}", tail(&stdout, 4_000));
    }
}

/// A schemathesis configuration naming an existing case and station for the path parameters.
fn known_identifiers(server: &common::server::Server, token: &str) -> String {
    let authorization = format!("Bearer {token}");
    let (status, _, body) =
        request_with(&server.address, "GET", "/api/reports?limit=1", &[("Authorization", &authorization)], None).expect("server answers");
    assert_eq!(status, 200, "the staff queue answers: {body}");
    let queue: serde_json::Value = serde_json::from_str(&body).unwrap();
    let case = queue["reports"][0]["case_number"].as_str().expect("the demo has cases").to_owned();
    let (status, stations) = get_json(server, "/api/layers/stations?limit=1");
    assert_eq!(status, 200);
    let station = stations["features"][0]["id"].as_str().expect("the demo has stations").to_owned();
    // A token of its own for the fuzzer to revoke: revoking the one it sends would turn every
    // later request into a 401.
    let body = r#"{"role": "official", "label": "schemathesis revokes this one"}"#;
    let (status, _, created) = request_with(
        &server.address,
        "POST",
        "/api/tokens",
        &[("Authorization", &authorization), ("Content-Type", "application/json")],
        Some(body),
    )
    .expect("server answers");
    assert_eq!(status, 201, "the token API answers: {created}");
    let spare_token = serde_json::from_str::<serde_json::Value>(&created).unwrap()["token"]["id"].as_i64().expect("a token number");
    format!(
        r#"[parameters]
"path.case" = "{case}"
"path.layer" = "stations"
"path.id" = "{station}"
"path.collection" = "stations"
"path.feature" = "{station}"

[[operations]]
include-path = "/open311/v2/requests/{{file}}"
parameters = {{ "path.file" = "{case}.json" }}

[[operations]]
include-path = "/api/tokens/{{id}}"
parameters = {{ "path.id" = {spare_token} }}

[[operations]]
include-path = "/open311/v2/services/{{file}}"
parameters = {{ "path.file" = "parking.json" }}
"#
    )
}

/// `(method, path)` of every operation in the document, less the document itself (which
/// schemathesis, having loaded it, does not fuzz).
fn operations(document: &serde_json::Value) -> Vec<(String, String)> {
    let methods = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];
    let paths = document["paths"].as_object().expect("the document has paths");
    let mut operations = Vec::new();
    for (path, item) in paths.iter().filter(|(path, _)| *path != "/openapi.json") {
        for method in methods {
            if item.get(method).is_some() {
                operations.push((method.to_owned(), path.clone()));
            }
        }
    }
    operations
}

/// Each test case of the JUnit report: its name, and its failure or error text if any.
fn junit_results(xml: &str) -> Vec<(String, Option<String>)> {
    let document = roxmltree::Document::parse(xml).expect("the JUnit report is XML");
    document
        .descendants()
        .filter(|node| node.has_tag_name("testcase"))
        .map(|case| {
            let name = case.attribute("name").unwrap_or_default().to_owned();
            let failure = case
                .children()
                .find(|child| child.has_tag_name("failure") || child.has_tag_name("error"))
                .map(|failure| format!("{} {}", failure.attribute("message").unwrap_or_default(), failure.text().unwrap_or_default()));
            (name, failure)
        })
        .collect()
}

fn admin_token(database: &str) -> String {
    let output = Command::new(BINARY)
        .args(["token", "create", "--role", "admin", "--label", "schemathesis", "--database", database])
        .output()
        .expect("binary starts");
    assert!(output.status.success(), "token create failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

fn tail(text: &str, bytes: usize) -> &str {
    let mut start = text.len().saturating_sub(bytes);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}
