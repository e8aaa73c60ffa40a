//! Category settings as data: each category's default tier, the time it allows to answer
//! and to resolve, and its labels, seeded from the built-ins of [`Category`] and changed by
//! admins (audited); optional subcategories under a top-level category. A case captures the
//! settings when it is filed, so a change applies to new cases only.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::model::categories::{CategoryChange, CategorySetting};
use crate::model::reports::{Category, Duty, Role, Tier};
use crate::services::auth::Staff;
use crate::services::{Catalog, ServiceError};

const HOUR: f64 = 3_600.0;
/// The longest time a setting may allow: a year.
pub const MAX_HOURS: f64 = 365.0 * 24.0;
pub const MAX_LABEL_CHARS: usize = 40;
pub const MAX_KEY_CHARS: usize = 40;
/// Audit rows per answer by default, and at most.
pub const DEFAULT_CHANGES: u32 = 100;
pub const MAX_CHANGES: u32 = 1_000;

fn invalid(parameter: &'static str, reason: impl Into<String>) -> ServiceError {
    ServiceError::InvalidParameter { parameter, reason: reason.into() }
}

/// What a new case of a (category, subcategory) gets: the subcategory's own values, else
/// its parent's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Effective {
    pub tier: Tier,
    pub response_secs: i64,
    pub resolution_secs: i64,
}

impl Effective {
    /// A new case's duty under these settings.
    pub fn duty(&self) -> Duty {
        Duty::allowing(Duration::from_secs(self.response_secs as u64), Duration::from_secs(self.resolution_secs as u64))
    }
}

/// Every category's stored settings, as read at one moment (none: the built-ins).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    rows: Vec<CategorySetting>,
}

impl Settings {
    pub fn new(rows: Vec<CategorySetting>) -> Settings {
        Settings { rows }
    }

    pub async fn load(catalog: &Catalog) -> Result<Settings, ServiceError> {
        Ok(Settings::new(catalog.store().category_settings().await?))
    }

    /// A top-level category's row. A store holds every one (it seeds them when it opens);
    /// settings without rows ([`Settings::default`], as the demo generator checks its cases
    /// with) answer the built-in.
    pub fn top(&self, category: Category) -> CategorySetting {
        self.rows.iter().find(|r| r.key == category.as_str()).cloned().unwrap_or_else(|| CategorySetting::builtin(category, 0))
    }

    /// The subcategories of a category, by key.
    pub fn children(&self, category: Category) -> impl Iterator<Item = &CategorySetting> {
        self.rows.iter().filter(move |r| r.parent == Some(category))
    }

    /// The settings a new case of `category` (and `subcategory`, the child's word) gets;
    /// a subcategory that is not a child of the category is refused, naming the allowed ones.
    pub fn effective(&self, category: Category, subcategory: Option<&str>) -> Result<Effective, ServiceError> {
        let top = self.top(category);
        let child = match subcategory {
            None => None,
            Some(word) => {
                let key = format!("{category}/{word}");
                let found = self.children(category).find(|r| r.key == key);
                Some(found.ok_or_else(|| {
                    let allowed: Vec<&str> = self.children(category).map(|r| child_word(&r.key)).collect();
                    let allowed = if allowed.is_empty() { "none".to_owned() } else { allowed.join(", ") };
                    invalid("subcategory", format!("{word:?} is not a subcategory of {category}; allowed: {allowed}"))
                })?)
            }
        };
        Ok(Effective {
            tier: child.and_then(|c| c.tier).or(top.tier).unwrap_or_else(|| category.default_tier()),
            response_secs: child.and_then(|c| c.response_secs).or(top.response_secs).unwrap_or(category.response_time().as_secs() as i64),
            resolution_secs: child.and_then(|c| c.resolution_secs).or(top.resolution_secs).unwrap_or(category.deadline().as_secs() as i64),
        })
    }

    /// Every category in the built-in order, each with its subcategories.
    pub fn views(&self) -> Vec<CategoryView> {
        Category::ALL
            .iter()
            .map(|&category| {
                let top = self.top(category);
                let children = self.children(category).map(|child| self.view(category, child, Vec::new())).collect();
                self.view(category, &top, children)
            })
            .collect()
    }

