//! The accept loop: HTTP/1.1 connections with timeouts and caps, so that no client can hold
//! the server's file descriptors or make it wait. The caps are counted per client address
//! and in total, below the process's file-descriptor limit; a connection over a cap gets a
//! 503 at once and is closed. Behind a reverse proxy every client shares the proxy's
//! address: raise `max_per_client` there (or set it to 0).

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::time::Instant;
use tower::ServiceExt;
use tower_http::timeout::TimeoutBody;

use super::error::ApiError;
use super::origin::LocalAddress;
use super::refusals::{MAX_HEADER_BYTES, MAX_HEADERS, MAX_URI_BYTES};

pub const DEFAULT_MAX_CONNECTIONS: usize = 10_000;
pub const DEFAULT_MAX_CONNECTIONS_PER_CLIENT: usize = 256;
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(10);
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(5);

/// File descriptors kept free of connections: the database, its journal, the log, and the
/// connection being refused.
const RESERVED_FILES: u64 = 256;
/// hyper's own ceiling on a request head. Heads between our limits (`refusals`) and these
/// get our JSON 414/431; beyond these hyper answers a bare 431 before any of our code runs.
const HYPER_MAX_HEAD_BYTES: usize = 4 * (MAX_URI_BYTES + MAX_HEADER_BYTES);
const HYPER_MAX_HEADERS: usize = 2 * MAX_HEADERS;
/// Connections the kernel may complete before we accept them. A burst beyond this is
/// dropped by the kernel and the clients' handshakes retried after a second or more; the
/// kernel caps it at `net.core.somaxconn`.
const LISTEN_BACKLOG: u32 = 4096;
/// Pause after a failed accept (such as EMFILE) so the loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// This process's connections, for `/metrics`: one process serves one listener, so these
/// are kept once per process rather than threaded through the router.
static OPEN_CONNECTIONS: AtomicUsize = AtomicUsize::new(0);
static REFUSED_CONNECTIONS: AtomicU64 = AtomicU64::new(0);

/// Connections open now, and connections refused (over a cap) since the process started.
pub fn connection_counts() -> (usize, u64) {
    (OPEN_CONNECTIONS.load(Ordering::Relaxed), REFUSED_CONNECTIONS.load(Ordering::Relaxed))
}

/// How long a client may take, and how many connections it may hold.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections open at once, in all (lowered to fit the file-descriptor limit).
    pub max_connections: usize,
    /// Connections open at once from one address (0: only the total counts).
    pub max_per_client: usize,
    /// From the moment the server waits for a request (on a new connection, or after the
    /// previous answer on a kept-alive one) until its whole head has arrived.
    pub header_timeout: Duration,
    /// The longest pause while a request body arrives; then 408.
    pub body_timeout: Duration,
    /// A kept-alive connection with no new request this long after the last answer is
    /// closed. At most `header_timeout`, which also runs while it waits.
    pub idle_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_per_client: DEFAULT_MAX_CONNECTIONS_PER_CLIENT,
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
        }
    }
}

/// A listener on `address` with a backlog for bursts of connections ([`LISTEN_BACKLOG`];
/// tokio's `bind` asks for 1,024).
pub fn bind(address: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if address.is_ipv4() { tokio::net::TcpSocket::new_v4()? } else { tokio::net::TcpSocket::new_v6()? };
    // As std and tokio do: a restarted server may bind while old connections linger in TIME_WAIT.
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(address)?;
    socket.listen(LISTEN_BACKLOG)
}

/// Serves until `shutdown` completes, then stops accepting, lets the requests in flight
/// finish and closes idle connections.
pub async fn serve(
    router: Router,
    listener: TcpListener,
    limits: Limits,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    let limits = Limits { max_connections: fit_to_open_files(limits.max_connections), ..limits };
    let slots = Arc::new(Slots { limits, open: Mutex::new(Open::default()) });
    let (stop, stopping) = watch::channel(());
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    if !is_connection_error(&error) {
                        tracing::warn!("accepting a connection failed: {error}");
                        tokio::time::sleep(ACCEPT_BACKOFF).await;
                    }
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        match Slots::take(&slots, peer.ip()) {
            Ok(slot) => {
                tokio::spawn(connection(stream, peer, slot, router.clone(), limits, stopping.clone()));
            }
            Err(refusal) => {
                REFUSED_CONNECTIONS.fetch_add(1, Ordering::Relaxed);
                tracing::debug!("refused a connection from {peer}: {}", refusal.message());
                refuse(stream, &refusal);
            }
        }
    }
    drop(listener);
    drop(stopping);
    // Each connection holds a receiver: tell them, then wait until the last has closed.
    let _ = stop.send(());
    stop.closed().await;
    Ok(())
}

