//! One error envelope for the whole API: RFC 7807 `application/problem+json`, with a stable
//! `type`, Chinese first (`title`, `detail`) and English beside it (`title_en`, `detail_en`).
//! A 5xx body reveals nothing; its cause chain is logged once, here.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

/// One field that failed validation.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FieldProblem {
    /// The field, as a JSON path (`items[2].gtin`).
    pub field: String,
    /// A stable reason code (`gtin_check_digit`).
    pub code: String,
    /// The reason, in Chinese.
    pub message: String,
    /// The reason, in English.
    pub message_en: String,
}

impl FieldProblem {
    /// A problem with one field.
    pub fn new(
        field: impl Into<String>,
        code: impl Into<String>,
        message_zh: impl Into<String>,
        message_en: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            code: code.into(),
            message: message_zh.into(),
            message_en: message_en.into(),
        }
    }
}

/// The problem+json body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// Stable problem type, `urn:suyuan:problem:<slug>`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary, in Chinese.
    pub title: String,
    /// Short summary, in English.
    pub title_en: String,
    /// HTTP status.
    pub status: u16,
    /// What happened, in Chinese.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// What happened, in English.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail_en: Option<String>,
    /// The fields at fault, for validation problems.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

/// Why a provisional account is refused, in Chinese.
pub const AWAITING_ZH: &str = "此账号通过认领链接注册，正在等待管理员或所在地监管部门审核；审核通过前只能认领注册时打开的那批货品。";
/// Why a provisional account is refused, in English.
pub const AWAITING_EN: &str = "This account was made from a claim link and is awaiting verification by an administrator or the supervisor of its division; until then it can only claim the goods of the link it was made from.";

