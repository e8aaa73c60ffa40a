//! Shared test setup: a catalog over a fresh in-memory database with the demo district.
#![allow(dead_code)]

pub mod backend;
pub mod district;
pub mod server;
pub mod walkways;

use std::sync::Arc;

use geo::{Geometry, InteriorPoint, Point};
use minsheng::services::Catalog;
use minsheng::store::{SqliteStore, Store};

/// A fresh in-memory store (nothing shared between tests).
pub async fn empty_store() -> Arc<dyn Store> {
    Arc::new(SqliteStore::open("sqlite::memory:").await.expect("in-memory SQLite opens"))
}

/// A catalog holding the bundled demo district.
pub async fn demo_catalog() -> Catalog {
    let catalog = Catalog::open(empty_store().await).await.expect("catalog opens");
    assert!(catalog.seed_demo_if_empty().await.expect("demo loads"));
    catalog
}

/// A catalog holding the demo district but no reports, for tests that list every case.
pub async fn district_catalog() -> Catalog {
    let catalog = Catalog::open(empty_store().await).await.expect("catalog opens");
    assert!(catalog.seed_demo_district_if_empty().await.expect("demo loads"));
    catalog
}

/// The router over a catalog without the per-client submission limit, for tests that
/// submit more than a client may in a minute (the limit has its own test).
pub fn unlimited_app(catalog: Catalog) -> axum::Router {
    let settings = minsheng::http::Settings { submissions_per_minute: 0, ..Default::default() };
    minsheng::http::router_with(catalog, settings)
}

/// A point certainly inside an area.
pub fn inside(geometry: &Geometry) -> Point {
    geometry.interior_point().expect("areas have an interior point")
}

/// One request through the router: status, headers and body text. `token` goes in as
/// `Authorization: Bearer`.
pub async fn call(
    app: &axum::Router,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Option<String>,
) -> (axum::http::StatusCode, axum::http::HeaderMap, String) {
    use axum::body::Body;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    let mut request = axum::http::Request::builder().method(method).uri(uri);
    if body.is_some() {
        request = request.header("content-type", "application/json");
    }
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let request = request.body(body.map(Body::from).unwrap_or_else(Body::empty)).unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    (parts.status, parts.headers, String::from_utf8(bytes.to_vec()).unwrap())
}

/// Parses a JSON answer, showing it when it is not JSON.
pub fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|_| panic!("not JSON: {text}"))
}

/// The Python that runs the independent implementations: `$MINSHENG_PYTHON`, else the
/// project's virtual environment that `bash scripts/setup.sh` makes. Without either, the
/// test stops with a message naming the setup command (not a Python traceback later).
pub fn python() -> std::path::PathBuf {
    if let Some(python) = std::env::var_os("MINSHENG_PYTHON") {
        return python.into();
    }
    let venv = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    assert!(
        venv.exists(),
        "this test runs independent implementations from the project's Python virtual environment, \
         and {} is missing: run `bash scripts/setup.sh` first (README, \"The three commands\"), \
         or set MINSHENG_PYTHON to a Python that has tests/requirements.txt",
        venv.display()
    );
    venv
}