/// Raises the soft limit on open files to the hard one and keeps `wanted` below it.
fn fit_to_open_files(wanted: usize) -> usize {
    let files = match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(files) => files,
        Err(error) => {
            tracing::warn!("cannot read the open-file limit ({error}); keeping at most {wanted} connections");
            return wanted;
        }
    };
    let fits = usize::try_from(files.saturating_sub(RESERVED_FILES).max(1)).unwrap_or(usize::MAX);
    if fits < wanted {
        tracing::warn!("the open-file limit is {files}: at most {fits} connections instead of {wanted}");
    }
    wanted.min(fits)
}

/// Errors of one connection that went away before it was accepted, not of the listener.
fn is_connection_error(error: &std::io::Error) -> bool {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    matches!(error.kind(), ConnectionRefused | ConnectionAborted | ConnectionReset)
}

/// Answers 503 without waiting on the client: what it already sent is read (so that closing
/// does not reset the connection under the answer), the answer is written if the socket
/// takes it now, and the socket is closed. The socket leaves tokio first: tokio's `try_write`
/// refuses until the reactor has seen the new socket writable, and so would drop the answer.
fn refuse(stream: TcpStream, refusal: &ApiError) {
    use std::io::{Read, Write};
    let Ok(mut stream) = stream.into_std() else { return };
    let mut scratch = [0u8; 4096];
    for _ in 0..16 {
        if !matches!(stream.read(&mut scratch), Ok(n) if n > 0) {
            break;
        }
    }
    let _ = stream.write_all(&refusal.to_http1());
}

/// Connections open now, in all and per address.
#[derive(Default)]
struct Open {
    total: usize,
    by_client: HashMap<IpAddr, usize>,
}

struct Slots {
    limits: Limits,
    open: Mutex<Open>,
}

/// One open connection, counted until dropped.
struct Slot {
    slots: Arc<Slots>,
    client: IpAddr,
}

impl Slots {
    fn take(slots: &Arc<Slots>, client: IpAddr) -> Result<Slot, ApiError> {
        let limits = slots.limits;
        let mut open = slots.open.lock().expect("the connection count is never poisoned");
        if open.total >= limits.max_connections {
            let message = format!("the server has {} connections open, the most it takes; try again shortly", open.total);
            return Err(ApiError::too_many_connections(message));
        }
        let mine = open.by_client.entry(client).or_insert(0);
        if limits.max_per_client > 0 && *mine >= limits.max_per_client {
            let message = format!("{client} has {mine} connections open, the most one address may; close some first");
            return Err(ApiError::too_many_connections(message));
        }
        *mine += 1;
        open.total += 1;
        OPEN_CONNECTIONS.fetch_add(1, Ordering::Relaxed);
        Ok(Slot { slots: slots.clone(), client })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.slots.open.lock().expect("the connection count is never poisoned");
        open.total -= 1;
        OPEN_CONNECTIONS.fetch_sub(1, Ordering::Relaxed);
        if let Some(mine) = open.by_client.get_mut(&self.client) {
            *mine -= 1;
            if *mine == 0 {
                open.by_client.remove(&self.client);
            }
        }
    }
}

