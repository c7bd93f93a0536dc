//! Metadata transport encoding (`u:` / `b:` / `d:`), applied to every metadata value on write
//! and undone on read (`src/concerns/metadata-encoding.js@v12.4.0`).

/// A decoded metadata value: the texts `null` and `undefined` stand for JS null/undefined.
#[derive(Debug, Clone, PartialEq)]
pub enum MetaValue {
    Null,
    Undefined,
    Text(String),
}

/// Encode one metadata value (already a string) for transport.
pub fn encode_value(text: &str) -> String { let _ = text; todo!("helper A") }
/// Decode one stored metadata value.
pub fn decode_value(stored: &str) -> MetaValue { let _ = stored; todo!("helper A") }
/// Replace every key character outside `[A-Za-z0-9_-]` by `_`.
pub fn sanitize_key(key: &str) -> String { let _ = key; todo!("helper A") }
