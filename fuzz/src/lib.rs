//! Helpers shared by the fuzz targets: the text framing of webhook deliveries and the
//! marketplaces' signing schemes, written independently of `suyuan_core::marketplace` so that a
//! correctly signed delivery checks the verifier against a second implementation.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use md5::{Digest as _, Md5};
use sha2::Sha256;
use suyuan_core::marketplace::{
    self, Change, Credentials, Headers, Marketplace, SignatureError, Verified,
};

/// A delivery as a fuzz input: HTTP-like header lines (`Name: value`), an empty line, then the
/// raw body. Names starting with `@` are instructions to the harness, not headers:
///
/// - `@secret: TEXT` adds a signing secret (current first; several model a rotation); without
///   one the harness uses [`DEFAULT_SECRET`] (Standard Webhooks: [`DEFAULT_WHSEC`]);
///   `@no-secret:` configures none;
/// - `@app-key: TEXT` is the Youzan client_id / Douyin app_key (default `fuzz-app`);
/// - `@sign: [N] [md5|body]` makes the harness sign the delivery correctly with secret N
///   (default 0), replacing any signature header: Douyin `md5` signs with MD5 instead of
///   HMAC-SHA256, Youzan `body` rewrites the body's `sign` field instead of `Event-Sign`;
/// - `@now: SECONDS` is the server clock (default: the `webhook-timestamp`, else a fixed time);
/// - `@window: SECONDS` is the Standard Webhooks replay window;
/// - `@topic: TEXT` is a topic to parse the body under as well (what the worker does with a
///   stored delivery).
///
/// Without an empty line the whole input is the body.
#[derive(Debug, Default)]
pub struct Delivery {
    /// Real headers, in order.
    pub headers: Vec<(String, String)>,
    /// Secrets (`@secret`).
    pub secrets: Vec<Vec<u8>>,
    /// `@no-secret` was given.
    pub no_secret: bool,
    /// `@app-key`.
    pub app_key: Option<String>,
    /// `@sign`: which secret, and the variant words.
    pub sign: Option<(usize, String)>,
    /// `@now`.
    pub now: Option<i64>,
    /// `@window`.
    pub window: Option<u64>,
    /// `@topic`s.
    pub topics: Vec<String>,
    /// The raw body.
    pub body: Vec<u8>,
}

/// The secret used when the input names none.
pub const DEFAULT_SECRET: &str = "fuzz-secret";
/// The Standard Webhooks secret used when the input names none.
pub const DEFAULT_WHSEC: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/// The app key used when the input names none.
pub const DEFAULT_APP_KEY: &str = "fuzz-app";
/// The clock when nothing else gives one (2025-02-19).
pub const DEFAULT_NOW: i64 = 1_740_000_000;

/// Reads the framing described on [`Delivery`].
pub fn split_delivery(data: &[u8]) -> Delivery {
    let mut d = Delivery::default();
    let (head, body) = match find(data, b"\n\n") {
        Some(i) => (&data[..i], &data[i + 2..]),
        None => (&[][..], data),
    };
    d.body = body.to_vec();
    for line in head.split(|b| *b == b'\n') {
        let line = String::from_utf8_lossy(line);
        let line = line.strip_suffix('\r').unwrap_or(&line);
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let name = name.trim();
        let value = value.strip_prefix(' ').unwrap_or(value);
        match name {
            "@secret" => d.secrets.push(value.as_bytes().to_vec()),
            "@no-secret" => d.no_secret = true,
            "@app-key" => d.app_key = Some(value.to_owned()),
            "@sign" => {
                let index = value
                    .split_whitespace()
                    .find_map(|w| w.parse::<usize>().ok())
                    .unwrap_or(0);
                d.sign = Some((index, value.to_owned()));
            }
            "@now" => d.now = value.trim().parse().ok(),
            "@window" => d.window = value.trim().parse().ok(),
            "@topic" => d.topics.push(value.to_owned()),
            n if n.starts_with('@') => {}
            n => d.headers.push((n.to_owned(), value.to_owned())),
        }
    }
    d
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> Option<Vec<u8>> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).ok()?;
    for p in parts {
        mac.update(p);
    }
    Some(mac.finalize().into_bytes().to_vec())
}

