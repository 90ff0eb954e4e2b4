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

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tokio::time::Instant;

/// The JSON-LD context of EPCIS 2.0 documents.
pub const EPCIS_CONTEXT: &str = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld";

/// The namespace of Suyuan's own EPCIS extension fields (`suyuan:region`, ...).
pub const SUYUAN_NAMESPACE: &str = "https://suyuan.dev/epcis#";

/// The longest piece of a platform's error text kept in [`Outcome::Rejected`] (in characters).
pub const MAX_REASON_CHARS: usize = 1000;

/// The most bytes of a platform's answer that are read; the rest is ignored.
const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

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

/// Builds a JSON body from an EPCIS event: each output field takes a JSON Pointer into the event
/// (RFC 6901, e.g. "/eventTime", "/epcList/0", "/suyuan:region"), or a constant, or the
/// submission's metadata.
///
/// Output keys may be dotted (`"goods.code"`) to build nested objects: `{"goods": {"code": ...}}`.
/// A key cannot hold a literal dot. Two keys that would put two values at one place (`"goods"`
/// holding a string and `"goods.code"`) are a [`MappingError::Conflict`]; a constant object at
/// `"goods"` is merged with the fields of `"goods.*"`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct JsonMapping {
    /// Output field (possibly dotted) → where its value comes from.
    pub fields: BTreeMap<String, FieldSource>,
}

/// Where one output field of a [`JsonMapping`] takes its value from.
///
/// On the wire: `{"pointer": "/eventTime", "required": true}`, `{"constant": "SY-01"}` or
/// `{"meta": "seller_credit_code"}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FieldSource {
    /// A value of the event, found by a JSON Pointer (RFC 6901).
    ///
    /// A pointer that finds nothing, or finds `null`, is *missing*: a required one fails the
    /// mapping; an optional one leaves the field out of the body (it is omitted, not `null`).
    Pointer {
        /// The JSON Pointer, `""` (the whole event) or starting with `/`.
        pointer: String,
        /// Whether a missing value fails the mapping (otherwise the field is omitted).
        #[serde(default)]
        required: bool,
    },
    /// A fixed value, the same for every submission.
    Constant {
        /// The value, any JSON.
        constant: Value,
    },
    /// A value from the submission's metadata rather than from the event.
    Meta {
        /// Which one.
        meta: MetaField,
    },
}

impl JsonMapping {
    /// Checks a mapping without an event: every pointer is a JSON Pointer, every output key has
    /// non-empty dotted segments, and no two keys put two values at one place. (Whether required
    /// pointers find values can only be known per event.)
    pub fn validate(&self) -> Result<(), MappingError> {
        let mut shape = JsonMapping::default();
        for (field, source) in &self.fields {
            let stand_in = match source {
                FieldSource::Pointer { pointer, .. } => {
                    if !pointer.is_empty() && !pointer.starts_with('/') {
                        return Err(MappingError::InvalidPointer {
                            field: field.clone(),
                            pointer: pointer.clone(),
                        });
                    }
                    FieldSource::Constant {
                        constant: Value::String(String::new()),
                    }
                }
                other => other.clone(),
            };
            shape.fields.insert(field.clone(), stand_in);
        }
        let probe = Submission {
            idempotency_key: String::new(),
            event: Value::Object(Map::new()),
            record_kind: String::new(),
            seller_id: String::new(),
            seller_credit_code: String::new(),
        };
        build_json_body(&shape, &probe).map(|_| ())
    }
}

/// Metadata of a [`Submission`] a [`JsonMapping`] can put in a body.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetaField {
    /// [`Submission::idempotency_key`].
    IdempotencyKey,
    /// [`Submission::seller_credit_code`].
    SellerCreditCode,
    /// [`Submission::record_kind`].
    RecordKind,
    /// [`Submission::seller_id`].
    SellerId,
}

