//! Message texts: a Chinese default per event, which an admin may replace. A text is plain
//! words with `{placeholder}`s from a fixed list; an unknown placeholder or a stray brace is
//! refused when the text is stored, so rendering never fails.

use std::collections::HashMap;

use serde::Serialize;

use crate::model::notify::NotifyEvent;
use crate::model::reports::Role;
use crate::services::auth::Staff;
use crate::services::{Catalog, ServiceError};

/// The placeholders a text may use, and what each becomes.
pub const PLACEHOLDERS: &[(&str, &str)] = &[
    ("case", "the case number"),
    ("category", "the category's Chinese label"),
    ("state", "the case's state, in Chinese"),
    ("reply", "the public reply (公开答复) written with the move, or nothing"),
    ("link", "the reporter's follow-up link (for the reporter), else the case's public page"),
    ("unit", "the responding unit's name"),
    ("deadline", "the resolution deadline (or the current stage's due time), Beijing time"),
];

/// Longest text an admin may store, in characters (a long SMS is split in 67-character parts).
pub const MAX_TEMPLATE_CHARS: usize = 500;

/// The built-in text of an event.
pub fn default_text(event: NotifyEvent) -> &'static str {
    match event {
        NotifyEvent::Accepted => "【民生】您反映的问题（{case}）已受理立案。{reply}查看进度：{link}",
        NotifyEvent::Dispatched => "【民生】您反映的问题（{case}）已派至{unit}办理，办结时限{deadline}。{reply}查看进度：{link}",
        NotifyEvent::Resolved => "【民生】您反映的问题（{case}）已处置完成。{reply}请您评价：{link}",
        NotifyEvent::Reopened => "【民生】您反映的问题（{case}）已重新办理，新的办结时限{deadline}。{reply}查看进度：{link}",
        NotifyEvent::Closed => "【民生】您反映的问题（{case}）已办结，感谢您的参与。{reply}查看：{link}",
        NotifyEvent::Rejected => "【民生】您反映的问题（{case}）不予立案。{reply}查看：{link}",
        NotifyEvent::Assigned => "【民生】新派单：案件{case}（{category}），请于{deadline}前处置。{link}",
        NotifyEvent::Supervised => "【民生】督办：案件{case}（{category}）请尽快处置，时限{deadline}。{reply}{link}",
        NotifyEvent::Overdue => "【民生】超时提醒：案件{case}（{category}）已超过时限{deadline}。{link}",
        NotifyEvent::Redo => "【民生】重办：案件{case}（{category}）居民不满意，请于{deadline}前重新处置。{reply}{link}",
        NotifyEvent::NewCase => "【民生】新案件：{case}（{category}）。{link}",
        NotifyEvent::Updated => "【民生】案件{case}（{category}）：{state}。{reply}{link}",
    }
}

/// One piece of a text: words as they are, or a placeholder's name.
#[derive(Debug, Clone, PartialEq)]
enum Piece<'a> {
    Words(&'a str),
    Placeholder(&'a str),
}

/// Splits a text into words and placeholders; the error names what is wrong.
fn parse(text: &str) -> Result<Vec<Piece<'_>>, String> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        match rest.find(['{', '}']) {
            None => {
                pieces.push(Piece::Words(rest));
                break;
            }
            Some(at) if rest[at..].starts_with('}') => return Err(format!("a '}}' without its '{{' at {:?}", &rest[at..])),
            Some(at) => {
                if at > 0 {
                    pieces.push(Piece::Words(&rest[..at]));
                }
                let after = &rest[at + 1..];
                let end = after.find(['{', '}']).filter(|&e| after[e..].starts_with('}'));
                let Some(end) = end else { return Err(format!("a '{{' without its '}}' at {:?}", &rest[at..])) };
                let name = &after[..end];
                if !PLACEHOLDERS.iter().any(|(known, _)| *known == name) {
                    let known = PLACEHOLDERS.iter().map(|(n, _)| format!("{{{n}}}")).collect::<Vec<_>>().join(", ");
                    return Err(format!("unknown placeholder {{{name}}}; the known ones are {known}"));
                }
                pieces.push(Piece::Placeholder(name));
                rest = &after[end + 1..];
            }
        }
    }
    Ok(pieces)
}

