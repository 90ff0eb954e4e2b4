//! End-to-end and storage tests for Suyuan: one test binary, every storage test on SQLite and
//! PostgreSQL.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod suyuan {
    pub mod access;
    pub mod accounts;
    pub mod analytics;
    pub mod api;
    pub mod app_pages;
    pub mod browser_dashboards;
    pub mod classification;
    pub mod custody;
    pub mod dashboards;
    pub mod demo;
    pub mod domains;
    pub mod fixtures;
    pub mod flags;
    pub mod imports;
    pub mod instances;
    pub mod ledger;
    pub mod mail;
    pub mod marketplace;
    pub mod mirror;
    pub mod operators;
    pub mod outage;
    pub mod personal_data;
    pub mod rate_limits;
    pub mod recall;
    pub mod receipts;
    pub mod records;
    pub mod retention;
    pub mod scenario;
    pub mod submissions;
    pub mod transfers;
    pub mod trust;
    pub mod webhook_trust;
    pub mod widgets;
}
