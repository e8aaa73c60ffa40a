//! A [`Feed`] as Atom 1.0 (RFC 4287) or RSS 2.0, written with quick-xml. Each entry links
//! the case page (`/#case=…`, as the web page opens it) and the case's JSON.

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use super::{Feed, FeedEntry, TAG_AUTHORITY};

/// Where the feed is served: absolute URLs for its links.
#[derive(Debug, Clone)]
pub struct FeedLinks {
    /// The server's origin with any proxy prefix, no trailing slash: `https://host/prefix`.
    pub origin: String,
    /// The feed's own absolute URL, query included.
    pub self_url: String,
    /// The feed's path and sorted query, for its stable id.
    pub canonical: String,
}

impl FeedLinks {
    fn case_page(&self, case: &str) -> String {
        format!("{}/#case={case}", self.origin)
    }

    fn case_json(&self, case: &str) -> String {
        format!("{}/api/reports/{case}", self.origin)
    }
}

const GENERATOR: &str = "Minsheng";

fn title(feed: &Feed) -> String {
    format!("民生 · 新案件与进展 · {}", feed.subject)
}

/// The feed as an Atom document.
pub fn atom(feed: &Feed, links: &FeedLinks) -> Vec<u8> {
    let mut w = Doc::new();
    w.open("feed", &[("xmlns", "http://www.w3.org/2005/Atom"), ("xmlns:georss", "http://www.georss.org/georss"), ("xml:lang", "zh-CN")]);
    w.text("id", &format!("{TAG_AUTHORITY}feed{}", links.canonical));
    w.text("title", &title(feed));
    w.text("updated", &rfc3339(feed.updated));
    w.empty("link", &[("rel", "self"), ("type", "application/atom+xml"), ("href", &links.self_url)]);
    w.empty("link", &[("rel", "alternate"), ("type", "text/html"), ("href", &format!("{}/", links.origin))]);
    w.open("author", &[]);
    w.text("name", GENERATOR);
    w.close("author");
    w.text("generator", GENERATOR);
    for entry in &feed.entries {
        atom_entry(&mut w, entry, links);
    }
    w.close("feed");
    w.finish()
}

fn atom_entry(w: &mut Doc, entry: &FeedEntry, links: &FeedLinks) {
    let case = &entry.report.case_number;
    w.open("entry", &[]);
    w.text("id", &entry.id);
    w.text("title", &entry.title);
    w.text("updated", &rfc3339(entry.updated));
    w.text("published", &rfc3339(entry.updated));
    w.empty("link", &[("rel", "alternate"), ("type", "text/html"), ("href", &links.case_page(case))]);
    w.empty("link", &[("rel", "related"), ("type", "application/json"), ("href", &links.case_json(case))]);
    w.empty("category", &[("term", entry.report.category.as_str()), ("label", entry.report.category_label)]);
    w.empty("category", &[("term", entry.report.state.as_str()), ("label", entry.report.state_label)]);
    w.text("summary", &entry.summary);
    w.text("georss:point", &georss(entry));
    w.close("entry");
}

/// The feed as an RSS 2.0 document.
pub fn rss(feed: &Feed, links: &FeedLinks) -> Vec<u8> {
    let mut w = Doc::new();
    w.open("rss", &[("version", "2.0"), ("xmlns:atom", "http://www.w3.org/2005/Atom"), ("xmlns:georss", "http://www.georss.org/georss")]);
    w.open("channel", &[]);
    w.text("title", &title(feed));
    w.text("link", &format!("{}/", links.origin));
    w.text("description", &format!("{} 的新案件和公开进展", feed.subject));
    w.text("language", "zh-cn");
    w.text("lastBuildDate", &rfc2822(feed.updated));
    w.text("generator", GENERATOR);
    w.empty("atom:link", &[("rel", "self"), ("type", "application/rss+xml"), ("href", &links.self_url)]);
    for entry in &feed.entries {
        let case = &entry.report.case_number;
        w.open("item", &[]);
        w.text("title", &entry.title);
        w.text("link", &links.case_page(case));
        w.open("guid", &[("isPermaLink", "false")]);
        w.raw_text(&entry.id);
        w.close("guid");
        w.text("pubDate", &rfc2822(entry.updated));
        w.text("description", &entry.summary);
        w.text("category", entry.report.category.as_str());
        w.text("georss:point", &georss(entry));
        w.close("item");
    }
    w.close("channel");
    w.close("rss");
    w.finish()
}

/// `lat lon`, the GeoRSS Simple order.
fn georss(entry: &FeedEntry) -> String {
    let [lon, lat] = entry.report.point;
    format!("{lat} {lon}")
}

fn rfc3339(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds).unwrap_or(jiff::Timestamp::UNIX_EPOCH).strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// RSS dates: RFC 822 with a four-digit year, in UTC.
pub fn rfc2822(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds).unwrap_or(jiff::Timestamp::UNIX_EPOCH).strftime("%a, %d %b %Y %H:%M:%S +0000").to_string()
}

/// A small writer over quick-xml: writing into a `Vec` cannot fail.
struct Doc(Writer<Vec<u8>>);

impl Doc {
    fn new() -> Doc {
        let mut writer = Writer::new(Vec::new());
        let _ = writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)));
        Doc(writer)
    }

    fn open(&mut self, name: &str, attributes: &[(&str, &str)]) {
        let mut start = BytesStart::new(name);
        for &(key, value) in attributes {
            start.push_attribute((key, clean(value).as_str()));
        }
        let _ = self.0.write_event(Event::Start(start));
    }

    fn empty(&mut self, name: &str, attributes: &[(&str, &str)]) {
        let mut start = BytesStart::new(name);
        for &(key, value) in attributes {
            start.push_attribute((key, clean(value).as_str()));
        }
        let _ = self.0.write_event(Event::Empty(start));
    }

    fn close(&mut self, name: &str) {
        let _ = self.0.write_event(Event::End(BytesEnd::new(name)));
    }

    fn raw_text(&mut self, text: &str) {
        let _ = self.0.write_event(Event::Text(BytesText::new(&clean(text))));
    }

    fn text(&mut self, name: &str, text: &str) {
        self.open(name, &[]);
        self.raw_text(text);
        self.close(name);
    }

    fn finish(self) -> Vec<u8> {
        self.0.into_inner()
    }
}

/// Control characters XML 1.0 forbids (a description may hold them) become U+FFFD so the
/// document stays well formed.
fn clean(text: &str) -> String {
    let allowed = |c: char| !matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}');
    text.chars().map(|c| if allowed(c) { c } else { '\u{fffd}' }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_rfc3339_and_rfc822_in_utc() {
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc2822(1_700_000_000), "Tue, 14 Nov 2023 22:13:20 +0000");
    }
}
