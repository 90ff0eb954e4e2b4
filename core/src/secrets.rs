//! Secrets at rest (marketplace webhook secrets, platform credentials), sealed with
//! XChaCha20-Poly1305 under the installation's `SUYUAN_SECRET_KEY`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore as _;
use std::fmt;

/// Why a key or a sealed secret could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// The key is not 32 bytes of standard base64.
    #[error("the secret key must be 32 bytes encoded as standard base64 (44 characters); got {0}")]
    BadKey(String),
    /// The sealed value is not in the `v1:<base64>` form.
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

const VERSION: &str = "v1:";
const NONCE_LEN: usize = 24;

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

    /// Seals a secret: `v1:` + base64(nonce ‖ ciphertext).
    pub fn seal(&self, plaintext: &[u8]) -> String {
        let cipher = XChaCha20Poly1305::new((&self.0).into());
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        // Encryption with a valid key and nonce length cannot fail for in-memory buffers.
        let ciphertext = cipher
            .encrypt(XNonce::from_slice(&nonce), plaintext)
            .unwrap_or_default();
        let mut out = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ciphertext);
        format!("{VERSION}{}", B64.encode(out))
    }

    /// Opens a value made by [`SecretKey::seal`].
    pub fn open(&self, sealed: &str) -> Result<Vec<u8>, SecretError> {
        let body = sealed.strip_prefix(VERSION).ok_or(SecretError::Malformed)?;
        let bytes = B64.decode(body).map_err(|_| SecretError::Malformed)?;
        if bytes.len() <= NONCE_LEN {
            return Err(SecretError::Malformed);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        XChaCha20Poly1305::new((&self.0).into())
            .decrypt(XNonce::from_slice(nonce), ciphertext)
            .map_err(|_| SecretError::WrongKey)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_with_its_key_and_not_with_another() {
        let key = SecretKey::generate();
        let sealed = key.seal(b"shpss_example");
        assert!(!sealed.contains("shpss_example"));
        assert_eq!(key.open(&sealed).unwrap(), b"shpss_example");
        assert_eq!(
            SecretKey::generate().open(&sealed),
            Err(SecretError::WrongKey)
        );
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