/// Every way a request can fail.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Fields that do not hold valid values (422).
    #[error("invalid input: {0:?}")]
    Invalid(Vec<FieldProblem>),
    /// A body that is not the JSON expected (400).
    #[error("malformed body: {detail_en}")]
    Malformed {
        /// Chinese detail.
        detail_zh: String,
        /// English detail.
        detail_en: String,
        /// The field path, when known.
        field: Option<String>,
    },
    /// A body over the size limit (413).
    #[error("body too large")]
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// One part of a body over its configured limit (413), naming the part and the setting.
    #[error("{field} over {limit} bytes")]
    LimitExceeded {
        /// The part (`file`, a form field's name).
        field: String,
        /// The limit in bytes.
        limit: usize,
        /// The setting that raises it (`SUYUAN_IMPORT_MAX_BYTES`).
        setting: &'static str,
    },
    /// No valid credentials (401).
    #[error("unauthenticated: {0}")]
    Unauthenticated(String),
    /// A webhook whose signature does not verify (401).
    #[error("bad signature: {detail_en}")]
    BadSignature {
        /// Stable reason code.
        code: &'static str,
        /// Chinese detail.
        detail_zh: String,
        /// English detail.
        detail_en: String,
    },
    /// Credentials that do not allow this (403).
    #[error("forbidden")]
    Forbidden,
    /// A provisional account (made from a claim link) that may only claim the transfer it came
    /// from until it is verified (403).
    #[error("awaiting verification")]
    AwaitingVerification,
    /// Nothing there, or not yours (404).
    #[error("not found: {0}")]
    NotFound(&'static str),
    /// A conflict with existing data (409).
    #[error("conflict: {detail_en}")]
    Conflict {
        /// Stable slug for the type.
        slug: &'static str,
        /// Chinese detail.
        detail_zh: String,
        /// English detail.
        detail_en: String,
    },
    /// Too many requests, or an import already running (429, with `Retry-After`).
    #[error("too many requests: {detail_en}")]
    TooMany {
        /// Stable slug for the type.
        slug: &'static str,
        /// Seconds to wait before trying again.
        retry_after: u64,
        /// Chinese detail.
        detail_zh: String,
        /// English detail.
        detail_en: String,
    },
    /// The path exists, but not with this method (405, with `Allow`).
    #[error("method not allowed; allowed: {allow}")]
    MethodNotAllowed {
        /// The methods the path takes, comma-separated.
        allow: String,
    },
    /// A dependency is down (503).
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// Anything unexpected (500): logged, never shown.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl ApiError {
    /// A single invalid field.
    pub fn field(
        field: impl Into<String>,
        code: impl Into<String>,
        message_zh: impl Into<String>,
        message_en: impl Into<String>,
    ) -> Self {
        ApiError::Invalid(vec![FieldProblem::new(field, code, message_zh, message_en)])
    }

    fn slug(&self) -> &'static str {
        match self {
            ApiError::Invalid(_) => "invalid-field",
            ApiError::Malformed { .. } => "malformed-body",
            ApiError::TooLarge { .. } | ApiError::LimitExceeded { .. } => "body-too-large",
            ApiError::TooMany { slug, .. } => slug,
            ApiError::Unauthenticated(_) => "unauthenticated",
            ApiError::BadSignature { .. } => "invalid-signature",
            ApiError::Forbidden => "forbidden",
            ApiError::AwaitingVerification => "awaiting-verification",
            ApiError::NotFound(_) => "not-found",
            ApiError::Conflict { slug, .. } => slug,
            ApiError::Unavailable(_) => "unavailable",
            ApiError::MethodNotAllowed { .. } => "method-not-allowed",
            ApiError::Unexpected(_) => "internal",
        }
    }

    fn titles(&self) -> (&'static str, &'static str) {
        match self {
            ApiError::Invalid(_) => ("输入的数据有误", "Some fields are not valid"),
            ApiError::Malformed { .. } => {
                ("请求内容无法解析", "The request body could not be read")
            }
            ApiError::TooLarge { .. } | ApiError::LimitExceeded { .. } => {
                ("请求内容过大", "The request body is too large")
            }
            ApiError::TooMany { .. } => ("请求过于频繁", "Too many requests"),
            ApiError::Unauthenticated(_) => ("未登录或凭证无效", "Missing or invalid credentials"),
            ApiError::BadSignature { .. } => ("签名校验失败", "The signature does not verify"),
            ApiError::Forbidden => ("无权执行此操作", "Not allowed for this account"),
            ApiError::AwaitingVerification => ("账号待审核", "Account awaiting verification"),
            ApiError::NotFound(_) => ("未找到", "Not found"),
            ApiError::Conflict { .. } => ("与现有数据冲突", "Conflicts with existing data"),
            ApiError::Unavailable(_) => ("服务暂不可用", "Service unavailable"),
            ApiError::MethodNotAllowed { .. } => ("不支持此请求方法", "Method not allowed"),
            ApiError::Unexpected(_) => ("服务器内部错误", "Internal server error"),
        }
    }

    /// The problem body for this error.
    pub fn problem(&self) -> Problem {
        let (title, title_en) = self.titles();
        let (detail, detail_en, errors) = match self {
            ApiError::Invalid(fields) => {
                let zh = fields
                    .iter()
                    .map(|f| format!("{}：{}", f.field, f.message))
                    .collect::<Vec<_>>()
                    .join("；");
                let en = fields
                    .iter()
                    .map(|f| format!("{}: {}", f.field, f.message_en))
                    .collect::<Vec<_>>()
                    .join("; ");
                (Some(zh), Some(en), fields.clone())
            }
            ApiError::Malformed {
                detail_zh,
                detail_en,
                field,
            } => (
                Some(detail_zh.clone()),
                Some(detail_en.clone()),
                field
                    .iter()
                    .map(|f| {
                        FieldProblem::new(
                            f.clone(),
                            "malformed",
                            detail_zh.clone(),
                            detail_en.clone(),
                        )
                    })
                    .collect(),
            ),
            ApiError::TooLarge { limit } => (
                Some(format!("请求内容不能超过 {limit} 字节")),
                Some(format!("the body must not exceed {limit} bytes")),
                vec![],
            ),
            ApiError::LimitExceeded {
                field,
                limit,
                setting,
            } => {
                let zh = format!("{field} 不能超过 {limit} 字节（上限由 {setting} 设置）");
                let en = format!("{field} must not exceed {limit} bytes (the limit is {setting})");
                (
                    Some(zh.clone()),
                    Some(en.clone()),
                    vec![FieldProblem::new(field.clone(), "too_large", zh, en)],
                )
            }
            ApiError::Unauthenticated(reason) => (
                Some("请提供有效的 Bearer 令牌".to_owned()),
                Some(reason.clone()),
                vec![],
            ),
            ApiError::BadSignature {
                code,
                detail_zh,
                detail_en,
            } => (
                Some(detail_zh.clone()),
                Some(detail_en.clone()),
                vec![FieldProblem::new(
                    "signature",
                    *code,
                    detail_zh.clone(),
                    detail_en.clone(),
                )],
            ),
            ApiError::Forbidden => (None, None, vec![]),
            ApiError::AwaitingVerification => (
                Some(AWAITING_ZH.to_owned()),
                Some(AWAITING_EN.to_owned()),
                vec![],
            ),
            ApiError::NotFound(what) => (None, Some(format!("no such {what}")), vec![]),
            ApiError::Conflict {
                detail_zh,
                detail_en,
                ..
            }
            | ApiError::TooMany {
                detail_zh,
                detail_en,
                ..
            } => (Some(detail_zh.clone()), Some(detail_en.clone()), vec![]),
            ApiError::Unavailable(_) | ApiError::Unexpected(_) => (None, None, vec![]),
            ApiError::MethodNotAllowed { allow } => (
                Some(format!("此地址只接受 {allow} 请求")),
                Some(format!("this path takes {allow}")),
                vec![],
            ),
        };
        Problem {
            kind: format!("urn:suyuan:problem:{}", self.slug()),
            title: title.to_owned(),
            title_en: title_en.to_owned(),
            status: self.status_code().as_u16(),
            detail,
            detail_en,
            errors,
        }
    }
}

