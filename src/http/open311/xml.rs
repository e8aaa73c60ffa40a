//! The spec's XML from the same data as its JSON. GeoReport v2 defines its JSON as the
//! Spark-convention mapping of its XML, so the mapping runs the other way here: an object is
//! an element per key, a list is a wrapper element whose items take the singular name the
//! spec uses (`<services><service>`), `null` is an empty element. Child elements come in key
//! order (alphabetical): the spec's XML is schemaless and its own examples vary the order.

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use serde_json::Value;

/// The item element of each list the spec defines.
fn item_name(list: &str) -> &'static str {
    match list {
        "services" => "service",
        "service_requests" => "request",
        "service_requests_updates" => "request_update",
        "endpoints" => "endpoint",
        "formats" => "format",
        "attributes" => "attribute",
        "errors" => "error",
        // Not reached by the documents we serve; a neutral name keeps the XML well formed.
        _ => "item",
    }
}

/// A whole document: the declaration the spec requires, then `root` holding `value`.
pub fn document(root: &str, value: &Value) -> Vec<u8> {
    let mut writer = Writer::new(Vec::new());
    // Writing into a Vec cannot fail.
    let _ = writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)));
    element(&mut writer, root, value);
    writer.into_inner()
}

fn element(writer: &mut Writer<Vec<u8>>, name: &str, value: &Value) {
    let empty = match value {
        Value::Null => true,
        Value::Array(items) => items.is_empty(),
        Value::Object(fields) => fields.is_empty(),
        _ => false,
    };
    if empty {
        let _ = writer.write_event(Event::Empty(BytesStart::new(name)));
        return;
    }
    let _ = writer.write_event(Event::Start(BytesStart::new(name)));
    match value {
        Value::Array(items) => items.iter().for_each(|item| element(writer, item_name(name), item)),
        Value::Object(fields) => fields.iter().for_each(|(key, field)| element(writer, key, field)),
        Value::String(text) => text_node(writer, text),
        other => text_node(writer, &other.to_string()),
    }
    let _ = writer.write_event(Event::End(BytesEnd::new(name)));
}

/// Escaped text. Control characters XML 1.0 forbids (a description may hold them) become
/// U+FFFD so the document stays well formed.
fn text_node(writer: &mut Writer<Vec<u8>>, text: &str) {
    let allowed = |c: char| !matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}');
    let clean: String = text.chars().map(|c| if allowed(c) { c } else { '\u{fffd}' }).collect();
    let _ = writer.write_event(Event::Text(BytesText::new(&clean)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lists_take_singular_items_nulls_are_empty_and_text_is_escaped() {
        let value = json!([{"service_code": "a&b", "description": "<x> \"y\" \u{1}", "metadata": false, "group": null}]);
        let xml = String::from_utf8(document("services", &value)).unwrap();
        // Elements come in the fields' order (serde_json keeps insertion order: the `cql2` crate turns on its `preserve_order`).
        assert_eq!(
            xml,
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><services><service>\
             <service_code>a&amp;b</service_code><description>&lt;x&gt; &quot;y&quot; \u{fffd}</description>\
             <metadata>false</metadata><group/></service></services>"
        );
        let nested = String::from_utf8(document("discovery", &json!({"endpoints": [{"formats": ["text/xml"]}]}))).unwrap();
        assert!(
            nested.ends_with(
                "<discovery><endpoints><endpoint><formats><format>text/xml</format></formats></endpoint></endpoints></discovery>"
            )
        );
    }
}
