//! The `suyuan` command (`suyuan serve`, `migrate`, `token`, `verify`, `export`, `import`): its
//! configuration, the startup that composes the storefront API (`suyuan-plugin-api`) and the
//! people's pages (`suyuan-dashboards`) into one actix-web application, the background tasks
//! it runs, and the demo data.

pub mod analytics;
pub mod cli;
pub mod config;
pub mod demo;
mod import_command;
pub mod startup;
pub mod telemetry;
