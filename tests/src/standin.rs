#![allow(clippy::expect_used, clippy::unwrap_used)]
//! A stand-in trace platform for tests: a real HTTP server on 127.0.0.1 that speaks EPCIS 2.0
//! capture and a plain JSON format, checks every EPCIS document against the official schema
//! (`shared/epcis/EPCIS-JSON-Schema.json`), and can be told to fail, hang, answer slowly, refuse,
//! or let capture jobs fail, so retries, ordering and dead-lettering are tested over real HTTP.
//!
//! Routes:
//! - `POST /capture`: an EPCIS document (`application/ld+json` or `application/json`); schema
//!   errors → 400 problem+json listing them (and kept in [`StandIn::rejected_documents`]);
//!   otherwise a capture job is made and the answer is `202` with `Location: /capture/{id}`. A
//!   repeated `Idempotency-Key` gets the same job back and records nothing new.
//! - `GET /capture/{id}`: the capture job (`captureID`, `running`, `success`, `errors`).
//! - `POST /json/{anything}`: a JSON body, recorded as one event (via `"json"`); answers `201`
//!   `{"record_id": ...}`. A repeated `Idempotency-Key` on the same path gets the same record id
//!   and records nothing new.
//! - `GET /events`: every captured event, for debugging.
//!
//! The [`Mode`] applies to the two `POST` routes; job look-ups always answer.

use actix_web::dev::ServerHandle;
use actix_web::http::StatusCode;
use actix_web::http::header::{LOCATION, RETRY_AFTER};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

/// How the stand-in answers the next `POST /capture` or `POST /json/...`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// Takes documents and records their events; capture jobs finish with success.
    #[default]
    Normal,
    /// `503 Service Unavailable` with `Retry-After: 1`; nothing recorded.
    Fail,
    /// Never answers (sleeps an hour): the client's timeout has to end the request.
    Hang,
    /// Answers as [`Mode::Normal`] after the delay.
    Slow(Duration),
    /// `400` problem+json, as a platform refusing the record for good; nothing recorded.
    Reject,
    /// `401` problem+json, as a platform refusing the credential it was given; nothing
    /// recorded. (Added for the credential tests.)
    Unauthorized,
    /// Capture accepted (`202`), but the job finishes with `success: false` and an error; nothing
    /// recorded (the standard's `rollback` behaviour), and the idempotency key is not kept.
    JobFails,
    /// Capture accepted (`202`), but the job reports `running: true` for as long as the stand-in
    /// stays in this mode; once the mode changes, the job's next look-up finishes it with success
    /// and records its events. (Not in the first contract: added to test the follow budget.)
    JobRunning,
}

/// One event the stand-in took.
#[derive(Clone, Debug)]
pub struct Captured {
    /// The event's `eventID` (EPCIS) or a top-level `eventID`/`eventId`/`event_id` of the JSON
    /// body; otherwise the record id the stand-in gave it.
    pub event_id: String,
    /// The event as received (EPCIS: one element of `eventList`; JSON: the whole body).
    pub event: Value,
    /// The request's `Idempotency-Key` header.
    pub idempotency_key: Option<String>,
    /// `"epcis"` or `"json"`: which route took it.
    pub via: &'static str,
    /// The request's headers (lower-case names; the last value of a repeated one), so tests can
    /// check what credentials arrived. (Added for the submission tests.)
    pub headers: std::collections::BTreeMap<String, String>,
    /// When the stand-in recorded it.
    pub received_at: Instant,
}

/// A running stand-in platform. Dropping it stops the server.
pub struct StandIn {
    addr: SocketAddr,
    state: web::Data<Mutex<State>>,
    handle: ServerHandle,
}

#[derive(Default)]
struct State {
    mode: Mode,
    requests: usize,
    captured: Vec<Captured>,
    rejected: Vec<(Value, Vec<String>)>,
    jobs: HashMap<String, Job>,
    /// Idempotency key → capture job id.
    capture_keys: HashMap<String, String>,
    /// (path, idempotency key) → record id.
    json_keys: HashMap<(String, String), String>,
}

struct Job {
    events: Vec<Value>,
    idempotency_key: Option<String>,
    headers: std::collections::BTreeMap<String, String>,
    status: JobStatus,
}

