//! The request log: one span per request, whose logged path never carries a secret.

/// The root span of every request, like tracing-actix-web's default, except that the logged path
/// never carries a secret: the claim token of `/claim/{token}` is replaced by `{token}`, and query
/// strings (which may hold codes a person typed) are left out.
pub struct RedactingRootSpan;

impl tracing_actix_web::RootSpanBuilder for RedactingRootSpan {
    fn on_request_start(request: &actix_web::dev::ServiceRequest) -> tracing::Span {
        let route = matched_route(request).unwrap_or_else(|| "default".into());
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

/// The route pattern a request matched (`None`: no route), looked up once per request and kept in
/// its extensions: finding it walks the whole route table, and both the request log and the
/// metrics need it.
pub fn matched_route(request: &actix_web::dev::ServiceRequest) -> Option<String> {
    use actix_web::HttpMessage as _;
    #[derive(Clone)]
    struct MatchedRoute(Option<String>);
    if let Some(found) = request.extensions().get::<MatchedRoute>() {
        return found.0.clone();
    }
    let route = request.match_pattern();
    request.extensions_mut().insert(MatchedRoute(route.clone()));
    route
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
    use actix_web::test as actix_test;
    use actix_web::{App, HttpResponse, web};

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

    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| std::io::ErrorKind::Other)?
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[actix_web::test]
    async fn a_claim_token_never_reaches_the_request_log() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
            .with_ansi(false)
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);
        let app = actix_test::init_service(
            App::new()
                .wrap(tracing_actix_web::TracingLogger::<super::RedactingRootSpan>::new())
                .route("/claim/{token}", web::get().to(HttpResponse::Ok))
                .route(
                    "/api/v1/transfers/claim/{token}",
                    web::post().to(HttpResponse::Ok),
                )
                .route("/t/{code}", web::get().to(HttpResponse::Ok)),
        )
        .await;
        let secret = "s3cr3t-claim-token-0123456789abcdefghijklmnop";
        for uri in [format!("/claim/{secret}"), "/t/visible-code".to_owned()] {
            let res = actix_test::call_service(
                &app,
                actix_test::TestRequest::get().uri(&uri).to_request(),
            )
            .await;
            assert!(res.status().is_success());
        }
        let api = format!("/api/v1/transfers/claim/{secret}");
        let res =
            actix_test::call_service(&app, actix_test::TestRequest::post().uri(&api).to_request())
                .await;
        assert!(res.status().is_success());
        let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert!(log.contains("/claim/{token}"), "{log}");
        assert!(
            log.contains("/t/visible-code"),
            "other paths are logged as before: {log}"
        );
        assert!(!log.contains(secret), "{log}");
    }
}
