//! End-to-end and storage tests for Suyuan: one test binary, every storage test on SQLite and
//! PostgreSQL.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod suyuan {
    pub mod api;
    pub mod app_pages;
    pub mod classification;
    pub mod demo;
    pub mod fixtures;
    pub mod flags;
    pub mod imports;
    pub mod ledger;
    pub mod marketplace;
    pub mod operators;
    pub mod receipts;
    pub mod scenario;
    pub mod submissions;
    pub mod transfers;
    pub mod widgets;
}
