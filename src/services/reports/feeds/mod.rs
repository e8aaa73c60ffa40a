//! Area feeds: the new cases and public updates of an area (and categories), newest first,
//! for feed readers as Atom or RSS (see [`xml`]). Anyone may read them, so entries are made
//! only from the public views ([`PublicReport`], [`PublicEvent`]): never a reporter, an
//! internal note or an actor.
//!
//! Bounded work: the area and categories select rows of the in-memory index; the `limit`
//! most recently active of them are read from the store (one read per case), and their
//! filings and state moves become entries, of which the newest `limit` are kept.

pub mod xml;

use futures_util::{StreamExt, TryStreamExt};

use super::area::Area;
use super::published::Overlay;
use super::view::{PublicEvent, PublicReport};
use crate::index::reports::{ReportPoints, ReportQuery};
use crate::model::reports::Category;
use crate::services::{Catalog, ServiceError};

/// Entries unless `limit` says otherwise, and the most a feed holds.
pub const DEFAULT_ENTRIES: usize = 50;
pub const MAX_ENTRIES: usize = 100;

/// Cases read from the store at once.
const CONCURRENT_READS: usize = 8;

/// The authority and date of the entries' tag URIs (RFC 4151). Fixed rather than the
/// request's host, so an entry keeps its id behind any proxy or name.
pub const TAG_AUTHORITY: &str = "tag:minsheng,2026:";

/// What a subscriber asked for.
#[derive(Debug, Clone)]
pub struct FeedQuery {
    pub area: Area,
    /// Empty: every category.
    pub categories: Vec<Category>,
    pub limit: usize,
}

impl FeedQuery {
    /// Checks `limit` (1–[`MAX_ENTRIES`], default [`DEFAULT_ENTRIES`]).
    pub fn new(area: Area, categories: Vec<Category>, limit: Option<usize>) -> Result<FeedQuery, ServiceError> {
        let limit = limit.unwrap_or(DEFAULT_ENTRIES);
        if !(1..=MAX_ENTRIES).contains(&limit) {
            return Err(ServiceError::InvalidParameter { parameter: "limit", reason: format!("must be 1–{MAX_ENTRIES}") });
        }
        Ok(FeedQuery { area, categories, limit })
    }

    /// How the feed's title names what it follows.
    pub fn describe(&self) -> String {
        let categories: Vec<&str> = self.categories.iter().map(|c| c.label_zh()).collect();
        if categories.is_empty() { self.area.describe() } else { format!("{} · {}", self.area.describe(), categories.join("、")) }
    }
}

/// What an entry says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// The case was filed.
    Filed,
    /// The case moved to another state.
    Moved,
    /// Staff replied, or the reporter commented, without a move.
    Replied,
}

/// One feed entry: a filing or a public update of a case.
#[derive(Debug, Clone)]
pub struct FeedEntry {
    /// A tag URI: the case number and the event's place in the case's history, which never
    /// changes (events are only appended).
    pub id: String,
    pub kind: EntryKind,
    /// Unix seconds.
    pub updated: i64,
    pub title: String,
    pub summary: String,
    pub report: PublicReport,
}

/// A feed: its entries, newest first.
#[derive(Debug, Clone)]
pub struct Feed {
    pub subject: String,
    /// The newest entry's time; 0 for an empty feed.
    pub updated: i64,
    pub entries: Vec<FeedEntry>,
}

