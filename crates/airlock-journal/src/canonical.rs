//! Canonical JSON and hashing: one byte string per value, so that hashes of
//! arguments and results do not depend on the order a tool built its objects in.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// Returns `value` with every object's keys sorted, recursively.
///
/// Keys sort by their UTF-8 bytes (which is Unicode code point order); array
/// order is meaning, so arrays keep theirs. Strings and numbers are untouched.
pub fn canonical(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let sorted: Map<String, Value> = keys
                .into_iter()
                .map(|k| (k.clone(), canonical(&map[k.as_str()])))
                .collect();
            Value::Object(sorted)
        }
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

/// The compact JSON text of [`canonical`]`(value)`: no whitespace, non-ASCII
/// characters as UTF-8, only `"`, `\` and control characters escaped.
pub fn canonical_string(value: &Value) -> String {
    // Display of a Value is serde_json's compact form and cannot fail.
    canonical(value).to_string()
}

/// The SHA-256 of `bytes` as 64 lowercase hex digits.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for byte in digest {
        hex.push(char::from(HEX[usize::from(byte >> 4)]));
        hex.push(char::from(HEX[usize::from(byte & 0xf)]));
    }
    hex
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Builds the result fields of a call entry: `(result, result_size, result_sha256)`.
///
/// Size and hash are always of the canonical JSON, so a large result can be
/// left out of the journal (`result` is `None` when the canonical JSON is
/// longer than `threshold` bytes) and still be recognised later.
pub fn result_fields(result: &Value, threshold: usize) -> (Option<Value>, u64, String) {
    let canonical_value = canonical(result);
    let text = canonical_value.to_string();
    let sha = sha256_hex(text.as_bytes());
    // usize -> u64 is lossless on every platform Rust supports.
    let size = text.len() as u64;
    // Kept as the tool returned it: a replay must serve the same key order the script saw.
    let kept = (text.len() <= threshold).then(|| result.clone());
    (kept, size, sha)
}

/// Builds the content fields of a file write: `(data, size, sha256)`, where `data` is the
/// base64 of `contents` when they are no larger than `threshold` bytes.
pub fn file_fields(contents: &[u8], threshold: usize) -> (Option<String>, u64, String) {
    use base64::Engine as _;
    let kept = (contents.len() <= threshold)
        .then(|| base64::engine::general_purpose::STANDARD.encode(contents));
    (kept, contents.len() as u64, sha256_hex(contents))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sha256_of_known_input() {
        assert_eq!(
            sha256_hex(b"test"),
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
        );
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn canonical_sorts_nested_keys_and_keeps_array_order() {
        let v = json!({"b": [{"z": 1, "a": 2}, 3, 1], "a": {"y": null, "x": true}});
        assert_eq!(
            canonical_string(&v),
            r#"{"a":{"x":true,"y":null},"b":[{"a":2,"z":1},3,1]}"#
        );
    }
}