    fn view(&self, category: Category, row: &CategorySetting, children: Vec<CategoryView>) -> CategoryView {
        let word = row.parent.map(|_| child_word(&row.key));
        let effective = self.effective(category, word).expect("a stored child is a child of its parent");
        let mut inherited = Vec::new();
        if row.parent.is_some() {
            let own = [
                ("tier", row.tier.is_some()),
                ("response_hours", row.response_secs.is_some()),
                ("resolution_hours", row.resolution_secs.is_some()),
            ];
            inherited.extend(own.iter().filter(|(_, set)| !set).map(|(name, _)| *name));
        }
        CategoryView {
            key: row.key.clone(),
            parent: row.parent,
            tier: effective.tier,
            response_hours: effective.response_secs as f64 / HOUR,
            resolution_hours: effective.resolution_secs as f64 / HOUR,
            label_zh: row.label_zh.clone(),
            label_en: row.label_en.clone(),
            inherited,
            updated_at: row.updated_at,
            children,
        }
    }
}

/// The child's own word of a `parent/child` key.
fn child_word(key: &str) -> &str {
    key.split_once('/').map_or(key, |(_, child)| child)
}

/// A category as `GET /api/categories` lists it: the settings new cases get.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CategoryView {
    /// The wire word (`parking`), or `parent/child` for a subcategory.
    pub key: String,
    /// The top-level category of a subcategory; null for a top-level one.
    pub parent: Option<Category>,
    /// The "一呼四应" tier a new case goes to.
    pub tier: Tier,
    /// Hours a new case allows to answer (accept or reject) from receipt.
    pub response_hours: f64,
    /// Hours a new case allows from dispatch to resolution.
    pub resolution_hours: f64,
    pub label_zh: String,
    pub label_en: String,
    /// Of `tier`, `response_hours` and `resolution_hours`, those a subcategory takes from its parent.
    pub inherited: Vec<&'static str>,
    /// When the settings were last changed (Unix seconds).
    pub updated_at: i64,
    /// The subcategories (never more than one level).
    #[schema(no_recursion)]
    pub children: Vec<CategoryView>,
}

/// A change to a category or subcategory: only the fields given change.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryPatch {
    /// A tier word; text here, so that a wrong one is refused naming `tier`.
    #[schema(value_type = Option<Tier>)]
    pub tier: Option<String>,
    /// More than 0, at most a year (8,760).
    pub response_hours: Option<f64>,
    /// More than 0, at most a year (8,760).
    pub resolution_hours: Option<f64>,
    /// 1–40 characters.
    pub label_zh: Option<String>,
    /// 1–40 characters.
    pub label_en: Option<String>,
}

/// A new subcategory. A value left out is its parent's.
#[derive(Debug, Clone, PartialEq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSubcategory {
    /// The child's own word, `[a-z0-9_]{1,40}`; its key becomes `parent/key`.
    pub key: String,
    pub label_zh: String,
    pub label_en: String,
    #[schema(value_type = Option<Tier>)]
    pub tier: Option<String>,
    pub response_hours: Option<f64>,
    pub resolution_hours: Option<f64>,
}

/// Which audit rows to list.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// At most this many, newest first (1–1,000; default 100).
    pub limit: Option<u32>,
}

/// One audited change.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CategoryChangeView {
    pub id: i64,
    /// Unix seconds.
    pub at: i64,
    /// Who made it, as the case audit trail names staff.
    pub actor: String,
    pub key: String,
    /// The stored settings before (null when the change created the subcategory) and after.
    pub before: Option<serde_json::Value>,
    pub after: serde_json::Value,
}

/// Every category with the settings new cases get.
pub async fn list(catalog: &Catalog) -> Result<Vec<CategoryView>, ServiceError> {
    Ok(Settings::load(catalog).await?.views())
}

