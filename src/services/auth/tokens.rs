//! Making staff tokens: which scope each role takes, that the unit or area exists, when
//! the token expires; and the typed answers of the admin API and `/api/me`.

use rand::RngCore;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Staff, TOKEN_PREFIX, hash, permissions::actions_for};
use crate::model::Layer;
use crate::model::reports::{Role, StaffToken};
use crate::model::scope::TokenScope;
use crate::model::time::parse_iso8601;
use crate::services::vocabulary::{Term, term};
use crate::services::{Catalog, ServiceError};
use crate::store::NewStaffToken;

const MAX_LABEL_CHARS: usize = 100;
const DAY: i64 = 24 * 3_600;

/// A new token: the secret (shown once) and what is stored about it.
#[derive(Debug)]
pub struct NewToken {
    pub secret: String,
    pub token: StaffToken,
}

/// What `token create` and `POST /api/tokens` ask for: a role, at most one of unit, grid,
/// community or street (which one depends on the role), an optional expiry and a label.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    pub role: Role,
    /// A handler's unit.
    pub unit: Option<String>,
    /// A grid worker's grid or micro-grid.
    pub grid: Option<String>,
    /// A dispatcher's, supervisor's or (optionally) official's community.
    pub community: Option<String>,
    /// A dispatcher's, supervisor's or (optionally) official's street.
    pub street: Option<String>,
    /// When the token stops working: a date (`2027-01-31`: through that day, China time),
    /// an RFC 3339 time, or a duration from now (`30d`, `12h`). None: never.
    #[schema(example = "30d")]
    pub expires: Option<String>,
    /// Who holds it, e.g. "张伟 派遣员"; shown in the audit trail.
    #[schema(example = "张伟 派遣员")]
    pub label: String,
}

impl TokenRequest {
    /// A request for `role` with no scope flag and no expiry; set the flag the role needs.
    pub fn new(role: Role, label: &str) -> TokenRequest {
        TokenRequest { role, unit: None, grid: None, community: None, street: None, expires: None, label: label.to_owned() }
    }
}

fn invalid(parameter: &'static str, reason: impl Into<String>) -> ServiceError {
    ServiceError::InvalidParameter { parameter, reason: reason.into() }
}

/// The scope the flags name: at most one may be given; none is everywhere.
fn scope_from_flags(request: &TokenRequest) -> Result<TokenScope, ServiceError> {
    let given = [
        ("unit", &request.unit, TokenScope::Unit as fn(String) -> TokenScope),
        ("grid", &request.grid, TokenScope::Grid),
        ("community", &request.community, TokenScope::Community),
        ("street", &request.street, TokenScope::Street),
    ];
    let mut named = given.into_iter().filter_map(|(flag, id, scope)| id.as_ref().map(|id| (flag, scope(id.trim().to_owned()))));
    match (named.next(), named.next()) {
        (None, _) => Ok(TokenScope::Everywhere),
        (Some((flag, _)), Some((other, _))) => {
            Err(invalid(other, format!("give only one of --unit, --grid, --community, --street, not --{flag} and --{other}")))
        }
        (Some((flag, scope)), None) if scope.id() == Some("") => Err(invalid(flag, format!("--{flag} is empty"))),
        (Some((_, scope)), None) => Ok(scope),
    }
}

/// Refuses a scope the role does not take, naming the flag it does take.
fn check_role_scope(role: Role, scope: &TokenScope) -> Result<(), ServiceError> {
    let parameter = match scope {
        TokenScope::Everywhere => "role",
        TokenScope::Unit(_) => "unit",
        TokenScope::Grid(_) => "grid",
        TokenScope::Community(_) => "community",
        TokenScope::Street(_) => "street",
    };
    let refused = |needs: &str| Err(invalid(parameter, format!("a {role} token {needs}")));
    match (role, scope) {
        (Role::Handler, TokenScope::Unit(_))
        | (Role::GridWorker, TokenScope::Grid(_))
        | (Role::Dispatcher | Role::Supervisor, TokenScope::Community(_) | TokenScope::Street(_))
        | (Role::Official, TokenScope::Everywhere | TokenScope::Community(_) | TokenScope::Street(_))
        | (Role::Admin, TokenScope::Everywhere) => Ok(()),
        (Role::Handler, _) => refused("is for one unit: give --unit U and no other area flag"),
        (Role::GridWorker, _) => refused("is for one grid: give --grid G (a grid or micro-grid) and no other area flag"),
        (Role::Dispatcher | Role::Supervisor, _) => refused("is for a community or a street: give --community C or --street S"),
        (Role::Official, _) => refused("reads everywhere, or in one street or community: give --street S, --community C or neither"),
        (Role::Admin, _) => refused("works everywhere: leave --unit, --grid, --community and --street out"),
    }
}

