//! CSV upload: `POST /api/v1/imports/receipts` and `POST /api/v1/imports/sales` take a CSV file
//! (a `text/csv` body, or a multipart form with a `file` field) and answer the import report:
//! counts, the first refused rows with their column and reason and the first warnings (all of
//! them counted by reason). The upload is spooled to a temporary file as it arrives and read
//! as a stream, so memory does not grow with the file; its size, its form fields and the
//! imports running at once are bounded (`ImportConfig`).
//!
//! Options are query parameters (or form fields): `map=<column in the file>=<field>`
//! (repeatable), `dry_run=true`, `all_or_nothing=true`, `again=true`, and `seller=<id>`, which
//! must be the token's own seller when given.
//!
//! The same file is never imported twice by accident: a file imported to its end before is
//! refused with 409 (`again=true` imports it once more), and one whose import was cut off (the
//! service stopped in the middle) goes on after its last stored row
//! (`suyuan_store::import::runs`).

use crate::config::ImportConfig;
use crate::import::{self, ImportError, ImportRequest};
use actix_web::{HttpRequest, HttpResponse, post, web};
use futures_util::StreamExt as _;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use suyuan_store::import::{ImportKind, ImportOptions};
use suyuan_web::AppState;
use suyuan_web::auth::SellerAuth;
use suyuan_web::error::{ApiError, FieldProblem};
use tokio::io::AsyncWriteExt as _;

/// Seconds a refused concurrent import is told to wait.
const RETRY_AFTER: u64 = 10;

crate::openapi::string_enum!(
    /// What an upload holds: the `kind` of `POST /imports/{kind}` (another answers 404).
    ImportKindParam = ["receipts", "sales"]
);

crate::openapi::string_pattern!(
    /// A flag as the upload's options read it: `true`, `1`, `yes`, `on`, `false`, `0`, `no`,
    /// `off` or nothing (false), with surrounding whitespace (Rust's `char::is_whitespace`)
    /// ignored.
    FlagParam = concat!(
        r"^[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*",
        r"(?:true|1|yes|on|false|0|no|off)?",
        r"[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$"
    )
);

/// The imports running in this process: one per seller at most, and at most
/// [`ImportConfig::concurrency`] in all. A second upload is refused at once (429 with
/// `Retry-After`), before its body is read; it is not queued.
#[derive(Clone, Debug, Default)]
pub struct ImportGate {
    config: ImportConfig,
    running: Arc<Mutex<HashSet<String>>>,
}

/// A seller's place in the [`ImportGate`], given back when dropped.
struct Admitted {
    running: Arc<Mutex<HashSet<String>>>,
    seller: String,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        if let Ok(mut running) = self.running.lock() {
            running.remove(&self.seller);
        }
    }
}

impl ImportGate {
    /// A gate with these limits.
    pub fn new(config: ImportConfig) -> Self {
        Self {
            config,
            running: Arc::default(),
        }
    }

    fn admit(&self, seller: &str) -> Result<Admitted, ApiError> {
        let mut running = self
            .running
            .lock()
            .map_err(|_| ApiError::Unexpected(anyhow::anyhow!("import gate poisoned")))?;
        if running.contains(seller) {
            return Err(ApiError::TooMany {
                slug: "import-in-progress",
                retry_after: RETRY_AFTER,
                detail_zh: "您的另一个导入仍在进行，请待其完成后再试".into(),
                detail_en: "another import of yours is still running; try again when it is done"
                    .into(),
            });
        }
        if running.len() >= self.config.concurrency {
            return Err(ApiError::TooMany {
                slug: "imports-busy",
                retry_after: RETRY_AFTER,
                detail_zh: "导入任务繁忙，请稍后再试".into(),
                detail_en: format!(
                    "{} imports are running (SUYUAN_IMPORT_CONCURRENCY); try again shortly",
                    running.len()
                ),
            });
        }
        running.insert(seller.to_owned());
        Ok(Admitted {
            running: self.running.clone(),
            seller: seller.to_owned(),
        })
    }
}

/// Options gathered from the query string and form fields.
#[derive(Debug, Default)]
struct UploadOptions {
    mapping: Vec<String>,
    options: ImportOptions,
    seller: Option<String>,
}

impl UploadOptions {
    fn set(&mut self, key: &str, value: &str) -> Result<(), ApiError> {
        let flag = |v: &str| -> Result<bool, ApiError> {
            match v.trim() {
                "true" | "1" | "yes" | "on" => Ok(true),
                "false" | "0" | "no" | "off" | "" => Ok(false),
                other => Err(ApiError::field(
                    key.to_owned(),
                    "invalid_flag",
                    "须为 true 或 false",
                    format!("`{other}` is not true or false"),
                )),
            }
        };
        match key {
            "map" => self.mapping.push(value.to_owned()),
            "dry_run" => self.options.dry_run = flag(value)?,
            "all_or_nothing" => self.options.all_or_nothing = flag(value)?,
            "again" => self.options.again = flag(value)?,
            "seller" => self.seller = Some(value.to_owned()),
            _ => {}
        }
        Ok(())
    }
}