/// Why a [`JsonMapping`] could not build a body.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    /// A required pointer found nothing (or `null`) in the event.
    #[error("output field `{field}`: the event has no value at required pointer `{pointer}`")]
    MissingRequired {
        /// The output field.
        field: String,
        /// The pointer that found nothing.
        pointer: String,
    },
    /// A pointer is not a JSON Pointer (it must be empty or start with `/`).
    #[error("output field `{field}`: `{pointer}` is not a JSON Pointer (it should start with `/`)")]
    InvalidPointer {
        /// The output field.
        field: String,
        /// The malformed pointer.
        pointer: String,
    },
    /// An output key is empty or has an empty dotted segment (`"goods..code"`).
    #[error("output field `{field}` has an empty name or an empty dotted segment")]
    InvalidField {
        /// The output field.
        field: String,
    },
    /// Two output keys would put two values at one place.
    #[error("output field `{field}` conflicts with a value already at `{at}`")]
    Conflict {
        /// The output field that could not be placed.
        field: String,
        /// The (dotted) place already holding a value that is not an object.
        at: String,
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

/// Builds the body a JSON platform gets for a submission, following `mapping`.
///
/// # Errors
///
/// A [`MappingError`] naming the output field (and pointer) when a required pointer finds nothing,
/// a pointer or key is malformed, or two keys collide.
pub fn build_json_body(mapping: &JsonMapping, sub: &Submission) -> Result<Value, MappingError> {
    let mut root = Map::new();
    for (field, source) in &mapping.fields {
        let value = match source {
            FieldSource::Pointer { pointer, required } => {
                if !pointer.is_empty() && !pointer.starts_with('/') {
                    return Err(MappingError::InvalidPointer {
                        field: field.clone(),
                        pointer: pointer.clone(),
                    });
                }
                match sub.event.pointer(pointer) {
                    Some(v) if !v.is_null() => Some(v.clone()),
                    _ if *required => {
                        return Err(MappingError::MissingRequired {
                            field: field.clone(),
                            pointer: pointer.clone(),
                        });
                    }
                    _ => None,
                }
            }
            FieldSource::Constant { constant } => Some(constant.clone()),
            FieldSource::Meta { meta } => Some(Value::String(
                match meta {
                    MetaField::IdempotencyKey => &sub.idempotency_key,
                    MetaField::SellerCreditCode => &sub.seller_credit_code,
                    MetaField::RecordKind => &sub.record_kind,
                    MetaField::SellerId => &sub.seller_id,
                }
                .clone(),
            )),
        };
        let segments: Vec<&str> = field.split('.').collect();
        if segments.iter().any(|s| s.is_empty()) {
            return Err(MappingError::InvalidField {
                field: field.clone(),
            });
        }
        if let Some(value) = value {
            insert_dotted(&mut root, field, &segments, value)?;
        }
    }
    Ok(Value::Object(root))
}

/// Puts `value` at the place the segments of a dotted key name, creating objects on the way.
fn insert_dotted(
    root: &mut Map<String, Value>,
    field: &str,
    segments: &[&str],
    value: Value,
) -> Result<(), MappingError> {
    let Some((last, parents)) = segments.split_last() else {
        return Err(MappingError::InvalidField {
            field: field.to_owned(),
        });
    };
    let mut current = root;
    for (depth, segment) in parents.iter().enumerate() {
        let slot = current
            .entry((*segment).to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        current = match slot {
            Value::Object(map) => map,
            _ => {
                return Err(MappingError::Conflict {
                    field: field.to_owned(),
                    at: segments[..=depth].join("."),
                });
            }
        };
    }
    if current.contains_key(*last) {
        return Err(MappingError::Conflict {
            field: field.to_owned(),
            at: field.to_owned(),
        });
    }
    current.insert((*last).to_owned(), value);
    Ok(())
}

/// Wraps events in an EPCIS 2.0 document (`EPCISDocument`, schema version 2.0) whose context is
/// the standard one plus Suyuan's `suyuan:` extension namespace.
pub fn epcis_document(events: &[Value], creation_date: DateTime<Utc>) -> Value {
    serde_json::json!({
        "@context": [EPCIS_CONTEXT, { "suyuan": SUYUAN_NAMESPACE }],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": creation_date.to_rfc3339_opts(SecondsFormat::Millis, true),
        "epcisBody": { "eventList": events },
    })
}

// ---------------------------------------------------------------------------------------------
// EPCIS capture

async fn submit_epcis(
    client: &reqwest::Client,
    target: &Target,
    sub: &Submission,
    follow: FollowPolicy,
) -> Outcome {
    let capture_url = match append_path(&target.base_url, "/capture") {
        Ok(url) => url,
        Err(reason) => {
            return Outcome::Rejected {
                status: None,
                reason,
            };
        }
    };
    let mut headers = match base_headers(target, sub) {
        Ok(h) => h,
        Err(reason) => {
            return Outcome::Rejected {
                status: None,
                reason,
            };
        }
    };
    headers.insert(
        reqwest::header::CONTENT_TYPE,
        HeaderValue::from_static("application/ld+json"),
    );
    headers.insert(
        HeaderName::from_static("gs1-capture-error-behaviour"),
        HeaderValue::from_static("rollback"),
    );
    let body = match serde_json::to_vec(&epcis_document(
        std::slice::from_ref(&sub.event),
        Utc::now(),
    )) {
        Ok(b) => b,
        Err(e) => {
            return Outcome::Rejected {
                status: None,
                reason: format!("event cannot be serialized: {e}"),
            };
        }
    };

    let answer = match exchange(
        client,
        Method::POST,
        capture_url.clone(),
        headers,
        Some(body),
        follow,
    )
    .await
    {
        Ok(a) => a,
        Err(reason) => {
            return Outcome::Retry {
                reason: format!("capture: {reason}"),
                retry_after: None,
            };
        }
    };
    tracing::debug!(status = answer.status.as_u16(), "capture answered");

    if answer.status == StatusCode::ACCEPTED {
        let Some(location) = answer.location.as_deref() else {
            // Not conformant, but the platform did take the document for processing.
            tracing::warn!("capture answered 202 without a Location; the job cannot be followed");
            return Outcome::Accepted {
                receipt: capture_id_from_body(&answer.body),
            };
        };
        let job_url = match capture_url.join(location) {
            Ok(url) => url,
            Err(e) => {
                return Outcome::Rejected {
                    status: Some(202),
                    reason: format!("capture job location is not a URL ({e}); not followed"),
                };
            }
        };
        if job_url.origin() != capture_url.origin() {
            return Outcome::Rejected {
                status: Some(202),
                reason: "capture job location is on another origin than the platform; not followed"
                    .to_owned(),
            };
        }
        return follow_job(client, target, sub, job_url, follow).await;
    }
    if answer.status.is_success() {
        let receipt = capture_id_from_body(&answer.body)
            .or_else(|| answer.location.as_deref().and_then(last_segment));
        return Outcome::Accepted { receipt };
    }
    failure_outcome("capture", &answer)
}

/// Polls a capture job until it finishes or the follow budget runs out.
async fn follow_job(
    client: &reqwest::Client,
    target: &Target,
    sub: &Submission,
    job_url: url::Url,
    follow: FollowPolicy,
) -> Outcome {
    let deadline = Instant::now() + follow.max_wait;
    let fallback_id = last_segment(job_url.path());
    let mut last_problem;
    loop {
        let headers = match base_headers(target, sub) {
            Ok(h) => h,
            Err(reason) => {
                return Outcome::Rejected {
                    status: None,
                    reason,
                };
            }
        };
        let mut pause = follow.poll_interval;
        match exchange(client, Method::GET, job_url.clone(), headers, None, follow).await {
            Err(reason) => last_problem = reason,
            Ok(answer) if answer.status.is_success() => {
                match finished_job(&answer.body, fallback_id.as_deref()) {
                    Ok(outcome) => return outcome,
                    Err(problem) => last_problem = problem,
                }
            }
            Ok(answer) if is_transient(answer.status) => {
                last_problem = format!("capture job status answered {}", answer.status);
                if let Some(after) = answer.retry_after {
                    pause = pause.max(after);
                }
            }
            Ok(answer) => {
                // The document was taken but its fate cannot be learned: capturing again under the
                // same idempotency key is safe.
                return Outcome::Retry {
                    reason: format!("capture job status answered {}", answer.status),
                    retry_after: answer.retry_after,
                };
            }
        }
        if Instant::now() + pause > deadline {
            return Outcome::Retry {
                reason: format!(
                    "{last_problem} after following it for {} ms",
                    follow.max_wait.as_millis()
                ),
                retry_after: None,
            };
        }
        tokio::time::sleep(pause).await;
    }
}

/// The outcome of a finished capture job, or (`Err`) why the job document says nothing final yet.
fn finished_job(body: &[u8], fallback_id: Option<&str>) -> Result<Outcome, String> {
    let job = serde_json::from_slice::<CaptureJob>(body)
        .map_err(|e| format!("capture job document is not understood: {e}"))?;
    let (Some(running), Some(success)) = (job.running, job.success) else {
        if job.running == Some(true) {
            return Err("capture job still running".to_owned());
        }
        return Err("capture job document has no `running` or no `success`".to_owned());
    };
    if running {
        return Err("capture job still running".to_owned());
    }
    let receipt = job
        .capture_id
        .clone()
        .or_else(|| fallback_id.map(str::to_owned));
    tracing::debug!(capture_id = ?receipt, success, "capture job finished");
    Ok(if success {
        Outcome::Accepted { receipt }
    } else {
        Outcome::Rejected {
            status: None,
            reason: format!(
                "capture job {} failed: {}",
                receipt.as_deref().unwrap_or("(no id)"),
                truncate(&job.describe_errors())
            ),
        }
    })
}

/// The capture job document of the EPCIS 2.0 REST binding (the fields Suyuan reads).
#[derive(Deserialize)]
struct CaptureJob {
    #[serde(rename = "captureID", default)]
    capture_id: Option<String>,
    #[serde(default)]
    running: Option<bool>,
    #[serde(default)]
    success: Option<bool>,
    #[serde(default)]
    errors: Option<Value>,
}

impl CaptureJob {
    /// The job's errors as one line: each problem's title, detail and type, or its text.
    fn describe_errors(&self) -> String {
        let items: Vec<&Value> = match &self.errors {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items.iter().collect(),
            Some(other) => vec![other],
        };
        let parts: Vec<String> = items
            .into_iter()
            .map(|item| match item {
                Value::String(s) => s.clone(),
                Value::Object(map) => {
                    let picked: Vec<&str> = ["title", "detail", "type"]
                        .iter()
                        .filter_map(|k| map.get(*k).and_then(Value::as_str))
                        .collect();
                    if picked.is_empty() {
                        item.to_string()
                    } else {
                        picked.join(": ")
                    }
                }
                other => other.to_string(),
            })
            .collect();
        if parts.is_empty() {
            "no errors given".to_owned()
        } else {
            parts.join("; ")
        }
    }
}

// ---------------------------------------------------------------------------------------------
// JSON platforms

async fn submit_json(
    client: &reqwest::Client,
    target: &Target,
    sub: &Submission,
    follow: FollowPolicy,
    path: &str,
    mapping: &JsonMapping,
) -> Outcome {
    let url = match append_path(&target.base_url, path) {
        Ok(url) => url,
        Err(reason) => {
            return Outcome::Rejected {
                status: None,
                reason,
            };
        }
    };
    let body = match build_json_body(mapping, sub) {
        Ok(b) => b,
        Err(e) => {
            return Outcome::Rejected {
                status: None,
                reason: format!("mapping: {e}"),
            };
        }
    };
    let body = match serde_json::to_vec(&body) {
        Ok(b) => b,
        Err(e) => {
            return Outcome::Rejected {
                status: None,
                reason: format!("body cannot be serialized: {e}"),
            };
        }
    };
    let mut headers = match base_headers(target, sub) {
        Ok(h) => h,
        Err(reason) => {
            return Outcome::Rejected {
                status: None,
                reason,
            };
        }
    };
    headers.insert(
        reqwest::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );

    let answer = match exchange(client, Method::POST, url, headers, Some(body), follow).await {
        Ok(a) => a,
        Err(reason) => {
            return Outcome::Retry {
                reason,
                retry_after: None,
            };
        }
    };
    tracing::debug!(status = answer.status.as_u16(), "platform answered");
    if answer.status.is_success() {
        let receipt = serde_json::from_slice::<Value>(&answer.body)
            .ok()
            .and_then(|v| {
                ["id", "record_id", "recordId"]
                    .iter()
                    .find_map(|k| scalar_text(v.get(*k)?))
            });
        return Outcome::Accepted { receipt };
    }
    failure_outcome("platform", &answer)
}

// ---------------------------------------------------------------------------------------------
// HTTP plumbing

/// A platform's answer, read whole (up to a limit).
struct Answer {
    status: StatusCode,
    location: Option<String>,
    retry_after: Option<Duration>,
    body: Vec<u8>,
}

/// Sends one request and reads the answer, all within `follow.request_timeout`.
///
/// The error is a reason fit for [`Outcome::Retry`]: it names neither the URL nor any header.
async fn exchange(
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
fn base_headers(target: &Target, sub: &Submission) -> Result<HeaderMap, String> {
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
fn append_path(base: &url::Url, suffix: &str) -> Result<url::Url, String> {
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
fn failure_outcome(what: &str, answer: &Answer) -> Outcome {
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
fn is_transient(status: StatusCode) -> bool {
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

/// A capture id from a capture answer's JSON body, if it has one.
fn capture_id_from_body(body: &[u8]) -> Option<String> {
    let value = serde_json::from_slice::<Value>(body).ok()?;
    ["captureID", "captureId", "id"]
        .iter()
        .find_map(|k| scalar_text(value.get(*k)?))
}

/// A string or number as text.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The last non-empty segment of a path or URL reference, e.g. the capture id of `/capture/01J…`.
fn last_segment(path: &str) -> Option<String> {
    let path = path.split(['?', '#']).next().unwrap_or(path);
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// At most [`MAX_REASON_CHARS`] characters of `text`, ending with `…` when cut.
fn truncate(text: &str) -> String {
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
    use serde_json::json;

    fn submission() -> Submission {
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

    fn mapping(fields: &[(&str, FieldSource)]) -> JsonMapping {
        JsonMapping {
            fields: fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
        }
    }

    fn ptr(p: &str, required: bool) -> FieldSource {
        FieldSource::Pointer {
            pointer: p.to_owned(),
            required,
        }
    }

    #[test]
    fn dotted_keys_build_nested_objects_from_pointers() {
        let m = mapping(&[
            ("goods.code", ptr("/epcList/0", true)),
            ("goods.second", ptr("/epcList/1", false)),
            ("region", ptr("/suyuan:region", true)),
            ("sale.time", ptr("/eventTime", true)),
            ("sale.buyer.type", ptr("/suyuan:buyer/type", false)),
            ("escaped", ptr("/a~1b", true)),
        ]);
        let body = build_json_body(&m, &submission()).unwrap();
        assert_eq!(
            body,
            json!({
                "goods": {
                    "code": "https://id.gs1.org/01/06901234567892/21/A1",
                    "second": "https://id.gs1.org/01/06901234567892/21/A2",
                },
                "region": "330106",
                "sale": { "time": "2025-03-01T10:00:00.000+08:00", "buyer": { "type": "consumer" } },
                "escaped": "slash",
            })
        );
    }

    #[test]
    fn constants_and_metadata_fill_their_fields() {
        let m = mapping(&[
            (
                "platform.version",
                FieldSource::Constant { constant: json!(2) },
            ),
            (
                "platform.channel",
                FieldSource::Constant {
                    constant: json!("suyuan"),
                },
            ),
            (
                "seller.credit_code",
                FieldSource::Meta {
                    meta: MetaField::SellerCreditCode,
                },
            ),
            (
                "seller.id",
                FieldSource::Meta {
                    meta: MetaField::SellerId,
                },
            ),
            (
                "kind",
                FieldSource::Meta {
                    meta: MetaField::RecordKind,
                },
            ),
            (
                "request_id",
                FieldSource::Meta {
                    meta: MetaField::IdempotencyKey,
                },
            ),
        ]);
        let body = build_json_body(&m, &submission()).unwrap();
        assert_eq!(
            body,
            json!({
                "platform": { "version": 2, "channel": "suyuan" },
                "seller": { "credit_code": "91330106MA2AXXXX1X", "id": "sel_01J" },
                "kind": "sale",
                "request_id": "sub_01J0000000000000000000000",
            })
        );
    }

    #[test]
    fn a_missing_required_pointer_names_the_field_and_the_pointer() {
        let m = mapping(&[("goods.batch", ptr("/suyuan:batch", true))]);
        let err = build_json_body(&m, &submission()).unwrap_err();
        assert_eq!(
            err,
            MappingError::MissingRequired {
                field: "goods.batch".to_owned(),
                pointer: "/suyuan:batch".to_owned()
            }
        );
        let text = err.to_string();
        assert!(
            text.contains("goods.batch") && text.contains("/suyuan:batch"),
            "{text}"
        );
    }

    #[test]
    fn a_required_pointer_to_null_counts_as_missing() {
        let m = mapping(&[("buyer", ptr("/suyuan:buyer/name", true))]);
        assert!(matches!(
            build_json_body(&m, &submission()),
            Err(MappingError::MissingRequired { .. })
        ));
    }

    #[test]
    fn a_missing_optional_pointer_is_omitted_not_null() {
        let m = mapping(&[
            ("goods.batch", ptr("/suyuan:batch", false)),
            ("buyer.name", ptr("/suyuan:buyer/name", false)),
            ("order.id", ptr("/epcList/9", false)),
            ("region", ptr("/suyuan:region", false)),
        ]);
        let body = build_json_body(&m, &submission()).unwrap();
        assert_eq!(body, json!({ "region": "330106" }));
    }

    #[test]
    fn a_pointer_without_a_leading_slash_is_refused() {
        let m = mapping(&[("time", ptr("eventTime", false))]);
        assert_eq!(
            build_json_body(&m, &submission()).unwrap_err(),
            MappingError::InvalidPointer {
                field: "time".to_owned(),
                pointer: "eventTime".to_owned()
            }
        );
    }

    #[test]
    fn colliding_and_empty_keys_are_refused() {
        let m = mapping(&[
            (
                "goods",
                FieldSource::Constant {
                    constant: json!("x"),
                },
            ),
            ("goods.code", ptr("/epcList/0", true)),
        ]);
        assert_eq!(
            build_json_body(&m, &submission()).unwrap_err(),
            MappingError::Conflict {
                field: "goods.code".to_owned(),
                at: "goods".to_owned()
            }
        );
        let m = mapping(&[("goods..code", ptr("/epcList/0", true))]);
        assert!(matches!(
            build_json_body(&m, &submission()),
            Err(MappingError::InvalidField { .. })
        ));
    }

    #[test]
    fn a_mapping_is_checked_without_an_event() {
        let ok = mapping(&[
            ("goods.code", ptr("/epcList/0", true)),
            ("goods.batch", ptr("/suyuan:batch", true)),
        ]);
        assert_eq!(ok.validate(), Ok(()));
        let bad_pointer = mapping(&[("time", ptr("eventTime", false))]);
        assert!(matches!(
            bad_pointer.validate(),
            Err(MappingError::InvalidPointer { .. })
        ));
        let clash = mapping(&[
            ("goods", ptr("/epcList/0", false)),
            ("goods.code", ptr("/epcList/0", false)),
        ]);
        assert!(matches!(
            clash.validate(),
            Err(MappingError::Conflict { .. })
        ));
        let empty = mapping(&[("goods..code", ptr("/epcList/0", true))]);
        assert!(matches!(
            empty.validate(),
            Err(MappingError::InvalidField { .. })
        ));
    }

    #[test]
    fn a_constant_object_is_merged_with_dotted_fields_under_it() {
        let m = mapping(&[
            (
                "goods",
                FieldSource::Constant {
                    constant: json!({ "unit": "pcs" }),
                },
            ),
            ("goods.code", ptr("/epcList/0", true)),
        ]);
        let body = build_json_body(&m, &submission()).unwrap();
        assert_eq!(
            body,
            json!({ "goods": { "unit": "pcs", "code": "https://id.gs1.org/01/06901234567892/21/A1" } })
        );
    }

    #[test]
    fn mappings_read_from_their_wire_form() {
        let m: JsonMapping = serde_json::from_value(json!({
            "fields": {
                "time": { "pointer": "/eventTime", "required": true },
                "region": { "pointer": "/suyuan:region" },
                "version": { "constant": null },
                "seller": { "meta": "seller_credit_code" },
            }
        }))
        .unwrap();
        assert_eq!(m.fields["time"], ptr("/eventTime", true));
        assert_eq!(m.fields["region"], ptr("/suyuan:region", false));
        assert_eq!(
            m.fields["version"],
            FieldSource::Constant {
                constant: Value::Null
            }
        );
        assert_eq!(
            m.fields["seller"],
            FieldSource::Meta {
                meta: MetaField::SellerCreditCode
            }
        );
        let kind: TargetKind = serde_json::from_value(json!({
            "kind": "json_http", "path": "/api/records", "mapping": { "fields": {} }
        }))
        .unwrap();
        assert_eq!(
            kind,
            TargetKind::JsonHttp {
                path: "/api/records".to_owned(),
                mapping: JsonMapping::default()
            }
        );
        let epcis: TargetKind = serde_json::from_value(json!({ "kind": "epcis" })).unwrap();
        assert_eq!(epcis, TargetKind::Epcis);
    }

    #[test]
    fn an_epcis_document_wraps_the_events_with_the_standard_and_suyuan_contexts() {
        let created = DateTime::parse_from_rfc3339("2025-03-01T02:03:04.5Z")
            .unwrap()
            .with_timezone(&Utc);
        let events = vec![submission().event, json!({ "type": "AggregationEvent" })];
        let doc = epcis_document(&events, created);
        assert_eq!(
            doc,
            json!({
                "@context": [
                    "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
                    { "suyuan": "https://suyuan.dev/epcis#" }
                ],
                "type": "EPCISDocument",
                "schemaVersion": "2.0",
                "creationDate": "2025-03-01T02:03:04.500Z",
                "epcisBody": { "eventList": events },
            })
        );
    }

    #[test]
    fn an_empty_epcis_document_has_an_empty_event_list() {
        let doc = epcis_document(&[], Utc::now());
        assert_eq!(doc["epcisBody"]["eventList"], json!([]));
    }

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

    #[test]
    fn capture_job_errors_are_described_by_title_and_detail() {
        let job: CaptureJob = serde_json::from_value(json!({
            "captureID": "c1", "running": false, "success": false,
            "errors": [{ "type": "epcisException:ValidationException", "title": "Invalid event", "detail": "eventTime missing" }, "plain"]
        }))
        .unwrap();
        assert_eq!(
            job.describe_errors(),
            "Invalid event: eventTime missing: epcisException:ValidationException; plain"
        );
    }

    #[test]
    fn only_a_job_document_saying_it_is_done_ends_the_following() {
        let running = json!({ "captureID": "c1", "running": true, "success": true });
        assert_eq!(
            finished_job(running.to_string().as_bytes(), None),
            Err("capture job still running".to_owned())
        );
        assert!(finished_job(b"{}", None).is_err());
        assert!(finished_job(b"not json", None).is_err());
        let done = json!({ "running": false, "success": true });
        assert_eq!(
            finished_job(done.to_string().as_bytes(), Some("c9")),
            Ok(Outcome::Accepted {
                receipt: Some("c9".to_owned())
            })
        );
        let failed = json!({ "captureID": "c2", "running": false, "success": false, "errors": [] });
        assert_eq!(
            finished_job(failed.to_string().as_bytes(), None),
            Ok(Outcome::Rejected {
                status: None,
                reason: "capture job c2 failed: no errors given".to_owned()
            })
        );
    }
}
