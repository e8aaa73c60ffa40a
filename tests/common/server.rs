//! The real binary as a server on a random port, for end-to-end tests.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

pub const BINARY: &str = env!("CARGO_BIN_EXE_minsheng");

/// The server process, killed when dropped.
pub struct Server {
    pub child: Child,
    pub address: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `minsheng serve` on `database` with extra arguments, once it listens.
pub fn start(database: &str, extra: &[&str]) -> Server {
    let mut child = Command::new(BINARY)
        .args(["serve", "--bind", "127.0.0.1:0", "--database", database])
        .args(extra)
        .env("RUST_LOG", "minsheng=info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    // The server logs its address once it listens; read until then.
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let address = loop {
        let line = lines.next().expect("server printed its address before exiting").unwrap();
        if let Some(at) = line.find("listening on http://") {
            break line[at + "listening on http://".len()..].trim().to_owned();
        }
    };
    // Keep draining the log so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server { child, address }
}

/// One HTTP/1.1 request with `Connection: close`: the status and the body (de-chunked).
pub fn request(address: &str, method: &str, path: &str, body: Option<&str>) -> std::io::Result<(u16, String)> {
    request_with(address, method, path, &[], body).map(|(status, _, body)| (status, body))
}

/// [`request`] with extra request headers; also answers the response's header lines.
pub fn request_with(
    address: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> std::io::Result<(u16, String, String)> {
    let mut stream = TcpStream::connect(address)?;
    let body = body.unwrap_or("");
    let extra: String = headers.iter().map(|(name, value)| format!("{name}: {value}\r\n")).collect();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Type: application/json\r\n{extra}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let response = String::from_utf8_lossy(&response);
    let status = response.get(9..12).and_then(|s| s.parse().ok()).ok_or_else(|| std::io::Error::other("no status line"))?;
    let (head, body) = response.split_once("\r\n\r\n").ok_or_else(|| std::io::Error::other("no header end"))?;
    let body = if head.to_ascii_lowercase().contains("transfer-encoding: chunked") { dechunk(body) } else { body.to_owned() };
    Ok((status, head.to_owned(), body))
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else { break };
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}

/// A GET whose answer is JSON.
pub fn get_json(server: &Server, path: &str) -> (u16, serde_json::Value) {
    let (status, body) = request(&server.address, "GET", path, None).expect("server answers");
    (status, serde_json::from_str(&body).unwrap_or_else(|_| panic!("not JSON from {path}: {body}")))
}