fn unreadable(e: impl std::fmt::Display) -> ApiError {
    ApiError::Malformed {
        detail_zh: "上传内容读取失败".to_owned(),
        detail_en: format!("the upload could not be read: {e}"),
        field: None,
    }
}

/// The upload's file, written to a temporary file as it arrives (memory: one network chunk);
/// the file and the form's fields together may not exceed `budget` bytes.
struct Spool {
    file: tokio::fs::File,
    budget: usize,
    written: usize,
}

impl Spool {
    fn new(budget: usize) -> Result<Spool, ApiError> {
        let file = tempfile::tempfile()
            .map_err(|e| ApiError::Unexpected(anyhow::anyhow!("import spool: {e}")))?;
        Ok(Spool {
            file: tokio::fs::File::from_std(file),
            budget,
            written: 0,
        })
    }

    fn too_large(&self) -> ApiError {
        ApiError::LimitExceeded {
            field: "file".into(),
            limit: self.budget,
            setting: "SUYUAN_IMPORT_MAX_BYTES",
        }
    }

    /// Takes `n` bytes of the upload's budget.
    fn spend(&mut self, n: usize) -> Result<(), ApiError> {
        self.written += n;
        if self.written > self.budget {
            return Err(self.too_large());
        }
        Ok(())
    }

    /// Appends a stream of chunks to the file.
    async fn write<S, E>(&mut self, mut stream: S) -> Result<(), ApiError>
    where
        S: futures_util::Stream<Item = Result<web::Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(unreadable)?;
            self.spend(chunk.len())?;
            self.file
                .write_all(&chunk)
                .await
                .map_err(|e| ApiError::Unexpected(anyhow::anyhow!("import spool: {e}")))?;
        }
        Ok(())
    }

    async fn finish(mut self) -> Result<std::fs::File, ApiError> {
        self.file
            .flush()
            .await
            .map_err(|e| ApiError::Unexpected(anyhow::anyhow!("import spool: {e}")))?;
        Ok(self.file.into_std().await)
    }
}

/// Reads a form field other than the file, up to `limit` bytes.
async fn read_field(
    mut field: actix_multipart::Field,
    name: &str,
    limit: usize,
    spool: &mut Spool,
) -> Result<Vec<u8>, ApiError> {
    let mut value = Vec::new();
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(unreadable)?;
        spool.spend(chunk.len())?;
        if value.len() + chunk.len() > limit {
            return Err(ApiError::LimitExceeded {
                field: name.to_owned(),
                limit,
                setting: "SUYUAN_IMPORT_MAX_FIELD_BYTES",
            });
        }
        value.extend_from_slice(&chunk);
    }
    Ok(value)
}

/// The file and options of an upload: the raw body, or the `file` field of a multipart form
/// (whose other fields are options), spooled to a temporary file.
async fn read_upload(
    req: &HttpRequest,
    payload: web::Payload,
    opts: &mut UploadOptions,
    limits: &ImportConfig,
) -> Result<std::fs::File, ApiError> {
    let mut spool = Spool::new(limits.max_bytes)?;
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limits.max_bytes) {
        return Err(spool.too_large());
    }
    let multipart = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if !multipart {
        spool.write(payload).await?;
        return spool.finish().await;
    }
    let mut form = actix_multipart::Multipart::new(req.headers(), payload);
    let mut has_file = false;
    while let Some(field) = form.next().await {
        let field = field.map_err(|e| ApiError::Malformed {
            detail_zh: "表单内容无法解析".to_owned(),
            detail_en: format!("the form could not be read: {e}"),
            field: None,
        })?;
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            if has_file {
                return Err(ApiError::field(
                    "file",
                    "duplicate",
                    "表单只能包含一个 file 字段",
                    "the form must have one `file` field",
                ));
            }
            has_file = true;
            spool.write(field).await?;
        } else {
            let value = read_field(field, &name, limits.max_field_bytes, &mut spool).await?;
            opts.set(&name, &String::from_utf8_lossy(&value))?;
        }
    }
    if !has_file {
        return Err(ApiError::field(
            "file",
            "required",
            "表单须包含 file 字段（CSV 文件）",
            "the form must have a `file` field with the CSV file",
        ));
    }
    spool.finish().await
}

fn import_error(e: ImportError) -> ApiError {
    match e {
        ImportError::File(f) => ApiError::Invalid(vec![FieldProblem::new(
            f.field(),
            f.code(),
            f.message_zh(),
            f.to_string(),
        )]),
        ImportError::NoSeller => ApiError::NotFound("seller"),
        ImportError::Store(s) => s.into(),
        ImportError::AlreadyImported {
            finished_at,
            imported,
        } => {
            let at = suyuan_core::china_time::in_china(finished_at).format("%Y-%m-%d %H:%M");
            ApiError::Conflict {
                slug: "already-imported",
                detail_zh: format!(
                    "此文件已于 {at} 导入（{imported} 行），未再次导入；如确需再导入一次，请加 again=true"
                ),
                detail_en: format!(
                    "this file was imported on {at} ({imported} rows) and is not imported twice; send it with again=true to import it once more"
                ),
            }
        }
        ImportError::Busy { retry_after } => ApiError::TooMany {
            slug: "import-in-progress",
            retry_after,
            detail_zh: format!("同一文件正在导入，请 {retry_after} 秒后再试"),
            detail_en: format!(
                "the same file is being imported; try again in {retry_after} s (an import cut off by a restart is taken over when its lease runs out)"
            ),
        },
    }
}

