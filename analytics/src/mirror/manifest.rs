//! The manifest: the one file that says what the mirror holds. Parts not named in it do not
//! exist as far as any reader is concerned (a run that crashed after writing a part and before
//! writing the manifest left it; the next run removes it).

use crate::mirror::MirrorError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs;
use std::io::Write as _;
use std::path::Path;

/// The manifest's file name, in the generation directory.
pub const FILE: &str = "manifest.json";

/// What the mirror holds, written atomically (a temporary file renamed over the old one) after
/// the parts it names.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Layout version.
    pub version: u32,
    /// The last event id mirrored (ids are ULIDs: creation order), or none.
    pub watermark: Option<String>,
    /// Parts of the `events` frame, relative to the generation directory.
    pub events: Vec<String>,
    /// Parts of the `event_codes` frame.
    pub event_codes: Vec<String>,
    /// The current file of each snapshot (`sales`, `transfers`, …).
    pub snapshots: BTreeMap<String, String>,
    /// Events mirrored.
    pub event_rows: u64,
    /// Event codes mirrored.
    pub event_code_rows: u64,
    /// Runs so far.
    pub runs: u64,
}

impl Manifest {
    /// Reads the manifest of a generation directory (an empty one when there is none yet).
    pub fn read(dir: &Path) -> Result<Manifest, MirrorError> {
        let path = dir.join(FILE);
        match fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| MirrorError::Manifest {
                path: path.display().to_string(),
                reason: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Manifest {
                version: 1,
                ..Manifest::default()
            }),
            Err(e) => Err(MirrorError::io(&path, e)),
        }
    }

    /// Writes it atomically: to a temporary file, synced, renamed over the old one, and the
    /// directory synced, so a reader sees the old manifest or the new one, never a mix.
    pub fn write(&self, dir: &Path) -> Result<(), MirrorError> {
        let tmp = dir.join(format!("{FILE}.tmp"));
        let path = dir.join(FILE);
        let bytes = serde_json::to_vec_pretty(self).map_err(|e| MirrorError::Manifest {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        let mut file = fs::File::create(&tmp).map_err(|e| MirrorError::io(&tmp, e))?;
        file.write_all(&bytes)
            .map_err(|e| MirrorError::io(&tmp, e))?;
        file.sync_all().map_err(|e| MirrorError::io(&tmp, e))?;
        fs::rename(&tmp, &path).map_err(|e| MirrorError::io(&path, e))?;
        sync_dir(dir)
    }

    /// Every file the manifest names.
    pub fn files(&self) -> impl Iterator<Item = &String> {
        self.events
            .iter()
            .chain(self.event_codes.iter())
            .chain(self.snapshots.values())
    }
}

/// Syncs a directory, so a rename in it is durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), MirrorError> {
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| MirrorError::io(dir, e))
}
