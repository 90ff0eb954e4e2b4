//! Suyuan's HTTP kit, shared by the storefront API (`suyuan-plugin-api`) and the people's pages
//! (`suyuan-dashboards`): the application state every handler reaches, authentication as
//! extractors (one per role and per role set), the pages' seller sessions and CSRF protection as
//! extractors, the pages' HTML answers, problem+json errors, JSON bodies that name the field at
//! fault, request metrics, and short-lived caches of rendered responses.
//!
//! It knows the store only through its functions and types (`suyuan_store::Db`,
//! `StoreError`); it never builds a query.

pub mod auth;
pub mod cache;
pub mod csrf;
pub mod error;
pub mod extract;
pub mod links;
pub mod metrics;
pub mod page;
pub mod rate_limit;
pub mod request_log;
pub mod session;
mod state;

pub use state::{AppState, TransferSettings, WebhookSettings};
