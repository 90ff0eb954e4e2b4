//! The Standard webhook adapter: signature check, payload parsing and redaction on an arbitrary
//! delivery (headers, body, secrets; see `suyuan_fuzz::Delivery` for the input framing).
#![no_main]

use libfuzzer_sys::fuzz_target;
use suyuan_core::marketplace::Marketplace;

fuzz_target!(|data: &[u8]| {
    suyuan_fuzz::webhook(Marketplace::Standard, data);
});