fn check_scope_exists(catalog: &Catalog, scope: &TokenScope) -> Result<(), ServiceError> {
    let (parameter, layer, id) = match scope {
        TokenScope::Everywhere => return Ok(()),
        TokenScope::Unit(id) => ("unit", Layer::Units, id),
        TokenScope::Grid(id) => ("grid", Layer::Grids, id),
        TokenScope::Community(id) => ("community", Layer::Communities, id),
        TokenScope::Street(id) => ("street", Layer::Streets, id),
    };
    match catalog.snapshot().find(layer, id) {
        Some(_) => Ok(()),
        None => Err(invalid(parameter, format!("no {parameter} {id:?} in the database"))),
    }
}

/// When a token given `expires` stops working, in Unix seconds: a duration from `now`
/// (`30d`, `12h`), a bare date (through the end of that day, China time), or a time.
pub fn parse_expiry(text: &str, now: i64) -> Result<i64, ServiceError> {
    let text = text.trim();
    let duration = text.strip_suffix('d').map(|n| (n, DAY)).or_else(|| text.strip_suffix('h').map(|n| (n, 3_600)));
    let at = match duration {
        Some((count, unit)) => match count.parse::<i64>() {
            Ok(count) if count > 0 && count <= 36_500 * DAY / unit => now + count * unit,
            _ => {
                return Err(invalid(
                    "expires",
                    format!("{text:?} is not a duration: write a whole number of days or hours, e.g. 30d or 12h"),
                ));
            }
        },
        // China has no daylight saving: the next midnight is always a day after this one.
        None if text.len() == 10 => parse_iso8601(text).map_err(|reason| invalid("expires", reason))? + DAY,
        None => parse_iso8601(text).map_err(|reason| invalid("expires", format!("{reason}, or a duration such as 30d or 12h")))?,
    };
    if at <= now {
        return Err(invalid("expires", format!("{text:?} is already past")));
    }
    Ok(at)
}

/// Creates a token. The role decides the scope: a handler a unit, a grid worker a grid,
/// a dispatcher or supervisor a community or street, an official everywhere or a street or
/// community, an admin everywhere. The unit or area must exist.
pub async fn create_token(catalog: &Catalog, request: &TokenRequest, now: i64) -> Result<NewToken, ServiceError> {
    let role = request.role;
    let scope = scope_from_flags(request)?;
    check_role_scope(role, &scope)?;
    check_scope_exists(catalog, &scope)?;
    let expires_at = request.expires.as_deref().map(|text| parse_expiry(text, now)).transpose()?;
    let label = request.label.trim();
    if label.is_empty() || label.chars().count() > MAX_LABEL_CHARS {
        return Err(invalid("label", format!("must be 1–{MAX_LABEL_CHARS} characters, e.g. the person's name and post")));
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = format!("{TOKEN_PREFIX}{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>());
    let stored = NewStaffToken { role, scope: &scope, label, created_at: now, expires_at };
    let id = catalog.store().insert_token(&hash(&secret), &stored).await?;
    let token = StaffToken { id, role, scope, label: label.to_owned(), created_at: now, expires_at, revoked_at: None };
    Ok(NewToken { secret, token })
}

/// A token just made: its secret, shown this once, and what is stored about it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CreatedToken {
    /// Send it as `Authorization: Bearer <secret>`; only its hash is stored.
    pub secret: String,
    pub token: StaffToken,
}

impl From<NewToken> for CreatedToken {
    fn from(created: NewToken) -> CreatedToken {
        CreatedToken { secret: created.secret, token: created.token }
    }
}

/// Every token, oldest first.
pub async fn list_tokens(catalog: &Catalog) -> Result<Vec<StaffToken>, ServiceError> {
    Ok(catalog.store().tokens().await?)
}

/// Revokes a live token; an unknown or already revoked one is not found.
pub async fn revoke_token(catalog: &Catalog, id: i64, now: i64) -> Result<(), ServiceError> {
    if catalog.store().revoke_token(id, now).await? { Ok(()) } else { Err(ServiceError::NoSuchToken(id)) }
}

/// The unit or area a token acts in, with its name when the database knows it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ScopeView {
    /// `everywhere`, `unit`, `grid`, `community` or `street`.
    pub kind: &'static str,
    pub id: Option<String>,
    pub name: Option<String>,
}

/// Who a token is: what `/api/me` answers, so the staff view can say who is signed in and
/// offer only the moves the role may make.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Me {
    pub id: i64,
    pub role: Term,
    pub scope: ScopeView,
    pub label: String,
    /// Unix seconds (UTC); null: never.
    pub expires_at: Option<i64>,
    /// The actions this role may take (in its scope), as the audit trail names them.
    pub actions: Vec<Term>,
}

