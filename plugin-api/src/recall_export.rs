//! A recall flow written out for people (CSV, XLSX, a plain-text table): the code lives in
//! `suyuan_widgets::recall_export`, shared with the supervisors' pages.

pub use suyuan_widgets::recall_export::{csv, table, xlsx};
