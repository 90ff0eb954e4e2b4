use super::*;
use proptest::prelude::*;

fn gs1(s: &str) -> TraceCode {
    match TraceCode::parse(s) {
        Ok(code) => code,
        Err(e) => panic!("{s:?} should parse: {e}"),
    }
}

#[test]
fn a_bare_gtin_is_a_gs1_code_shown_as_an_element_string() {
    let code = gs1("6291041500213");
    assert_eq!(code.kind(), CodeKind::Gs1);
    assert_eq!(code.to_string(), "(01)06291041500213");
    assert_eq!(
        code.gtin().map(Gtin::to_gtin14).as_deref(),
        Some("06291041500213")
    );
    assert!(!code.is_unit_level());
}

#[test]
fn every_gs1_form_reads_as_the_same_code() {
    let bracketed = gs1("(01)06901234567892(10)B123(21)S1");
    let raw = gs1("010690123456789210B123\u{1d}21S1");
    let scanned = gs1("]Q3010690123456789210B123\u{1d}21S1");
    let link = gs1("https://id.example.com/01/06901234567892/10/B123/21/S1");
    assert_eq!(bracketed, raw);
    assert_eq!(bracketed, scanned);
    assert_eq!(bracketed, link);
    assert_eq!(bracketed.to_string(), "(01)06901234567892(10)B123(21)S1");
    assert_eq!(bracketed.batch(), Some("B123"));
    assert_eq!(bracketed.serial(), Some("S1"));
    assert!(bracketed.is_unit_level());
}

#[test]
fn a_raw_element_string_without_separators_is_recognised_by_its_01_prefix() {
    let code = gs1("010690123456789210B123");
    assert_eq!(code.batch(), Some("B123"));
    // A batch holding `.` and `/` does not turn the string into a handle.
    let code = gs1("010690123456789210.0/");
    assert_eq!(code.batch(), Some(".0/"));
    let code = gs1("010690123456789210.0/x");
    assert_eq!(code.batch(), Some(".0/x"));
}

#[test]
fn epc_and_class_uris_use_the_gs1_resolver() {
    let code = gs1("(01)06901234567892(17)271231(10)B/1(21)S1");
    assert_eq!(
        code.to_epc_uri(),
        "https://id.gs1.org/01/06901234567892/10/B%2F1/21/S1"
    );
    assert_eq!(
        code.to_class_uri().as_deref(),
        Some("https://id.gs1.org/01/06901234567892/10/B%2F1")
    );
    assert_eq!(
        code.digital_link("https://id.example.com/").as_deref(),
        Some("https://id.example.com/01/06901234567892/10/B%2F1/21/S1?17=271231")
    );
}

#[test]
fn an_ecode_needs_its_prefix() {
    let code = gs1("Ecode:100011234567890123");
    assert_eq!(code.kind(), CodeKind::Ecode);
    assert_eq!(code.to_string(), "Ecode:100011234567890123");
    assert_eq!(code.to_epc_uri(), "urn:ecode:100011234567890123");
    assert!(code.is_unit_level());
    assert!(code.gtin().is_none());
    let bare = TraceCode::parse("100011234567890123");
    assert_eq!(bare.map_err(|e| e.code()), Err("code_unrecognized"));
}

#[test]
fn a_version_0_ecode_exposes_its_gs1_content() {
    let code = gs1("ecode:0(01)06901234567892(10)B1");
    assert_eq!(code.kind(), CodeKind::Ecode);
    assert_eq!(code.batch(), Some("B1"));
    assert!(!code.is_unit_level());
    assert_eq!(
        code.to_epc_uri(),
        "https://id.gs1.org/01/06901234567892/10/B1"
    );
}

#[test]
fn an_industrial_internet_identifier_is_recognised_by_its_prefix() {
    let code = gs1("88.118.8/ABC-123");
    assert_eq!(code.kind(), CodeKind::Handle);
    assert_eq!(code.to_string(), "88.118.8/ABC-123");
    assert_eq!(code.to_epc_uri(), "urn:idis:88.118.8/ABC-123");
    assert_eq!(TraceCode::parse("urn:idis:88.118.8/ABC-123"), Ok(code));
}

