//! CSV upload: `POST /api/v1/imports/receipts` and `POST /api/v1/imports/sales` take a CSV file
//! (a `text/csv` body, or a multipart form with a `file` field) and answer the import report:
//! counts, every refused row with its column and reason, and every warning.
//!
//! Options are query parameters (or form fields): `map=<column in the file>=<field>`
//! (repeatable), `dry_run=true`, `all_or_nothing=true`, and `seller=<id>`, which must be the
//! token's own seller when given.

use crate::import::{self, ImportError, ImportRequest};
use actix_web::{HttpRequest, HttpResponse, post, web};
use futures_util::StreamExt as _;
use suyuan_store::import::{ImportKind, ImportOptions};
use suyuan_web::AppState;
use suyuan_web::auth::SellerAuth;
use suyuan_web::error::{ApiError, FieldProblem};

/// The largest file an upload may carry.
pub const IMPORT_LIMIT: usize = 50 * 1024 * 1024;

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
            "seller" => self.seller = Some(value.to_owned()),
            _ => {}
        }
        Ok(())
    }
}

fn too_large() -> ApiError {
    ApiError::TooLarge {
        limit: IMPORT_LIMIT,
    }
}

/// Reads a stream of chunks up to [`IMPORT_LIMIT`].
async fn read_limited<S, E>(mut stream: S) -> Result<Vec<u8>, ApiError>
where
    S: futures_util::Stream<Item = Result<web::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let mut body = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::Malformed {
            detail_zh: "上传内容读取失败".to_owned(),
            detail_en: format!("the upload could not be read: {e}"),
            field: None,
        })?;
        if body.len() + chunk.len() > IMPORT_LIMIT {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The file and options of an upload: the raw body, or the `file` field of a multipart form
/// (whose other fields are options).
async fn read_upload(
    req: &HttpRequest,
    payload: web::Payload,
    opts: &mut UploadOptions,
) -> Result<Vec<u8>, ApiError> {
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > IMPORT_LIMIT + 64 * 1024) {
        return Err(too_large());
    }
    let multipart = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if !multipart {
        return read_limited(payload).await;
    }
    let mut form = actix_multipart::Multipart::new(req.headers(), payload);
    let mut file = None;
    while let Some(field) = form.next().await {
        let field = field.map_err(|e| ApiError::Malformed {
            detail_zh: "表单内容无法解析".to_owned(),
            detail_en: format!("the form could not be read: {e}"),
            field: None,
        })?;
        let name = field.name().unwrap_or_default().to_owned();
        let bytes = read_limited(field).await?;
        if name == "file" {
            file = Some(bytes);
        } else {
            opts.set(&name, &String::from_utf8_lossy(&bytes))?;
        }
    }
    file.ok_or_else(|| {
        ApiError::field(
            "file",
            "required",
            "表单须包含 file 字段（CSV 文件）",
            "the form must have a `file` field with the CSV file",
        )
    })
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
    }
}

/// Imports a CSV file of receipts (`kind` = `receipts`) or offline/B2B sales (`sales`) for the
/// token's seller and answers the report. Refused rows write nothing; good rows are imported
/// unless `all_or_nothing` is set and a row is refused; `dry_run` writes nothing.
#[utoipa::path(tag = "imports", security(("bearer" = [])),
    params(
        ("kind" = String, Path, description = "`receipts` or `sales`"),
        ("map" = Option<Vec<String>>, Query, description = "`<column in the file>=<field>`, repeatable"),
        ("dry_run" = Option<bool>, Query, description = "check everything, write nothing"),
        ("all_or_nothing" = Option<bool>, Query, description = "write nothing unless every row is good"),
        ("seller" = Option<String>, Query, description = "must be the token's own seller when given"),
    ),
    request_body(content = String, content_type = "text/csv", description = "the CSV file (UTF-8, UTF-8 with BOM or GBK; comma- or tab-separated), or a multipart form with a `file` field"),
    responses(
        (status = 200, description = "the import report: rows, imported, rejected, rejected_rows (row, column, field, code, message_zh, message_en), warnings"),
        (status = 404, body = suyuan_web::error::Problem),
        (status = 413, body = suyuan_web::error::Problem),
        (status = 422, body = suyuan_web::error::Problem),
    ))]
#[post("/imports/{kind}")]
pub async fn import_file(
    auth: SellerAuth,
    state: web::Data<AppState>,
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
    let bytes = read_upload(&req, payload, &mut opts).await?;
    if opts
        .seller
        .as_deref()
        .is_some_and(|s| s != auth.seller_id.as_str())
    {
        return Err(ApiError::NotFound("seller"));
    }
    let report = import::run(
        &state.db,
        state.catalogue.clone(),
        &auth.seller_id,
        ImportRequest {
            kind,
            bytes,
            mapping: opts.mapping,
            options: opts.options,
            transfer_terms: suyuan_store::transfers::TransferTerms {
                contact_email: None,
                valid_for: state.transfers.ttl,
                sealing_key: Some(state.secret_key.clone()),
            },
            max_backdate: state.max_backdate,
        },
        &mut (),
    )
    .await
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
