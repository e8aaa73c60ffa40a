//! The demo district's staff: one token of each role, working where the demo's cases are, so
//! that anyone can try every step of the workflow (`minsheng demo --tokens`).

use super::tokens::{NewToken, TokenRequest, create_token};
use crate::model::reports::Role;
use crate::model::{GridLevel, UnitKind};
use crate::services::{Catalog, ServiceError};

/// Makes one token of each role for the first community of the district (its street, a grid
/// of it, the property company managing most of its compounds) and returns them with the
/// secrets, in the order of [`Role::ALL`].
pub async fn demo_staff(catalog: &Catalog, now: i64) -> Result<Vec<NewToken>, ServiceError> {
    let snapshot = catalog.snapshot();
    let data = &snapshot.data;
    let missing = |what: &str| ServiceError::Conflict(format!("the database holds no {what}: load the demo district first"));
    let community = data.communities.first().ok_or_else(|| missing("community"))?;
    let grid = data
        .grids
        .iter()
        .find(|g| g.community_id == community.id && g.level == GridLevel::Grid)
        .ok_or_else(|| missing("grid in the first community"))?;
    let compounds: Vec<&str> =
        data.compounds.iter().filter(|c| c.community_id.as_deref() == Some(community.id.as_str())).map(|c| c.id.as_str()).collect();
    let serving = |unit: &&crate::model::Unit| unit.compound_ids.iter().filter(|c| compounds.contains(&c.as_str())).count();
    let company = data
        .units
        .iter()
        .filter(|u| u.kind == UnitKind::PropertyCompany)
        .max_by(|a, b| serving(a).cmp(&serving(b)).then_with(|| b.id.cmp(&a.id)))
        .filter(|u| serving(u) > 0)
        .ok_or_else(|| missing("property company in the first community"))?;
    let mut tokens = Vec::new();
    for &role in Role::ALL {
        let label = format!("演示{} demo {}", role.label_zh(), role.label_en());
        let request = TokenRequest::new(role, &label);
        let request = match role {
            Role::Dispatcher => TokenRequest { community: Some(community.id.clone()), ..request },
            Role::Handler => TokenRequest { unit: Some(company.id.clone()), ..request },
            Role::Supervisor => TokenRequest { street: Some(community.street_id.clone()), ..request },
            Role::GridWorker => TokenRequest { grid: Some(grid.id.clone()), ..request },
            Role::Official | Role::Admin => request,
        };
        tokens.push(create_token(catalog, &request, now).await?);
    }
    Ok(tokens)
}
