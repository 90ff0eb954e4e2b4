//! Secrets at rest (marketplace webhook secrets, platform credentials, operator subscription
//! secrets, claim tokens kept for reminders), sealed with XChaCha20-Poly1305 under the
//! installation's `SUYUAN_SECRET_KEY`.
//!
//! A sealed value is bound to where it is stored: the table, the row and the column go into the
//! AEAD's associated data ([`Binding`]), so a value copied into another row or column does not
//! open. The format carries its version: `v2:` + base64(nonce ‖ ciphertext) is bound; `v1:`
//! (before binding) still opens, and [`SecretKey::is_unbound`] tells the store which values to
//! seal again (it does at startup).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore as _;
use std::fmt;

/// Why a key or a sealed secret could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// The key is not 32 bytes of standard base64.
    #[error("the secret key must be 32 bytes encoded as standard base64 (44 characters); got {0}")]
    BadKey(String),
    /// The sealed value is not in the `v2:<base64>` (or older `v1:`) form.
    #[error("sealed secret is malformed")]
    Malformed,
    /// The ciphertext does not open with this key (wrong key, or the value was altered).
    #[error(
        "sealed secret does not open with the configured key (wrong SUYUAN_SECRET_KEY, or altered data)"
    )]
    WrongKey,
}

/// The key that seals secrets at rest. Its `Debug` never prints the key.
#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

/// The format of values sealed before binding (no associated data).
const UNBOUND: &str = "v1:";
/// The format of values bound to their table, row and column.
const BOUND: &str = "v2:";
const NONCE_LEN: usize = 24;

/// Where a sealed value is stored: its table, its row's id (or natural key) and its column.
/// The three go into the associated data, so the value opens only there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Binding<'a> {
    /// The table, `shops`.
    pub table: &'a str,
    /// The row's id or natural key, `sto_01J…`.
    pub row: &'a str,
    /// The column, `secret_ciphertext`.
    pub column: &'a str,
}

impl<'a> Binding<'a> {
    /// The binding of `table`, `row`, `column`.
    pub fn new(table: &'a str, row: &'a str, column: &'a str) -> Self {
        Binding { table, row, column }
    }

    /// The associated data: a domain tag and the three parts, each length-prefixed so no two
    /// bindings give the same bytes.
    fn associated_data(&self) -> Vec<u8> {
        let mut aad = b"suyuan-sealed-v2".to_vec();
        for part in [self.table, self.row, self.column] {
            aad.extend_from_slice(&(part.len() as u64).to_be_bytes());
            aad.extend_from_slice(part.as_bytes());
        }
        aad
    }
}

