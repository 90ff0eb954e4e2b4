//! URLs the service hands to people: claim links (in pages, API answers and e-mails) and the
//! resolver URL a code's QR code carries.

/// The claim page of a transfer: `{public_url}/claim/{token}`.
pub fn claim_url(public_url: &str, token: &str) -> String {
    format!("{public_url}/claim/{token}")
}

/// The resolver URL of a code on this service (a GS1 Digital Link path for GS1 codes).
pub fn resolver_url(public_url: &str, code: &suyuan_core::codes::TraceCode) -> String {
    code.digital_link(public_url)
        .unwrap_or_else(|| suyuan_widgets::trace_url_for_code(public_url, &code.to_string()))
}
