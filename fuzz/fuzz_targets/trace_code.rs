//! The trace-code parsers of `core/src/codes/`: `TraceCode::parse` (every form Suyuan reads) and
//! each form's own parser (GTIN, GS1 element strings bracketed and raw, GS1 Digital Link,
//! Ecode, industrial-internet identifiers, opaque platform codes, application identifiers).
//!
//! Besides "no panic, no hang": every value parsed writes a canonical form that reads back to
//! the same value, and the other forms it writes (raw element string, Digital Link, EPCIS
//! identifiers, URNs, serde) read back to the same identity.
#![no_main]

use libfuzzer_sys::fuzz_target;
use suyuan_core::codes::{
    ApplicationIdentifier, CodeError, CodeKind, DigitalLink, Ecode, Gs1Code, Gtin, IndustrialId,
    OpaqueCode, TraceCode, compute_check_digit,
};

fuzz_target!(|data: &[u8]| {
    let input = String::from_utf8_lossy(data);
    let input = input.as_ref();

    match TraceCode::parse(input) {
        Ok(code) => check_trace_code(&code),
        Err(e) => touch(&e),
    }
    match Gs1Code::parse(input) {
        Ok(code) => check_gs1(&code),
        Err(e) => touch(&e),
    }
    match Gs1Code::parse_element_string(input) {
        Ok(code) => check_gs1(&code),
        Err(e) => touch(&e),
    }
    match Gtin::parse(input) {
        Ok(gtin) => {
            let back = reparse(&gtin.to_string(), Gtin::parse);
            assert_eq!(back, gtin);
            assert_eq!(gtin.as_gtin14().len(), 14);
            assert_eq!(
                compute_check_digit(&gtin.as_gtin14()[..13]),
                Some(gtin.check_digit()),
                "the check digit of {gtin}"
            );
            assert_eq!(reparse(gtin.as_str(), Gtin::parse), gtin);
        }
        Err(e) => touch(&e),
    }
    match Ecode::parse(input) {
        Ok(ecode) => check_ecode(&ecode),
        Err(e) => touch(&e),
    }
    match IndustrialId::parse(input) {
        Ok(id) => check_handle(&id),
        Err(e) => touch(&e),
    }
    match OpaqueCode::parse(input) {
        Ok(code) => {
            assert_eq!(reparse(&code.to_string(), OpaqueCode::parse), code);
            assert_eq!(
                OpaqueCode::new(code.platform(), code.value()).as_ref(),
                Ok(&code)
            );
        }
        Err(e) => touch(&e),
    }
    match DigitalLink::parse(input) {
        Ok(link) => {
            let back = reparse(&link.to_string(), DigitalLink::parse);
            assert_eq!(back, link);
            check_gs1(link.code());
        }
        Err(e) => touch(&e),
    }
    match ApplicationIdentifier::parse(input) {
        Ok(ai) => {
            assert_eq!(ApplicationIdentifier::from_code(ai.code()), Some(ai));
            let _ = (ai.fixed_len(), ai.max_len(), ai.label_en(), ai.label_zh());
        }
        Err(e) => touch(&e),
    }
    if let Some(kind) = CodeKind::from_name(input) {
        assert_eq!(kind.as_str(), input);
    }
    let _ = compute_check_digit(input);
});

/// Every message of an error can be written.
fn touch(e: &CodeError) {
    let _ = (e.to_string(), e.message_zh(), e.code());
}

/// Parses text the library wrote itself; it must read.
fn reparse<T, E: std::fmt::Display>(text: &str, parse: impl Fn(&str) -> Result<T, E>) -> T {
    match parse(text) {
        Ok(v) => v,
        Err(e) => panic!("{text:?}, written by the library, does not read back: {e}"),
    }
}