#[derive(Clone, PartialEq)]
enum JobStatus {
    Running,
    Succeeded,
    Failed(String),
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl StandIn {
    /// Starts a stand-in on 127.0.0.1 on a free port, served by one actix worker; call it inside a
    /// Tokio runtime (`#[tokio::test]`).
    ///
    /// Panics when the EPCIS schema cannot be found or compiled, or no port can be bound.
    pub async fn start() -> StandIn {
        epcis_validator();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the stand-in to 127.0.0.1:0");
        let addr = listener.local_addr().expect("the stand-in's local address");
        let state = web::Data::new(Mutex::new(State::default()));
        let app_state = state.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(app_state.clone())
                .app_data(web::PayloadConfig::new(16 * 1024 * 1024))
                .route("/capture", web::post().to(post_capture))
                .route("/capture/{id}", web::get().to(get_job))
                .route("/json/{tail:.*}", web::post().to(post_json))
                .route("/events", web::get().to(get_events))
        })
        .workers(1)
        .disable_signals()
        .shutdown_timeout(0)
        .listen(listener)
        .expect("serve the stand-in")
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        StandIn {
            addr,
            state,
            handle,
        }
    }

    /// The stand-in's base URL, `http://127.0.0.1:PORT` (no trailing slash).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Changes how the next `POST` requests are answered.
    pub fn set_mode(&self, mode: Mode) {
        lock(&self.state).mode = mode;
    }

    /// Every event taken, in arrival order.
    pub fn captured(&self) -> Vec<Captured> {
        lock(&self.state).captured.clone()
    }

    /// How many `POST /capture` and `POST /json/...` requests arrived, refused ones included.
    pub fn requests(&self) -> usize {
        lock(&self.state).requests
    }

    /// Documents refused for breaking the EPCIS schema, each with its errors.
    pub fn rejected_documents(&self) -> Vec<(Value, Vec<String>)> {
        lock(&self.state).rejected.clone()
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        // The stop command is sent at once; the returned future only waits for it to complete.
        drop(self.handle.stop(false));
    }
}

/// Where the official EPCIS 2.0 JSON schema is: the first `shared/epcis/EPCIS-JSON-Schema.json`
/// found walking up from this crate's folder.
pub fn epcis_schema_path() -> PathBuf {
    let start = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    start
        .ancestors()
        .map(|dir| dir.join("shared/epcis/EPCIS-JSON-Schema.json"))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!(
                "shared/epcis/EPCIS-JSON-Schema.json not found above {}",
                start.display()
            )
        })
}

fn epcis_validator() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let path = epcis_schema_path();
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        let schema: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
        jsonschema::validator_for(&schema)
            .unwrap_or_else(|e| panic!("{} does not compile: {e}", path.display()))
    })
}

/// The reasons a document is not a valid EPCIS document (empty when it is one): the official
/// schema's errors, each as `instance path: message`, and a top-level `type` other than
/// `EPCISDocument`.
pub fn epcis_document_errors(doc: &Value) -> Vec<String> {
    let mut errors: Vec<String> = epcis_validator()
        .iter_errors(doc)
        .map(|e| {
            let path = e.instance_path().to_string();
            if path.is_empty() {
                e.to_string()
            } else {
                format!("{path}: {e}")
            }
        })
        .collect();
    if doc.get("type").and_then(Value::as_str) != Some("EPCISDocument") {
        errors.push("/type: a capture takes an EPCISDocument".to_owned());
    }
    errors
}

fn problem(status: StatusCode, kind: &str, title: &str, detail: &str) -> HttpResponse {
    problem_with(status, kind, title, detail, json!({}))
}

fn problem_with(
    status: StatusCode,
    kind: &str,
    title: &str,
    detail: &str,
    extra: Value,
) -> HttpResponse {
    let mut body =
        json!({ "type": kind, "title": title, "status": status.as_u16(), "detail": detail });
    if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
        body.extend(extra);
    }
    HttpResponse::build(status)
        .content_type("application/problem+json")
        .body(body.to_string())
}