/// Imports a CSV file of receipts (`kind` = `receipts`) or offline/B2B sales (`sales`) for the
/// token's seller and answers the report. Refused rows write nothing; good rows are imported
/// unless `all_or_nothing` is set and a row is refused; `dry_run` writes nothing.
#[utoipa::path(tag = "imports", security(("bearer" = [])),
    params(
        ("kind" = inline(ImportKindParam), Path, description = "`receipts` or `sales`"),
        ("map" = Option<Vec<String>>, Query, description = "`<column in the file>=<field>`, repeatable (the field must be one of the kind's)"),
        ("dry_run" = inline(Option<FlagParam>), Query, description = "check everything, write nothing: `true` or `false` (also `1`/`0`, `yes`/`no`, `on`/`off`; empty is false)"),
        ("all_or_nothing" = inline(Option<FlagParam>), Query, description = "write nothing unless every row is good (a flag, like `dry_run`)"),
        ("again" = inline(Option<FlagParam>), Query, description = "import a file imported to its end before once more (by default the same file is refused with 409; one cut off in the middle goes on after its last stored row); a flag, like `dry_run`"),
        ("seller" = inline(Option<suyuan_core::ids::SellerId>), Query, description = "must be the token's own seller when given (compared as given; another answers 404)"),
    ),
    request_body(content = String, content_type = "text/csv", description = "the CSV file (UTF-8, UTF-8 with BOM or GBK; comma- or tab-separated), or a multipart form with a `file` field"),
    responses(
        (status = 200, description = "the import report: rows, imported, rejected, rejected_rows (row, column, field, code, message_zh, message_en), warnings; resumed_after_row and imported_before when an earlier import of the same file was cut off"),
        (status = 409, body = suyuan_web::error::Problem, description = "this file was imported to its end before (`already-imported`)"),
        (status = 404, body = suyuan_web::error::Problem),
        (status = 413, body = suyuan_web::error::Problem),
        (status = 429, body = suyuan_web::error::Problem, description = "another import of this seller is running (or too many in all); see `Retry-After`"),
        (status = 422, body = suyuan_web::error::Problem),
    ))]
#[post("/imports/{kind}")]
pub async fn import_file(
    auth: SellerAuth,
    state: web::Data<AppState>,
    gate: web::Data<ImportGate>,
    kind: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let kind = match kind.as_str() {
        "receipts" => ImportKind::Receipts,
        "sales" => ImportKind::Sales,
        _ => return Err(ApiError::NotFound("import kind")),
    };
    let mut opts = UploadOptions::default();
    for (k, v) in url::form_urlencoded::parse(req.query_string().as_bytes()) {
        opts.set(&k, &v)?;
    }
    if opts
        .seller
        .as_deref()
        .is_some_and(|s| s != auth.seller_id.as_str())
    {
        return Err(ApiError::NotFound("seller"));
    }
    let admitted = gate.admit(auth.seller_id.as_str())?;
    let file = read_upload(&req, payload, &mut opts, &gate.config).await?;
    if opts
        .seller
        .as_deref()
        .is_some_and(|s| s != auth.seller_id.as_str())
    {
        return Err(ApiError::NotFound("seller"));
    }
    let request = ImportRequest {
        kind,
        file,
        mapping: opts.mapping,
        options: opts.options,
        transfer_terms: suyuan_store::transfers::TransferTerms {
            contact_email: None,
            valid_for: state.transfers.ttl,
            sealing_key: Some(state.secret_key.clone()),
        },
        max_backdate: state.max_backdate,
        report_limit: gate.config.report_rows,
    };
    // Once the file is here, the import runs to its end in a task of its own (holding the
    // seller's place in the gate): a client that disconnects cannot cut it off in the middle of
    // a transaction, and the report it would have had is the same one the file gets again.
    let (db, catalogue, seller) = (
        state.db.clone(),
        state.catalogue.clone(),
        auth.seller_id.clone(),
    );
    let report = tokio::spawn(async move {
        let _admitted = admitted;
        import::run(&db, catalogue, &seller, request, &mut ()).await
    })
    .await
    .map_err(|e| ApiError::Unexpected(anyhow::anyhow!("import task failed: {e}")))?
    .map_err(import_error)?;
    if !report.dry_run && report.imported > 0 {
        let label = match kind {
            ImportKind::Receipts => "receipt",
            ImportKind::Sales => "sale",
        };
        state
            .metrics
            .events_recorded
            .with_label_values(&[label])
            .inc_by(report.imported as u64);
    }
    tracing::info!(
        seller = %auth.seller_id,
        kind = kind.as_str(),
        rows = report.rows,
        imported = report.imported,
        rejected = report.rejected,
        "csv import"
    );
    Ok(HttpResponse::Ok().json(report))
}
