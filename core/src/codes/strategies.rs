use super::*;
use proptest::prelude::*;

/// A valid GTIN of any length.
pub fn gtin() -> impl Strategy<Value = Gtin> {
    prop_oneof!["[0-9]{7}", "[0-9]{11}", "[0-9]{12}", "[0-9]{13}",]
        .prop_filter_map("valid body", |body| Gtin::with_check_digit(&body).ok())
}

/// A batch or serial from the GS1 character set 82.
pub fn cs82_text() -> impl Strategy<Value = String> {
    "[!\"%&'()*+,\\-./0-9:;<=>?A-Z_a-z]{1,20}"
}

/// A date a YYMMDD field can hold.
pub fn expiry() -> impl Strategy<Value = NaiveDate> {
    (0i64..36_524).prop_filter_map("in range", |days| {
        NaiveDate::from_ymd_opt(2000, 1, 1)
            .and_then(|d| d.checked_add_signed(chrono::Duration::days(days)))
    })
}

/// A GS1 code with any combination of batch, serial and expiry.
pub fn gs1_code() -> impl Strategy<Value = Gs1Code> {
    (
        gtin(),
        proptest::option::of(cs82_text()),
        proptest::option::of(cs82_text()),
        proptest::option::of(expiry()),
    )
        .prop_filter_map("valid", |(gtin, batch, serial, expiry)| {
            Gs1Code::new(gtin, batch.as_deref(), serial.as_deref(), expiry).ok()
        })
}

/// An Ecode of any supported version.
pub fn ecode() -> impl Strategy<Value = Ecode> {
    prop_oneof![
        gs1_code().prop_map(Ecode::from_gs1),
        ("[0-9]{4}", "[0-9]{13}").prop_filter_map("v1", |(n, m)| Ecode::new(1, &n, &m).ok()),
        ("[0-9]{4}", "[0-9]{17}").prop_filter_map("v2", |(n, m)| Ecode::new(2, &n, &m).ok()),
        ("[0-9]{4}", "[0-9A-Z]{1,34}").prop_filter_map("v3", |(n, m)| Ecode::new(3, &n, &m).ok()),
    ]
}

/// An industrial-internet identifier.
pub fn industrial_id() -> impl Strategy<Value = IndustrialId> {
    ("[0-9]{1,4}(\\.[0-9]{1,5}){1,3}", "[!-~]{1,255}")
        .prop_filter_map("valid", |(p, s)| IndustrialId::new(&p, &s).ok())
}

/// An opaque platform code.
pub fn opaque() -> impl Strategy<Value = OpaqueCode> {
    ("[a-z0-9_-]{1,32}", "\\PC{1,128}")
        .prop_filter_map("valid", |(p, v)| OpaqueCode::new(&p, &v).ok())
}

/// Any trace code.
pub fn trace_code() -> impl Strategy<Value = TraceCode> {
    prop_oneof![
        gs1_code().prop_map(TraceCode::Gs1),
        ecode().prop_map(TraceCode::Ecode),
        industrial_id().prop_map(TraceCode::Handle),
        opaque().prop_map(TraceCode::Opaque),
    ]
}