async fn connection(stream: TcpStream, peer: SocketAddr, slot: Slot, router: Router, limits: Limits, mut stopping: watch::Receiver<()>) {
    let _slot = slot;
    let _ = stream.set_nodelay(true);
    let activity = Arc::new(Activity::default());
    let local = stream.local_addr().ok();
    let service = hyper::service::service_fn({
        let activity = activity.clone();
        move |mut request: hyper::Request<Incoming>| {
            let busy = Busy::start(&activity);
            let router = router.clone();
            // Handlers read the client's address from here (see `limit.rs`).
            request.extensions_mut().insert(ConnectInfo(peer));
            if let Some(local) = local {
                request.extensions_mut().insert(LocalAddress(local));
            }
            let request = request.map(|body| Body::new(TimeoutBody::new(limits.body_timeout, body)));
            async move {
                let response = router.oneshot(request).await.unwrap_or_else(|never: Infallible| match never {});
                // The connection is busy until the answer's last byte has gone.
                Ok::<_, Infallible>(response.map(|body| {
                    Body::new(body.map_frame(move |frame| {
                        let _ = &busy;
                        frame
                    }))
                }))
            }
        }
    });
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(HYPER_MAX_HEAD_BYTES)
        .max_headers(HYPER_MAX_HEADERS);
    let connection = http.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    let mut closing = false;
    while !closing {
        let idle_until = activity.idle_since().map(|since| since + limits.idle_timeout);
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(error) = result {
                    tracing::debug!("connection from {peer}: {error}");
                }
                return;
            }
            () = activity.changed.notified() => continue,
            () = tokio::time::sleep_until(idle_until.unwrap_or_else(Instant::now)), if idle_until.is_some() => {}
            _ = stopping.changed() => {}
        }
        // Idle too long, or the server is stopping: finish what is in flight, then close.
        connection.as_mut().graceful_shutdown();
        closing = true;
    }
    if let Err(error) = connection.await {
        tracing::debug!("connection from {peer}: {error}");
    }
}

/// Whether a connection has a request in flight, and since when it has not.
#[derive(Default)]
struct Activity {
    state: Mutex<(usize, Option<Instant>)>,
    changed: Notify,
}

impl Activity {
    /// Since when no request has been in flight; none before the first request, which the
    /// header timeout covers.
    fn idle_since(&self) -> Option<Instant> {
        let (in_flight, since) = *self.state.lock().expect("activity is never poisoned");
        if in_flight == 0 { since } else { None }
    }
}

/// A request in flight on its connection.
struct Busy(Arc<Activity>);

impl Busy {
    fn start(activity: &Arc<Activity>) -> Busy {
        activity.state.lock().expect("activity is never poisoned").0 += 1;
        activity.changed.notify_one();
        Busy(activity.clone())
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        let mut state = self.0.state.lock().expect("activity is never poisoned");
        state.0 -= 1;
        state.1 = Some(Instant::now());
        drop(state);
        self.0.changed.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slots(max_connections: usize, max_per_client: usize) -> Arc<Slots> {
        let limits = Limits { max_connections, max_per_client, ..Limits::default() };
        Arc::new(Slots { limits, open: Mutex::new(Open::default()) })
    }

    #[test]
    fn one_address_gets_its_share_and_gets_it_back_as_connections_close() {
        let slots = slots(10, 2);
        let (a, b): (IpAddr, IpAddr) = ("127.0.0.1".parse().unwrap(), "127.0.0.2".parse().unwrap());
        let first = Slots::take(&slots, a).unwrap();
        let _second = Slots::take(&slots, a).unwrap();
        let refusal = Slots::take(&slots, a).err().expect("a third is over the share");
        assert!(refusal.message().contains("127.0.0.1 has 2 connections open"), "{}", refusal.message());
        assert!(Slots::take(&slots, b).is_ok());
        drop(first);
        assert!(Slots::take(&slots, a).is_ok());
    }

    #[test]
    fn the_total_holds_for_every_address_and_zero_means_no_share() {
        let slots = slots(3, 0);
        let held: Vec<Slot> = (1..=3).map(|i| Slots::take(&slots, IpAddr::from([127, 0, 0, i])).unwrap()).collect();
        let refusal = Slots::take(&slots, "127.0.0.9".parse().unwrap()).err().expect("over the total");
        assert!(refusal.message().contains("the server has 3 connections open"), "{}", refusal.message());
        drop(held);
        assert!(slots.open.lock().unwrap().by_client.is_empty(), "closed connections are forgotten");
        let same: Vec<Slot> = (0..3).map(|_| Slots::take(&slots, "127.0.0.1".parse().unwrap()).unwrap()).collect();
        assert_eq!(same.len(), 3);
    }

    #[test]
    fn a_refusal_is_a_whole_http_answer_that_closes() {
        let bytes = ApiError::too_many_connections("full").to_http1();
        let text = String::from_utf8(bytes).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 503 Service Unavailable\r\n"), "{head}");
        assert!(head.contains("\r\nretry-after: 1") && head.contains("\r\nconnection: close"), "{head}");
        assert!(head.contains(&format!("\r\ncontent-length: {}", body.len())), "{head}");
        let body: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(body["error"]["code"], "too_many_connections");
    }
}