/// Seconds a 503 asks the caller to wait before sending again.
pub const UNAVAILABLE_RETRY_AFTER: u64 = 5;

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Malformed { .. } => StatusCode::BAD_REQUEST,
            ApiError::TooLarge { .. } | ApiError::LimitExceeded { .. } => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            ApiError::Unauthenticated(_) | ApiError::BadSignature { .. } => {
                StatusCode::UNAUTHORIZED
            }
            ApiError::Forbidden | ApiError::AwaitingVerification => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::TooMany { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            ApiError::Unexpected(e) => tracing::error!(error.cause_chain = ?e, "request failed"),
            ApiError::Unavailable(reason) => tracing::warn!(%reason, "dependency unavailable"),
            _ => {}
        }
        let mut res = HttpResponse::build(self.status_code());
        res.content_type("application/problem+json");
        if matches!(self, ApiError::Unauthenticated(_)) {
            res.insert_header(("WWW-Authenticate", "Bearer"));
        }
        if let ApiError::TooMany { retry_after, .. } = self {
            res.insert_header(("Retry-After", retry_after.to_string()));
        }
        if let ApiError::MethodNotAllowed { allow } = self {
            res.insert_header(("Allow", allow.clone()));
        }
        if matches!(self, ApiError::Unavailable(_)) {
            // What was refused was not stored: send it again in a few seconds.
            res.insert_header(("Retry-After", UNAVAILABLE_RETRY_AFTER.to_string()));
        }
        res.json(self.problem())
    }
}

impl From<suyuan_store::StoreError> for ApiError {
    fn from(e: suyuan_store::StoreError) -> Self {
        use suyuan_store::StoreError;
        match e {
            StoreError::NotFound(what) => ApiError::NotFound(what),
            StoreError::Duplicate { field, value } => ApiError::Conflict {
                slug: "duplicate",
                detail_zh: format!("{field} {value} 已登记"),
                detail_en: format!("{field} `{value}` is already registered"),
            },
            e if e.is_unavailable() => ApiError::Unavailable(format!("database: {e}")),
            StoreError::Db(e) => ApiError::Unexpected(e.into()),
            StoreError::Invalid(en, zh) => ApiError::field("body", "invalid", zh, en),
            StoreError::Corrupt(msg) => {
                ApiError::Unexpected(anyhow::anyhow!("corrupt data: {msg}"))
            }
            StoreError::State {
                slug,
                detail_zh,
                detail_en,
            } => ApiError::Conflict {
                slug,
                detail_zh,
                detail_en,
            },
        }
    }
}

/// Maps actix's JSON extractor errors to problem+json naming the field at fault.
pub fn json_error_handler(
    err: actix_web::error::JsonPayloadError,
    _req: &actix_web::HttpRequest,
) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as J;
    let api = match &err {
        J::Overflow { limit } | J::OverflowKnownLength { limit, .. } => {
            ApiError::TooLarge { limit: *limit }
        }
        J::ContentType => ApiError::Malformed {
            detail_zh: "请求须为 application/json".to_owned(),
            detail_en: "the body must be application/json".to_owned(),
            field: None,
        },
        J::Deserialize(e) => ApiError::Malformed {
            detail_zh: format!("JSON 内容有误：{e}"),
            detail_en: format!("invalid JSON: {e}"),
            field: None,
        },
        other => ApiError::Malformed {
            detail_zh: "请求内容无法解析".to_owned(),
            detail_en: other.to_string(),
            field: None,
        },
    };
    actix_web::error::InternalError::from_response(err, api.error_response()).into()
}
