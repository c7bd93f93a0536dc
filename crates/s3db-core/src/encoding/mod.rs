//! Byte-level encodings shared with s3db.js: JS number text, base62 families,
//! metadata transport encoding, IP packing and JSON text as `JSON.stringify` writes it.

pub mod base62;
pub mod ip;
pub mod json;
pub mod jsnum;
pub mod metadata;
