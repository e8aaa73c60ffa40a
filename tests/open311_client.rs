//! A third-party Open311 client against the real binary: `tests/open311_client.py` reads
//! with PyPI georeport 0.3.1 in JSON and XML (and files with `requests`, georeport having
//! no POST). Needs Python (the `.venv` of `scripts/setup.sh`) with `georeport==0.3.1`; `scripts/setup.sh` installs it.

mod common;

use std::process::Command;

use common::server::start;

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/open311_client.py");

#[test]
fn the_georeport_client_reads_what_was_filed_in_json_and_xml() {
    let import = Command::new(common::python()).args(["-c", "import georeport"]).output().expect("Python runs (see scripts/setup.sh)");
    assert!(
        import.status.success(),
        "the Python package georeport is missing: run `bash scripts/setup.sh`\n{}",
        String::from_utf8_lossy(&import.stderr)
    );

    let dir = tempfile::tempdir().expect("a temporary directory");
    let server = start(&format!("sqlite://{}", dir.path().join("open311.db").display()), &[]);
    let output = Command::new(common::python())
        .arg(SCRIPT)
        .arg(format!("http://{}", server.address))
        // A proxy in the environment must not swallow calls to the local server.
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("no_proxy", "127.0.0.1,localhost")
        .output()
        .expect("Python runs the client script");
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "the Open311 client check failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("open311 client checks passed"), "{stdout}");
}
