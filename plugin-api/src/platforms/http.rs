//! The HTTP plumbing both kinds of platform share: one request and its whole answer within the
//! request timeout, the headers every request carries, and what a failed answer means.

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::{FollowPolicy, MAX_REASON_CHARS, Outcome, Submission, Target, TargetKind};

/// The most bytes of a platform's answer that are read; the rest is ignored.
const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// A platform's answer, read whole (up to a limit).
pub(super) struct Answer {
    pub(super) status: StatusCode,
    pub(super) location: Option<String>,
    pub(super) retry_after: Option<Duration>,
    pub(super) body: Vec<u8>,
}

/// Sends one request and reads the answer, all within `follow.request_timeout`.
///
/// The error is a reason fit for [`Outcome::Retry`]: it names neither the URL nor any header.
pub(super) async fn exchange(
    client: &reqwest::Client,
    method: Method,
    url: url::Url,
    headers: HeaderMap,
    body: Option<Vec<u8>>,
    follow: FollowPolicy,
) -> Result<Answer, String> {
    let timeout = follow.request_timeout;
    let mut request = client
        .request(method, url)
        .headers(headers)
        .timeout(timeout);
    if let Some(body) = body {
        request = request.body(body);
    }
    let work = async move {
        let mut response = request.send().await.map_err(describe_error)?;
        let status = response.status();
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(describe_error)? {
            let room = MAX_RESPONSE_BYTES.saturating_sub(body.len());
            body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if body.len() >= MAX_RESPONSE_BYTES {
                break;
            }
        }
        Ok(Answer {
            status,
            location,
            retry_after,
            body,
        })
    };
    match tokio::time::timeout(timeout, work).await {
        Ok(result) => result,
        Err(_) => Err(format!(
            "request timed out after {} ms",
            timeout.as_millis()
        )),
    }
}

/// Headers every request to the target carries: the idempotency key, the target's auth header
/// (marked sensitive) and, for EPCIS targets, the EPCIS version.
pub(super) fn base_headers(target: &Target, sub: &Submission) -> Result<HeaderMap, String> {
    let mut headers = HeaderMap::new();
    if target.kind == TargetKind::Epcis {
        headers.insert(
            HeaderName::from_static("gs1-epcis-version"),
            HeaderValue::from_static("2.0.0"),
        );
    }
    headers.insert(
        reqwest::header::ACCEPT,
        HeaderValue::from_static("application/json, application/ld+json;q=0.9, */*;q=0.1"),
    );
    let key = HeaderValue::from_str(&sub.idempotency_key)
        .map_err(|_| "the idempotency key cannot be sent as an HTTP header".to_owned())?;
    headers.insert(HeaderName::from_static("idempotency-key"), key);
    if let Some((name, value)) = &target.auth_header {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
            format!(
                "target {}: the auth header name is not a valid HTTP header name",
                target.id
            )
        })?;
        let mut value = HeaderValue::from_str(value).map_err(|_| {
            format!(
                "target {}: the auth header value is not a valid HTTP header value",
                target.id
            )
        })?;
        value.set_sensitive(true);
        headers.insert(name, value);
    }
    Ok(headers)
}

/// `base` with `suffix` appended to its path (a `?query` in `suffix` becomes the query).
pub(super) fn append_path(base: &url::Url, suffix: &str) -> Result<url::Url, String> {
    if base.cannot_be_a_base() || !matches!(base.scheme(), "http" | "https") {
        return Err("the target's base URL is not an http(s) URL".to_owned());
    }
    let (path, query) = match suffix.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (suffix, None),
    };
    let mut url = base.clone();
    let joined = format!(
        "{}/{}",
        base.path().trim_end_matches('/'),
        path.trim_start_matches('/')
    );
    url.set_path(&joined);
    if query.is_some() {
        url.set_query(query);
    }
    url.set_fragment(None);
    Ok(url)
}

/// The outcome of an answer that is neither a success nor a capture job to follow.
pub(super) fn failure_outcome(what: &str, answer: &Answer) -> Outcome {
    let status = answer.status;
    if is_transient(status) || status.is_informational() {
        return Outcome::Retry {
            reason: format!("{what} answered {status}"),
            retry_after: answer.retry_after,
        };
    }
    if status.is_redirection() {
        return Outcome::Rejected {
            status: Some(status.as_u16()),
            reason: format!("{what} answered {status}: redirects are not followed"),
        };
    }
    let text = String::from_utf8_lossy(&answer.body);
    let text = text.trim();
    let reason = if text.is_empty() {
        format!("{what} answered {status}")
    } else {
        format!("{what} answered {status}: {}", truncate(text))
    };
    Outcome::Rejected {
        status: Some(status.as_u16()),
        reason,
    }
}

/// Whether a status means "try again later": 5xx, 408, 409 (the same idempotency key is still
/// being processed), 425 and 429.
pub(super) fn is_transient(status: StatusCode) -> bool {
    status.is_server_error() || matches!(status.as_u16(), 408 | 409 | 425 | 429)
}

/// A `Retry-After` value: delay-seconds or an HTTP date.
fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = DateTime::parse_from_rfc2822(value)
        .ok()?
        .with_timezone(&Utc);
    Some((when - Utc::now()).to_std().unwrap_or(Duration::ZERO))
}

/// A reqwest error as a short reason, without the URL.
fn describe_error(error: reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "request timed out"
    } else if error.is_connect() {
        "could not connect"
    } else if error.is_body() || error.is_decode() {
        "reading the answer failed"
    } else {
        "request failed"
    };
    let mut text = kind.to_owned();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// A string or number as text.
pub(super) fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The last non-empty segment of a path or URL reference, e.g. the capture id of `/capture/01J…`.
pub(super) fn last_segment(path: &str) -> Option<String> {
    let path = path.split(['?', '#']).next().unwrap_or(path);
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// At most [`MAX_REASON_CHARS`] characters of `text`, ending with `…` when cut.
pub(super) fn truncate(text: &str) -> String {
    if text.chars().count() <= MAX_REASON_CHARS {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(MAX_REASON_CHARS - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_appended_to_the_base_url_path() {
        let base = url::Url::parse("https://epcis.example.org/api/").unwrap();
        assert_eq!(
            append_path(&base, "/capture").unwrap().as_str(),
            "https://epcis.example.org/api/capture"
        );
        let base = url::Url::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!(
            append_path(&base, "/capture").unwrap().as_str(),
            "http://127.0.0.1:8080/capture"
        );
        let base = url::Url::parse("https://p.example.cn/v1").unwrap();
        assert_eq!(
            append_path(&base, "records?src=suyuan").unwrap().as_str(),
            "https://p.example.cn/v1/records?src=suyuan"
        );
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(parse_retry_after("1"), Some(Duration::from_secs(1)));
        assert_eq!(parse_retry_after(" 120 "), Some(Duration::from_secs(120)));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(Duration::ZERO)
        );
        let later = (Utc::now() + chrono::Duration::seconds(90))
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string();
        let got = parse_retry_after(&later).unwrap();
        assert!(
            got > Duration::from_secs(80) && got <= Duration::from_secs(90),
            "{got:?}"
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn long_platform_texts_are_cut_to_a_thousand_characters() {
        let long = "错".repeat(5000);
        let cut = truncate(&long);
        assert_eq!(cut.chars().count(), MAX_REASON_CHARS);
        assert!(cut.ends_with('…'));
        assert_eq!(truncate("short"), "short");
    }
}
