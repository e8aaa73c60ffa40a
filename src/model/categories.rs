//! Category settings as data: what the built-in [`Category`] list says about each category
//! (tier, the time to answer and to resolve, labels), stored so that admins can change it,
//! and optional second-level categories (GB/T 30428.2 style event subtypes) under them.

use super::reports::{Category, Tier};

/// One category's stored settings. A top-level category's `key` is its wire word and every
/// value is set; a subcategory's key is `parent/child`, and a value it leaves `None` is its
/// parent's. Times are seconds; `updated_at` is Unix seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct CategorySetting {
    pub key: String,
    pub parent: Option<Category>,
    pub tier: Option<Tier>,
    pub response_secs: Option<i64>,
    pub resolution_secs: Option<i64>,
    pub label_zh: String,
    pub label_en: String,
    pub updated_at: i64,
}

impl CategorySetting {
    /// The built-in settings of a top-level category: what the store is seeded with.
    pub fn builtin(category: Category, now: i64) -> CategorySetting {
        CategorySetting {
            key: category.as_str().to_owned(),
            parent: None,
            tier: Some(category.default_tier()),
            response_secs: Some(category.response_time().as_secs() as i64),
            resolution_secs: Some(category.deadline().as_secs() as i64),
            label_zh: category.label_zh().to_owned(),
            label_en: category.label_en().to_owned(),
            updated_at: now,
        }
    }

    /// The built-in settings of every top-level category.
    pub fn builtins(now: i64) -> Vec<CategorySetting> {
        Category::ALL.iter().map(|&c| CategorySetting::builtin(c, now)).collect()
    }
}

/// One line of the settings' audit: who changed which category when, and its settings
/// before (`None` when the change created it) and after, as JSON text.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoryChange {
    /// Given by the store; ignored when a change is written.
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub key: String,
    pub before: Option<String>,
    pub after: String,
}
