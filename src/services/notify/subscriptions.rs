//! Staff webhook subscriptions (issue 16, point 7): new cases and state changes in an area
//! (a compound, a grid or a drawn polygon), optionally of some categories, are POSTed to a
//! webhook through the outbox. The public Atom/RSS feeds need no stored subscription.

use serde::Deserialize;

use super::plan::polygon;
use super::worker::check_url;
use crate::model::Layer;
use crate::model::notify::{Area, Subscription};
use crate::model::reports::{Category, Role};
use crate::services::auth::Staff;
use crate::services::{Catalog, ServiceError};

/// Subscriptions one token may hold.
pub const MAX_PER_TOKEN: usize = 50;

/// A subscription as a client asks for it: exactly one of `compound_id`, `grid_id`, `polygon`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSubscription {
    pub compound_id: Option<String>,
    /// A grid or a micro-grid.
    pub grid_id: Option<String>,
    /// A GeoJSON Polygon or MultiPolygon, WGS84.
    #[schema(value_type = Option<Object>)]
    pub polygon: Option<serde_json::Value>,
    /// Category words; none or empty: every category.
    #[serde(default)]
    pub categories: Vec<String>,
    /// Where to POST: an absolute http:// URL.
    pub url: String,
}

fn invalid(parameter: &'static str, reason: impl Into<String>) -> ServiceError {
    ServiceError::InvalidParameter { parameter, reason: reason.into() }
}

fn known(catalog: &Catalog, layer: Layer, parameter: &'static str, id: &str) -> Result<String, ServiceError> {
    let id = id.trim();
    match catalog.snapshot().find(layer, id) {
        Some(_) => Ok(id.to_owned()),
        None => Err(invalid(parameter, format!("no {layer} {id:?}"))),
    }
}

/// Stores a subscription for `staff` (any staff role).
pub async fn create(catalog: &Catalog, staff: &Staff, new: NewSubscription, now: i64) -> Result<Subscription, ServiceError> {
    let area = match (new.compound_id, new.grid_id, new.polygon) {
        (Some(id), None, None) => Area::Compound(known(catalog, Layer::Compounds, "compound_id", &id)?),
        (None, Some(id), None) => Area::Grid(known(catalog, Layer::Grids, "grid_id", &id)?),
        (None, None, Some(geometry)) => {
            if polygon(&geometry).is_none() {
                return Err(invalid("polygon", "must be a GeoJSON Polygon or MultiPolygon geometry"));
            }
            Area::Polygon(geometry)
        }
        _ => return Err(invalid("area", "give exactly one of compound_id, grid_id, polygon")),
    };
    let mut categories = Vec::new();
    for word in &new.categories {
        let category: Category = word.parse().map_err(|reason: String| invalid("categories", reason))?;
        categories.push(category.as_str().to_owned());
    }
    let url = new.url.trim().to_owned();
    check_url(&url).map_err(|reason| invalid("url", reason))?;
    let held = catalog.store().subscriptions().await?.iter().filter(|s| s.created_by == staff.token_id).count();
    if held >= MAX_PER_TOKEN {
        return Err(ServiceError::Conflict(format!(
            "token #{} holds {MAX_PER_TOKEN} subscriptions already; delete one first",
            staff.token_id
        )));
    }
    let mut subscription = Subscription { id: 0, area, categories, url, created_by: staff.token_id, created_at: now };
    subscription.id = catalog.store().insert_subscription(&subscription).await?;
    Ok(subscription)
}

/// The subscriptions `staff` made; an admin sees every one.
pub async fn list(catalog: &Catalog, staff: &Staff) -> Result<Vec<Subscription>, ServiceError> {
    let all = catalog.store().subscriptions().await?;
    Ok(all.into_iter().filter(|s| staff.role == Role::Admin || s.created_by == staff.token_id).collect())
}

/// Deletes a subscription its maker (or an admin) names.
pub async fn delete(catalog: &Catalog, staff: &Staff, id: i64) -> Result<(), ServiceError> {
    let all = catalog.store().subscriptions().await?;
    let Some(subscription) = all.iter().find(|s| s.id == id) else {
        return Err(ServiceError::NoSuchItem { kind: "subscription", id });
    };
    if subscription.created_by != staff.token_id && staff.role != Role::Admin {
        return Err(ServiceError::Forbidden(format!("subscription #{id} belongs to another token")));
    }
    catalog.store().delete_subscription(id).await?;
    Ok(())
}
