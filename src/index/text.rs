//! Name search that ignores the differences residents do not care about: traditional vs
//! simplified characters (楊柳苑 = 杨柳苑), spaces, full-width vs half-width, letter case.

use crate::model::Layer;

/// The comparable form of a name or query.
pub fn normalize(text: &str) -> String {
    let folded: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            // Full-width ASCII (Ａ, ３) to half-width.
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .collect();
    fast2s::convert(&folded)
}

/// How well a name matched; lower ranks first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MatchKind {
    Exact,
    Prefix,
    Contains,
}

/// One searchable name.
struct Entry {
    start: u32,
    end: u32,
    layer: Layer,
    record: u32,
}

/// Normalised names of the searchable records, in one buffer to keep a million names small.
#[derive(Default)]
pub struct TextIndex {
    text: String,
    entries: Vec<Entry>,
}

/// A search hit: layer, record position, how it matched, and its normalised length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub layer: Layer,
    pub record: u32,
    pub kind: MatchKind,
    pub name_len: u32,
}

impl TextIndex {
    pub fn add(&mut self, layer: Layer, record: u32, name: &str) {
        let start = self.text.len() as u32;
        self.text.push_str(&normalize(name));
        self.entries.push(Entry { start, end: self.text.len() as u32, layer, record });
    }

    /// Every entry matching the (already normalised) query, best first: exact, then prefix,
    /// then substring; shorter names first within a kind; then by layer order.
    pub fn search(&self, query: &str, limit: usize) -> Vec<Hit> {
        if query.is_empty() {
            return Vec::new();
        }
        let mut hits: Vec<Hit> = self
            .entries
            .iter()
            .filter_map(|e| {
                let name = &self.text[e.start as usize..e.end as usize];
                let kind = if name == query {
                    MatchKind::Exact
                } else if name.starts_with(query) {
                    MatchKind::Prefix
                } else if name.contains(query) {
                    MatchKind::Contains
                } else {
                    return None;
                };
                Some(Hit { layer: e.layer, record: e.record, kind, name_len: e.end - e.start })
            })
            .collect();
        let key = |h: &Hit| (h.kind, h.name_len, h.layer, h.record);
        if hits.len() > limit {
            hits.select_nth_unstable_by_key(limit, key);
            hits.truncate(limit);
        }
        hits.sort_unstable_by_key(key);
        hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_script_spacing_width_and_case() {
        assert_eq!(normalize("楊柳苑"), normalize("杨柳苑"));
        assert_eq!(normalize(" 杨柳 苑　３栋 "), "杨柳苑3栋");
        assert_eq!(normalize("ＡBc 小區"), "abc小区");
    }

    #[test]
    fn ranks_exact_then_prefix_then_substring() {
        let mut index = TextIndex::default();
        index.add(Layer::Buildings, 0, "杨柳苑 3栋");
        index.add(Layer::Compounds, 1, "新杨柳苑");
        index.add(Layer::Compounds, 2, "杨柳苑");
        index.add(Layer::Stations, 3, "锦绣社区食堂");
        let hits = index.search(&normalize("楊柳 苑"), 10);
        let order: Vec<(u32, MatchKind)> = hits.iter().map(|h| (h.record, h.kind)).collect();
        assert_eq!(order, vec![(2, MatchKind::Exact), (0, MatchKind::Prefix), (1, MatchKind::Contains)]);
        assert_eq!(index.search(&normalize("杨柳"), 1).len(), 1);
        assert!(index.search("", 10).is_empty());
    }
}
