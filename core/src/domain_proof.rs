//! Proving that a shop's seller controls a domain, and what a proven domain lends: a listing's
//! URL is used (for the GS1 resolver's `gs1:pip` redirect and the trace page's product link)
//! only when it is on its shop's proven domain.
//!
//! The proof is a token Suyuan gives the seller, published at
//! `https://{domain}/.well-known/suyuan-verification.txt` ([`WELL_KNOWN_PATH`]). Signed
//! webhook deliveries cannot prove a domain: the webhook secret is the seller's own (they paste
//! it in), so a seller can sign any body, and headers such as Shopify's
//! `X-Shopify-Shop-Domain` are not covered by the signature at all.

use crate::validation::FieldError;

/// Where the token is published on the domain.
pub const WELL_KNOWN_PATH: &str = "/.well-known/suyuan-verification.txt";

/// Parses a domain to prove: a host name (or, for local installations, `host:port`), without
/// scheme or path; answers it in lower case.
pub fn parse_domain(field: &str, raw: &str) -> Result<String, FieldError> {
    let d = raw.trim().trim_end_matches('.').to_ascii_lowercase();
    let bad = || {
        FieldError::new(
            field,
            "invalid_domain",
            "须为域名，例如 shop.example.cn（不含 https:// 和路径）",
            "must be a domain such as shop.example.cn (no https:// and no path)",
        )
    };
    let (host, port) = match d.rsplit_once(':') {
        Some((h, p)) if !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) => {
            (h, Some(p))
        }
        Some(_) => return Err(bad()),
        None => (d.as_str(), None),
    };
    let labels_ok = !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    if !labels_ok || port.is_some_and(|p| p.parse::<u16>().is_err()) {
        return Err(bad());
    }
    Ok(d)
}

/// The authority (`host[:port]`, lower case, default ports left out) of an `http(s)` URL;
/// `None` for anything else, or a URL with user information.
pub fn authority_of(url: &str) -> Option<String> {
    let url = url.trim();
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "https" && scheme != "http" {
        return None;
    }
    let end = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
    let authority = rest[..end].to_ascii_lowercase();
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    let default_port = if scheme == "https" { ":443" } else { ":80" };
    Some(
        authority
            .strip_suffix(default_port)
            .unwrap_or(&authority)
            .trim_end_matches('.')
            .to_owned(),
    )
}

/// Whether `url` is on the proven `domain` (exactly that host, not a sub-domain).
pub fn url_on_domain(url: &str, domain: &str) -> bool {
    authority_of(url).is_some_and(|a| a == domain.to_ascii_lowercase())
}

/// Whether a published verification file holds `token` on a line of its own.
pub fn token_published(body: &str, token: &str) -> bool {
    !token.is_empty() && body.lines().any(|l| l.trim() == token)
}

/// Why a listing's URL is or is not used, as the seller's API says.
pub fn url_status(url: Option<&str>, proven_domain: Option<&str>) -> Option<&'static str> {
    let url = url?;
    Some(match proven_domain {
        None => "shop_domain_not_proven",
        Some(d) if url_on_domain(url, d) => "on_proven_domain",
        Some(_) => "not_on_proven_domain",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_hosts_without_scheme_or_path() {
        assert_eq!(
            parse_domain("d", " Shop.Example.CN. ").unwrap(),
            "shop.example.cn"
        );
        assert_eq!(
            parse_domain("d", "127.0.0.1:8080").unwrap(),
            "127.0.0.1:8080"
        );
        for bad in [
            "https://a.cn",
            "a.cn/x",
            "",
            "a..cn",
            "-a.cn",
            "a.cn:99999",
            "a b.cn",
            "a.cn:",
        ] {
            assert!(parse_domain("d", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_url_is_on_a_domain_only_when_its_host_is_exactly_that_domain() {
        assert!(url_on_domain(
            "https://shop.example.cn/p/1",
            "shop.example.cn"
        ));
        assert!(url_on_domain(
            "HTTPS://SHOP.example.cn:443/p",
            "shop.example.cn"
        ));
        assert!(url_on_domain("http://127.0.0.1:9000/p", "127.0.0.1:9000"));
        assert!(!url_on_domain("https://evil.example/p", "shop.example.cn"));
        assert!(!url_on_domain(
            "https://shop.example.cn.evil.example/",
            "shop.example.cn"
        ));
        assert!(!url_on_domain(
            "https://x.shop.example.cn/",
            "shop.example.cn"
        ));
        assert!(!url_on_domain(
            "https://shop.example.cn@evil.example/",
            "shop.example.cn"
        ));
        assert!(!url_on_domain(
            "javascript:alert(1)//shop.example.cn",
            "shop.example.cn"
        ));
        assert!(!url_on_domain(
            "https://shop.example.cn:8443/",
            "shop.example.cn"
        ));
    }

    #[test]
    fn the_token_must_be_a_line_of_the_published_file() {
        assert!(token_published("suyuan-abc\n", "suyuan-abc"));
        assert!(token_published("other\r\n  suyuan-abc  \r\n", "suyuan-abc"));
        assert!(!token_published("xsuyuan-abcx", "suyuan-abc"));
        assert!(!token_published("anything", ""));
    }

    #[test]
    fn the_api_says_why_a_url_is_not_used() {
        assert_eq!(url_status(None, None), None);
        assert_eq!(
            url_status(Some("https://a.cn/p"), None),
            Some("shop_domain_not_proven")
        );
        assert_eq!(
            url_status(Some("https://a.cn/p"), Some("a.cn")),
            Some("on_proven_domain")
        );
        assert_eq!(
            url_status(Some("https://b.cn/p"), Some("a.cn")),
            Some("not_on_proven_domain")
        );
    }
}
