//! A third-party OGC API – Features client against the real binary: `tests/ogc_owslib.py`
//! reads the landing page, the API definition (`api()` follows `service-desc`), the
//! collections, queryables and items with a CQL2 filter, `sortby`, `bbox` and `datetime`
//! through PyPI OWSLib. Needs the `.venv` of `scripts/setup.sh` with tests/requirements.txt.

mod common;

use std::process::Command;

use common::server::start;

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/ogc_owslib.py");

#[test]
fn owslib_reads_collections_the_api_definition_and_filtered_items() {
    let import = Command::new(common::python()).args(["-c", "import owslib"]).output().expect("Python runs (see scripts/setup.sh)");
    assert!(
        import.status.success(),
        "the Python package owslib is missing: run `bash scripts/setup.sh`\n{}",
        String::from_utf8_lossy(&import.stderr)
    );

    let dir = tempfile::tempdir().expect("a temporary directory");
    let server = start(&format!("sqlite://{}", dir.path().join("owslib.db").display()), &[]);
    let output = Command::new(common::python())
        .arg(SCRIPT)
        .arg(format!("http://{}", server.address))
        // A proxy in the environment must not swallow calls to the local server.
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("no_proxy", "127.0.0.1,localhost")
        .output()
        .expect("Python runs the client script");
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "the OWSLib check failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("owslib checks passed"), "{stdout}");
}
