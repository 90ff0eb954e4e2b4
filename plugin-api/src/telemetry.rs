//! Tracing: JSON lines in production, readable text in development.

use crate::config::LogFormat;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber once; later calls do nothing.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_env("SUYUAN_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// The root span of every request, like tracing-actix-web's default, except that the logged path
/// never carries a secret: the claim token of `/claim/{token}` is replaced by `{token}`, and query
/// strings (which may hold codes a person typed) are left out.
pub struct RedactingRootSpan;

impl tracing_actix_web::RootSpanBuilder for RedactingRootSpan {
    fn on_request_start(request: &actix_web::dev::ServiceRequest) -> tracing::Span {
        let route = request.match_pattern().unwrap_or_else(|| "default".into());
        use actix_web::HttpMessage as _;
        let request_id = request
            .extensions()
            .get::<tracing_actix_web::RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default();
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = %route,
            http.target = %redact_path(request.path()),
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            request_id = %request_id,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
        )
    }

    fn on_request_end<B: actix_web::body::MessageBody>(
        span: tracing::Span,
        outcome: &Result<actix_web::dev::ServiceResponse<B>, actix_web::Error>,
    ) {
        tracing_actix_web::DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

/// A request path fit for the log: claim tokens replaced.
pub fn redact_path(path: &str) -> String {
    match path.strip_prefix("/claim/") {
        Some(rest) => match rest.split_once('/') {
            Some((_, tail)) => format!("/claim/{{token}}/{tail}"),
            None => "/claim/{token}".to_owned(),
        },
        None => match path.strip_prefix("/api/v1/transfers/claim/") {
            Some(_) => "/api/v1/transfers/claim/{token}".to_owned(),
            None => path.to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::redact_path;

    #[test]
    fn claim_tokens_never_reach_the_log() {
        assert_eq!(
            redact_path("/claim/abcDEF123/qr.svg"),
            "/claim/{token}/qr.svg"
        );
        assert_eq!(redact_path("/claim/abcDEF123"), "/claim/{token}");
        assert_eq!(
            redact_path("/api/v1/transfers/claim/abcDEF123"),
            "/api/v1/transfers/claim/{token}"
        );
        assert_eq!(
            redact_path("/t/(01)09520001000010"),
            "/t/(01)09520001000010"
        );
    }
}
