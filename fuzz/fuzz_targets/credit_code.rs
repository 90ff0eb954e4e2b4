//! The unified social credit code parser (`core/src/credit_code.rs`, GB 32100-2015) and the
//! GB/T 2260 division code it embeds.
//!
//! Besides "no panic, no hang": a code read once reads back to itself (also in lower case, and
//! through serde), its check character is the one `with_check_character` computes from its
//! first 17, and its parts slice the 18 characters.
#![no_main]

use libfuzzer_sys::fuzz_target;
use suyuan_core::credit_code::CreditCode;
use suyuan_core::division::DivisionCode;

fuzz_target!(|data: &[u8]| {
    let input = String::from_utf8_lossy(data);
    let input = input.as_ref();

    match CreditCode::parse(input) {
        Ok(code) => {
            let text = code.as_str();
            assert_eq!(text.len(), 18, "{text:?}");
            assert_eq!(text, text.to_ascii_uppercase());
            assert_eq!(text, input.trim().to_ascii_uppercase());
            assert_eq!(CreditCode::parse(text).as_ref(), Ok(&code));
            assert_eq!(CreditCode::parse(&text.to_ascii_lowercase()).as_ref(), Ok(&code));
            assert_eq!(CreditCode::with_check_character(&text[..17]).as_ref(), Ok(&code));
            assert_eq!(code.to_string(), text);
            let parts = format!(
                "{}{}{}{}{}",
                code.registration_authority(),
                code.organization_category(),
                code.division_digits(),
                code.organization_code(),
                code.check()
            );
            assert_eq!(parts, text);
            if let Some(division) = code.division_code() {
                assert_eq!(division.as_str(), code.division_digits());
            }
            match serde_json::to_string(&code).map(|j| serde_json::from_str::<CreditCode>(&j)) {
                Ok(Ok(back)) => assert_eq!(back, code),
                other => panic!("serde of {text}: {other:?}"),
            }
        }
        Err(e) => {
            let _ = (e.to_string(), e.message_zh(), e.code());
        }
    }

    match CreditCode::with_check_character(input) {
        Ok(code) => {
            assert_eq!(&code.as_str()[..17], input.trim().to_ascii_uppercase());
            assert_eq!(CreditCode::parse(code.as_str()).as_ref(), Ok(&code));
        }
        Err(e) => {
            let _ = (e.to_string(), e.message_zh(), e.code());
        }
    }

    match DivisionCode::parse(input) {
        Ok(division) => {
            assert_eq!(DivisionCode::parse(division.as_str()).as_ref(), Ok(&division));
            let _ = (division.level(), division.province_name_zh(), division.province_code());
            let province = division.province();
            assert_eq!(province.province(), province);
            if let Some(city) = division.city() {
                assert_eq!(city.province(), province);
            }
        }
        Err(e) => {
            let _ = (e.to_string(), e.message_zh(), e.code());
        }
    }
});