fn header(req: &HttpRequest, name: &str) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn media_type(req: &HttpRequest) -> String {
    header(req, "content-type")
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

fn new_id() -> String {
    ulid::Ulid::new().to_string().to_lowercase()
}

/// Counts the request and applies the mode: `Err` is the answer when the mode decides it.
async fn gate(state: &Mutex<State>) -> Result<Mode, HttpResponse> {
    let mode = {
        let mut s = lock(state);
        s.requests += 1;
        s.mode
    };
    match mode {
        Mode::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            Err(HttpResponse::ServiceUnavailable().finish())
        }
        Mode::Slow(delay) => {
            tokio::time::sleep(delay).await;
            Ok(mode)
        }
        Mode::Fail => Err(HttpResponse::ServiceUnavailable()
            .insert_header((RETRY_AFTER, "1"))
            .content_type("application/problem+json")
            .body(
                json!({ "type": "about:blank", "title": "Service Unavailable", "status": 503 })
                    .to_string(),
            )),
        Mode::Unauthorized => Err(problem(
            StatusCode::UNAUTHORIZED,
            "epcisException:SecurityException",
            "Credential refused",
            "the API key is not valid for this account",
        )),
        Mode::Reject => Err(problem(
            StatusCode::BAD_REQUEST,
            "epcisException:ValidationException",
            "Record refused",
            "the stand-in platform was told to refuse this record",
        )),
        Mode::Normal | Mode::JobFails | Mode::JobRunning => Ok(mode),
    }
}

fn capture_accepted(job_id: &str) -> HttpResponse {
    HttpResponse::Accepted()
        .insert_header((LOCATION, format!("/capture/{job_id}")))
        .insert_header(("GS1-EPCIS-Version", "2.0.0"))
        .finish()
}

fn headers_of(req: &HttpRequest) -> std::collections::BTreeMap<String, String> {
    req.headers()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_ascii_lowercase(), v.to_str().ok()?.to_owned())))
        .collect()
}

fn record_events(
    s: &mut State,
    events: Vec<Value>,
    idempotency_key: Option<&String>,
    headers: &std::collections::BTreeMap<String, String>,
) {
    for event in events {
        let event_id = event
            .get("eventID")
            .and_then(Value::as_str)
            .map_or_else(|| format!("standin:{}", new_id()), str::to_owned);
        s.captured.push(Captured {
            event_id,
            event,
            idempotency_key: idempotency_key.cloned(),
            via: "epcis",
            headers: headers.clone(),
            received_at: Instant::now(),
        });
    }
}

async fn post_capture(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<Mutex<State>>,
) -> HttpResponse {
    let mode = match gate(&state).await {
        Ok(mode) => mode,
        Err(answer) => return answer,
    };
    let media = media_type(&req);
    if media != "application/ld+json" && media != "application/json" {
        return problem(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "about:blank",
            "Unsupported Media Type",
            "a capture takes application/ld+json or application/json",
        );
    }
    let doc: Value = match serde_json::from_slice(&body) {
        Ok(doc) => doc,
        Err(e) => {
            return problem(
                StatusCode::BAD_REQUEST,
                "epcisException:ValidationException",
                "Not JSON",
                &e.to_string(),
            );
        }
    };
    let errors = epcis_document_errors(&doc);
    if !errors.is_empty() {
        let answer = problem_with(
            StatusCode::BAD_REQUEST,
            "epcisException:ValidationException",
            "The document is not a valid EPCIS 2.0 document",
            &format!("{} schema error(s)", errors.len()),
            json!({ "errors": errors }),
        );
        lock(&state).rejected.push((doc, errors));
        return answer;
    }

    let key = header(&req, "idempotency-key");
    let mut s = lock(&state);
    if let Some(job_id) = key.as_ref().and_then(|k| s.capture_keys.get(k)) {
        return capture_accepted(job_id);
    }
    let events = doc
        .pointer("/epcisBody/eventList")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let job_id = new_id();
    let status = match mode {
        Mode::JobFails => {
            JobStatus::Failed("the stand-in platform was told to fail this capture job".to_owned())
        }
        Mode::JobRunning => JobStatus::Running,
        _ => JobStatus::Succeeded,
    };
    if let Some(k) = &key
        && !matches!(status, JobStatus::Failed(_))
    {
        s.capture_keys.insert(k.clone(), job_id.clone());
    }
    let headers = headers_of(&req);
    let events = if status == JobStatus::Succeeded {
        record_events(&mut s, events, key.as_ref(), &headers);
        Vec::new()
    } else {
        events
    };
    s.jobs.insert(
        job_id.clone(),
        Job {
            events,
            idempotency_key: key,
            headers,
            status,
        },
    );
    capture_accepted(&job_id)
}

