//! JSON text exactly as JavaScript writes it.

use serde_json::{Map, Value};

/// `JSON.stringify(value)`: no whitespace, JS number text, object keys in map order.
pub fn stringify(value: &Value) -> String { let _ = value; todo!("helper A") }
/// `JSON.stringify(value, null, 2)`.
pub fn stringify_pretty(value: &Value) -> String { let _ = value; todo!("helper A") }
/// json-stable-stringify 1.x: keys sorted recursively by UTF-16 code units, no whitespace.
pub fn stable_stringify(value: &Value) -> String { let _ = value; todo!("helper A") }
/// Reorders keys the way a JS object enumerates them: canonical array-index keys
/// ("0", "1", … up to 2^32-2) ascending first, then the others in insertion order.
pub fn js_key_order(map: Map<String, Value>) -> Map<String, Value> { let _ = map; todo!("helper A") }
/// True if `key` is a canonical array index as JS sees it.
pub fn is_array_index(key: &str) -> bool { let _ = key; todo!("helper A") }
