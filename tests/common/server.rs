//! The real binary as a server on a random port, for end-to-end tests.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

pub const BINARY: &str = env!("CARGO_BIN_EXE_minsheng");

/// The server process, killed when dropped.
pub struct Server {
    pub child: Child,
    pub address: String,
    /// Its stderr lines so far, when started with [`start_logged`].
    log: Option<Arc<Mutex<Vec<String>>>>,
}

impl Server {
    /// The log lines read so far (none unless started with [`start_logged`]).
    pub fn log_lines(&self) -> Vec<String> {
        self.log.as_ref().map(|log| log.lock().unwrap().clone()).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `minsheng serve` on `database` with extra arguments, once it listens.
pub fn start(database: &str, extra: &[&str]) -> Server {
    launch(database, extra, false)
}

/// [`start`], keeping every line the server writes to stderr (see [`Server::log_lines`]).
pub fn start_logged(database: &str, extra: &[&str]) -> Server {
    launch(database, extra, true)
}

fn launch(database: &str, extra: &[&str], keep_log: bool) -> Server {
    let mut child = Command::new(BINARY)
        .args(["serve", "--bind", "127.0.0.1:0", "--database", database])
        .args(extra)
        .env("RUST_LOG", "minsheng=info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    // The server logs its address once it listens (in text or in a JSON line); read until then.
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let log = keep_log.then(|| Arc::new(Mutex::new(Vec::new())));
    let keep = |line: &String| {
        if let Some(log) = &log {
            log.lock().unwrap().push(line.clone());
        }
    };
    let address = loop {
        let line = lines.next().expect("server printed its address before exiting").unwrap();
        keep(&line);
        if let Some(at) = line.find("listening on http://") {
            let rest = &line[at + "listening on http://".len()..];
            break rest.chars().take_while(|c| c.is_ascii_alphanumeric() || ".:[]".contains(*c)).collect();
        }
    };
    // Keep draining the log so the server never blocks on a full pipe.
    let drained = log.clone();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            if let Some(log) = &drained {
                log.lock().unwrap().push(line);
            }
        }
    });
    Server { child, address, log }
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