async fn get_job(path: web::Path<String>, state: web::Data<Mutex<State>>) -> HttpResponse {
    let id = path.into_inner();
    let mut s = lock(&state);
    let mode = s.mode;
    let Some(job) = s.jobs.get_mut(&id) else {
        return problem(
            StatusCode::NOT_FOUND,
            "about:blank",
            "Not Found",
            "no such capture job",
        );
    };
    let mut finished_now = None;
    if job.status == JobStatus::Running && mode != Mode::JobRunning {
        job.status = JobStatus::Succeeded;
        finished_now = Some((
            std::mem::take(&mut job.events),
            job.idempotency_key.clone(),
            job.headers.clone(),
        ));
    }
    let body = match &job.status {
        JobStatus::Running => {
            json!({ "captureID": id, "running": true, "success": true, "errors": [] })
        }
        JobStatus::Succeeded => {
            json!({ "captureID": id, "running": false, "success": true, "errors": [] })
        }
        JobStatus::Failed(why) => json!({
            "captureID": id, "running": false, "success": false,
            "captureErrorBehaviour": "rollback",
            "errors": [{
                "type": "epcisException:CaptureLimitExceededException",
                "title": "Capture job failed",
                "status": 500,
                "detail": why,
            }],
        }),
    };
    if let Some((events, key, headers)) = finished_now {
        record_events(&mut s, events, key.as_ref(), &headers);
    }
    HttpResponse::Ok()
        .content_type("application/json")
        .body(body.to_string())
}

async fn post_json(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<Mutex<State>>,
) -> HttpResponse {
    if let Err(answer) = gate(&state).await {
        return answer;
    }
    let media = media_type(&req);
    if media != "application/json" && !media.ends_with("+json") {
        return problem(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "about:blank",
            "Unsupported Media Type",
            "this platform takes application/json",
        );
    }
    let record: Value = match serde_json::from_slice(&body) {
        Ok(record) => record,
        Err(e) => {
            return problem(
                StatusCode::BAD_REQUEST,
                "about:blank",
                "Not JSON",
                &e.to_string(),
            );
        }
    };
    let key = header(&req, "idempotency-key");
    let path = req.path().to_owned();
    let mut s = lock(&state);
    if let Some(record_id) = key
        .as_ref()
        .and_then(|k| s.json_keys.get(&(path.clone(), k.clone())))
    {
        return HttpResponse::Created().json(json!({ "record_id": record_id }));
    }
    let record_id = format!("rec_{}", new_id());
    let event_id = ["eventID", "eventId", "event_id"]
        .iter()
        .find_map(|k| record.get(*k).and_then(Value::as_str))
        .map_or_else(|| record_id.clone(), str::to_owned);
    if let Some(k) = &key {
        s.json_keys.insert((path, k.clone()), record_id.clone());
    }
    s.captured.push(Captured {
        event_id,
        event: record,
        idempotency_key: key,
        via: "json",
        headers: headers_of(&req),
        received_at: Instant::now(),
    });
    HttpResponse::Created().json(json!({ "record_id": record_id }))
}

async fn get_events(state: web::Data<Mutex<State>>) -> HttpResponse {
    let s = lock(&state);
    let list: Vec<Value> = s
        .captured
        .iter()
        .map(|c| {
            json!({
                "event_id": c.event_id,
                "event": c.event,
                "idempotency_key": c.idempotency_key,
                "via": c.via,
            })
        })
        .collect();
    HttpResponse::Ok().json(list)
}

#[cfg(test)]
mod tests {
    use super::*;
    use suyuan_plugin_api::platforms::{
        self, FieldSource, FollowPolicy, JsonMapping, MetaField, Outcome, Submission, Target,
        TargetKind,
    };

