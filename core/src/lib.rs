//! Suyuan's domain: trace codes, unified social credit codes, division codes, the catalogue of key
//! industrial products, EPCIS 2.0 trace events, marketplace dialects and tenants. No database, no
//! HTTP: persistence lives in `suyuan-store`.
//!
//! Every value here is parsed once into a type that cannot hold an invalid state, and every error
//! says what is wrong and where, in English (`Display`) and Chinese (`message_zh`).

pub mod accounts;
pub mod catalogue;
pub mod checkpoint;
pub mod china_time;
pub mod codes;
pub mod completeness;
pub mod credit_code;
pub mod custody;
pub mod dashboard;
pub mod division;
pub mod domain_proof;
pub mod epcis;
pub mod ids;
pub mod mail;
pub mod marketplace;
pub mod recall;
pub mod receipt;
pub mod record;
pub mod retry;
pub mod sale;
pub mod secrets;
pub mod standing;
pub mod supervision;
pub mod tenancy;
pub mod timeliness;
pub mod transfer;
pub mod validation;
