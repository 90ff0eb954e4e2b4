//! Submission adapters: send one trace record (an EPCIS 2.0 event) to one trace platform and say
//! what became of it.
//!
//! Two kinds of platform are spoken to:
//! - an EPCIS 2.0 repository, through the standard's REST capture interface (`POST /capture`, then
//!   the capture job is followed until it finishes or the follow budget runs out);
//! - a platform with its own JSON format, whose body is built from the event by a [`JsonMapping`].
//!
//! [`submit`] never panics and never returns an error: every way a submission can end is an
//! [`Outcome`], which tells the outbox worker whether to mark the record delivered, dead-letter it,
//! or try again later. Neither the auth header nor any body (they may hold personal data) is ever
//! logged.
//!
//! One file per part: `json_mapping` builds a JSON platform's body from the event, `epcis`
//! speaks the EPCIS capture interface, `json_http` sends to a JSON platform, and `http` holds the
//! plumbing both share (one request within its timeout, headers, outcomes of failed answers).

mod epcis;
mod http;
mod json_http;
mod json_mapping;

pub use epcis::{EPCIS_CONTEXT, SUYUAN_NAMESPACE, epcis_document};
pub use json_mapping::{FieldSource, JsonMapping, MappingError, MetaField, build_json_body};

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use epcis::submit_epcis;
use json_http::submit_json;

/// The longest piece of a platform's error text kept in [`Outcome::Rejected`] (in characters).
pub const MAX_REASON_CHARS: usize = 1000;

/// How a target platform takes records.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TargetKind {
    /// An EPCIS 2.0 repository: POST {base_url}/capture, then follow the capture job.
    Epcis,
    /// A platform with its own JSON format: POST {base_url}{path} with a body built by `mapping`.
    JsonHttp {
        /// The path appended to the target's base URL, e.g. `/api/v1/trace-records`.
        path: String,
        /// How the request body is built from the event.
        mapping: JsonMapping,
    },
}

/// A platform that submissions are sent to.
#[derive(Clone, PartialEq)]
pub struct Target {
    /// Suyuan's id of the target (logged, so a failing platform can be told apart).
    pub id: String,
    /// The platform's base URL; the EPCIS capture endpoint or the JSON path is appended to it.
    pub base_url: url::Url,
    /// How the platform takes records.
    pub kind: TargetKind,
    /// A header sent with every request, e.g. `("Authorization", "Bearer …")`. Never logged,
    /// and not sent to a capture job location on another origin (such a location is not followed).
    pub auth_header: Option<(String, String)>,
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Target")
            .field("id", &self.id)
            .field("base_url", &self.base_url.as_str())
            .field("kind", &self.kind)
            .field(
                "auth_header",
                &self
                    .auth_header
                    .as_ref()
                    .map(|(name, _)| (name.as_str(), "<redacted>")),
            )
            .finish()
    }
}

/// One record to send to one target.
#[derive(Clone, PartialEq)]
pub struct Submission {
    /// Sent as the `Idempotency-Key` header, so a retried submission is taken once; stable across
    /// retries of the same record to the same target.
    pub idempotency_key: String,
    /// One EPCIS 2.0 event as JSON-LD (without `@context`: the document carries it).
    pub event: Value,
    /// What kind of record this is (e.g. `receipt`, `sale`), for mappings that need it.
    pub record_kind: String,
    /// Suyuan's id of the seller.
    pub seller_id: String,
    /// The seller's unified social credit code.
    pub seller_credit_code: String,
}

impl fmt::Debug for Submission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Submission")
            .field("idempotency_key", &self.idempotency_key)
            .field("event", &"<omitted>")
            .field("record_kind", &self.record_kind)
            .field("seller_id", &self.seller_id)
            .finish_non_exhaustive()
    }
}