fn check_trace_code(code: &TraceCode) {
    let canonical = code.to_string();
    assert_eq!(&reparse(&canonical, TraceCode::parse), code, "canonical form {canonical:?}");
    let kind = code.kind();
    assert_eq!(CodeKind::from_name(kind.as_str()), Some(kind));

    let json = match serde_json::to_string(code) {
        Ok(j) => j,
        Err(e) => panic!("{canonical:?} does not serialise: {e}"),
    };
    match serde_json::from_str::<TraceCode>(&json) {
        Ok(back) => assert_eq!(&back, code, "serde of {canonical:?}"),
        Err(e) => panic!("{json} does not deserialise: {e}"),
    }

    let _ = (code.gtin(), code.batch(), code.serial(), code.expiry(), code.is_unit_level());

    // The EPCIS identifier names the same thing (for GS1: without the expiry date).
    let epc = code.to_epc_uri();
    let from_epc = reparse(&epc, TraceCode::parse);
    match code.gs1() {
        Some(gs1) => {
            let without_expiry = Gs1Code::new(gs1.gtin().clone(), gs1.batch(), gs1.serial(), None)
                .unwrap_or_else(|e| panic!("the parts of {gs1} do not make a code: {e}"));
            assert_eq!(from_epc.gs1(), Some(&without_expiry), "EPC URI {epc:?}");
            let class = code.to_class_uri().unwrap_or_else(|| panic!("no class URI"));
            assert_eq!(
                reparse(&class, Gs1Code::parse),
                gs1.class(),
                "class URI {class:?}"
            );
            let link = code
                .digital_link("https://id.example.com/p")
                .unwrap_or_else(|| panic!("no Digital Link"));
            assert_eq!(&reparse(&link, Gs1Code::parse), gs1, "Digital Link {link:?}");
        }
        None => {
            assert_eq!(&from_epc, code, "EPC URI {epc:?}");
            assert!(code.to_class_uri().is_none());
        }
    }

    match code {
        TraceCode::Gs1(gs1) => check_gs1(gs1),
        TraceCode::Ecode(ecode) => check_ecode(ecode),
        TraceCode::Handle(id) => check_handle(id),
        TraceCode::Opaque(opaque) => {
            assert_eq!(&reparse(&opaque.to_string(), OpaqueCode::parse), opaque);
        }
    }
}

fn check_gs1(code: &Gs1Code) {
    let canonical = code.to_string();
    assert_eq!(&reparse(&canonical, Gs1Code::parse), code, "canonical {canonical:?}");
    assert_eq!(canonical, code.to_element_string());
    let raw = code.to_raw_element_string();
    assert_eq!(
        &reparse(&raw, Gs1Code::parse_element_string),
        code,
        "raw element string {raw:?}"
    );
    let link = code.canonical_uri();
    assert_eq!(&reparse(&link, Gs1Code::parse), code, "canonical URI {link:?}");
    let path = code.to_digital_link("");
    assert_eq!(
        &reparse(&path, DigitalLink::parse_path),
        code,
        "resolver path {path:?}"
    );
    let rebuilt = Gs1Code::new(code.gtin().clone(), code.batch(), code.serial(), code.expiry());
    assert_eq!(rebuilt.as_ref(), Ok(code));
    assert_eq!(code.is_unit_level(), code.serial().is_some());
    let as_trace = TraceCode::from(code.clone());
    assert_eq!(
        &reparse(&as_trace.to_string(), TraceCode::parse),
        &as_trace
    );
}

fn check_ecode(ecode: &Ecode) {
    let canonical = ecode.to_string();
    assert_eq!(&reparse(&canonical, Ecode::parse), ecode, "canonical {canonical:?}");
    let urn = ecode.to_urn();
    assert_eq!(&reparse(&urn, Ecode::parse), ecode, "URN {urn:?}");
    let _ = (ecode.version(), ecode.nsi(), ecode.master_data(), ecode.body());
    if let Some(gs1) = ecode.gs1() {
        assert_eq!(ecode.version(), 0);
        check_gs1(gs1);
    }
}

fn check_handle(id: &IndustrialId) {
    let canonical = id.to_string();
    assert_eq!(&reparse(&canonical, IndustrialId::parse), id, "canonical {canonical:?}");
    let urn = id.to_urn();
    assert_eq!(&reparse(&urn, IndustrialId::parse), id, "URN {urn:?}");
    assert_eq!(
        IndustrialId::new(id.prefix(), id.suffix()).as_ref(),
        Ok(id)
    );
}