fn seconds(parameter: &'static str, hours: f64) -> Result<i64, ServiceError> {
    if !(hours.is_finite() && hours > 0.0 && hours <= MAX_HOURS) {
        return Err(invalid(parameter, format!("{hours} must be more than 0 and at most {MAX_HOURS} hours (a year)")));
    }
    Ok(((hours * HOUR).round() as i64).max(1))
}

fn tier(word: &str) -> Result<Tier, ServiceError> {
    word.parse().map_err(|reason: String| invalid("tier", reason))
}

fn label(parameter: &'static str, text: &str) -> Result<String, ServiceError> {
    let text = text.trim();
    let chars = text.chars().count();
    if !(1..=MAX_LABEL_CHARS).contains(&chars) {
        return Err(invalid(parameter, format!("must be 1–{MAX_LABEL_CHARS} characters, not {chars}")));
    }
    Ok(text.to_owned())
}

/// The stored values of a setting, as the audit keeps them.
fn audit_json(row: &CategorySetting) -> String {
    serde_json::json!({
        "parent": row.parent,
        "tier": row.tier,
        "response_secs": row.response_secs,
        "resolution_secs": row.resolution_secs,
        "label_zh": row.label_zh,
        "label_en": row.label_en,
    })
    .to_string()
}

/// Writes a change and its audit row; a row changed meanwhile by another admin is a conflict.
async fn write(
    catalog: &Catalog,
    staff: &Staff,
    before: Option<&CategorySetting>,
    after: &CategorySetting,
    now: i64,
) -> Result<CategoryView, ServiceError> {
    let change = CategoryChange {
        id: 0,
        at: now,
        actor: staff.actor(),
        key: after.key.clone(),
        before: before.map(audit_json),
        after: audit_json(after),
    };
    if !catalog.store().write_category(before, after, &change).await? {
        return Err(ServiceError::Conflict(match before {
            Some(_) => format!("category {} was changed meanwhile; read it again", after.key),
            None => format!("category {} exists already", after.key),
        }));
    }
    let views = Settings::load(catalog).await?.views();
    let top = after.parent.map_or(after.key.as_str(), |parent| parent.as_str());
    let top = views.into_iter().find(|view| view.key == top);
    let found = match after.parent {
        None => top,
        Some(_) => top.and_then(|view| view.children.into_iter().find(|child| child.key == after.key)),
    };
    found.ok_or_else(|| ServiceError::NoSuchCategory(after.key.clone()))
}

/// Changes a category's or subcategory's settings (admins only); answers the new settings.
pub async fn update(catalog: &Catalog, staff: &Staff, key: &str, patch: CategoryPatch, now: i64) -> Result<CategoryView, ServiceError> {
    staff.require(&[Role::Admin], "changing category settings")?;
    let settings = Settings::load(catalog).await?;
    let before = settings.rows.iter().find(|r| r.key == key).ok_or_else(|| ServiceError::NoSuchCategory(key.to_owned()))?;
    if patch == CategoryPatch::default() {
        return Err(invalid("body", "names nothing to change: give tier, response_hours, resolution_hours, label_zh or label_en"));
    }
    let mut after = before.clone();
    if let Some(word) = &patch.tier {
        after.tier = Some(tier(word)?);
    }
    if let Some(hours) = patch.response_hours {
        after.response_secs = Some(seconds("response_hours", hours)?);
    }
    if let Some(hours) = patch.resolution_hours {
        after.resolution_secs = Some(seconds("resolution_hours", hours)?);
    }
    if let Some(text) = &patch.label_zh {
        after.label_zh = label("label_zh", text)?;
    }
    if let Some(text) = &patch.label_en {
        after.label_en = label("label_en", text)?;
    }
    after.updated_at = now;
    write(catalog, staff, Some(before), &after, now).await
}

