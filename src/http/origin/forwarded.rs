//! Reading what proxies say about a request: `Forwarded` (RFC 7239) and the older
//! `X-Forwarded-*` headers. Pure parsing; whom to believe is decided in `origin`.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;
use axum::http::uri::Authority;

/// One `Forwarded` element: what one proxy saw of the hop before it.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Element {
    /// The address it received the request from (`None` for `unknown` or an obfuscated name).
    pub for_address: Option<IpAddr>,
    pub host: Option<String>,
    pub proto: Option<String>,
}

/// The `Forwarded` elements of every such header line, in order (leftmost added first).
/// `None` when there is no such header; a malformed element keeps only what parsed.
pub fn forwarded(headers: &HeaderMap) -> Option<Vec<Element>> {
    let lines: Vec<&str> = headers.get_all("forwarded").iter().filter_map(|v| v.to_str().ok()).collect();
    if lines.is_empty() {
        return None;
    }
    let mut elements = Vec::new();
    for line in lines {
        for text in split_outside_quotes(line, ',') {
            let mut element = Element::default();
            for pair in split_outside_quotes(&text, ';') {
                let Some((key, value)) = pair.split_once('=') else { continue };
                let value = unquote(value.trim());
                match key.trim().to_ascii_lowercase().as_str() {
                    "for" => element.for_address = node_address(&value),
                    "host" => element.host = Some(value),
                    "proto" => element.proto = Some(value.to_ascii_lowercase()),
                    _ => {}
                }
            }
            elements.push(element);
        }
    }
    Some(elements)
}

/// The addresses of `X-Forwarded-For`, leftmost first (`None` for an entry that is no address).
pub fn forwarded_for(headers: &HeaderMap) -> Option<Vec<Option<IpAddr>>> {
    let lines: Vec<&str> = headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect();
    if lines.is_empty() {
        return None;
    }
    Some(lines.iter().flat_map(|line| line.split(',')).map(|entry| node_address(entry.trim())).collect())
}

/// The last value of a header that proxies may send as a comma list (`X-Forwarded-Proto`,
/// `-Host`, `-Prefix`): the one the nearest proxy, the trusted one, added.
pub fn last_value(headers: &HeaderMap, name: &str) -> Option<String> {
    let line = headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).next_back()?;
    line.rsplit(',').next().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// A `host[:port]` fit to put in a URL, or `None`: no user info, nothing a URL cannot hold.
pub fn valid_host(text: &str) -> Option<String> {
    let authority: Authority = text.parse().ok()?;
    (!text.contains('@') && !authority.host().is_empty()).then(|| authority.as_str().to_ascii_lowercase())
}

/// `http` or `https`; other schemes make no links a browser or GDAL can follow.
pub fn valid_scheme(text: &str) -> Option<&'static str> {
    match text.to_ascii_lowercase().as_str() {
        "http" => Some("http"),
        "https" => Some("https"),
        _ => None,
    }
}

/// A path prefix such as `/gis` (a trailing `/` dropped; `/` alone is no prefix), or `None`
/// when it holds characters that would need escaping in a URL.
pub fn valid_prefix(text: &str) -> Option<String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "-._~%!$&'()*+,;=:@/".contains(c);
    (text.starts_with('/') && !text.starts_with("//") && text.chars().all(allowed)).then(|| text.trim_end_matches('/').to_owned())
}

/// A node as proxies write it: `192.0.2.1`, `192.0.2.1:8080`, `[2001:db8::1]:443`, `2001:db8::1`.
fn node_address(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    if let Ok(address) = text.parse::<IpAddr>() {
        return Some(address.to_canonical());
    }
    if let Ok(address) = text.parse::<SocketAddr>() {
        return Some(address.ip().to_canonical());
    }
    let bracketed = text.strip_prefix('[')?.split(']').next()?;
    bracketed.parse::<IpAddr>().ok().map(|a| a.to_canonical())
}

/// Splits at `separator` except inside a quoted string (`for="[::1]:80"` holds colons, and a
/// quoted value may hold commas).
fn split_outside_quotes(text: &str, separator: char) -> Vec<String> {
    let (mut parts, mut current, mut quoted, mut escaped) = (Vec::new(), String::new(), false, false);
    for c in text.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            c if c == separator && !quoted => {
                parts.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    parts.push(current);
    parts.into_iter().map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()).collect()
}

fn unquote(text: &str) -> String {
    match text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        Some(inner) => inner.replace("\\\"", "\"").replace("\\\\", "\\"),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn forwarded_elements_across_lines_with_quotes_and_ports() {
        let map = headers(&[
            ("forwarded", r#"for=192.0.2.60;proto=HTTPS;host="map.example", For="[2001:db8:cafe::17]:4711""#),
            ("forwarded", "for=unknown;by=10.0.0.1, for=_hidden, for=198.51.100.7:8080"),
        ]);
        let elements = forwarded(&map).unwrap();
        let addresses: Vec<Option<IpAddr>> = elements.iter().map(|e| e.for_address).collect();
        let ip = |t: &str| Some(t.parse::<IpAddr>().unwrap());
        assert_eq!(addresses, vec![ip("192.0.2.60"), ip("2001:db8:cafe::17"), None, None, ip("198.51.100.7")]);
        assert_eq!(elements[0].proto.as_deref(), Some("https"));
        assert_eq!(elements[0].host.as_deref(), Some("map.example"));
        assert!(forwarded(&HeaderMap::new()).is_none());
    }

    #[test]
    fn x_forwarded_for_keeps_order_and_marks_junk() {
        let map = headers(&[("x-forwarded-for", "203.0.113.9, junk"), ("x-forwarded-for", "::ffff:10.1.2.3")]);
        let ip = |t: &str| Some(t.parse::<IpAddr>().unwrap());
        assert_eq!(forwarded_for(&map).unwrap(), vec![ip("203.0.113.9"), None, ip("10.1.2.3")]);
    }

    #[test]
    fn only_url_safe_hosts_schemes_and_prefixes() {
        assert_eq!(valid_host("Map.Example:8443").as_deref(), Some("map.example:8443"));
        assert_eq!(valid_host("[::1]:80").as_deref(), Some("[::1]:80"));
        for bad in ["user@evil", "a b", "evil/path", "", "\"><x"] {
            assert_eq!(valid_host(bad), None, "{bad}");
        }
        assert_eq!(valid_scheme("HTTPS"), Some("https"));
        assert_eq!(valid_scheme("javascript"), None);
        assert_eq!(valid_prefix("/gis/").as_deref(), Some("/gis"));
        assert_eq!(valid_prefix("/").as_deref(), Some(""));
        for bad in ["gis", "//evil.example", "/a\"b", "/a<b"] {
            assert_eq!(valid_prefix(bad), None, "{bad}");
        }
        let map = headers(&[("x-forwarded-proto", "http, https")]);
        assert_eq!(last_value(&map, "x-forwarded-proto").as_deref(), Some("https"));
    }
}
