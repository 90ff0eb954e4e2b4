//! The Suyuan service: the actix-web application, its configuration, authentication, and the
//! `suyuan` command line (serve, migrate, token, verify, export).

pub mod auth;
pub mod cli;
pub mod config;
pub mod demo;
pub mod error;
pub mod extract;
pub mod import;
pub mod intake;
pub mod mail;
pub mod metrics;
pub mod netpolicy;
pub mod openapi;
pub mod platforms;
pub mod public;
pub mod routes;
pub mod startup;
pub mod submit;
pub mod telemetry;
