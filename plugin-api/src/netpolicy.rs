//! Where Suyuan may send requests: outgoing webhooks and platform submissions go to public
//! addresses only, unless the installation allows private ones (`SUYUAN_ALLOW_PRIVATE_TARGETS`),
//! so a tenant cannot point Suyuan at the internal network.

use std::net::IpAddr;

/// Whether an address is not a public unicast address: loopback, private, link-local, shared,
/// documentation, benchmarking, reserved, multicast, broadcast, or any other range of the IANA
/// IPv4 and IPv6 special-purpose address registries (including NAT64, 6to4 and Teredo, which
/// can reach private IPv4 space, and IPv4-mapped addresses of such ranges).
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            a == 0                                         // 0.0.0.0/8 "this network"
                || a == 10                                 // 10.0.0.0/8
                || (a == 100 && (b & 0xC0) == 64)          // 100.64.0.0/10 shared
                || a == 127                                // 127.0.0.0/8 loopback
                || (a == 169 && b == 254)                  // 169.254.0.0/16 link-local
                || (a == 172 && (b & 0xF0) == 16)          // 172.16.0.0/12
                || (a == 192 && b == 0 && c == 0)          // 192.0.0.0/24 IETF assignments
                || (a == 192 && b == 0 && c == 2)          // 192.0.2.0/24 documentation
                || (a == 192 && b == 31 && c == 196)       // AS112-v4
                || (a == 192 && b == 52 && c == 193)       // AMT
                || (a == 192 && b == 88 && c == 99)        // 6to4 relay anycast
                || (a == 192 && b == 168)                  // 192.168.0.0/16
                || (a == 192 && b == 175 && c == 48)       // direct delegation AS112
                || (a == 198 && (b & 0xFE) == 18)          // 198.18.0.0/15 benchmarking
                || (a == 198 && b == 51 && c == 100)       // documentation
                || (a == 203 && b == 0 && c == 113)        // documentation
                || a >= 224 // 224.0.0.0/4 multicast, 240.0.0.0/4 reserved, broadcast
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private(IpAddr::V4(v4));
            }
            v6.is_loopback()
                || v6.is_unspecified()
                || (s[0] == 0x0064 && s[1] == 0xff9b)      // 64:ff9b::/96, 64:ff9b:1::/48 NAT64
                || (s[0] == 0x0100 && s[1] == 0 && s[2] == 0 && s[3] == 0) // 100::/64 discard
                || s[0] == 0x2001 && s[1] < 0x0200 // 2001::/23
                || (s[0] == 0x2001 && s[1] == 0x0db8)      // 2001:db8::/32 documentation
                || s[0] == 0x2002                          // 2002::/16 6to4
                || s[0] == 0x3fff && (s[1] & 0xf000) == 0 // 3fff::/20 documentation
                || s[0] == 0x5f00                          // 5f00::/16 SRv6 SIDs
                || (s[0] & 0xfe00) == 0xfc00               // fc00::/7 unique local
                || (s[0] & 0xffc0) == 0xfe80               // fe80::/10 link-local
                || (s[0] & 0xffc0) == 0xfec0               // fec0::/10 site-local
                || (s[0] & 0xff00) == 0xff00               // ff00::/8 multicast
                || (s[0..6] == [0, 0, 0, 0, 0, 0]) // ::/96 IPv4-compatible (deprecated)
        }
    }
}