impl SecretKey {
    /// A key of its own for one purpose, derived from this one (HMAC-SHA256 of the purpose
    /// under this key), so that no two uses share key material.
    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        use hmac::{Hmac, Mac};
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// Parses a base64-encoded 32-byte key.
    pub fn from_base64(encoded: &str) -> Result<Self, SecretError> {
        let bytes = B64
            .decode(encoded.trim())
            .map_err(|e| SecretError::BadKey(format!("invalid base64 ({e})")))?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|b: Vec<u8>| SecretError::BadKey(format!("{} bytes", b.len())))?;
        Ok(Self(key))
    }

    /// A fresh random key.
    pub fn generate() -> Self {
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        Self(key)
    }

    /// The key as base64, for writing to a secrets file.
    pub fn to_base64(&self) -> String {
        B64.encode(self.0)
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new((&self.0).into())
    }

    /// Seals a secret for where it is stored: `v2:` + base64(nonce ‖ ciphertext), with the
    /// binding as associated data.
    pub fn seal(&self, plaintext: &[u8], at: Binding<'_>) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let aad = at.associated_data();
        // Encryption with a valid key and nonce length cannot fail for in-memory buffers.
        let ciphertext = self
            .cipher()
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: &aad,
                },
            )
            .unwrap_or_default();
        let mut out = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ciphertext);
        format!("{BOUND}{}", B64.encode(out))
    }

    /// Opens a value sealed for `at` by [`SecretKey::seal`], or an older unbound `v1:` value
    /// (which opens anywhere: the store seals those again at startup). A bound value stored
    /// anywhere else does not open.
    pub fn open(&self, sealed: &str, at: Binding<'_>) -> Result<Vec<u8>, SecretError> {
        let (body, aad) = if let Some(body) = sealed.strip_prefix(BOUND) {
            (body, at.associated_data())
        } else if let Some(body) = sealed.strip_prefix(UNBOUND) {
            (body, Vec::new())
        } else {
            return Err(SecretError::Malformed);
        };
        let bytes = B64.decode(body).map_err(|_| SecretError::Malformed)?;
        if bytes.len() <= NONCE_LEN {
            return Err(SecretError::Malformed);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        self.cipher()
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: &aad,
                },
            )
            .map_err(|_| SecretError::WrongKey)
    }

    /// Whether a stored value is in the old, unbound format (to be sealed again).
    pub fn is_unbound(sealed: &str) -> bool {
        sealed.starts_with(UNBOUND)
    }

    /// Seals an unbound `v1:` value again, bound to `at`; `None` when it is not an unbound
    /// value or does not open with this key (it is then left as it is).
    pub fn rebind(&self, sealed: &str, at: Binding<'_>) -> Option<String> {
        if !Self::is_unbound(sealed) {
            return None;
        }
        let plain = self.open(sealed, at).ok()?;
        Some(self.seal(&plain, at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHOP: Binding<'static> = Binding {
        table: "shops",
        row: "sto_01JD0000000000000000000001",
        column: "secret_ciphertext",
    };

    #[test]
    fn a_sealed_secret_opens_with_its_key_and_not_with_another() {
        let key = SecretKey::generate();
        let sealed = key.seal(b"shpss_example", SHOP);
        assert!(sealed.starts_with("v2:"));
        assert!(!sealed.contains("shpss_example"));
        assert_eq!(key.open(&sealed, SHOP).unwrap(), b"shpss_example");
        assert_eq!(
            SecretKey::generate().open(&sealed, SHOP),
            Err(SecretError::WrongKey)
        );
    }

    #[test]
    fn a_sealed_secret_moved_to_another_row_or_column_or_table_does_not_open() {
        let key = SecretKey::generate();
        let sealed = key.seal(b"shpss_example", SHOP);
        for elsewhere in [
            Binding::new(
                "shops",
                "sto_01JD0000000000000000000002",
                "secret_ciphertext",
            ),
            Binding::new("shops", SHOP.row, "previous_secret_ciphertext"),
            Binding::new("operator_subscriptions", SHOP.row, "secret_ciphertext"),
            // Length prefixes keep parts from sliding into each other.
            Binding::new(
                "shop",
                "ssto_01JD0000000000000000000001",
                "secret_ciphertext",
            ),
        ] {
            assert_eq!(
                key.open(&sealed, elsewhere),
                Err(SecretError::WrongKey),
                "{elsewhere:?}"
            );
        }
    }

    /// A value sealed by Suyuan before values were bound (format `v1`, no associated data).
    const LEGACY_KEY: &str = "c3V5dWFuLWxlZ2FjeS1maXh0dXJlLWtleS0wMDAwMDE=";
    const LEGACY_SEALED: &str =
        "v1:YPDtm1v9sb5lc/ZeVEPsnIiUJ6Ogj9/PxoOorbZQv8VQ9rwejXiZ8pK/J8/D3YMjd4OwwZrmslBDcg==";

    #[test]
    fn an_old_unbound_value_still_opens_and_is_sealed_again_bound() {
        let key = SecretKey::from_base64(LEGACY_KEY).unwrap();
        assert!(SecretKey::is_unbound(LEGACY_SEALED));
        assert_eq!(
            key.open(LEGACY_SEALED, SHOP).unwrap(),
            b"legacy-shop-secret"
        );
        let again = key.rebind(LEGACY_SEALED, SHOP).unwrap();
        assert!(again.starts_with("v2:") && !SecretKey::is_unbound(&again));
        assert_eq!(key.open(&again, SHOP).unwrap(), b"legacy-shop-secret");
        assert!(key.rebind(&again, SHOP).is_none(), "bound values stay");
        assert!(
            SecretKey::generate().rebind(LEGACY_SEALED, SHOP).is_none(),
            "a value of another key is left alone"
        );
    }

    #[test]
    fn a_value_in_no_known_format_is_malformed() {
        let key = SecretKey::generate();
        assert_eq!(key.open("v3:AAAA", SHOP), Err(SecretError::Malformed));
        assert_eq!(key.open("v2:AAAA", SHOP), Err(SecretError::Malformed));
    }

    #[test]
    fn a_short_key_is_refused_with_its_length() {
        let err = SecretKey::from_base64("AAAA").unwrap_err();
        assert_eq!(
            err.to_string(),
            "the secret key must be 32 bytes encoded as standard base64 (44 characters); got 3 bytes"
        );
    }

    #[test]
    fn debug_never_prints_the_key() {
        let key = SecretKey::generate();
        assert_eq!(format!("{key:?}"), "SecretKey(<redacted>)");
    }
}