/// What became of a submission.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The platform took it (for EPCIS: the capture job finished with success). `receipt`: the
    /// capture id or the platform's record id.
    Accepted {
        /// The capture id (EPCIS) or the platform's record id, when it gave one.
        receipt: Option<String>,
    },
    /// The platform refused it for good (4xx other than 408/409/425/429; capture job finished with
    /// success=false): do not retry; `reason` says why (include the platform's error text,
    /// truncated to 1000 chars).
    Rejected {
        /// The HTTP status of the refusal; `None` when the capture job failed or the refusal came
        /// from something other than a status (an unusable answer or target).
        status: Option<u16>,
        /// Why, with the platform's own error text.
        reason: String,
    },
    /// Try again later (network error, timeout, 5xx, 408/425/429, capture job still running after
    /// the follow budget): `retry_after` from a Retry-After header when present.
    Retry {
        /// What went wrong, without bodies or credentials.
        reason: String,
        /// How long the platform asked us to wait, from its `Retry-After` header.
        retry_after: Option<Duration>,
    },
}

/// How long [`submit`] waits: for each request, and for an EPCIS capture job to finish.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FollowPolicy {
    /// The pause between two looks at a running capture job.
    pub poll_interval: Duration,
    /// How long a capture job is followed before giving up with [`Outcome::Retry`].
    pub max_wait: Duration,
    /// The longest any one request (sending it and reading the whole answer) may take.
    pub request_timeout: Duration,
}

impl Default for FollowPolicy {
    /// 200 ms between polls, 10 s of following, 10 s per request.
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_millis(200),
            max_wait: Duration::from_secs(10),
            request_timeout: Duration::from_secs(10),
        }
    }
}

/// Sends one submission to one target and says what became of it.
///
/// EPCIS targets get an EPCIS document holding the one event, `POST`ed to `{base_url}/capture`
/// with the standard's headers and the idempotency key; a `202` is followed by polling its
/// `Location` (which must be on the same origin) until the job finishes or `follow.max_wait` runs
/// out. JSON targets get the body built by their mapping, `POST`ed to `{base_url}{path}` with the
/// idempotency key.
///
/// For the auth header to stay with the platform, build the client without redirects
/// (`reqwest::redirect::Policy::none()`): a redirect answer is then reported as
/// [`Outcome::Rejected`].
#[tracing::instrument(
    name = "platform_submit",
    skip_all,
    fields(target = %target.id, idempotency_key = %sub.idempotency_key, record_kind = %sub.record_kind)
)]
pub async fn submit(
    client: &reqwest::Client,
    target: &Target,
    sub: &Submission,
    follow: FollowPolicy,
) -> Outcome {
    let outcome = match &target.kind {
        TargetKind::Epcis => submit_epcis(client, target, sub, follow).await,
        TargetKind::JsonHttp { path, mapping } => {
            submit_json(client, target, sub, follow, path, mapping).await
        }
    };
    match &outcome {
        Outcome::Accepted { .. } => tracing::info!("accepted by the platform"),
        Outcome::Rejected { status, .. } => {
            tracing::warn!(status = ?status, "rejected by the platform");
        }
        Outcome::Retry { retry_after, .. } => {
            tracing::info!(retry_after = ?retry_after, "to be retried");
        }
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A sale of two units, as the tests of every part send it.
    pub(super) fn submission() -> Submission {
        Submission {
            idempotency_key: "sub_01J0000000000000000000000".to_owned(),
            event: json!({
                "type": "ObjectEvent",
                "eventID": "ni:///sha-256;abc?ver=CBV2.0",
                "eventTime": "2025-03-01T10:00:00.000+08:00",
                "eventTimeZoneOffset": "+08:00",
                "action": "OBSERVE",
                "bizStep": "retail_selling",
                "epcList": ["https://id.gs1.org/01/06901234567892/21/A1", "https://id.gs1.org/01/06901234567892/21/A2"],
                "suyuan:region": "330106",
                "suyuan:buyer": { "type": "consumer", "name": null },
                "a/b": "slash",
            }),
            record_kind: "sale".to_owned(),
            seller_id: "sel_01J".to_owned(),
            seller_credit_code: "91330106MA2AXXXX1X".to_owned(),
        }
    }

    #[test]
    fn debug_output_hides_the_auth_header_and_the_event() {
        let target = Target {
            id: "tgt_1".to_owned(),
            base_url: url::Url::parse("https://p.example.cn").unwrap(),
            kind: TargetKind::Epcis,
            auth_header: Some(("Authorization".to_owned(), "Bearer s3cret".to_owned())),
        };
        let text = format!("{target:?} {:?}", submission());
        assert!(
            !text.contains("s3cret") && !text.contains("330106"),
            "{text}"
        );
    }
}
