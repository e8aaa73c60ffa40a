//! The OGC API as Debian's GDAL (3.6, `gdal-bin`) reads it: `ogr2ogr` with the `OAPIF:`
//! driver exports every collection, following the links it is given, and gets as many
//! features as `numberMatched` says. GDAL before 3.9.2 resolves relative links wrongly
//! (`/ogc/ogc/...`), so this fails unless the links are absolute and right; also behind a
//! reverse proxy that serves the API under a path prefix.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use common::server::{Server, get_json, start};

const COLLECTIONS: [&str; 7] = ["streets", "communities", "grids", "compounds", "buildings", "stations", "walkways"];

fn gdal_present() {
    let found = Command::new("ogr2ogr").arg("--version").output().is_ok_and(|o| o.status.success());
    assert!(found, "ogr2ogr (Debian's gdal-bin) is needed for this test: run scripts/setup.sh");
}

/// `numberMatched` of every collection, as the server states it.
fn matched(server: &Server) -> Vec<u64> {
    COLLECTIONS
        .iter()
        .map(|c| get_json(server, &format!("/ogc/collections/{c}/items?limit=1")).1["numberMatched"].as_u64().unwrap())
        .collect()
}

/// Exports each collection of the API at `url` to a GeoPackage with `ogr2ogr` (in pages of
/// 37, so that every collection with more features spans several), and counts what arrived
/// with `ogrinfo`.
fn exported_counts(url: &str, dir: &Path) -> Vec<u64> {
    COLLECTIONS
        .iter()
        .map(|collection| {
            let file = dir.join(format!("{collection}.gpkg"));
            let output = Command::new("ogr2ogr")
                .args(["-f", "GPKG", "-overwrite", "-oo", "PAGE_SIZE=37"])
                .arg(&file)
                .arg(format!("OAPIF:{url}"))
                .arg(collection)
                .output()
                .unwrap();
            let log = String::from_utf8_lossy(&output.stderr);
            assert!(output.status.success() && !log.contains("ERROR"), "ogr2ogr {collection} from {url}: {log}");
            let info = Command::new("ogrinfo").args(["-ro", "-so", "-al"]).arg(&file).output().unwrap();
            let text = String::from_utf8_lossy(&info.stdout);
            let count = text.lines().find_map(|l| l.strip_prefix("Feature Count: "));
            count.unwrap_or_else(|| panic!("ogrinfo {collection}: {text}")).trim().parse().unwrap()
        })
        .collect()
}

fn serve(dir: &Path, extra: &[&str]) -> Server {
    start(&format!("sqlite://{}", dir.join("ogc.db").display()), extra)
}

#[test]
fn ogr2ogr_exports_every_collection_whole() {
    gdal_present();
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), &[]);
    let expected = matched(&server);
    assert!(expected.iter().all(|n| *n > 0), "{expected:?}");
    assert!(expected.iter().any(|n| *n > 37), "some collection spans several pages: {expected:?}");
    let url = format!("http://{}/ogc", server.address);
    assert_eq!(exported_counts(&url, dir.path()), expected);
}

/// A reverse proxy serving a backend under `/gis`: it strips the prefix, adds the headers it
/// is given, and answers 404 to any path outside the prefix, counting those. One request
/// per connection keeps it small. It listens before the backend starts, so that the backend
/// can be told its address.
struct Proxy {
    address: String,
    /// The backend's address and the header lines to add, once known.
    route: Arc<OnceLock<(String, String)>>,
    proxied: Arc<AtomicUsize>,
    outside: Arc<AtomicUsize>,
}

impl Proxy {
    fn start() -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let proxy = Proxy { address, route: Arc::default(), proxied: Arc::default(), outside: Arc::default() };
        let (route, proxied, outside) = (proxy.route.clone(), proxy.proxied.clone(), proxy.outside.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().map_while(Result::ok) {
                let (route, proxied, outside) = (route.clone(), proxied.clone(), outside.clone());
                std::thread::spawn(move || {
                    let (backend, extra) = route.get().expect("the backend is set before GDAL runs");
                    forward(client, backend, extra, &proxied, &outside);
                });
            }
        });
        proxy
    }
}

fn forward(mut client: TcpStream, backend: &str, extra: &str, proxied: &AtomicUsize, outside: &AtomicUsize) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if client.read(&mut byte).unwrap_or(0) == 0 {
            return;
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or("").splitn(3, ' ');
    let (method, target, version) =
        (request_line.next().unwrap_or(""), request_line.next().unwrap_or(""), request_line.next().unwrap_or(""));
    let Some(inner) = target.strip_prefix("/gis").filter(|t| t.starts_with('/')) else {
        outside.fetch_add(1, Ordering::Relaxed);
        let _ = client.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        return;
    };
    proxied.fetch_add(1, Ordering::Relaxed);
    let kept: String =
        lines.filter(|l| !l.is_empty() && !l.to_ascii_lowercase().starts_with("connection:")).map(|l| format!("{l}\r\n")).collect();
    let mut upstream = TcpStream::connect(backend).unwrap();
    write!(upstream, "{method} {inner} {version}\r\n{kept}{extra}Connection: close\r\n\r\n").unwrap();
    let mut response = Vec::new();
    let _ = upstream.read_to_end(&mut response);
    let _ = client.write_all(&response);
}

#[test]
fn ogr2ogr_through_a_proxy_under_a_prefix() {
    gdal_present();
    // Once with --public-url naming the proxy, once with the proxy saying where it serves.
    for by_headers in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let front = Proxy::start();
        let public = format!("http://{}/gis/", front.address);
        let (server, extra) = if by_headers {
            let headers = format!("X-Forwarded-Host: {}\r\nX-Forwarded-Prefix: /gis\r\n", front.address);
            (serve(dir.path(), &["--trusted-proxy", "127.0.0.1"]), headers)
        } else {
            (serve(dir.path(), &["--public-url", &public]), String::new())
        };
        front.route.set((server.address.clone(), extra)).unwrap();
        let expected = matched(&server);
        let url = format!("http://{}/gis/ogc", front.address);
        assert_eq!(exported_counts(&url, dir.path()), expected, "by headers: {by_headers}");
        assert!(front.proxied.load(Ordering::Relaxed) > COLLECTIONS.len(), "GDAL went through the proxy");
        assert_eq!(front.outside.load(Ordering::Relaxed), 0, "a link left the prefix (by headers: {by_headers})");
    }
}
