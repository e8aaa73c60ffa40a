//! Where a request came from: the public base URL that absolute links start with, and the
//! client's address that the submission limit counts. Both come from the connection unless
//! a `--trusted-proxy` forwarded it, and only then from `Forwarded` / `X-Forwarded-*`: any
//! other client could write those headers to pose as someone else.

mod forwarded;

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header::HOST;
use axum::http::request::Parts;

use super::AppState;
use super::error::ApiError;
use forwarded::{last_value, valid_host, valid_prefix, valid_scheme};

/// What the server knows about the proxies in front of it.
#[derive(Debug, Clone, Default)]
pub struct Proxies {
    /// `--public-url`: the base of every absolute link, whatever the request says.
    pub public_url: Option<PublicUrl>,
    /// `--trusted-proxy`: peers whose forwarding headers are believed.
    pub trusted: Vec<Cidr>,
}

impl Proxies {
    fn trusts(&self, address: IpAddr) -> bool {
        let address = address.to_canonical();
        self.trusted.iter().any(|cidr| cidr.contains(address))
    }
}

/// An `http(s)://host[:port][/prefix]` base, kept without its trailing `/`.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicUrl(String);

impl std::str::FromStr for PublicUrl {
    type Err = String;

    fn from_str(text: &str) -> Result<PublicUrl, String> {
        let url = url::Url::parse(text).map_err(|e| format!("{text:?} is not a URL: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(format!("{text:?}: give http:// or https:// and a host"));
        }
        if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() || url.password().is_some() {
            return Err(format!("{text:?}: a base URL has no query, fragment or user"));
        }
        Ok(PublicUrl(url.as_str().trim_end_matches('/').to_owned()))
    }
}

impl PublicUrl {
    /// The base, without its trailing `/`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An address block such as `10.0.0.0/8` or `::1`; a bare address is a block of one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cidr {
    network: IpAddr,
    bits: u8,
}

impl Cidr {
    fn contains(&self, address: IpAddr) -> bool {
        fn prefix(bytes: &[u8], bits: u8) -> Vec<u8> {
            let mut bytes = bytes.to_vec();
            for (i, byte) in bytes.iter_mut().enumerate() {
                let keep = (usize::from(bits)).saturating_sub(i * 8).min(8);
                *byte &= if keep == 0 { 0 } else { 0xFF << (8 - keep) };
            }
            bytes
        }
        match (self.network, address) {
            (IpAddr::V4(n), IpAddr::V4(a)) => prefix(&n.octets(), self.bits) == prefix(&a.octets(), self.bits),
            (IpAddr::V6(n), IpAddr::V6(a)) => prefix(&n.octets(), self.bits) == prefix(&a.octets(), self.bits),
            _ => false,
        }
    }
}

impl std::str::FromStr for Cidr {
    type Err = String;

    fn from_str(text: &str) -> Result<Cidr, String> {
        let (address, bits) = match text.split_once('/') {
            Some((address, bits)) => (address, Some(bits)),
            None => (text, None),
        };
        let network = address.trim().parse::<IpAddr>().map_err(|_| format!("{text:?} is not an address or CIDR"))?;
        let network = network.to_canonical();
        let most = if network.is_ipv4() { 32 } else { 128 };
        let bits = match bits {
            Some(bits) => bits.trim().parse::<u8>().ok().filter(|b| *b <= most).ok_or_else(|| format!("{text:?}: bad prefix length"))?,
            None => most,
        };
        Ok(Cidr { network, bits })
    }
}

/// The local address a connection came in on, set by the accept loop: the host of last
/// resort for links when a request names none.
#[derive(Debug, Clone, Copy)]
pub struct LocalAddress(pub SocketAddr);

/// The base of absolute links for this request, such as `https://map.example/gis`, without a
/// trailing `/`: `--public-url`, else what a trusted proxy forwarded, else the `Host` header
/// (or the local address) with `http`, the only scheme this server speaks.
#[derive(Debug, Clone)]
pub struct Origin(String);

impl Origin {
    /// The absolute URL of a root-relative `path` (starting with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }
}

impl FromRequestParts<AppState> for Origin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Origin, ApiError> {
        origin(parts, &state.proxies)
    }
}

