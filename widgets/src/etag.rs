//! Strong HTTP entity tags for rendered badges.

use sha2::{Digest, Sha256};

/// A strong ETag for `bytes`: the first 16 bytes of their SHA-256 in lowercase hex, in double
/// quotes (for example `"3a7bd3e2360a3d29eea436fcfb7e44c7"`), ready for the `ETag` header.
pub fn etag_for(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut tag = String::with_capacity(34);
    tag.push('"');
    tag.push_str(&hex::encode(&digest[..16]));
    tag.push('"');
    tag
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_are_quoted_stable_and_content_dependent() {
        let a = etag_for(b"badge");
        assert_eq!(a.len(), 34);
        assert!(a.starts_with('"') && a.ends_with('"'));
        assert_eq!(a, etag_for(b"badge"));
        assert_ne!(a, etag_for(b"badge2"));
        // SHA-256("") starts with e3b0c442...
        assert_eq!(etag_for(b""), "\"e3b0c44298fc1c149afbf4c8996fb924\"");
    }
}
