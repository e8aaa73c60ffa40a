//! Write-ahead-log positions, for reading from a streaming replica without losing sight of
//! one's own writes (see [`crate::store::ReplicaStore`]). Positions are byte offsets in
//! the WAL, as `bigint`, so they compare as plain numbers.

use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use super::{MAX_CONNECTIONS, PostgresStore};
use crate::store::StoreError;

impl PostgresStore {
    /// Connects to a hot standby (a streaming replica) to read from it. No migrations: a
    /// standby is read-only and gets the schema from its primary.
    pub async fn open_replica(url: &str) -> Result<PostgresStore, StoreError> {
        let options = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new().max_connections(MAX_CONNECTIONS).connect_with(options).await?;
        let store = PostgresStore { pool };
        if store.replayed_position().await?.is_none() {
            return Err(StoreError::NotAReplica(url.to_owned()));
        }
        Ok(store)
    }

    /// The primary's WAL position now: past every transaction committed before the call.
    pub async fn written_position(&self) -> Result<i64, StoreError> {
        let position = sqlx::query_scalar("SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint").fetch_one(&self.pool).await?;
        Ok(position)
    }

    /// How far a standby has replayed its primary's WAL; `None` on a server that is not a
    /// standby.
    pub async fn replayed_position(&self) -> Result<Option<i64>, StoreError> {
        let position = sqlx::query_scalar("SELECT (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint").fetch_one(&self.pool).await?;
        Ok(position)
    }
}
