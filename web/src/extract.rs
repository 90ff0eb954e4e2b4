//! `JsonBody<T>`: reads a JSON body with a size limit and, when it does not fit `T`, answers
//! problem+json naming the exact field path (`items[2].quantity`) and the reason.

use crate::error::ApiError;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

/// The largest JSON body the API accepts.
pub const JSON_LIMIT: usize = 1024 * 1024;

/// A JSON request body parsed into `T`.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

/// Parses bytes as JSON into `T`, naming the field path on failure.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let field = if path == "." || path.is_empty() {
            None
        } else {
            Some(path)
        };
        ApiError::Malformed {
            detail_zh: match &field {
                Some(f) => format!("字段 {f} 有误：{inner}"),
                None => format!("JSON 内容有误：{inner}"),
            },
            detail_en: match &field {
                Some(f) => format!("{f}: {inner}"),
                None => format!("invalid JSON: {inner}"),
            },
            field,
        }
    })
}

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let content_type_ok = req
            .headers()
            .get(actix_web::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                let v = v.to_ascii_lowercase();
                v.starts_with("application/json")
                    || (v.starts_with("application/") && v.contains("+json"))
            })
            .unwrap_or(false);
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !content_type_ok {
                return Err(ApiError::Malformed {
                    detail_zh: "请求须为 application/json".to_owned(),
                    detail_en: "Content-Type must be application/json".to_owned(),
                    field: None,
                });
            }
            let body =
                bytes
                    .await
                    .map_err(|e| match e.as_response_error().status_code().as_u16() {
                        413 => ApiError::TooLarge { limit: JSON_LIMIT },
                        _ => ApiError::Malformed {
                            detail_zh: "请求内容读取失败".to_owned(),
                            detail_en: e.to_string(),
                            field: None,
                        },
                    })?;
            parse_json(&body).map(JsonBody)
        })
    }
}