/// The feed of an area and categories.
pub async fn feed(catalog: &Catalog, query: &FeedQuery) -> Result<Feed, ServiceError> {
    let case_numbers = most_active(&catalog.reports(), query);
    let cases: Vec<_> = futures_util::stream::iter(case_numbers)
        .map(|case| async move { catalog.store().report(&case).await })
        .buffered(CONCURRENT_READS)
        .try_collect()
        .await?;
    let cases: Vec<_> = cases.into_iter().flatten().collect();
    let numbers: Vec<String> = cases.iter().map(|(report, _)| report.case_number.clone()).collect();
    let overlay = Overlay::load(catalog, &numbers).await?;
    let mut entries: Vec<FeedEntry> = Vec::new();
    for (report, events) in cases {
        let mut public = PublicReport::from(&report);
        overlay.apply_public(&mut public);
        let history = overlay.public_history(&report.case_number, &events);
        entries.extend(history.iter().enumerate().filter_map(|(n, event)| entry(&public, n, event)));
    }
    // Newest first; the id breaks ties so the order (and the ETag) is stable.
    entries.sort_by(|a, b| b.updated.cmp(&a.updated).then_with(|| b.id.cmp(&a.id)));
    entries.truncate(query.limit);
    Ok(Feed { subject: query.describe(), updated: entries.first().map_or(0, |e| e.updated), entries })
}

/// The case numbers of the `limit` cases of the area whose last step is newest. The index
/// keeps the times of filing, answer, dispatch, resolution and closing; a case's newest
/// entry is at one of them (or at a restart or reopening the index has no time for, which
/// can then rank the case a little low).
fn most_active(points: &ReportPoints, query: &FeedQuery) -> Vec<String> {
    let matcher = ReportQuery { categories: query.categories.clone(), ..ReportQuery::default() }.matcher();
    let times = &points.times;
    let mut rows: Vec<(i64, i64)> = query
        .area
        .rows(points, &matcher)
        .into_iter()
        .map(|i| {
            let steps = [times.responded_at[i], times.dispatched_at[i], times.resolved_at[i], times.closed_at[i]];
            (steps.into_iter().flatten().fold(points.created_at[i], i64::max), points.ids[i])
        })
        .collect();
    let keep = query.limit.min(rows.len());
    if keep < rows.len() {
        rows.select_nth_unstable_by(keep, |a, b| b.cmp(a));
        rows.truncate(keep);
    }
    rows.into_iter().map(|(_, id)| format!("MS{id:08}")).collect()
}

/// The entry for event `n` of a case's public history: the filing, a state move (with its
/// public reply), or a reply or comment alone. Other events (support, extensions asked) say
/// nothing new to the public.
fn entry(report: &PublicReport, n: usize, event: &PublicEvent) -> Option<FeedEntry> {
    let id = format!("{TAG_AUTHORITY}{}/{n}", report.case_number);
    let category = report.category_label;
    let (kind, title, summary) = if n == 0 {
        let title = format!("新案件 {} · {category}：{}", report.case_number, shortened(&report.description, 40));
        let place = report.compound_id.as_deref().map_or_else(|| format!("网格 {}", report.grid_id), |c| format!("小区 {c}"));
        (EntryKind::Filed, title, format!("{}（{place}）", shortened(&report.description, 500)))
    } else if let Some(to) = event.to_state {
        let title = format!("{} {} · {category}", report.case_number, to.label_zh());
        let moved = format!("案件 {} 状态更新为「{}」（{}）", report.case_number, to.label_zh(), to.label_en());
        let summary = match &event.reply {
            Some(reply) => format!("{moved}。答复：{}", shortened(reply, 500)),
            None => moved,
        };
        (EntryKind::Moved, title, summary)
    } else {
        // A public reply or the reporter's comment without a move is news too.
        let reply = event.reply.as_ref()?;
        let title = format!("{} 新留言 · {category}", report.case_number);
        (EntryKind::Replied, title, shortened(reply, 500))
    };
    Some(FeedEntry { id, kind, updated: event.at, title, summary, report: report.clone() })
}

/// At most `chars` characters of `text`, with an ellipsis when cut.
fn shortened(text: &str, chars: usize) -> String {
    match text.char_indices().nth(chars) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_on_a_character() {
        assert_eq!(shortened("电梯坏了很久", 2), "电梯…");
        assert_eq!(shortened("电梯", 2), "电梯");
    }
}
