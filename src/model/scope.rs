//! Where a staff token acts: everywhere, or one unit, grid, community or street.

use serde::Serialize;

/// The part of the city (or the unit) a staff token is for. Which kinds a role may have is
/// checked when the token is made (`services::auth::create_token`); what it lets the
/// token do is `services::auth::permissions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum TokenScope {
    Everywhere,
    /// A responding unit (处置单位), by id: a handler's.
    Unit(String),
    /// A grid or micro-grid, by id: a grid worker's.
    Grid(String),
    Community(String),
    Street(String),
}

impl TokenScope {
    /// The word stored in `api_tokens.scope_kind` and shown in listings.
    pub fn kind(&self) -> &'static str {
        match self {
            TokenScope::Everywhere => "everywhere",
            TokenScope::Unit(_) => "unit",
            TokenScope::Grid(_) => "grid",
            TokenScope::Community(_) => "community",
            TokenScope::Street(_) => "street",
        }
    }

    /// The unit's or area's id; `None` for everywhere.
    pub fn id(&self) -> Option<&str> {
        match self {
            TokenScope::Everywhere => None,
            TokenScope::Unit(id) | TokenScope::Grid(id) | TokenScope::Community(id) | TokenScope::Street(id) => Some(id),
        }
    }

    /// The scope from its stored columns, or why they make none.
    pub fn from_columns(kind: &str, id: Option<String>) -> Result<TokenScope, String> {
        match (kind, id) {
            ("everywhere", None) => Ok(TokenScope::Everywhere),
            ("unit", Some(id)) => Ok(TokenScope::Unit(id)),
            ("grid", Some(id)) => Ok(TokenScope::Grid(id)),
            ("community", Some(id)) => Ok(TokenScope::Community(id)),
            ("street", Some(id)) => Ok(TokenScope::Street(id)),
            (kind, id) => Err(format!("scope {kind:?} with id {id:?} is not a scope")),
        }
    }
}

impl std::fmt::Display for TokenScope {
    /// `everywhere`, `grid G1`, `unit U3` …: how messages and listings name it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.id() {
            None => f.write_str(self.kind()),
            Some(id) => write!(f, "{} {id}", self.kind()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scope_survives_its_columns_and_bad_columns_are_named() {
        for scope in [
            TokenScope::Everywhere,
            TokenScope::Unit("U1".into()),
            TokenScope::Grid("G1".into()),
            TokenScope::Community("C1".into()),
            TokenScope::Street("S1".into()),
        ] {
            assert_eq!(TokenScope::from_columns(scope.kind(), scope.id().map(str::to_owned)), Ok(scope));
        }
        assert!(TokenScope::from_columns("grid", None).unwrap_err().contains("grid"));
        assert!(TokenScope::from_columns("everywhere", Some("G1".into())).is_err());
        assert!(TokenScope::from_columns("planet", Some("earth".into())).is_err());
    }

    #[test]
    fn a_scope_is_written_as_kind_and_id() {
        assert_eq!(serde_json::to_value(TokenScope::Grid("G1".into())).unwrap(), serde_json::json!({"kind": "grid", "id": "G1"}));
        assert_eq!(serde_json::to_value(TokenScope::Everywhere).unwrap(), serde_json::json!({"kind": "everywhere"}));
    }
}
