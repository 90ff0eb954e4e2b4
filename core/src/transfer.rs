//! Guiding the next tier (指引下一级, guide 5.6): what a distributor or agent adds when it
//! claims a transfer into a receipt of its own.

use crate::china_time;
use crate::receipt::{InspectionResult, parse_time};
use crate::validation::{self, Errors, FieldError};
use chrono::{DateTime, FixedOffset, Utc};
use serde::Deserialize;
use utoipa::ToSchema;

/// What the claimant adds to the pre-filled receipt.
#[derive(Clone, Debug, Default)]
pub struct ClaimInput {
    /// When the goods arrived (default now).
    pub received_at: Option<DateTime<FixedOffset>>,
    /// Certificate number checked (default: the one the sender recorded).
    pub certificate_number: Option<String>,
    /// Certificate check result.
    pub certificate_result: Option<String>,
    /// Inspection result.
    pub inspection: Option<InspectionResult>,
    /// Reasons, when not all accepted.
    pub inspection_notes: Option<String>,
    /// Who inspected.
    pub inspector: Option<String>,
}

/// What the claimant adds to the pre-filled receipt.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimIn {
    /// When the goods arrived (RFC 3339 or a date); default now.
    pub received_at: Option<String>,
    /// Certificate number checked (default: the one the sender recorded).
    pub certificate_number: Option<String>,
    /// Certificate check result: `valid`, `invalid`, `expired`, `not_found`.
    pub certificate_result: Option<String>,
    /// Inspection result: `accepted`, `rejected` or `partly_accepted`.
    pub inspection_result: Option<String>,
    /// Reasons, when not all accepted.
    pub inspection_notes: Option<String>,
    /// Who inspected.
    pub inspector: Option<String>,
}

fn blank_to_none(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|v| !v.is_empty())
}

/// A received date for [`parse_time`]: blank, or today's date in China (which `parse_time` would
/// read as noon, in the future every morning), means now.
pub fn received_date(v: Option<&str>, now: DateTime<Utc>) -> Option<&str> {
    let v = blank_to_none(v)?;
    let today = china_time::china_date(now).to_string();
    if today == v { None } else { Some(v) }
}

impl ClaimIn {
    /// Parses every field, naming each bad one.
    pub fn parse(&self, now: DateTime<Utc>) -> Result<ClaimInput, Vec<FieldError>> {
        let mut e = Errors::default();
        let received_at = match received_date(self.received_at.as_deref(), now) {
            Some(t) => e.check(parse_time("received_at", Some(t), now)),
            None => None,
        };
        let text = |e: &mut Errors, field: &str, v: Option<&str>, max: usize| {
            blank_to_none(v).and_then(|v| e.check(validation::bounded_text(field, v, max)))
        };
        let certificate_number = text(
            &mut e,
            "certificate_number",
            self.certificate_number.as_deref(),
            100,
        );
        let certificate_result = match blank_to_none(self.certificate_result.as_deref()) {
            None => None,
            Some(r @ ("valid" | "invalid" | "expired" | "not_found")) => Some(r.to_owned()),
            Some(other) => {
                e.0.push(FieldError::new(
                    "certificate_result",
                    "unknown_result",
                    "证书核验结果须为 valid、invalid、expired 或 not_found",
                    format!("`{other}` is not valid, invalid, expired or not_found"),
                ));
                None
            }
        };
        let inspection = match blank_to_none(self.inspection_result.as_deref()) {
            None => None,
            Some("accepted") => Some(InspectionResult::Accepted),
            Some("rejected") => Some(InspectionResult::Rejected),
            Some("partly_accepted") => Some(InspectionResult::PartlyAccepted),
            Some(other) => {
                e.0.push(FieldError::new(
                    "inspection_result",
                    "unknown_result",
                    "查验结果须为 accepted、rejected 或 partly_accepted",
                    format!("`{other}` is not accepted, rejected or partly_accepted"),
                ));
                None
            }
        };
        let inspection_notes = text(
            &mut e,
            "inspection_notes",
            self.inspection_notes.as_deref(),
            1000,
        );
        let inspector = text(&mut e, "inspector", self.inspector.as_deref(), 100);
        e.finish()?;
        Ok(ClaimInput {
            received_at,
            certificate_number,
            certificate_result,
            inspection,
            inspection_notes,
            inspector,
        })
    }
}