    fn example_document() -> Value {
        let path = epcis_schema_path().with_file_name("example-object-event-digital-link.jsonld");
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    fn event(id: &str) -> Value {
        json!({
            "type": "ObjectEvent",
            "eventID": id,
            "eventTime": "2025-03-01T10:00:00.000+08:00",
            "recordTime": "2025-03-01T10:05:00.000+08:00",
            "eventTimeZoneOffset": "+08:00",
            "action": "OBSERVE",
            "bizStep": "retail_selling",
            "disposition": "retail_sold",
            "epcList": ["https://id.gs1.org/01/06901234567892/21/SN0001"],
            "readPoint": { "id": "urn:epc:id:sgln:6901234.00000.0" },
            "suyuan:region": "330106",
        })
    }

    fn submission(key: &str, event: Value) -> Submission {
        Submission {
            idempotency_key: key.to_owned(),
            event,
            record_kind: "sale".to_owned(),
            seller_id: "sel_01".to_owned(),
            seller_credit_code: "91330106MA2AXXXX1X".to_owned(),
        }
    }

    fn target(standin: &StandIn, kind: TargetKind) -> Target {
        Target {
            id: "tgt_standin".to_owned(),
            base_url: url::Url::parse(&standin.base_url()).unwrap(),
            kind,
            auth_header: Some(("Authorization".to_owned(), "Bearer test-token".to_owned())),
        }
    }

    fn quick() -> FollowPolicy {
        FollowPolicy {
            poll_interval: Duration::from_millis(20),
            max_wait: Duration::from_secs(2),
            request_timeout: Duration::from_secs(2),
        }
    }

    async fn post_document(standin: &StandIn, doc: &Value, key: Option<&str>) -> reqwest::Response {
        let mut request = reqwest::Client::new()
            .post(format!("{}/capture", standin.base_url()))
            .header("Content-Type", "application/ld+json")
            .body(doc.to_string());
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        request.send().await.unwrap()
    }

    // --- the stand-in itself ------------------------------------------------------------------

    #[tokio::test]
    async fn an_official_example_document_is_accepted_and_its_events_recorded() {
        let standin = StandIn::start().await;
        let doc = example_document();

        let answer = post_document(&standin, &doc, None).await;

        assert_eq!(answer.status(), 202);
        let location = answer.headers()["location"].to_str().unwrap().to_owned();
        assert!(location.starts_with("/capture/"), "{location}");
        let job: Value = reqwest::get(format!("{}{location}", standin.base_url()))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(job["running"], false);
        assert_eq!(job["success"], true);
        assert_eq!(job["captureID"], location.trim_start_matches("/capture/"));
        let ids: Vec<String> = standin.captured().into_iter().map(|c| c.event_id).collect();
        let expected: Vec<String> = doc["epcisBody"]["eventList"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["eventID"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(ids, expected);
        assert!(standin.captured().iter().all(|c| c.via == "epcis"));
        assert_eq!(standin.requests(), 1);
        assert!(standin.rejected_documents().is_empty());
    }

    #[tokio::test]
    async fn a_document_breaking_the_schema_is_refused_with_its_errors() {
        let standin = StandIn::start().await;
        let mut doc = example_document();
        doc["epcisBody"]["eventList"][0]["action"] = json!("SOLD");
        doc["epcisBody"]["eventList"][1]["eventTime"] = json!("yesterday");

        let answer = post_document(&standin, &doc, Some("k1")).await;

        assert_eq!(answer.status(), 400);
        assert_eq!(answer.headers()["content-type"], "application/problem+json");
        let body: Value = answer.json().await.unwrap();
        assert!(!body["errors"].as_array().unwrap().is_empty(), "{body}");
        let rejected = standin.rejected_documents();
        assert_eq!(rejected.len(), 1);
        assert_eq!(rejected[0].0, doc);
        let errors = rejected[0].1.join("\n");
        assert!(errors.contains("/epcisBody/eventList/0"), "{errors}");
        assert!(errors.contains("/epcisBody/eventList/1"), "{errors}");
        assert!(standin.captured().is_empty());
        assert_eq!(standin.requests(), 1);
    }

    #[tokio::test]
    async fn a_capture_that_is_not_json_ld_is_refused_as_an_unsupported_media_type() {
        let standin = StandIn::start().await;

        let answer = reqwest::Client::new()
            .post(format!("{}/capture", standin.base_url()))
            .header("Content-Type", "text/plain")
            .body(example_document().to_string())
            .send()
            .await
            .unwrap();

        assert_eq!(answer.status(), 415);
        assert!(standin.captured().is_empty());
        assert_eq!(standin.requests(), 1);
    }

    #[tokio::test]
    async fn fail_mode_answers_503_with_retry_after_and_records_nothing() {
        let standin = StandIn::start().await;
        standin.set_mode(Mode::Fail);

        let answer = post_document(&standin, &example_document(), None).await;

        assert_eq!(answer.status(), 503);
        assert_eq!(answer.headers()["retry-after"], "1");
        assert!(standin.captured().is_empty());
        assert_eq!(standin.requests(), 1);
    }

    #[tokio::test]
    async fn a_repeated_idempotency_key_is_accepted_again_but_recorded_once() {
        let standin = StandIn::start().await;
        let doc = example_document();

        let first = post_document(&standin, &doc, Some("same-key")).await;
        let second = post_document(&standin, &doc, Some("same-key")).await;
        let json_url = format!("{}/json/records", standin.base_url());
        let client = reqwest::Client::new();
        let mut record_ids = Vec::new();
        for _ in 0..2 {
            let answer = client
                .post(&json_url)
                .header("Idempotency-Key", "same-key")
                .json(&json!({ "eventID": "e-json" }))
                .send()
                .await
                .unwrap();
            assert_eq!(answer.status(), 201);
            let body: Value = answer.json().await.unwrap();
            record_ids.push(body["record_id"].as_str().unwrap().to_owned());
        }

        assert_eq!(first.status(), 202);
        assert_eq!(second.status(), 202);
        assert_eq!(first.headers()["location"], second.headers()["location"]);
        assert_eq!(record_ids[0], record_ids[1]);
        let vias: Vec<&str> = standin.captured().iter().map(|c| c.via).collect();
        assert_eq!(vias, ["epcis", "epcis", "json"]);
        assert_eq!(standin.requests(), 4);
        let listed: Value = reqwest::get(format!("{}/events", standin.base_url()))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(listed.as_array().unwrap().len(), 3);
        assert_eq!(listed[2]["idempotency_key"], "same-key");
    }

    // --- platforms::submit against the stand-in ----------------------------------------------

    #[tokio::test]
    async fn an_epcis_submission_is_accepted_with_the_capture_id_as_receipt() {
        let standin = StandIn::start().await;
        let target = target(&standin, TargetKind::Epcis);
        let sub = submission(
            "sub-1",
            event("urn:uuid:0195f000-0000-7000-8000-000000000001"),
        );

        let outcome = platforms::submit(&reqwest::Client::new(), &target, &sub, quick()).await;

        let captured = standin.captured();
        assert_eq!(
            captured.len(),
            1,
            "{outcome:?} {:?}",
            standin.rejected_documents()
        );
        let Outcome::Accepted {
            receipt: Some(receipt),
        } = outcome
        else {
            panic!("expected Accepted with a receipt, got {outcome:?}");
        };
        assert_eq!(receipt.len(), 26, "{receipt}");
        assert_eq!(captured[0].event, sub.event);
        assert_eq!(
            captured[0].event_id,
            "urn:uuid:0195f000-0000-7000-8000-000000000001"
        );
        assert_eq!(captured[0].idempotency_key.as_deref(), Some("sub-1"));
        assert_eq!(captured[0].via, "epcis");
    }

    #[tokio::test]
    async fn submissions_arrive_in_the_order_they_were_sent() {
        let standin = StandIn::start().await;
        let target = target(&standin, TargetKind::Epcis);
        let client = reqwest::Client::new();

        for n in 1..=3 {
            let sub = submission(&format!("sub-{n}"), event(&format!("urn:uuid:e{n}")));
            let outcome = platforms::submit(&client, &target, &sub, quick()).await;
            assert!(matches!(outcome, Outcome::Accepted { .. }), "{outcome:?}");
        }

        let ids: Vec<String> = standin.captured().into_iter().map(|c| c.event_id).collect();
        assert_eq!(ids, ["urn:uuid:e1", "urn:uuid:e2", "urn:uuid:e3"]);
    }

    #[tokio::test]
    async fn a_failed_capture_job_is_rejected_with_the_platform_errors() {
        let standin = StandIn::start().await;
        standin.set_mode(Mode::JobFails);
        let target = target(&standin, TargetKind::Epcis);

        let outcome = platforms::submit(
            &reqwest::Client::new(),
            &target,
            &submission("sub-1", event("urn:uuid:e1")),
            quick(),
        )
        .await;

        let Outcome::Rejected {
            status: None,
            reason,
        } = outcome
        else {
            panic!("expected Rejected without a status, got {outcome:?}");
        };
        assert!(reason.contains("told to fail this capture job"), "{reason}");
        assert!(standin.captured().is_empty());
    }

    #[tokio::test]
    async fn a_503_is_retried_after_the_platform_s_retry_after() {
        let standin = StandIn::start().await;
        standin.set_mode(Mode::Fail);
        let client = reqwest::Client::new();
        let sub = submission("sub-1", event("urn:uuid:e1"));

        let epcis =
            platforms::submit(&client, &target(&standin, TargetKind::Epcis), &sub, quick()).await;
        let json_target = target(
            &standin,
            TargetKind::JsonHttp {
                path: "/json/records".to_owned(),
                mapping: JsonMapping::default(),
            },
        );
        let json = platforms::submit(&client, &json_target, &sub, quick()).await;

        for outcome in [epcis, json] {
            let Outcome::Retry {
                retry_after,
                reason,
            } = outcome
            else {
                panic!("expected Retry, got {outcome:?}");
            };
            assert_eq!(retry_after, Some(Duration::from_secs(1)));
            assert!(reason.contains("503"), "{reason}");
        }
        assert_eq!(standin.requests(), 2);
    }

    #[tokio::test]
    async fn a_platform_that_hangs_is_retried_once_the_request_timeout_passes() {
        let standin = StandIn::start().await;
        standin.set_mode(Mode::Hang);
        let follow = FollowPolicy {
            request_timeout: Duration::from_millis(300),
            ..quick()
        };
        let started = Instant::now();

        let outcome = platforms::submit(
            &reqwest::Client::new(),
            &target(&standin, TargetKind::Epcis),
            &submission("sub-1", event("urn:uuid:e1")),
            follow,
        )
        .await;

        assert!(
            matches!(
                outcome,
                Outcome::Retry {
                    retry_after: None,
                    ..
                }
            ),
            "{outcome:?}"
        );
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(300) && took < Duration::from_secs(2),
            "{took:?}"
        );
        assert_eq!(standin.requests(), 1);
    }

    #[tokio::test]
    async fn a_slow_platform_within_the_timeout_still_takes_the_record() {
        let standin = StandIn::start().await;
        standin.set_mode(Mode::Slow(Duration::from_millis(300)));
        let started = Instant::now();

        let outcome = platforms::submit(
            &reqwest::Client::new(),
            &target(&standin, TargetKind::Epcis),
            &submission("sub-1", event("urn:uuid:e1")),
            quick(),
        )
        .await;

        assert!(
            matches!(outcome, Outcome::Accepted { receipt: Some(_) }),
            "{outcome:?}"
        );
        assert!(started.elapsed() >= Duration::from_millis(300));
        assert_eq!(standin.captured().len(), 1);
    }

    #[tokio::test]
    async fn a_refusing_platform_gives_a_rejection_with_its_status_and_text() {
        let standin = StandIn::start().await;
        standin.set_mode(Mode::Reject);

        let outcome = platforms::submit(
            &reqwest::Client::new(),
            &target(&standin, TargetKind::Epcis),
            &submission("sub-1", event("urn:uuid:e1")),
            quick(),
        )
        .await;

        let Outcome::Rejected {
            status: Some(400),
            reason,
        } = outcome
        else {
            panic!("expected Rejected with 400, got {outcome:?}");
        };
        assert!(reason.contains("told to refuse this record"), "{reason}");
        assert!(standin.captured().is_empty());
    }

    #[tokio::test]
    async fn a_job_still_running_after_the_budget_is_retried_and_the_retry_finds_the_same_job() {
        let standin = StandIn::start().await;
        standin.set_mode(Mode::JobRunning);
        let target = target(&standin, TargetKind::Epcis);
        let client = reqwest::Client::new();
        let sub = submission("sub-1", event("urn:uuid:e1"));
        let follow = FollowPolicy {
            max_wait: Duration::from_millis(200),
            ..quick()
        };

        let first = platforms::submit(&client, &target, &sub, follow).await;
        standin.set_mode(Mode::Normal);
        let second = platforms::submit(&client, &target, &sub, follow).await;

        let Outcome::Retry {
            reason,
            retry_after: None,
        } = first
        else {
            panic!("expected Retry, got {first:?}");
        };
        assert!(reason.contains("still running"), "{reason}");
        assert!(
            matches!(second, Outcome::Accepted { receipt: Some(_) }),
            "{second:?}"
        );
        let captured = standin.captured();
        assert_eq!(captured.len(), 1);
        assert_eq!(captured[0].event_id, "urn:uuid:e1");
    }

    #[tokio::test]
    async fn a_json_platform_gets_the_mapped_body_and_its_record_id_is_the_receipt() {
        let standin = StandIn::start().await;
        let fields = [
            (
                "eventID",
                FieldSource::Pointer {
                    pointer: "/eventID".to_owned(),
                    required: true,
                },
            ),
            (
                "goods.code",
                FieldSource::Pointer {
                    pointer: "/epcList/0".to_owned(),
                    required: true,
                },
            ),
            (
                "sale.time",
                FieldSource::Pointer {
                    pointer: "/eventTime".to_owned(),
                    required: true,
                },
            ),
            (
                "sale.region",
                FieldSource::Pointer {
                    pointer: "/suyuan:region".to_owned(),
                    required: false,
                },
            ),
            (
                "sale.order",
                FieldSource::Pointer {
                    pointer: "/suyuan:order".to_owned(),
                    required: false,
                },
            ),
            (
                "seller.credit_code",
                FieldSource::Meta {
                    meta: MetaField::SellerCreditCode,
                },
            ),
            (
                "source",
                FieldSource::Constant {
                    constant: json!("suyuan"),
                },
            ),
        ];
        let mapping = JsonMapping {
            fields: fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        };
        let target = target(
            &standin,
            TargetKind::JsonHttp {
                path: "/json/province/zj/records".to_owned(),
                mapping,
            },
        );

        let outcome = platforms::submit(
            &reqwest::Client::new(),
            &target,
            &submission("sub-9", event("urn:uuid:e9")),
            quick(),
        )
        .await;

        let Outcome::Accepted {
            receipt: Some(receipt),
        } = outcome
        else {
            panic!("expected Accepted with a receipt, got {outcome:?}");
        };
        assert!(receipt.starts_with("rec_"), "{receipt}");
        let captured = standin.captured();
        assert_eq!(captured.len(), 1);
        assert_eq!(captured[0].via, "json");
        assert_eq!(captured[0].event_id, "urn:uuid:e9");
        assert_eq!(captured[0].idempotency_key.as_deref(), Some("sub-9"));
        assert_eq!(
            captured[0].event,
            json!({
                "eventID": "urn:uuid:e9",
                "goods": { "code": "https://id.gs1.org/01/06901234567892/21/SN0001" },
                "sale": { "time": "2025-03-01T10:00:00.000+08:00", "region": "330106" },
                "seller": { "credit_code": "91330106MA2AXXXX1X" },
                "source": "suyuan",
            })
        );
    }

    #[tokio::test]
    async fn a_json_mapping_missing_a_required_value_is_rejected_without_a_request() {
        let standin = StandIn::start().await;
        let mapping = JsonMapping {
            fields: [(
                "batch".to_owned(),
                FieldSource::Pointer {
                    pointer: "/suyuan:batch".to_owned(),
                    required: true,
                },
            )]
            .into_iter()
            .collect(),
        };
        let target = target(
            &standin,
            TargetKind::JsonHttp {
                path: "/json/records".to_owned(),
                mapping,
            },
        );

        let outcome = platforms::submit(
            &reqwest::Client::new(),
            &target,
            &submission("sub-1", event("urn:uuid:e1")),
            quick(),
        )
        .await;

        let Outcome::Rejected {
            status: None,
            reason,
        } = outcome
        else {
            panic!("expected Rejected, got {outcome:?}");
        };
        assert!(
            reason.contains("batch") && reason.contains("/suyuan:batch"),
            "{reason}"
        );
        assert_eq!(standin.requests(), 0);
    }
}
