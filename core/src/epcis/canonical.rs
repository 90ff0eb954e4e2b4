//! Canonical JSON bytes and the hash chain over them: the same event always gives the same
//! bytes, so a stored event's hash can be recomputed and compared.

use super::event::TraceEvent;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The hash that comes before the first event of a chain.
pub const GENESIS_HASH: [u8; 32] = [0u8; 32];

/// The canonical bytes of a JSON value: object keys sorted by their UTF-8 bytes at every level,
/// no whitespace, numbers as serde_json writes them, strings escaped as serde_json escapes
/// them. It sorts by itself, so it does not depend on serde_json's `preserve_order` feature.
///
/// (Close to, but not, RFC 8785: that sorts by UTF-16 code units and writes numbers the
/// ECMAScript way.)
pub fn canonical_json(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    write_value(&mut out, value);
    out
}

/// `SHA-256(prev_hash || canonical)`: the link from one event to the next.
pub fn chain_hash(prev_hash: &[u8; 32], canonical: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(prev_hash);
    hasher.update(canonical);
    hasher.finalize().into()
}

impl TraceEvent {
    /// The canonical bytes of [`TraceEvent::to_json`]: what the hash chain covers.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        canonical_json(&self.to_json())
    }
}

fn write_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => out.extend_from_slice(n.to_string().as_bytes()),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(out, item);
            }
            out.push(b']');
        }
        Value::Object(members) => {
            let mut sorted: Vec<(&String, &Value)> = members.iter().collect();
            sorted.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push(b'{');
            for (i, (key, item)) in sorted.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(out, key);
                out.push(b':');
                write_value(out, item);
            }
            out.push(b'}');
        }
    }
}

/// A JSON string exactly as serde_json writes it: `"` and `\` escaped, the control characters
/// U+0000..U+001F escaped (`\b \t \n \f \r` short, the rest as `\u00xx`), everything else as is.
fn write_string(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut unicode = *b"\\u0000";
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            0x09 => b"\\t",
            0x0a => b"\\n",
            0x0c => b"\\f",
            0x0d => b"\\r",
            0x00..=0x1f => {
                unicode[4] = HEX[usize::from(b >> 4)];
                unicode[5] = HEX[usize::from(b & 0xf)];
                &unicode
            }
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(escape);
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}