fn origin(parts: &Parts, proxies: &Proxies) -> Result<Origin, ApiError> {
    if let Some(PublicUrl(base)) = &proxies.public_url {
        return Ok(Origin(base.clone()));
    }
    let (mut scheme, mut host, mut prefix) = ("http", None, String::new());
    if peer(parts).is_some_and(|p| proxies.trusts(p)) {
        let headers = &parts.headers;
        let (proto, forwarded_host) = match forwarded::forwarded(headers) {
            Some(elements) => {
                let trusted = trusted_elements(&elements, proxies);
                // The proxy nearest the client saw the request as the client sent it.
                let proto = trusted.iter().find_map(|e| e.proto.clone());
                (proto, trusted.iter().find_map(|e| e.host.clone()))
            }
            None => (last_value(headers, "x-forwarded-proto"), last_value(headers, "x-forwarded-host")),
        };
        scheme = proto.as_deref().and_then(valid_scheme).unwrap_or(scheme);
        host = forwarded_host.as_deref().and_then(valid_host);
        prefix = last_value(headers, "x-forwarded-prefix").as_deref().and_then(valid_prefix).unwrap_or_default();
    }
    let host = match host {
        Some(host) => host,
        None => request_host(parts)?,
    };
    Ok(Origin(format!("{scheme}://{host}{prefix}")))
}

/// The host the client addressed: the `Host` header, the authority of an absolute-form
/// request, else the address the connection came in on.
fn request_host(parts: &Parts) -> Result<String, ApiError> {
    if let Some(value) = parts.headers.get(HOST) {
        let text = value.to_str().unwrap_or("");
        return valid_host(text).ok_or_else(|| ApiError::bad_request(format!("the Host header {text:?} is not a host[:port]")));
    }
    if let Some(authority) = parts.uri.authority() {
        return Ok(authority.as_str().to_ascii_lowercase());
    }
    Ok(match parts.extensions.get::<LocalAddress>() {
        Some(LocalAddress(address)) => address.to_string(),
        // Only requests handed to the router in-process have neither.
        None => "localhost".to_owned(),
    })
}

/// The suffix of `Forwarded` elements written by trusted proxies: the last by the peer, each
/// earlier one by the proxy named in the element after it.
fn trusted_elements<'a>(elements: &'a [forwarded::Element], proxies: &Proxies) -> &'a [forwarded::Element] {
    let mut start = elements.len();
    while start > 0 {
        start -= 1;
        let written_by_trusted = start + 1 == elements.len() || elements[start + 1].for_address.is_some_and(|a| proxies.trusts(a));
        if !written_by_trusted {
            start += 1;
            break;
        }
    }
    &elements[start.min(elements.len())..]
}

fn peer(parts: &Parts) -> Option<IpAddr> {
    parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip().to_canonical())
}

/// The client a request is counted against: the peer of the connection, or, when the peer is
/// a trusted proxy, the rightmost address in `Forwarded` (else `X-Forwarded-For`) that is not
/// a trusted proxy: addresses left of it were written by the client and may be made up.
/// `None` only for requests handed to the router in-process, which share one bucket.
pub struct ClientAddress(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress(client_address(parts, &state.proxies)))
    }
}

