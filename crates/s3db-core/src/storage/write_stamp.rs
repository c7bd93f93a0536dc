//! Conditional writes compare ETags, and an S3 ETag is the MD5 of the body alone: two versions
//! of a record that differ only in metadata (every record whose fields fit in metadata has an
//! empty body) would share one ETag, and `If-Match` could not tell them apart. A record or
//! plugin-object write therefore ends its body with a random run of JSON whitespace, so each
//! version has its own ETag. s3db.js reads such a body unchanged: it trims bodies before
//! parsing them, and JSON allows trailing whitespace.

/// 24 characters of 4 kinds: 48 random bits per version.
pub const STAMP_LEN: usize = 24;
const STAMP_CHARS: [char; 4] = [' ', '\t', '\n', '\r'];

/// Appends a fresh stamp to `body` (empty or JSON text; binary bodies are left alone); true
/// when it did.
pub fn stamp(body: &mut Vec<u8>) -> bool {
    if !body.is_empty() && !matches!(body.first(), Some(b'{' | b'[')) {
        return false;
    }
    body.extend_from_slice(nanoid::nanoid!(STAMP_LEN, &STAMP_CHARS).as_bytes());
    true
}

/// True for a body that is nothing but a stamp: the object has no content of its own.
pub fn is_stamp_only(body: &[u8]) -> bool {
    !body.is_empty() && body.len() <= STAMP_LEN && body.iter().all(|b| STAMP_CHARS.contains(&(*b as char)))
}

/// The body without its stamp (whitespace after a JSON text, or a stamp standing alone).
pub fn unstamped(body: &[u8]) -> &[u8] {
    if is_stamp_only(body) {
        return &[];
    }
    if matches!(body.first(), Some(b'{' | b'[')) {
        let end = body.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(0, |i| i + 1);
        return &body[..end];
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stamp_gives_a_new_etag() {
        let etags: std::collections::HashSet<String> = (0..200)
            .map(|_| {
                let mut body = Vec::new();
                stamp(&mut body);
                crate::storage::etag_of(&body)
            })
            .collect();
        assert_eq!(etags.len(), 200);
    }

    #[test]
    fn stamps_are_whitespace_after_json_or_alone() {
        let mut empty = Vec::new();
        stamp(&mut empty);
        assert_eq!(empty.len(), STAMP_LEN);
        assert!(is_stamp_only(&empty));
        assert_eq!(unstamped(&empty), b"");

        let mut json = br#"{"a":1}"#.to_vec();
        stamp(&mut json);
        assert_eq!(json.len(), 7 + STAMP_LEN);
        assert_eq!(serde_json::from_slice::<serde_json::Value>(&json).unwrap(), serde_json::json!({"a": 1}));
        assert_eq!(unstamped(&json), br#"{"a":1}"#);
        assert!(!is_stamp_only(&json));

        let mut binary = vec![0u8, 1, 2];
        stamp(&mut binary);
        assert_eq!(binary, vec![0u8, 1, 2], "binary content is never changed");
        assert_eq!(unstamped(b"  text  "), b"  text  ");
    }
}