/// A resolver that answers only with public addresses: a name that resolves to any address
/// [`is_private`] refuses is not connected to at all. It runs when the connection is made, so a
/// name cannot pass [`check_target`] with a public address and then be re-pointed at an
/// internal one (DNS rebinding).
struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let addrs: Vec<std::net::SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if let Some(a) = addrs.iter().find(|a| is_private(a.ip())) {
                return Err(format!(
                    "host `{host}` resolves to a non-public address ({}); not connected",
                    a.ip()
                )
                .into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

/// The HTTP client for every outgoing call (trace platforms, operator notifications): it never
/// follows a redirect, and unless private targets are allowed it connects only to names that
/// resolve to public addresses, checked at connect time. URLs with an IP literal do not resolve,
/// so callers still check each target with [`check_target`] before every send.
pub fn client(
    allow_private: bool,
    timeout: Option<std::time::Duration>,
) -> reqwest::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
    if let Some(t) = timeout {
        builder = builder.timeout(t);
    }
    if !allow_private {
        builder = builder.dns_resolver(std::sync::Arc::new(PublicOnly));
    }
    builder.build()
}

/// Checks a target URL: http(s), a host, and (unless allowed) only public addresses.
pub async fn check_target(raw: &str, allow_private: bool) -> Result<url::Url, String> {
    let url = url::Url::parse(raw).map_err(|e| format!("not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("must be an http:// or https:// URL".to_owned());
    }
    let host = url.host_str().ok_or("has no host")?.to_owned();
    let port = url.port_or_known_default().unwrap_or(443);
    if allow_private {
        return Ok(url);
    }
    let addrs: Vec<_> = tokio::net::lookup_host((host.trim_matches(['[', ']']), port))
        .await
        .map_err(|e| format!("host `{host}` does not resolve: {e}"))?
        .collect();
    if addrs.is_empty() {
        return Err(format!("host `{host}` does not resolve"));
    }
    if let Some(a) = addrs.iter().find(|a| is_private(a.ip())) {
        return Err(format!(
            "host `{host}` resolves to a private or loopback address ({}); not allowed",
            a.ip()
        ));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_and_private_ranges_are_private() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.1.1",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "::ffff:10.0.0.1",
            "0.1.2.3",
            "198.18.0.1",
            "198.19.255.255",
            "240.0.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "192.0.0.8",
            "64:ff9b::a00:1",
            "2002:a00:1::1",
            "fec0::1",
            "ff02::1",
            "2001:db8::1",
            "2001::1",
            "100::1",
            "::a00:1",
        ] {
            assert!(is_private(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "8.8.8.8",
            "114.114.114.114",
            "198.20.0.1",
            "223.5.5.5",
            "2400:3200::1",
            "2001:4860:4860::8888",
        ] {
            assert!(!is_private(ip.parse().unwrap()), "{ip}");
        }
    }

    #[tokio::test]
    async fn a_loopback_target_is_refused_unless_allowed() {
        let err = check_target("http://127.0.0.1:9/hook", false)
            .await
            .unwrap_err();
        assert!(err.contains("private or loopback"), "{err}");
        assert!(check_target("http://127.0.0.1:9/hook", true).await.is_ok());
        assert!(check_target("ftp://example.com/", true).await.is_err());
    }

    /// A one-shot HTTP server on loopback that answers every request with `response`.
    async fn answering(response: &'static str) -> u16 {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let mut buf = [0u8; 4096];
                let _ = sock.read(&mut buf).await;
                let _ = sock.write_all(response.as_bytes()).await;
            }
        });
        port
    }

    #[tokio::test]
    async fn a_name_that_resolves_to_loopback_is_not_connected_to() {
        let port = answering("HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n").await;
        let refused = client(false, None)
            .unwrap()
            .get(format!("http://localhost:{port}/hook"))
            .send()
            .await;
        assert!(refused.is_err(), "connected to loopback by name");
        // The same server is reached when private targets are allowed.
        let allowed = client(true, None)
            .unwrap()
            .get(format!("http://localhost:{port}/hook"))
            .send()
            .await
            .unwrap();
        assert_eq!(allowed.status(), 204);
    }

    #[tokio::test]
    async fn a_redirect_is_answered_not_followed() {
        let port = answering(
            "HTTP/1.1 302 Found\r\nlocation: http://169.254.169.254/latest\r\ncontent-length: 0\r\n\r\n",
        )
        .await;
        let res = client(true, None)
            .unwrap()
            .get(format!("http://127.0.0.1:{port}/"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 302);
    }
}
