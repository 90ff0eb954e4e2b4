//! sea-orm entities: the rows as stored. They never go on the wire; the API maps them to its
//! own `Out` types, and all tenant reads go through the scoped helpers in [the crate root](crate).
#![allow(missing_docs)] // generated items of the sea-orm derives

pub mod account;
pub mod account_link;
pub mod account_session;
pub mod analytics_alert;
pub mod analytics_alert_event;
pub mod analytics_overdue;
pub mod analytics_overview;
pub mod analytics_score;
pub mod analytics_timeliness;
pub mod code_flag;
pub mod code_scan;
pub mod ledger_checkpoint;
pub mod listing;
pub mod listing_code;
pub mod mail_job;
pub mod mail_preference;
pub mod operator;
pub mod operator_delivery;
pub mod operator_subscription;
pub mod platform;
pub mod platform_credential;
pub mod recall;
pub mod recall_change;
pub mod routing_rule;
pub mod sale;
pub mod sale_line;
pub mod seller;
pub mod shop;
pub mod submission;
pub mod submission_cursor;
pub mod supervisor;
pub mod trace_event;
pub mod trace_event_code;
pub mod transfer;
pub mod webhook_inbox;
