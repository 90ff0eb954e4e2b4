use super::*;
use crate::codes::strategies;
use proptest::prelude::*;

fn code(s: &str) -> Gs1Code {
    match Gs1Code::parse(s) {
        Ok(c) => c,
        Err(e) => panic!("{s:?} should parse: {e}"),
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

#[test]
fn the_domain_example_reads_in_both_element_string_forms() {
    let bracketed = code("(01)06901234567892(10)B123(21)S1");
    assert_eq!(bracketed.gtin().as_gtin14(), "06901234567892");
    assert_eq!(bracketed.batch(), Some("B123"));
    assert_eq!(bracketed.serial(), Some("S1"));
    assert_eq!(bracketed.expiry(), None);
    assert_eq!(code("010690123456789210B123\u{1d}21S1"), bracketed);
    assert_eq!(
        bracketed.to_raw_element_string(),
        "010690123456789210B123\u{1d}21S1"
    );
    assert_eq!(bracketed.to_string(), "(01)06901234567892(10)B123(21)S1");
}

#[test]
fn identifiers_may_come_in_any_order_and_render_in_canonical_order() {
    let c = code("(21)S1(10)B123(17)271231(01)06901234567892");
    assert_eq!(
        c.to_element_string(),
        "(01)06901234567892(17)271231(10)B123(21)S1"
    );
    assert_eq!(
        c.to_raw_element_string(),
        "01069012345678921727123110B123\u{1d}21S1"
    );
    assert_eq!(c.expiry(), Some(date(2027, 12, 31)));
}

#[test]
fn scanner_prefixes_and_fnc1_markers_are_understood() {
    let expected = code("(01)06901234567892(10)B123(21)S1");
    for input in [
        "]C1010690123456789210B123\u{1d}21S1",
        "]d2010690123456789210B123\u{1d}21S1",
        "]Q3\u{1d}010690123456789210B123\u{1d}21S1",
        "010690123456789210B123[FNC1]21S1",
        "010690123456789210B123{GS}21S1",
        "010690123456789210B123\u{241D}21S1",
        "010690123456789221S1\u{1d}10B123",
    ] {
        assert_eq!(Gs1Code::parse(input), Ok(expected.clone()), "{input:?}");
    }
    assert_eq!(
        Gs1Code::parse("]E06901234567892"),
        Ok(Gs1Code::from_gtin(expected.gtin().clone()))
    );
    assert_eq!(
        Gs1Code::parse("]X0010690123456789210B1"),
        Err(CodeError::UnsupportedSymbology { id: "]X0".into() })
    );
}

#[test]
fn day_00_means_the_last_day_of_the_month() {
    assert_eq!(
        code("(01)06901234567892(17)240200").expiry(),
        Some(date(2024, 2, 29))
    );
    assert_eq!(
        code("(01)06901234567892(17)251200").expiry(),
        Some(date(2025, 12, 31))
    );
    assert_eq!(
        code("010690123456789217250400").expiry(),
        Some(date(2025, 4, 30))
    );
}

#[test]
fn a_parenthesis_inside_a_value_is_escaped_in_the_bracketed_form() {
    let c = Gs1Code::new(
        code("06901234567892").gtin().clone(),
        Some("A(21)B"),
        Some("(x)"),
        None,
    );
    let Ok(c) = c else { panic!("valid") };
    assert_eq!(
        c.to_element_string(),
        "(01)06901234567892(10)A\\(21)B(21)\\(x)"
    );
    assert_eq!(Gs1Code::parse(&c.to_element_string()), Ok(c.clone()));
    // An unescaped '(' that does not open an identifier stays in the value.
    assert_eq!(code("(01)06901234567892(10)A(B)").batch(), Some("A(B)"));
}

#[test]
fn a_gtin_inside_brackets_may_be_short() {
    assert_eq!(
        code("(01)6901234567892(10)B1"),
        code("(01)06901234567892(10)B1")
    );
}

#[test]
fn a_batch_over_20_characters_is_refused_with_its_length() {
    let err = Gs1Code::parse("(01)06901234567892(10)ABCDEFGHIJKLMNOPQRSTUVW");
    let expected = CodeError::FieldTooLong {
        ai: ApplicationIdentifier::Batch,
        len: 23,
        max: 20,
    };
    assert_eq!(err, Err(expected.clone()));
    assert_eq!(
        expected.to_string(),
        "batch (AI 10) is 23 characters long; at most 20 are allowed"
    );
    assert_eq!(
        expected.message_zh(),
        "批号（AI 10）有 23 个字符，最多允许 20 个"
    );
    assert_eq!(expected.code(), "gs1_field_too_long");
}

#[test]
fn characters_outside_set_82_are_refused_with_their_position() {
    assert_eq!(
        Gs1Code::parse("(01)06901234567892(21)AB C"),
        Err(CodeError::FieldCharacter {
            ai: ApplicationIdentifier::Serial,
            ch: ' ',
            position: 3
        })
    );
    assert_eq!(
        Gs1Code::parse("(01)06901234567892(10)批号"),
        Err(CodeError::FieldCharacter {
            ai: ApplicationIdentifier::Batch,
            ch: '批',
            position: 1
        })
    );
    assert!(matches!(
        Gs1Code::parse("(01)06901234567892(10)"),
        Err(CodeError::EmptyField {
            ai: ApplicationIdentifier::Batch
        })
    ));
}

#[test]
fn unknown_identifiers_are_refused_not_dropped() {
    assert_eq!(
        Gs1Code::parse("(01)06901234567892(11)250101"),
        Err(CodeError::UnknownAi {
            ai: "11".into(),
            position: 19
        })
    );
    assert_eq!(
        Gs1Code::parse("0106901234567892240ABC"),
        Err(CodeError::UnknownAi {
            ai: "240".into(),
            position: 17
        })
    );
    assert_eq!(
        Gs1Code::parse("01069012345678923103000123"),
        Err(CodeError::UnknownAi {
            ai: "3103".into(),
            position: 17
        })
    );
    let message = CodeError::UnknownAi {
        ai: "11".into(),
        position: 19,
    }
    .to_string();
    assert!(message.contains("(11) at position 19"), "{message}");
}

#[test]
fn malformed_element_strings_say_where() {
    assert_eq!(
        Gs1Code::parse("(01)06901234567892(10B1"),
        Err(CodeError::UnclosedBracket { position: 19 })
    );
    assert_eq!(
        Gs1Code::parse("(AB)06901234567892"),
        Err(CodeError::BadAi {
            ai: "AB".into(),
            position: 1
        })
    );
    assert_eq!(Gs1Code::parse("(10)B1"), Err(CodeError::MissingGtin));
    assert_eq!(
        Gs1Code::parse("(01)06901234567892(10)B1(10)B2"),
        Err(CodeError::DuplicateAi {
            ai: ApplicationIdentifier::Batch
        })
    );
    assert_eq!(
        Gs1Code::parse("010690123456789"),
        Err(CodeError::FieldLength {
            ai: ApplicationIdentifier::Gtin,
            expected: 14,
            actual: 13
        })
    );
    assert_eq!(
        Gs1Code::parse("(01)06901234567892(17)2512"),
        Err(CodeError::FieldLength {
            ai: ApplicationIdentifier::Expiry,
            expected: 6,
            actual: 4
        })
    );
    assert_eq!(
        Gs1Code::parse("(01)06901234567892(17)251301"),
        Err(CodeError::InvalidDate {
            value: "251301".into()
        })
    );
    assert_eq!(
        Gs1Code::parse("0106901234567893"),
        Err(CodeError::GtinCheckDigit {
            expected: 2,
            actual: 3
        })
    );
    assert_eq!(
        Gs1Code::parse("01069012345678921x"),
        Err(CodeError::ExpectedAi { position: 17 })
    );
}

#[test]
fn expiry_years_outside_2000_to_2099_are_refused() {
    let gtin = code("06901234567892").gtin().clone();
    assert_eq!(
        Gs1Code::from_gtin(gtin).with_expiry(date(1999, 12, 31)),
        Err(CodeError::DateOutOfRange {
            date: date(1999, 12, 31)
        })
    );
}

#[test]
fn application_identifiers_have_codes_and_labels() {
    assert_eq!(
        ApplicationIdentifier::parse("(10)"),
        Ok(ApplicationIdentifier::Batch)
    );
    assert_eq!(ApplicationIdentifier::Serial.to_string(), "21");
    assert_eq!(
        ApplicationIdentifier::Expiry.label_en(),
        "expiry date (AI 17)"
    );
    assert!(ApplicationIdentifier::parse("99").is_err());
}

proptest! {
    #[test]
    fn a_gs1_code_reads_back_from_every_element_string(c in strategies::gs1_code()) {
        prop_assert_eq!(Gs1Code::parse(&c.to_element_string()), Ok(c.clone()));
        prop_assert_eq!(Gs1Code::parse(&c.to_raw_element_string()), Ok(c.clone()));
        prop_assert_eq!(Gs1Code::parse(&format!("]d2\u{1d}{}", c.to_raw_element_string())), Ok(c.clone()));
        prop_assert_eq!(c.to_string().parse::<Gs1Code>(), Ok(c.clone()));
    }

    #[test]
    fn a_batch_over_20_characters_is_always_refused(batch in "[A-Z0-9]{21,40}") {
        let gtin = code("06901234567892").gtin().clone();
        let result = Gs1Code::new(gtin, Some(&batch), None, None);
        prop_assert_eq!(result, Err(CodeError::FieldTooLong { ai: ApplicationIdentifier::Batch, len: batch.len(), max: 20 }));
    }
}
