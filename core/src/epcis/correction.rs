//! Corrections as EPCIS 2.0 makes them: the wrong event is never edited; a declaration copy of
//! it carries an `errorDeclaration`, and a corrective event replaces it.

use super::builder::RawDeclaration;
use super::error::EpcisError;
use super::event::{TraceEvent, new_event_id, utc_text};
use super::vocab::ErrorReason;
use chrono::{DateTime, SubsecRound, Utc};
use std::collections::BTreeMap;

/// A corrected record: the declaration copy of the wrong event and, for wrong data, the event
/// that replaces it. Store both; the original stays.
#[derive(Clone, Debug, PartialEq)]
pub struct Correction {
    /// A copy of the original (same eventID, same eventTime) with an `errorDeclaration`, recorded
    /// at the declaration time.
    pub declaration: TraceEvent,
    /// The event with the right data, under its own eventID, which the declaration lists in
    /// `correctiveEventIDs`.
    pub corrective: Option<TraceEvent>,
}

impl TraceEvent {
    /// Declares `original` wrong, as EPCIS 2.0 does: the declaration is a new copy of the
    /// original event (same eventID, same eventTime) carrying an `errorDeclaration` with
    /// `declaration_time` and `reason`, recorded at `declaration_time`; the corrected event (if
    /// any) is a separate event whose eventID the declaration lists in `correctiveEventIDs`.
    ///
    /// `corrected` may be built with [`TraceEvent::to_builder`] on the original. If it still has
    /// the original's eventID, it gets a new one. A correction for `incorrect_data` needs it.
    pub fn correction_of(
        original: &TraceEvent,
        reason: ErrorReason,
        corrected: Option<TraceEvent>,
        declaration_time: DateTime<Utc>,
    ) -> Result<Correction, EpcisError> {
        if original.error_declaration.is_some() {
            return Err(EpcisError::AlreadyDeclared {
                event_id: original.event_id.clone(),
            });
        }
        let declaration_time = declaration_time.trunc_subsecs(6);
        if declaration_time < original.record_time {
            return Err(EpcisError::DeclarationBeforeRecord {
                declaration_time: utc_text(declaration_time),
                record_time: utc_text(original.record_time),
                event_id: original.event_id.clone(),
            });
        }
        let corrective = match corrected {
            Some(mut event) => {
                if event.error_declaration.is_some() {
                    return Err(EpcisError::CorrectiveIsDeclaration {
                        event_id: event.event_id,
                    });
                }
                if event.event_id == original.event_id {
                    event.event_id = new_event_id();
                }
                Some(event)
            }
            None if reason == ErrorReason::IncorrectData => {
                return Err(EpcisError::MissingCorrectiveEvent);
            }
            None => None,
        };
        let mut builder = original.to_builder();
        builder.event_id = Some(original.event_id.clone());
        builder.record_time = declaration_time;
        builder.error_declaration = Some(RawDeclaration {
            declaration_time,
            reason,
            corrective_event_ids: corrective.iter().map(|e| e.event_id.clone()).collect(),
            foreign_extensions: BTreeMap::new(),
        });
        let declaration = builder.build()?;
        Ok(Correction {
            declaration,
            corrective,
        })
    }
}
