//! Supervision analytics (the guide's chapter 6): compliance scores, completion timeliness,
//! improvement alerts and recall flows, computed with Polars on a columnar mirror of the ledger.
//!
//! The crate computes; it does not schedule, store results or send mail (the server and the
//! store do). Its inputs are the frames of the mirror, whose columns [`frames`] documents; its
//! computations are pure functions from those frames to documented output frames.

pub mod frames;
pub mod generate;
pub mod mirror;
pub mod run;
pub mod recall;