fn client_address(parts: &Parts, proxies: &Proxies) -> Option<IpAddr> {
    let peer = peer(parts)?;
    if !proxies.trusts(peer) {
        return Some(peer);
    }
    let chain: Vec<Option<IpAddr>> = match forwarded::forwarded(&parts.headers) {
        Some(elements) => elements.iter().map(|e| e.for_address).collect(),
        None => forwarded::forwarded_for(&parts.headers).unwrap_or_default(),
    };
    // The nearest trusted hop stands in for a client it could not name (`unknown`, junk).
    let mut nearest = peer;
    for hop in chain.iter().rev() {
        match hop {
            Some(address) if proxies.trusts(*address) => nearest = *address,
            Some(address) => return Some(*address),
            None => return Some(nearest),
        }
    }
    Some(nearest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn parts(peer: &str, headers: &[(&'static str, &str)]) -> Parts {
        let mut request = Request::get("/ogc").body(()).unwrap();
        for (name, value) in headers {
            request.headers_mut().append(*name, value.parse().unwrap());
        }
        request.extensions_mut().insert(ConnectInfo(format!("{peer}:5000").parse::<SocketAddr>().unwrap()));
        request.into_parts().0
    }

    fn trusting(blocks: &[&str]) -> Proxies {
        Proxies { public_url: None, trusted: blocks.iter().map(|b| b.parse().unwrap()).collect() }
    }

    #[test]
    fn cidr_blocks() {
        let block: Cidr = "10.0.0.0/8".parse().unwrap();
        assert!(block.contains("10.200.3.4".parse().unwrap()));
        assert!(!block.contains("11.0.0.1".parse().unwrap()));
        let v6: Cidr = "fd00::/8".parse().unwrap();
        assert!(v6.contains("fd12::1".parse().unwrap()) && !v6.contains("fe80::1".parse().unwrap()));
        let one: Cidr = "127.0.0.1".parse().unwrap();
        assert!(one.contains("127.0.0.1".parse().unwrap()) && !one.contains("127.0.0.2".parse().unwrap()));
        assert!(trusting(&["127.0.0.1"]).trusts("::ffff:127.0.0.1".parse().unwrap()));
        assert!("10.0.0.0/33".parse::<Cidr>().is_err() && "ten".parse::<Cidr>().is_err());
    }

    #[test]
    fn the_client_is_the_rightmost_untrusted_hop_and_only_behind_a_trusted_peer() {
        let proxies = trusting(&["10.0.0.0/8"]);
        let ip = |t: &str| Some(t.parse::<IpAddr>().unwrap());
        let spoofed = [("x-forwarded-for", "1.1.1.1, 203.0.113.5, 10.0.0.7")];
        assert_eq!(client_address(&parts("10.0.0.2", &spoofed), &proxies), ip("203.0.113.5"));
        assert_eq!(client_address(&parts("198.51.100.1", &spoofed), &proxies), ip("198.51.100.1"));
        assert_eq!(client_address(&parts("10.0.0.2", &[]), &proxies), ip("10.0.0.2"));
        let forwarded = [("forwarded", "for=1.1.1.1, for=\"[2001:db8::5]:80\""), ("x-forwarded-for", "9.9.9.9")];
        assert_eq!(client_address(&parts("10.0.0.2", &forwarded), &proxies), ip("2001:db8::5"));
        let hidden = [("forwarded", "for=_hidden, for=10.0.0.9")];
        assert_eq!(client_address(&parts("10.0.0.2", &hidden), &proxies), ip("10.0.0.9"));
    }

    #[test]
    fn links_from_the_public_url_a_trusted_proxy_or_the_host() {
        let headers = [
            ("host", "127.0.0.1:8080"),
            ("x-forwarded-proto", "https"),
            ("x-forwarded-host", "map.example"),
            ("x-forwarded-prefix", "/gis/"),
        ];
        let base = |peer, proxies: &Proxies| origin(&parts(peer, &headers), proxies).unwrap().url("/ogc");
        assert_eq!(base("127.0.0.1", &trusting(&["127.0.0.1"])), "https://map.example/gis/ogc");
        assert_eq!(base("127.0.0.2", &trusting(&["127.0.0.1"])), "http://127.0.0.1:8080/ogc");
        let public = Proxies { public_url: Some("https://pub.example/base/".parse().unwrap()), ..trusting(&["127.0.0.1"]) };
        assert_eq!(base("127.0.0.1", &public), "https://pub.example/base/ogc");

        let forwarded = [("host", "inner:8080"), ("forwarded", "proto=https;host=map.example, proto=http;host=inner")];
        let proxies = trusting(&["127.0.0.1"]);
        // The second element names no `for`, so the first was written by someone unknown.
        assert_eq!(origin(&parts("127.0.0.1", &forwarded), &proxies).unwrap().url(""), "http://inner");
        let chained = [("forwarded", "proto=https;host=map.example, for=127.0.0.1;proto=http;host=inner")];
        assert_eq!(origin(&parts("127.0.0.1", &chained), &proxies).unwrap().url(""), "https://map.example");

        let forged = [("host", "evil\"><x")];
        assert!(origin(&parts("127.0.0.1", &forged), &Proxies::default()).is_err());
        assert!("ftp://x/".parse::<PublicUrl>().is_err() && "https://x/?a=1".parse::<PublicUrl>().is_err());
    }
}