/// Who `staff` is.
pub fn me(catalog: &Catalog, staff: &Staff) -> Me {
    let snapshot = catalog.snapshot();
    let data = &snapshot.data;
    let name = match &staff.scope {
        TokenScope::Everywhere => None,
        TokenScope::Unit(id) => snapshot.find(Layer::Units, id).map(|i| data.units[i as usize].name.clone()),
        TokenScope::Grid(id) => snapshot.find(Layer::Grids, id).map(|i| data.grids[i as usize].name.clone()),
        TokenScope::Community(id) => snapshot.find(Layer::Communities, id).map(|i| data.communities[i as usize].name.clone()),
        TokenScope::Street(id) => snapshot.find(Layer::Streets, id).map(|i| data.streets[i as usize].name.clone()),
    };
    Me {
        id: staff.token_id,
        role: term(staff.role),
        scope: ScopeView { kind: staff.scope.kind(), id: staff.scope.id().map(str::to_owned), name },
        label: staff.label.clone(),
        expires_at: staff.expires_at,
        actions: actions_for(staff.role).into_iter().map(term).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(role: Role) -> TokenRequest {
        TokenRequest::new(role, "测试")
    }

    #[test]
    fn each_role_takes_only_its_scopes_and_a_refusal_names_the_flag() {
        let unit = TokenScope::Unit("U1".into());
        let grid = TokenScope::Grid("G1".into());
        let community = TokenScope::Community("C1".into());
        let street = TokenScope::Street("S1".into());
        let allowed: [(Role, Vec<&TokenScope>); 6] = [
            (Role::Dispatcher, vec![&community, &street]),
            (Role::Handler, vec![&unit]),
            (Role::Supervisor, vec![&community, &street]),
            (Role::GridWorker, vec![&grid]),
            (Role::Official, vec![&TokenScope::Everywhere, &community, &street]),
            (Role::Admin, vec![&TokenScope::Everywhere]),
        ];
        for (role, scopes) in allowed {
            for scope in [&TokenScope::Everywhere, &unit, &grid, &community, &street] {
                match check_role_scope(role, scope) {
                    Ok(()) => assert!(scopes.contains(&scope), "{role} took {scope}"),
                    Err(ServiceError::InvalidParameter { parameter, .. }) => {
                        assert!(!scopes.contains(&scope), "{role} refused {scope}");
                        assert_eq!(parameter, if *scope == TokenScope::Everywhere { "role" } else { scope.kind() });
                    }
                    Err(other) => panic!("{other}"),
                }
            }
        }
        let refusal = check_role_scope(Role::Handler, &TokenScope::Everywhere).unwrap_err().to_string();
        assert!(refusal.contains("--unit"), "{refusal}");
    }

    #[test]
    fn at_most_one_scope_flag() {
        assert_eq!(scope_from_flags(&request(Role::Admin)).unwrap(), TokenScope::Everywhere);
        let one = TokenRequest { grid: Some(" G1 ".into()), ..request(Role::GridWorker) };
        assert_eq!(scope_from_flags(&one).unwrap(), TokenScope::Grid("G1".into()));
        let two = TokenRequest { street: Some("S1".into()), ..one };
        assert!(scope_from_flags(&two).unwrap_err().to_string().contains("--grid and --street"));
        let empty = TokenRequest { unit: Some(" ".into()), ..request(Role::Handler) };
        assert!(matches!(scope_from_flags(&empty), Err(ServiceError::InvalidParameter { parameter: "unit", .. })));
    }

    #[test]
    fn expiry_takes_durations_dates_and_times_in_the_future() {
        let now = parse_iso8601("2026-12-06T12:00:00+08:00").unwrap();
        assert_eq!(parse_expiry("30d", now).unwrap(), now + 30 * DAY);
        assert_eq!(parse_expiry("12h", now).unwrap(), now + 12 * 3_600);
        assert_eq!(parse_expiry("2027-01-31", now).unwrap(), parse_iso8601("2027-02-01T00:00:00+08:00").unwrap());
        assert_eq!(parse_expiry("2027-01-31T18:00:00Z", now).unwrap(), parse_iso8601("2027-01-31T18:00:00Z").unwrap());
        for bad in ["0d", "-3h", "1.5d", "d", "soon", "2026-12-05", "2026-12-06T11:00:00+08:00"] {
            assert!(matches!(parse_expiry(bad, now), Err(ServiceError::InvalidParameter { parameter: "expires", .. })), "{bad}");
        }
    }
}