/// Runs a Python oracle: checks first that `import` (a Python statement) works, naming
/// `packages` and the setup command if not, then feeds `script` (a path) `input` as JSON
/// on stdin and returns its stdout.
pub fn run_python(script: &str, import: &str, packages: &str, input: &serde_json::Value) -> Vec<u8> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let check = Command::new(python()).args(["-c", import]).output().expect("Python runs (see scripts/setup.sh)");
    assert!(
        check.status.success(),
        "the Python packages {packages} are missing: run `bash scripts/setup.sh`\n{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let mut child = Command::new(python())
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("Python runs the script");
    child.stdin.take().unwrap().write_all(input.to_string().as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{script} failed:\n{}", String::from_utf8_lossy(&output.stderr));
    output.stdout
}

/// The Node.js (20 or later) the browser tests run: `$MINSHENG_NODE`, else the project-local
/// one `scripts/setup.sh` installs when the system's is older, else `node` on the PATH.
/// Stops with a message naming the setup command when that is missing or too old.
pub fn node() -> std::path::PathBuf {
    let local = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools/bin/node");
    let node = match std::env::var_os("MINSHENG_NODE") {
        Some(node) => node.into(),
        None if local.exists() => local,
        None => "node".into(),
    };
    let version = std::process::Command::new(&node).args(["-p", "process.versions.node"]).output();
    let version = version.ok().filter(|o| o.status.success()).map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    let major = version.as_deref().and_then(|v| v.split('.').next()?.parse::<u32>().ok());
    assert!(
        major.is_some_and(|major| major >= 20),
        "the browser tests need Node.js 20 or later, and {} is {}: run `bash scripts/setup.sh` \
         (it installs one into .tools/ when the system's is older), or set MINSHENG_NODE",
        node.display(),
        version.map_or("not runnable".to_owned(), |v| format!("version {v}"))
    );
    node
}

/// [`call`] with request headers of the caller's choosing (JSON bodies get a content type
/// unless one is given).
pub async fn call_with(
    app: &axum::Router,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: Option<String>,
) -> (axum::http::StatusCode, axum::http::HeaderMap, String) {
    use axum::body::Body;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    let mut request = axum::http::Request::builder().method(method).uri(uri);
    if body.is_some() && !headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("content-type")) {
        request = request.header("content-type", "application/json");
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request.body(body.map(Body::from).unwrap_or_else(Body::empty)).unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    (parts.status, parts.headers, String::from_utf8(bytes.to_vec()).unwrap())
}

/// One request with a raw body and headers; the answer's body as bytes (for images).
pub async fn call_raw(
    app: &axum::Router,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> (axum::http::StatusCode, axum::http::HeaderMap, Vec<u8>) {
    use axum::body::Body;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    let mut request = axum::http::Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request.body(Body::from(body)).unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    (parts.status, parts.headers, body.collect().await.unwrap().to_bytes().to_vec())
}

/// A `multipart/form-data` body: its content type and bytes. Parts are (name, file name, bytes).
pub fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "minsheng-test-boundary-7f3a";
    let mut body = Vec::new();
    for (name, file, bytes) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file {
            Some(file) => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\nContent-Type: image/jpeg\r\n\r\n")
                    .as_bytes(),
            ),
            None => body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes()),
        }
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Test images made here: a JPEG carrying an EXIF GPS position (as a phone writes it), a
/// PNG and a lossless WebP, of `width` × `height` pixels.
pub mod images {
    use image::codecs::jpeg::JpegEncoder;
    use image::{ImageFormat, RgbImage, RgbaImage};

    /// The latitude the EXIF block claims, as its rational seconds spell it: a test looks
    /// for these bytes in what the server serves.
    pub const GPS_SECONDS: [u8; 8] = [0x78, 0x56, 0x34, 0x12, 0x64, 0x00, 0x00, 0x00];

    fn pixels(width: u32, height: u32) -> RgbImage {
        RgbImage::from_fn(width, height, |x, y| image::Rgb([(x * 7 % 256) as u8, (y * 3 % 256) as u8, ((x + y) % 256) as u8]))
    }

