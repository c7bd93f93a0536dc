//! S3's user-metadata limit, checked before a request leaves the process. AWS rejects objects
//! whose metadata (UTF-8 bytes of every name and value) is over 2 KB; the local test servers
//! (moto, Garage) do not, so without this check data that AWS refuses would pass the tests.

use super::Metadata;
use crate::behavior::METADATA_LIMIT;
use crate::error::{Error, ErrorKind, Result};

/// Bytes S3 counts for user metadata: names (without `x-amz-meta-`) plus values.
pub fn wire_size(metadata: &Metadata) -> usize {
    metadata.iter().map(|(name, value)| name.len() + value.len()).sum()
}

/// Refuses metadata over the limit s3db.js enforces (2047 bytes) with a `MetadataLimitError`.
pub fn check(key: &str, metadata: &Metadata) -> Result<()> {
    let size = wire_size(metadata);
    if size <= METADATA_LIMIT {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::MetadataLimit,
        format!(
            "Metadata size exceeds 2KB limit: {size} bytes of metadata for '{key}' (S3 accepts at most {METADATA_LIMIT}); \
             use the body-overflow or body-only behavior for large records"
        ),
    )
    .with("key", key)
    .with("totalSize", size)
    .with("limit", METADATA_LIMIT)
    .with("excess", size - METADATA_LIMIT))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(pairs: &[(&str, usize)]) -> Metadata {
        pairs.iter().map(|(k, n)| (k.to_string(), "x".repeat(*n))).collect()
    }

    #[test]
    fn counts_names_and_values_in_bytes() {
        assert_eq!(wire_size(&meta(&[("ab", 3), ("c", 0)])), 6);
        assert_eq!(wire_size(&vec![("k".into(), "é".into())]), 3);
    }

    #[test]
    fn accepts_up_to_the_limit_and_refuses_one_byte_more() {
        assert!(check("k", &meta(&[("a", METADATA_LIMIT - 1)])).is_ok());
        let error = check("k", &meta(&[("a", METADATA_LIMIT)])).unwrap_err();
        assert_eq!(error.kind, ErrorKind::MetadataLimit);
        assert!(error.message.starts_with("Metadata size exceeds 2KB limit"));
        assert_eq!(error.details["totalSize"], 2048);
    }

    #[test]
    fn many_short_fields_fit() {
        let many: Metadata = (0..100).map(|i| (format!("{i:x}"), "1".to_string())).collect();
        assert!(check("k", &many).is_ok());
    }
}