#[test]
fn an_opaque_code_is_only_read_from_its_explicit_form() {
    let code = TraceCode::opaque("douyin", "DY 8842#a");
    let Ok(code) = code else {
        panic!("valid opaque code")
    };
    assert_eq!(code.to_string(), "urn:suyuan:code:douyin:DY%208842%23a");
    assert_eq!(TraceCode::parse(&code.to_string()), Ok(code.clone()));
    assert_eq!(code.kind().as_str(), "opaque");
    assert_eq!(code.to_epc_uri(), code.to_string());
    let err = TraceCode::parse("DY-8842");
    let Err(err) = err else {
        panic!("an unknown form must be an error")
    };
    assert_eq!(err.code(), "code_unrecognized");
    assert!(err.to_string().contains("tried GS1 Digital Link"), "{err}");
    assert!(err.message_zh().contains("已尝试"));
}

#[test]
fn digits_of_the_wrong_length_are_reported_as_a_gtin_length() {
    assert_eq!(
        TraceCode::parse("69012345678"),
        Err(CodeError::GtinLength { len: 11 })
    );
    assert_eq!(TraceCode::parse("   "), Err(CodeError::Empty));
}

#[test]
fn trace_codes_go_through_serde_as_their_canonical_string() {
    let code = gs1("https://x.cn/01/6901234567892/21/S1");
    let json = serde_json::to_string(&code).ok();
    assert_eq!(json.as_deref(), Some("\"(01)06901234567892(21)S1\""));
    let back: Result<TraceCode, _> = serde_json::from_str("\"(01)06901234567892(21)S1\"");
    assert_eq!(back.ok(), Some(code));
    let bad: Result<TraceCode, _> = serde_json::from_str("\"(01)06901234567893\"");
    assert!(bad.is_err());
}

#[test]
fn code_kinds_have_stable_names() {
    let names: Vec<_> = CodeKind::ALL.iter().map(|k| k.as_str()).collect();
    assert_eq!(names, ["gs1", "ecode", "handle", "opaque"]);
    assert_eq!(CodeKind::from_name("handle"), Some(CodeKind::Handle));
    assert_eq!(CodeKind::from_name("gtin"), None);
    assert_eq!(
        serde_json::to_string(&CodeKind::Gs1).ok().as_deref(),
        Some("\"gs1\"")
    );
}

#[test]
fn every_error_has_a_chinese_message_and_a_snake_case_code() {
    let errors = [
        TraceCode::parse(""),
        TraceCode::parse("6291041500214"),
        TraceCode::parse("(01)06901234567892(99)X"),
        TraceCode::parse("https://x.cn/01/06901234567892/21/S/10/B"),
        TraceCode::parse("Ecode:9"),
        TraceCode::parse("88.118.8/a b"),
        TraceCode::parse("urn:suyuan:code:Bad Platform:x"),
        TraceCode::parse("hello"),
    ];
    for result in errors {
        let Err(e) = result else {
            panic!("expected an error, got {result:?}")
        };
        assert!(!e.message_zh().is_empty());
        assert!(
            e.code()
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit()),
            "{}",
            e.code()
        );
    }
}

proptest! {
    #[test]
    fn every_trace_code_reads_back_from_its_display(code in strategies::trace_code()) {
        let shown = code.to_string();
        prop_assert_eq!(TraceCode::parse(&shown), Ok(code.clone()));
        let padded = format!("  {shown}\n");
        prop_assert_eq!(TraceCode::parse(&padded), Ok(code.clone()));
        let json = serde_json::to_string(&code).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let back: TraceCode = serde_json::from_str(&json).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(back, code);
    }

    #[test]
    fn gs1_codes_read_back_from_every_render(code in strategies::gs1_code()) {
        let expected = TraceCode::Gs1(code.clone());
        prop_assert_eq!(TraceCode::parse(&code.to_element_string()), Ok(expected.clone()));
        prop_assert_eq!(TraceCode::parse(&code.to_raw_element_string()), Ok(expected.clone()));
        prop_assert_eq!(TraceCode::parse(&code.to_digital_link("https://id.example.com/p/01/x")), Ok(expected.clone()));
        prop_assert_eq!(TraceCode::parse(&code.canonical_uri()), Ok(expected));
    }

    #[test]
    fn epc_uris_never_hold_spaces(code in strategies::trace_code()) {
        let uri = code.to_epc_uri();
        prop_assert!(!uri.chars().any(|c| c.is_whitespace() || c.is_control()), "{}", uri);
        prop_assert!(uri.is_ascii(), "{}", uri);
    }
}
