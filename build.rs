//! Installs the map page's one JavaScript dependency (MapLibre GL JS, pinned by
//! web/package-lock.json) so that src/http/web.rs can embed it: the binary then serves the
//! whole page with no network at run time.

use std::path::Path;
use std::process::{Command, Stdio};

const VENDOR_JS: &str = "web/node_modules/maplibre-gl/dist/maplibre-gl.js";

fn main() {
    for file in [
        "package.json",
        "package-lock.json",
        "index.html",
        "app.js",
        "planner.js",
        "official.js",
        "report.js",
        "staff.js",
        "i18n.js",
        "style.css",
    ] {
        println!("cargo:rerun-if-changed=web/{file}");
    }
    // sqlx::migrate! embeds the migrations when the crate compiles: a new file must recompile it.
    println!("cargo:rerun-if-changed=migrations");
    // Watched so that a deleted node_modules is installed again rather than failing include_bytes!.
    println!("cargo:rerun-if-changed={VENDOR_JS}");

    let web = Path::new("web");
    let lock = web.join("package-lock.json");
    if Path::new(VENDOR_JS).exists() && !older(&web.join("node_modules/.package-lock.json"), &lock) {
        return;
    }
    let command = if lock.exists() { "ci" } else { "install" };
    let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
    // npm's stdout goes to stderr: cargo reads a build script's stdout for its own directives.
    let status = Command::new(npm)
        .args([command, "--no-audit", "--no-fund", "--ignore-scripts"])
        .current_dir(web)
        .stdout(Stdio::from(std::io::stderr()))
        .status()
        .unwrap_or_else(|error| {
            fail(&format!(
                "building minsheng needs npm to fetch the map page's MapLibre GL JS into web/node_modules \
                 (`npm {command}` in web/ could not start: {error}). Run `bash scripts/setup.sh` (README, \
                 \"The three commands\"), then build again."
            ))
        });
    if !status.success() {
        fail(&format!("`npm {command}` in web/ failed ({status}); it needs the npm registry the first time. See its output above."));
    }
    if !Path::new(VENDOR_JS).exists() {
        fail(&format!("`npm {command}` in web/ did not produce {VENDOR_JS}"));
    }
}

/// Whether `file` is missing or was modified before `than` (a lock file changed since the last install).
fn older(file: &Path, than: &Path) -> bool {
    let modified = |path: &Path| path.metadata().and_then(|m| m.modified()).ok();
    match (modified(file), modified(than)) {
        (Some(file), Some(than)) => file < than,
        (None, _) => true,
        (Some(_), None) => false,
    }
}

/// Stops the build with a message and no backtrace: cargo shows a build script's stderr.
fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1);
}