/// Checks a text an admin sends: not empty, not too long, known placeholders only.
pub fn check(text: &str) -> Result<String, ServiceError> {
    let invalid = |reason: String| ServiceError::InvalidParameter { parameter: "text", reason };
    let text = text.trim();
    if text.is_empty() {
        return Err(invalid("must not be empty".into()));
    }
    if text.chars().count() > MAX_TEMPLATE_CHARS {
        return Err(invalid(format!("longer than {MAX_TEMPLATE_CHARS} characters")));
    }
    parse(text).map_err(invalid)?;
    Ok(text.to_owned())
}

/// Fills a checked text's placeholders; a missing value becomes nothing.
pub fn render(text: &str, values: &HashMap<&str, String>) -> String {
    match parse(text) {
        Ok(pieces) => pieces
            .into_iter()
            .map(|piece| match piece {
                Piece::Words(words) => words,
                Piece::Placeholder(name) => values.get(name).map(String::as_str).unwrap_or(""),
            })
            .collect(),
        // Only checked texts are stored; should one not parse, it is sent as written rather than lost.
        Err(_) => text.to_owned(),
    }
}

/// The texts in force: the admins' where they wrote one, the built-in ones elsewhere.
#[derive(Debug, Clone, Default)]
pub struct Texts {
    overrides: HashMap<NotifyEvent, String>,
}

impl Texts {
    pub async fn load(catalog: &Catalog) -> Result<Texts, ServiceError> {
        Ok(Texts { overrides: catalog.store().notify_templates().await?.into_iter().collect() })
    }

    pub fn text(&self, event: NotifyEvent) -> &str {
        self.overrides.get(&event).map(String::as_str).unwrap_or_else(|| default_text(event))
    }
}

/// One event's text, as `GET /api/notify/templates` lists it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Template {
    pub event: NotifyEvent,
    pub label_zh: &'static str,
    /// The text in force.
    pub text: String,
    pub default_text: &'static str,
    /// An admin replaced the default.
    pub customised: bool,
}

/// Every event's text, and the placeholders a text may use.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TemplateList {
    pub templates: Vec<Template>,
    /// Placeholder name → what it becomes.
    pub placeholders: std::collections::BTreeMap<String, String>,
}

pub async fn list(catalog: &Catalog) -> Result<TemplateList, ServiceError> {
    let texts = Texts::load(catalog).await?;
    let templates = NotifyEvent::ALL
        .iter()
        .map(|&event| Template {
            event,
            label_zh: event.label_zh(),
            text: texts.text(event).to_owned(),
            default_text: default_text(event),
            customised: texts.overrides.contains_key(&event),
        })
        .collect();
    Ok(TemplateList { templates, placeholders: PLACEHOLDERS.iter().map(|(n, m)| (n.to_string(), m.to_string())).collect() })
}

/// Stores an admin's text for an event (`None`: back to the default); admins only.
pub async fn write(catalog: &Catalog, staff: &Staff, event: NotifyEvent, text: Option<&str>, now: i64) -> Result<Template, ServiceError> {
    staff.require(&[Role::Admin], "change message templates")?;
    let text = text.map(check).transpose()?;
    catalog.store().write_notify_template(event, text.as_deref(), &staff.actor(), now).await?;
    Ok(Template {
        event,
        label_zh: event.label_zh(),
        customised: text.is_some(),
        text: text.unwrap_or_else(|| default_text(event).to_owned()),
        default_text: default_text(event),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_text_is_a_valid_template() {
        for &event in NotifyEvent::ALL {
            assert!(check(default_text(event)).is_ok(), "{event}");
        }
    }

    #[test]
    fn unknown_placeholders_and_stray_braces_are_refused_by_name() {
        let error = check("案件{case}由{who}办理").unwrap_err().to_string();
        assert!(error.contains("{who}") && error.contains("text"), "{error}");
        assert!(check("案件{case").unwrap_err().to_string().contains("without its"));
        assert!(check("案件case}").unwrap_err().to_string().contains("without its"));
        assert!(check("  ").is_err());
        assert!(check(&"字".repeat(MAX_TEMPLATE_CHARS + 1)).is_err());
    }

    #[test]
    fn rendering_fills_placeholders_and_leaves_words() {
        let values = HashMap::from([("case", "MS00000007".to_owned()), ("reply", "已清理。".to_owned())]);
        assert_eq!(render("【民生】{case}：{reply}{link}完", &values), "【民生】MS00000007：已清理。完");
    }
}
