//! Signed checkpoints of a seller's hash chain, written when a prefix of the chain is purged
//! after the retention period (E-Commerce Law art. 31: 3 years by default).
//!
//! A checkpoint names the chain position and the hash of the last purged event. It is signed
//! (HMAC-SHA256) with a key derived from the installation's secret key, so that the rest of the
//! chain can still be verified from it, and a checkpoint written or altered by anyone without
//! that key is reported. Pure: the caller passes every time.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::secrets::SecretKey;

/// What a checkpoint says: the chain of `seller_id` has been purged through `through_seq`,
/// whose event hash was `last_hash`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// Whose chain.
    pub seller_id: String,
    /// The last purged position.
    pub through_seq: i64,
    /// The chain hash (hex) of the event at `through_seq`: the next event links to it.
    pub last_hash: String,
    /// The retention cut-off: every purged event was recorded before it.
    pub purged_before: DateTime<Utc>,
    /// When the checkpoint was written.
    pub created_at: DateTime<Utc>,
}

impl Checkpoint {
    /// The signed message: a versioned, line-separated rendering (times in whole seconds, as
    /// every database stores them alike).
    fn message(&self) -> String {
        format!(
            "suyuan-ledger-checkpoint-v1\n{}\n{}\n{}\n{}\n{}",
            self.seller_id,
            self.through_seq,
            self.last_hash,
            self.purged_before.timestamp(),
            self.created_at.timestamp()
        )
    }
}

/// The key checkpoints are signed with, derived from the installation's secret key.
#[derive(Clone)]
pub struct CheckpointKey([u8; 32]);

impl std::fmt::Debug for CheckpointKey {
    /// Never prints the key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CheckpointKey(<redacted>)")
    }
}

impl CheckpointKey {
    /// The checkpoint key of an installation.
    pub fn derive(secret: &SecretKey) -> CheckpointKey {
        CheckpointKey(secret.derive("suyuan ledger checkpoint signing key v1"))
    }

    fn mac(&self, checkpoint: &Checkpoint) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(checkpoint.message().as_bytes());
        mac
    }

    /// The signature (hex) of a checkpoint.
    pub fn sign(&self, checkpoint: &Checkpoint) -> String {
        hex::encode(self.mac(checkpoint).finalize().into_bytes())
    }

    /// Whether `signature` (hex) is this key's signature of the checkpoint, compared in
    /// constant time.
    pub fn verifies(&self, checkpoint: &Checkpoint, signature: &str) -> bool {
        match hex::decode(signature.trim()) {
            Ok(tag) => self.mac(checkpoint).verify_slice(&tag).is_ok(),
            Err(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn checkpoint() -> Checkpoint {
        Checkpoint {
            seller_id: "sel_01JD0000000000000000000000".into(),
            through_seq: 42,
            last_hash: "ab".repeat(32),
            purged_before: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            created_at: DateTime::from_timestamp(1_800_000_000, 5).unwrap(),
        }
    }

    #[test]
    fn a_signed_checkpoint_verifies_and_any_change_is_caught() {
        let key = CheckpointKey::derive(&SecretKey::generate());
        let c = checkpoint();
        let sig = key.sign(&c);
        assert!(key.verifies(&c, &sig));
        let mut later = c.clone();
        later.through_seq = 43;
        assert!(!key.verifies(&later, &sig));
        let mut other_hash = c.clone();
        other_hash.last_hash = "cd".repeat(32);
        assert!(!key.verifies(&other_hash, &sig));
        let mut other_seller = c.clone();
        other_seller.seller_id = "sel_01JD0000000000000000000001".into();
        assert!(!key.verifies(&other_seller, &sig));
        assert!(!key.verifies(&c, "not hex"));
        let another = CheckpointKey::derive(&SecretKey::generate());
        assert!(!another.verifies(&c, &sig), "another installation's key");
    }

    #[test]
    fn sub_second_precision_lost_in_storage_does_not_matter() {
        let key = CheckpointKey::derive(&SecretKey::generate());
        let c = checkpoint();
        let sig = key.sign(&c);
        let mut stored = c.clone();
        stored.created_at = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        assert!(key.verifies(&stored, &sig));
        assert!(!format!("{key:?}").contains(&sig[..8]));
    }
}
