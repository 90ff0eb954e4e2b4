//! EPCIS 2.0 repositories: the document wrapping an event, and the standard's REST capture
//! interface (`POST /capture`, then the capture job followed until it finishes or the follow
//! budget runs out).

use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::header::{HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::Value;
use tokio::time::Instant;

use super::http::{
    append_path, base_headers, exchange, failure_outcome, is_transient, last_segment, scalar_text,
    truncate,
};
use super::{FollowPolicy, Outcome, Submission, Target};

/// The JSON-LD context of EPCIS 2.0 documents.
pub const EPCIS_CONTEXT: &str = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld";

/// The namespace of Suyuan's own EPCIS extension fields (`suyuan:region`, ...).
pub const SUYUAN_NAMESPACE: &str = "https://suyuan.dev/epcis#";

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

pub(super) async fn submit_epcis(
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

/// A capture id from a capture answer's JSON body, if it has one.
fn capture_id_from_body(body: &[u8]) -> Option<String> {
    let value = serde_json::from_slice::<Value>(body).ok()?;
    ["captureID", "captureId", "id"]
        .iter()
        .find_map(|k| scalar_text(value.get(*k)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platforms::tests::submission;
    use serde_json::json;

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
