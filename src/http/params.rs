//! Query-string parsing that names the parameter at fault, instead of axum's generic
//! rejection text.

use std::collections::HashMap;
use std::str::FromStr;

use axum::extract::{FromRequestParts, RawQuery};
use axum::http::request::Parts;

use super::error::ApiError;

/// The decoded query string.
pub struct Params(HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Params, ApiError> {
        let RawQuery(query) = RawQuery::from_request_parts(parts, state).await.expect("RawQuery is infallible");
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(query.as_deref().unwrap_or("")).map_err(|e| ApiError::bad_parameter("query string", e))?;
        let mut map = HashMap::new();
        for (key, value) in pairs {
            if map.insert(key.clone(), value).is_some() {
                return Err(ApiError::bad_parameter(&key, "given more than once"));
            }
        }
        Ok(Params(map))
    }
}

impl Params {
    /// A parameter that must be present and parse as `T`.
    pub fn required<T: FromStr>(&self, name: &str) -> Result<T, ApiError>
    where
        T::Err: std::fmt::Display,
    {
        self.optional(name)?.ok_or_else(|| ApiError::bad_parameter(name, "is required"))
    }

    /// A parameter that may be absent (or empty); present, it must parse as `T`.
    pub fn optional<T: FromStr>(&self, name: &str) -> Result<Option<T>, ApiError>
    where
        T::Err: std::fmt::Display,
    {
        match self.0.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(text) => text.parse().map(Some).map_err(|e| ApiError::bad_parameter(name, format!("{text:?}: {e}"))),
        }
    }

    /// The parameters sorted by name, URL-encoded: one text for one question, however the
    /// client ordered it (for stable ids and cache keys).
    pub fn canonical(&self) -> String {
        let mut pairs: Vec<(&String, &String)> = self.0.iter().collect();
        pairs.sort();
        serde_urlencoded::to_string(pairs).expect("string pairs encode")
    }

    /// A comma-separated list (`state=dispatched,in_progress`); absent means empty.
    pub fn list<T: FromStr>(&self, name: &str) -> Result<Vec<T>, ApiError>
    where
        T::Err: std::fmt::Display,
    {
        let Some(text) = self.0.get(name) else { return Ok(Vec::new()) };
        text.split(',')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| v.parse().map_err(|e| ApiError::bad_parameter(name, format!("{v:?}: {e}"))))
            .collect()
    }

    /// An ISO 8601 time (see [`crate::model::time::parse_iso8601`]) as Unix seconds.
    pub fn time(&self, name: &str) -> Result<Option<i64>, ApiError> {
        match self.0.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(text) => crate::model::time::parse_iso8601(text).map(Some).map_err(|e| ApiError::bad_parameter(name, e)),
        }
    }
}

/// A typed query: its fields read from [`Params`], so that a bad value is a 400 naming the
/// parameter. The types also derive `utoipa::IntoParams`, which documents them.
pub trait FromParams: Sized {
    fn from_params(params: &Params) -> Result<Self, ApiError>;
}

/// Extracts a [`FromParams`] query.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: FromParams> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Query<T>, ApiError> {
        let params = Params::from_request_parts(parts, state).await?;
        T::from_params(&params).map(Query)
    }
}
