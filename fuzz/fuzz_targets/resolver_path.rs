//! The GS1 Digital Link resolver's input: the request path the dashboards' `digital_link`
//! handler hands to `DigitalLink::parse_path` (`/01/{gtin}[/10/{batch}][/21/{serial}]`, any
//! prefix, percent-encoded segments; a query when one is passed), and the `/t/{code}` page's
//! percent-decoded `TraceCode::parse`.
//!
//! Besides "no panic, no hang": a code read from a path writes a resolver path (and a link on
//! any base) that reads back to the same code, and the path with a prefix before `/01/` reads
//! the same code too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use suyuan_core::codes::{DigitalLink, Gs1Code, TraceCode};

fuzz_target!(|data: &[u8]| {
    let path = String::from_utf8_lossy(data);
    let path = path.as_ref();

    match DigitalLink::parse_path(path) {
        Ok(code) => {
            let written = code.to_digital_link("");
            assert_eq!(
                &reread(&written, DigitalLink::parse_path),
                &code,
                "resolver path {written:?}"
            );
            let link = code.to_digital_link("https://trace.example.cn/");
            assert_eq!(
                reread(&link, DigitalLink::parse).code(),
                &code,
                "link {link:?}"
            );
            if path.trim_start().starts_with('/') {
                let prefixed = format!("/products{}", path.trim());
                assert_eq!(
                    reread(&prefixed, DigitalLink::parse_path),
                    code,
                    "prefixed path {prefixed:?}"
                );
            }
            let as_trace = TraceCode::from(code.clone());
            assert_eq!(reread(&as_trace.to_string(), TraceCode::parse), as_trace);
        }
        Err(e) => {
            let _ = (e.to_string(), e.message_zh(), e.code());
        }
    }

    // `/t/{code}`: the segment is percent-decoded (lossily) and read as any code form.
    let decoded = percent_decode_lossy(path);
    match TraceCode::parse(&decoded) {
        Ok(code) => {
            assert_eq!(reread(&code.to_string(), TraceCode::parse), code);
            if let Some(gs1) = code.gs1() {
                let written = gs1.to_digital_link("");
                assert_eq!(&reread(&written, DigitalLink::parse_path), gs1);
                assert_eq!(&reread(&written, |p| Gs1Code::parse(&format!("https://h{p}"))), gs1);
            }
        }
        Err(e) => {
            let _ = (e.to_string(), e.message_zh(), e.code());
        }
    }
});

/// What `code_page` does with its path segment.
fn percent_decode_lossy(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// Parses text the library wrote itself; it must read.
fn reread<T, E: std::fmt::Display>(text: &str, parse: impl Fn(&str) -> Result<T, E>) -> T {
    match parse(text) {
        Ok(v) => v,
        Err(e) => panic!("{text:?}, written by the library, does not read back: {e}"),
    }
}
