//! The map page in a real browser: the system's headless Chromium, driven by playwright-core
//! (tests/browser/run.mjs), against the real binary serving a fresh database with the demo
//! district. Screenshots of each view go to `target/screenshots/`; with
//! `MINSHENG_UPDATE_SCREENSHOTS=1` the views' screenshots are also copied to
//! `docs/screenshots/` for the README.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use common::server::{BINARY, start};

/// The views whose screenshots the README shows.
const README_VIEWS: [&str; 6] = ["resident", "resident-phone", "planner", "coverage", "lifecircle", "staff"];

fn chromium() -> Option<PathBuf> {
    let candidates = [std::env::var("CHROMIUM").ok(), Some("/usr/bin/chromium".into()), Some("/usr/bin/chromium-browser".into())];
    candidates.into_iter().flatten().map(PathBuf::from).find(|path| path.is_file())
}

fn runs(program: &str) -> bool {
    Command::new(program).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
}

#[test]
fn the_map_page_works_in_headless_chromium() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tests = root.join("tests/browser");
    let chromium = chromium().unwrap_or_else(|| {
        panic!(
            "the browser tests need Chromium and a Chinese font: run `bash scripts/setup.sh` \
             (it installs Debian's chromium and fonts-noto-cjk), or set CHROMIUM to a Chromium or Chrome binary"
        )
    });
    let node = common::node();
    assert!(runs("npm"), "the browser tests need npm: run `bash scripts/setup.sh`");

    // playwright-core, pinned by tests/browser/package-lock.json, installed by scripts/setup.sh.
    assert!(
        tests.join("node_modules/playwright-core/package.json").is_file(),
        "playwright-core (pinned in tests/browser) is not installed: run `bash scripts/setup.sh`"
    );

    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("browser.db").display());
    let server = start(&database, &[]);
    // An admin's token for the staff test (made while the server runs, so the demo is in).
    let output = Command::new(BINARY)
        .args(["token", "create", "--role", "admin", "--label", "浏览器测试 browser test", "--database", &database])
        .output()
        .expect("binary starts");
    assert!(output.status.success(), "token create failed: {}", String::from_utf8_lossy(&output.stderr));
    let token = String::from_utf8(output.stdout).unwrap().trim().to_owned();
    assert!(token.starts_with("ms_"), "token create printed {token:?}");

    // target/screenshots, beside the binary's profile folder (so CARGO_TARGET_DIR is honoured).
    let target = Path::new(BINARY).parent().and_then(Path::parent).expect("the binary is in target/<profile>/");
    let screenshots = target.join("screenshots");
    let _ = std::fs::remove_dir_all(&screenshots);

    let started = Instant::now();
    let output = Command::new(&node)
        .arg(tests.join("run.mjs"))
        .args(["--url", &format!("http://{}", server.address)])
        .arg("--screenshots")
        .arg(&screenshots)
        .env("MINSHENG_TOKEN", &token)
        .env("CHROMIUM", &chromium)
        .current_dir(&tests)
        .output()
        .expect("node starts");
    drop(server);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    eprintln!("{stderr}");
    println!("browser tests took {:.1} s", started.elapsed().as_secs_f64());
    assert!(output.status.success(), "the browser tests failed ({}):\n{stdout}\n{stderr}", output.status);
    assert!(stdout.contains(" passed, 0 failed"), "the runner printed no summary:\n{stdout}");

    if std::env::var("MINSHENG_UPDATE_SCREENSHOTS").is_ok_and(|v| v == "1") {
        let docs = root.join("docs/screenshots");
        std::fs::create_dir_all(&docs).unwrap();
        for view in README_VIEWS {
            let shot = screenshots.join(format!("{view}.png"));
            if shot.is_file() {
                std::fs::copy(&shot, docs.join(format!("{view}.png"))).unwrap();
                println!("updated docs/screenshots/{view}.png");
            }
        }
    }
}
