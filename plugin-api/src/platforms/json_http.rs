//! Platforms with their own JSON format: the body built by the target's [`JsonMapping`],
//! `POST`ed to `{base_url}{path}`.

use reqwest::Method;
use reqwest::header::HeaderValue;
use serde_json::Value;

use super::http::{append_path, base_headers, exchange, failure_outcome, scalar_text};
use super::{FollowPolicy, JsonMapping, Outcome, Submission, Target, build_json_body};

pub(super) async fn submit_json(
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