    /// An APP1 "Exif" segment holding IFD0 with a GPS IFD: GPSLatitudeRef "N" and
    /// GPSLatitude 30° 39' (0x12345678/100)".
    fn exif_gps() -> Vec<u8> {
        let mut tiff: Vec<u8> = b"II*\0".to_vec();
        tiff.extend_from_slice(&8u32.to_le_bytes());
        // IFD0 at 8: one entry, GPSInfo (0x8825, LONG) pointing at the GPS IFD at 26.
        tiff.extend_from_slice(&1u16.to_le_bytes());
        tiff.extend_from_slice(&0x8825u16.to_le_bytes());
        tiff.extend_from_slice(&4u16.to_le_bytes());
        tiff.extend_from_slice(&1u32.to_le_bytes());
        tiff.extend_from_slice(&26u32.to_le_bytes());
        tiff.extend_from_slice(&0u32.to_le_bytes());
        // GPS IFD at 26: two entries; the latitude's three rationals at 56.
        tiff.extend_from_slice(&2u16.to_le_bytes());
        tiff.extend_from_slice(&1u16.to_le_bytes());
        tiff.extend_from_slice(&2u16.to_le_bytes());
        tiff.extend_from_slice(&2u32.to_le_bytes());
        tiff.extend_from_slice(b"N\0\0\0");
        tiff.extend_from_slice(&2u16.to_le_bytes());
        tiff.extend_from_slice(&5u16.to_le_bytes());
        tiff.extend_from_slice(&3u32.to_le_bytes());
        tiff.extend_from_slice(&56u32.to_le_bytes());
        tiff.extend_from_slice(&0u32.to_le_bytes());
        assert_eq!(tiff.len(), 56);
        for (numerator, denominator) in [(30u32, 1u32), (39, 1)] {
            tiff.extend_from_slice(&numerator.to_le_bytes());
            tiff.extend_from_slice(&denominator.to_le_bytes());
        }
        tiff.extend_from_slice(&GPS_SECONDS);
        let mut segment = vec![0xFF, 0xE1];
        let length = (2 + 6 + tiff.len()) as u16;
        segment.extend_from_slice(&length.to_be_bytes());
        segment.extend_from_slice(b"Exif\0\0");
        segment.extend_from_slice(&tiff);
        segment
    }

    pub fn jpeg_with_gps(width: u32, height: u32) -> Vec<u8> {
        let mut plain = Vec::new();
        JpegEncoder::new_with_quality(&mut plain, 92).encode_image(&pixels(width, height)).unwrap();
        assert_eq!(&plain[..2], &[0xFF, 0xD8]);
        let mut with_exif = plain[..2].to_vec();
        with_exif.extend_from_slice(&exif_gps());
        with_exif.extend_from_slice(&plain[2..]);
        with_exif
    }

    pub fn png(width: u32, height: u32) -> Vec<u8> {
        let image = RgbaImage::from_fn(width, height, |x, y| image::Rgba([(x % 256) as u8, (y % 256) as u8, 200, 255]));
        let mut out = Vec::new();
        image.write_to(&mut std::io::Cursor::new(&mut out), ImageFormat::Png).unwrap();
        out
    }

    pub fn webp(width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        pixels(width, height).write_to(&mut std::io::Cursor::new(&mut out), ImageFormat::WebP).unwrap();
        out
    }

    /// The markers of a JPEG's segments before its scan, read by hand (not by the image
    /// crate the server uses): `0xE1` is APP1, where EXIF and XMP live.
    pub fn jpeg_markers(bytes: &[u8]) -> Vec<u8> {
        assert_eq!(&bytes[..2], &[0xFF, 0xD8], "not a JPEG");
        let mut markers = Vec::new();
        let mut at = 2;
        while at + 4 <= bytes.len() {
            assert_eq!(bytes[at], 0xFF, "a segment starts with 0xFF at {at}");
            let marker = bytes[at + 1];
            markers.push(marker);
            if marker == 0xDA {
                break;
            }
            let length = u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]) as usize;
            at += 2 + length;
        }
        markers
    }

    /// The chunk types of a PNG, read by hand.
    pub fn png_chunks(bytes: &[u8]) -> Vec<String> {
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
        let mut chunks = Vec::new();
        let mut at = 8;
        while at + 8 <= bytes.len() {
            let length = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
            chunks.push(String::from_utf8_lossy(&bytes[at + 4..at + 8]).into_owned());
            at += 12 + length;
        }
        chunks
    }

    /// Width and height as the file's own header says (JPEG SOF0/SOF2 or PNG IHDR).
    pub fn size(bytes: &[u8]) -> (u32, u32) {
        if bytes.starts_with(b"\x89PNG") {
            return (u32::from_be_bytes(bytes[16..20].try_into().unwrap()), u32::from_be_bytes(bytes[20..24].try_into().unwrap()));
        }
        let mut at = 2;
        loop {
            let marker = bytes[at + 1];
            let length = u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]) as usize;
            if matches!(marker, 0xC0..=0xC2) {
                let height = u16::from_be_bytes([bytes[at + 5], bytes[at + 6]]) as u32;
                let width = u16::from_be_bytes([bytes[at + 7], bytes[at + 8]]) as u32;
                return (width, height);
            }
            at += 2 + length;
        }
    }
}
