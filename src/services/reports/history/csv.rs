//! Historical cases from CSV: a header row naming the columns (in any order), then one
//! case per row. A row is named by its line in the file, the header being row 1, as a
//! spreadsheet shows it.

use super::fields::{COLUMNS, REQUIRED, Row};
use super::{Entry, Position};

/// Every row of the file; fails only when the file as a whole is unusable (its header).
pub fn read(bytes: &[u8]) -> Result<Vec<Entry>, String> {
    let mut reader = ::csv::ReaderBuilder::new().trim(::csv::Trim::All).from_reader(bytes);
    let headers = reader.headers().map_err(|e| format!("cannot read the header row: {e}"))?.clone();
    let unknown: Vec<&str> = headers.iter().filter(|h| !COLUMNS.contains(h)).collect();
    if !unknown.is_empty() {
        return Err(format!("unknown column(s) {}; the columns are: {}", unknown.join(", "), COLUMNS.join(", ")));
    }
    let missing: Vec<&str> = REQUIRED.iter().copied().filter(|c| !headers.iter().any(|h| h == *c)).collect();
    if !missing.is_empty() {
        return Err(format!("missing required column(s) {}", missing.join(", ")));
    }
    let mut entries = Vec::new();
    for record in reader.records() {
        let entry = match record {
            Ok(record) => {
                let line = record.position().map_or(0, |p| p.line()) as usize;
                match record.deserialize::<Row>(Some(&headers)) {
                    Ok(row) => Entry { position: Position::Row(line), external_id: row.external_id(), parsed: row.into_record() },
                    Err(e) => Entry { position: Position::Row(line), external_id: None, parsed: Err(vec![e.to_string()]) },
                }
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line()) as usize;
                Entry { position: Position::Row(line), external_id: None, parsed: Err(vec![unreadable(&e)]) }
            }
        };
        entries.push(entry);
    }
    Ok(entries)
}

fn unreadable(error: &::csv::Error) -> String {
    match error.kind() {
        ::csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("has {len} cells, the header has {expected_len}")
        }
        ::csv::ErrorKind::Utf8 { .. } => "is not UTF-8 text (save the file as CSV UTF-8)".to_owned(),
        _ => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_named_by_their_line_and_empty_cells_are_missing() {
        let file = "\u{feff}external_id,category,description,lon,lat,created_at,state\n\
                    A1,parking,\"two\nlines\",104.05,30.82,2026-03-01 08:30,\n\
                    A2,停车,x,104.05,30.82,2026-03-01,已结案\n\
                    A3,parking\n";
        let entries = read(file.as_bytes()).unwrap();
        assert_eq!(entries.len(), 3);
        assert_eq!(entries[0].position, Position::Row(2));
        let first = entries[0].parsed.as_ref().unwrap();
        assert_eq!(first.description, "two\nlines");
        assert_eq!(first.state.as_str(), "received", "an empty state is the default");
        assert_eq!(entries[1].position, Position::Row(4), "the quoted line break counts");
        assert_eq!(entries[1].parsed.as_ref().unwrap().state.as_str(), "closed");
        assert_eq!(entries[2].parsed.as_ref().unwrap_err(), &["has 2 cells, the header has 7"]);
    }

    #[test]
    fn the_header_must_name_known_and_required_columns() {
        let unknown = read(b"external_id,category,descripton\n").unwrap_err();
        assert!(unknown.contains("unknown column(s) descripton"), "{unknown}");
        let missing = read(b"external_id,category\n").unwrap_err();
        assert_eq!(missing, "missing required column(s) description, lon, lat, created_at");
    }
}
