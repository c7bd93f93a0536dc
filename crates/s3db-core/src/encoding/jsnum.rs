//! JavaScript number <-> text conversions (`Number.prototype.toString`, `Number(str)`).

/// Text of `n` exactly as JavaScript's `String(n)` / `n.toString()` produces it
/// (shortest round-trip digits; exponent form below 1e-6 and from 1e21 up; `NaN`, `Infinity`, `-Infinity`; `-0` -> `0`).
pub fn to_js_string(n: f64) -> String {
    let _ = n;
    todo!("helper A")
}

/// JavaScript `Number(text)`: trims JS whitespace, empty -> 0, `0x`/`0o`/`0b` prefixes, `Infinity`, otherwise decimal literal or NaN.
pub fn parse_js_number(text: &str) -> f64 {
    let _ = text;
    todo!("helper A")
}
