//! The submission limit kept in Redis, so that it holds across every instance behind a
//! proxy: a sliding window per client (a sorted set of the last minute's submissions),
//! checked and counted in one Lua script so that instances racing on a client cannot both
//! take its last slot.

use std::net::IpAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Client, Script};

/// How long a request waits for Redis before counting locally instead.
const TIMEOUT: Duration = Duration::from_millis(500);
/// After a failure, Redis is not asked again for this long, so an outage costs each
/// request nothing and the log one line a second at most.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(1);
const WINDOW_MICROS: u64 = 60_000_000;

/// Drops submissions older than the window, then counts this one if the client has room.
/// Answers 0 when counted, else the microseconds until the oldest leaves the window. The
/// server's clock (`TIME`) is used, so instances with skewed clocks agree.
const SCRIPT: &str = r"
local now = redis.call('TIME')
local micros = tonumber(now[1]) * 1000000 + tonumber(now[2])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', micros - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], micros, now[1] .. '.' .. now[2] .. '-' .. ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000))
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - micros)
";

/// What Redis decided.
pub enum Decision {
    Allowed,
    /// Over the limit: the wait until a slot frees.
    Refused(Duration),
}

pub struct SharedLimit {
    client: Client,
    prefix: String,
    script: Script,
    /// The connection while it works; `None` after a failure, until the next attempt.
    connection: tokio::sync::Mutex<Option<MultiplexedConnection>>,
    /// When Redis last failed, to wait [`RETRY_AFTER_FAILURE`] before trying again.
    failed_at: Mutex<Option<Instant>>,
    /// Makes each counted submission a distinct member of the client's set.
    sequence: AtomicU64,
    instance: u64,
}

impl SharedLimit {
    pub fn new(client: Client, prefix: &str) -> SharedLimit {
        SharedLimit {
            client,
            prefix: prefix.to_owned(),
            script: Script::new(SCRIPT),
            connection: tokio::sync::Mutex::new(None),
            failed_at: Mutex::new(None),
            sequence: AtomicU64::new(0),
            instance: rand::random(),
        }
    }

    /// Counts one submission of `client` against `per_minute` across all instances; an
    /// error when Redis cannot be asked now.
    pub async fn check(&self, client: Option<IpAddr>, per_minute: u32) -> Result<Decision, String> {
        if self.failed_at.lock().expect("never poisoned").is_some_and(|at| at.elapsed() < RETRY_AFTER_FAILURE) {
            return Err("Redis failed less than a second ago".into());
        }
        let result = tokio::time::timeout(TIMEOUT, self.ask(client, per_minute))
            .await
            .unwrap_or_else(|_| Err(format!("no answer within {} ms", TIMEOUT.as_millis())));
        let mut failed_at = self.failed_at.lock().expect("never poisoned");
        match &result {
            Ok(_) if failed_at.take().is_some() => tracing::info!("Redis answers again: the submission limit is shared"),
            Ok(_) => {}
            Err(error) => {
                *failed_at = Some(Instant::now());
                tracing::warn!("Redis is unreachable ({error}): counting submissions in this instance only");
            }
        }
        result
    }

    async fn ask(&self, client: Option<IpAddr>, per_minute: u32) -> Result<Decision, String> {
        let mut slot = self.connection.lock().await;
        let mut connection = match slot.as_ref() {
            Some(connection) => connection.clone(),
            None => {
                let config = AsyncConnectionConfig::new().set_connection_timeout(Some(TIMEOUT)).set_response_timeout(Some(TIMEOUT));
                let connection = self.client.get_multiplexed_async_connection_with_config(&config).await.map_err(|e| e.to_string())?;
                slot.insert(connection).clone()
            }
        };
        // Other requests may use the connection while this one waits for its answer.
        drop(slot);
        let key = format!("{}submissions:{}", self.prefix, client.map_or_else(|| "unknown".to_owned(), |a| a.to_string()));
        let member = format!("{:x}-{}", self.instance, self.sequence.fetch_add(1, Ordering::Relaxed));
        let answer: Result<u64, _> =
            self.script.key(key).arg(per_minute).arg(WINDOW_MICROS).arg(member).invoke_async(&mut connection).await;
        match answer {
            Ok(0) => Ok(Decision::Allowed),
            Ok(wait) => Ok(Decision::Refused(Duration::from_micros(wait))),
            Err(error) => {
                // A broken connection is not reused; the next attempt opens a new one.
                self.connection.lock().await.take();
                Err(error.to_string())
            }
        }
    }
}
