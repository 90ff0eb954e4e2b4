//! The signing primitives the marketplaces use, with constant-time comparison.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use md5::{Digest as _, Md5};
use sha2::Sha256;
use subtle::ConstantTimeEq as _;

type HmacSha256 = Hmac<Sha256>;

/// HMAC-SHA256 over the concatenation of `parts`.
pub(crate) fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> Option<HmacSha256> {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key).ok()?;
    for part in parts {
        mac.update(part);
    }
    Some(mac)
}

/// Whether HMAC-SHA256(key, parts) equals `tag`, compared in constant time.
pub(crate) fn hmac_sha256_matches(key: &[u8], parts: &[&[u8]], tag: &[u8]) -> bool {
    hmac_sha256(key, parts).is_some_and(|mac| mac.verify_slice(tag).is_ok())
}

/// MD5 over the concatenation of `parts`.
pub(crate) fn md5(parts: &[&[u8]]) -> [u8; 16] {
    let mut hasher = Md5::new();
    for part in parts {
        hasher.update(part);
    }
    let digest = hasher.finalize();
    let mut out = [0u8; 16];
    out.copy_from_slice(digest.as_slice());
    out
}

/// Whether two byte strings are equal, in time independent of where they differ.
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// Lowercase hex SHA-256, for fallback idempotency keys.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(Sha256::digest(bytes))
}

/// Lowercase hex SHA-256 of several parts, concatenated.
pub(crate) fn sha256_hex_parts(parts: &[&[u8]]) -> String {
    use sha2::Digest as _;
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    hex::encode(hasher.finalize())
}

/// Standard base64 (with padding; surrounding whitespace ignored).
pub(crate) fn base64_decode(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .ok()
}

/// Standard base64 with padding.
#[cfg(test)]
pub(crate) fn base64_encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Hex, either case (surrounding whitespace ignored).
pub(crate) fn hex_decode(text: &str) -> Option<Vec<u8>> {
    hex::decode(text.trim()).ok()
}

/// Base64 HMAC-SHA256, how Shopify and WooCommerce sign (for tests and examples).
#[cfg(test)]
pub(crate) fn hmac_sha256_base64(key: &[u8], parts: &[&[u8]]) -> String {
    hmac_sha256(key, parts)
        .map(|mac| base64_encode(&mac.finalize().into_bytes()))
        .unwrap_or_default()
}

/// Hex HMAC-SHA256 (for tests).
#[cfg(test)]
pub(crate) fn hmac_sha256_hex(key: &[u8], parts: &[&[u8]]) -> String {
    hmac_sha256(key, parts)
        .map(|mac| hex::encode(mac.finalize().into_bytes()))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primitives_match_known_answers() {
        // RFC 1321 and the Shopify vector of test_vectors.json.
        assert_eq!(
            hex::encode(md5(&[b"a", b"bc"])),
            "900150983cd24fb0d6963f7d28e17f72"
        );
        assert_eq!(
            hmac_sha256_base64(b"hush", &[br#"{"id":1}"#]),
            "VnKUjZsLuN5iZWjn5EntcBVCF9kMN43LglzCE1/GSeY="
        );
        let tag = base64_decode("VnKUjZsLuN5iZWjn5EntcBVCF9kMN43LglzCE1/GSeY=").unwrap();
        assert!(hmac_sha256_matches(b"hush", &[b"{\"id\"", b":1}"], &tag));
        assert!(!hmac_sha256_matches(b"hush!", &[br#"{"id":1}"#], &tag));
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"ab"));
    }
}