fn md5(parts: &[&[u8]]) -> Vec<u8> {
    let mut h = Md5::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().to_vec()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The value the verifier reads for `name`: the first header of that name (any case), trimmed,
/// `None` when empty.
fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// Replaces every header named one of `names` by `name: value`, first in the list.
fn set_header(headers: &mut Vec<(String, String)>, names: &[&str], value: String) {
    headers.retain(|(n, _)| !names.iter().any(|m| n.eq_ignore_ascii_case(m)));
    headers.insert(0, (names[0].to_owned(), value));
}

/// Signs `d` for `platform` with `secret` as the marketplace would. Returns whether it could
/// (a Youzan body sign needs a JSON object with a string `msg`; a Standard Webhooks secret
/// must be base64). May rewrite the body (Youzan `body` variant).
fn sign(platform: Marketplace, d: &mut Delivery, secret: &[u8], app_key: &str, variant: &str) -> bool {
    let words: Vec<&str> = variant.split_whitespace().collect();
    match platform {
        Marketplace::Shopify => match hmac_sha256(secret, &[&d.body]) {
            Some(tag) => {
                set_header(
                    &mut d.headers,
                    &["X-Shopify-Hmac-Sha256", "Shopify-Hmac-Sha256"],
                    b64(&tag),
                );
                true
            }
            None => false,
        },
        Marketplace::WooCommerce => match hmac_sha256(secret, &[&d.body]) {
            Some(tag) => {
                set_header(&mut d.headers, &["X-WC-Webhook-Signature"], b64(&tag));
                true
            }
            None => false,
        },
        Marketplace::Youzan => {
            if words.contains(&"body") {
                d.headers
                    .retain(|(n, _)| !n.eq_ignore_ascii_case("Event-Sign"));
                let Ok(serde_json::Value::Object(mut doc)) =
                    serde_json::from_slice::<serde_json::Value>(&d.body)
                else {
                    return false;
                };
                let Some(msg) = doc.get("msg").and_then(|m| m.as_str()).map(str::to_owned) else {
                    return false;
                };
                let tag = md5(&[app_key.as_bytes(), msg.as_bytes(), secret]);
                doc.insert("sign".into(), hex::encode(tag).into());
                match serde_json::to_vec(&doc) {
                    Ok(body) => d.body = body,
                    Err(_) => return false,
                }
                true
            } else {
                let tag = md5(&[app_key.as_bytes(), &d.body, secret]);
                set_header(&mut d.headers, &["Event-Sign"], hex::encode(tag));
                true
            }
        }
        Marketplace::Douyin => {
            let key = app_key.as_bytes();
            let tag = if words.contains(&"md5") {
                md5(&[key, &d.body, secret])
            } else {
                match hmac_sha256(secret, &[key, &d.body, secret]) {
                    Some(t) => t,
                    None => return false,
                }
            };
            set_header(&mut d.headers, &["event-sign"], hex::encode(tag));
            true
        }
        Marketplace::Standard => {
            let Ok(text) = std::str::from_utf8(secret) else {
                return false;
            };
            let text = text.trim();
            let encoded = text.strip_prefix("whsec_").unwrap_or(text);
            let Ok(key) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else {
                return false;
            };
            if key.is_empty() {
                return false;
            }
            let id = header(&d.headers, "webhook-id").unwrap_or_default().to_owned();
            let ts = header(&d.headers, "webhook-timestamp")
                .unwrap_or_default()
                .to_owned();
            let Some(tag) = hmac_sha256(&key, &[id.as_bytes(), b".", ts.as_bytes(), b".", &d.body])
            else {
                return false;
            };
            // Another signature beside ours, as during a key rotation, must not matter.
            set_header(
                &mut d.headers,
                &["webhook-signature"],
                format!("v1,bm90IGEgc2lnbmF0dXJl v1,{}", b64(&tag)),
            );
            true
        }
    }
}

/// One fuzz input for `platform`'s adapter: signs it if asked, verifies it, parses what verifies
/// (and the body under each `@topic`), redacts the body. Panics when an invariant breaks:
///
/// - a delivery the harness signed correctly is never refused as a signature mismatch;
/// - a delivery's envelope has an idempotency key and a content digest;
/// - every change parsed goes through serde and back unchanged;
/// - every error formats in both languages;
/// - redaction gives JSON, and redacting again changes nothing.
pub fn webhook(platform: Marketplace, data: &[u8]) {
    let mut d = split_delivery(data);
    let adapter = marketplace::adapter(platform);

    let mut secrets: Vec<Vec<u8>> = std::mem::take(&mut d.secrets);
    if secrets.is_empty() && !d.no_secret {
        let default = match platform {
            Marketplace::Standard => DEFAULT_WHSEC,
            _ => DEFAULT_SECRET,
        };
        secrets.push(default.as_bytes().to_vec());
    }
    let app_key = d.app_key.clone().unwrap_or_else(|| DEFAULT_APP_KEY.to_owned());

    let mut signed = false;
    if let Some((index, variant)) = d.sign.clone()
        && let Some(secret) = secrets.get(index).cloned()
    {
        signed = sign(platform, &mut d, &secret, &app_key, &variant);
    }

    let headers = Headers::new(d.headers.clone());
    let secret_refs: Vec<&[u8]> = secrets.iter().map(Vec::as_slice).collect();
    let mut creds = Credentials::new(secret_refs);
    if let Some(w) = d.window {
        creds = creds.with_replay_window(std::time::Duration::from_secs(w));
    }
    creds = creds.with_app_key(&app_key);
    let now_seconds = d
        .now
        .or_else(|| header(&d.headers, "webhook-timestamp").and_then(|t| t.parse().ok()))
        .unwrap_or(DEFAULT_NOW);
    let now = chrono::DateTime::from_timestamp(now_seconds, 0)
        .or_else(|| chrono::DateTime::from_timestamp(DEFAULT_NOW, 0))
        .unwrap_or_default();

    let body = d.body.clone();
    let verified = adapter.verify(&headers, &body, &creds, now);
    let mut topics = d.topics.clone();
    match &verified {
        Ok(Verified::Delivery(envelope)) => {
            assert!(!envelope.idempotency_key.is_empty(), "empty idempotency key");
            assert_eq!(envelope.content_digest.len(), 64, "content digest is not SHA-256 hex");
            topics.push(envelope.topic.clone());
        }
        Ok(Verified::Ping | Verified::Verification) => {}
        Err(e) => {
            let _ = (e.to_string(), e.message_zh(), e.code());
            if signed {
                assert!(
                    !matches!(e, SignatureError::Mismatch),
                    "a correctly signed {platform} delivery was refused: {e}"
                );
            }
        }
    }
    let _ = adapter.success_body();

    for topic in &topics {
        match adapter.parse(topic, &body) {
            Ok(changes) => {
                for change in &changes {
                    check_change(change);
                }
            }
            Err(e) => {
                let _ = (e.to_string(), e.reason(), e.message_zh(), e.code());
            }
        }
    }

    let redacted = marketplace::redact::redact(platform, &body);
    assert!(
        serde_json::from_slice::<serde_json::Value>(&redacted).is_ok(),
        "redacted body is not JSON"
    );
    let again = marketplace::redact::redact(platform, &redacted);
    assert_eq!(
        String::from_utf8_lossy(&again),
        String::from_utf8_lossy(&redacted),
        "redacting a redacted body changed it: the first pass left something to mask"
    );
}

/// A change survives serde unchanged.
fn check_change(change: &Change) {
    let _ = format!("{change:?}");
    let json = match serde_json::to_vec(change) {
        Ok(j) => j,
        Err(e) => panic!("a change does not serialise: {e}: {change:?}"),
    };
    match serde_json::from_slice::<Change>(&json) {
        Ok(back) => assert_eq!(&back, change, "a change does not read back the same"),
        Err(e) => panic!(
            "a serialised change does not read back: {e}: {}",
            String::from_utf8_lossy(&json)
        ),
    }
}