/// Creates a subcategory under a top-level category (admins only); answers its settings.
pub async fn create_subcategory(
    catalog: &Catalog,
    staff: &Staff,
    parent: &str,
    new: NewSubcategory,
    now: i64,
) -> Result<CategoryView, ServiceError> {
    staff.require(&[Role::Admin], "creating subcategories")?;
    if parent.contains('/') {
        return Err(invalid(
            "parent",
            format!("{parent:?} is a subcategory: subcategories go under a top-level category (no third level)"),
        ));
    }
    let parent: Category = parent.parse().map_err(|reason: String| invalid("parent", reason))?;
    let word = new.key.as_str();
    let well_formed =
        (1..=MAX_KEY_CHARS).contains(&word.len()) && word.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !well_formed {
        return Err(invalid("key", format!("{word:?} must be 1–{MAX_KEY_CHARS} of a–z, 0–9 and _")));
    }
    let row = CategorySetting {
        key: format!("{parent}/{word}"),
        parent: Some(parent),
        tier: new.tier.as_deref().map(tier).transpose()?,
        response_secs: new.response_hours.map(|h| seconds("response_hours", h)).transpose()?,
        resolution_secs: new.resolution_hours.map(|h| seconds("resolution_hours", h)).transpose()?,
        label_zh: label("label_zh", &new.label_zh)?,
        label_en: label("label_en", &new.label_en)?,
        updated_at: now,
    };
    write(catalog, staff, None, &row, now).await
}

/// The audit of the settings, newest first (admins only).
pub async fn changes(catalog: &Catalog, staff: &Staff, query: ChangesQuery) -> Result<Vec<CategoryChangeView>, ServiceError> {
    staff.require(&[Role::Admin], "reading the category audit")?;
    let limit = query.limit.unwrap_or(DEFAULT_CHANGES);
    if !(1..=MAX_CHANGES).contains(&limit) {
        return Err(invalid("limit", format!("must be 1–{MAX_CHANGES}")));
    }
    let parse = |text: &str| serde_json::from_str(text).unwrap_or_else(|_| serde_json::Value::String(text.to_owned()));
    let rows = catalog.store().category_changes(limit).await?;
    Ok(rows
        .into_iter()
        .map(|c| CategoryChangeView {
            id: c.id,
            at: c.at,
            actor: c.actor,
            key: c.key,
            before: c.before.as_deref().map(parse),
            after: parse(&c.after),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        let mut rows = CategorySetting::builtins(1);
        rows.push(CategorySetting {
            key: "parking/fire_lane".into(),
            parent: Some(Category::Parking),
            tier: Some(Tier::Community),
            response_secs: Some(3_600),
            resolution_secs: None,
            label_zh: "占用消防通道".into(),
            label_en: "fire lane blocked".into(),
            updated_at: 2,
        });
        Settings { rows }
    }

    #[test]
    fn a_subcategory_takes_its_own_values_and_its_parents_for_the_rest() {
        let s = settings();
        let parking = s.effective(Category::Parking, None).unwrap();
        assert_eq!(parking.tier, Category::Parking.default_tier());
        let lane = s.effective(Category::Parking, Some("fire_lane")).unwrap();
        assert_eq!((lane.tier, lane.response_secs, lane.resolution_secs), (Tier::Community, 3_600, parking.resolution_secs));
        let view = &s.views()[Category::ALL.iter().position(|&c| c == Category::Parking).unwrap()];
        assert_eq!(view.children[0].inherited, ["resolution_hours"]);
        assert_eq!(view.children[0].response_hours, 1.0);
    }

    #[test]
    fn a_wrong_subcategory_is_refused_naming_the_allowed_ones() {
        let s = settings();
        let error = s.effective(Category::Parking, Some("bikes")).unwrap_err().to_string();
        assert!(error.contains("subcategory") && error.contains("fire_lane"), "{error}");
        let error = s.effective(Category::Noise, Some("fire_lane")).unwrap_err().to_string();
        assert!(error.contains("allowed: none"), "{error}");
    }

    #[test]
    fn times_must_be_positive_and_at_most_a_year_and_labels_short() {
        assert_eq!(seconds("h", 2.0).unwrap(), 7_200);
        for bad in [0.0, -1.0, MAX_HOURS + 1.0, f64::NAN, f64::INFINITY] {
            assert!(seconds("h", bad).is_err(), "{bad}");
        }
        assert!(label("l", " ").is_err());
        assert!(label("l", &"字".repeat(41)).is_err());
        assert_eq!(label("l", " 停车 ").unwrap(), "停车");
    }
}
