//! JSON text exactly as JavaScript writes it.
//!
//! Written by hand rather than through serde (only `serde_json` is a dependency, and its
//! serializer needs the `serde` traits): strings are escaped like `JSON.stringify` (`\"`, `\\`,
//! `\b`, `\f`, `\n`, `\r`, `\t`, other controls as lower-case `\u00xx`, nothing else) and numbers
//! use JavaScript's text. Integers beyond ±2^53 are written as the JS number they would be
//! (`9007199254740993` -> `9007199254740992`), since every JSON number is a double in JS.

use std::cmp::Ordering;
use std::fmt::Write as _;

use serde_json::{Map, Number, Value};

use super::jsnum::to_js_string;

/// `JSON.stringify(value)`: no whitespace, JS number text, object keys in map order.
pub fn stringify(value: &Value) -> String {
    let mut out = String::with_capacity(128);
    JsonWriter {
        out: &mut out,
        indent: None,
    }
    .value(value, 0);
    out
}

/// `JSON.stringify(value, null, 2)`.
pub fn stringify_pretty(value: &Value) -> String {
    let mut out = String::with_capacity(128);
    JsonWriter {
        out: &mut out,
        indent: Some("  "),
    }
    .value(value, 0);
    out
}

/// json-stable-stringify 1.x: keys sorted recursively by UTF-16 code units, no whitespace.
pub fn stable_stringify(value: &Value) -> String {
    stringify(&with_sorted_keys(value))
}

/// Reorders keys the way a JS object enumerates them: canonical array-index keys
/// ("0", "1", … up to 2^32-2) ascending first, then the others in insertion order.
/// Only this object's own keys are reordered, nested objects are left as they are.
pub fn js_key_order(map: Map<String, Value>) -> Map<String, Value> {
    if !map.keys().any(|key| is_array_index(key)) {
        return map;
    }
    let (mut indexed, named): (Vec<_>, Vec<_>) =
        map.into_iter().partition(|(key, _)| is_array_index(key));
    indexed.sort_by_key(|(key, _)| key.parse::<u32>().expect("array index fits in u32"));
    indexed.into_iter().chain(named).collect()
}

/// True if `key` is a canonical array index as JS sees it.
pub fn is_array_index(key: &str) -> bool {
    let canonical = key == "0" || (!key.is_empty() && !key.starts_with('0'));
    canonical
        && key.len() <= 10
        && key.bytes().all(|b| b.is_ascii_digit())
        && key.parse::<u64>().is_ok_and(|n| n <= 4_294_967_294)
}

fn with_sorted_keys(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|(a, _), (b, _)| compare_utf16(a, b));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), with_sorted_keys(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(with_sorted_keys).collect()),
        other => other.clone(),
    }
}

/// JavaScript's default string comparison (by UTF-16 code units).
fn compare_utf16(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// Largest integer magnitude a JS number holds exactly: 2^53.
const MAX_EXACT_INTEGER: u64 = 1 << 53;

fn number_text(n: &Number) -> String {
    if let Some(u) = n.as_u64() {
        if u <= MAX_EXACT_INTEGER {
            return u.to_string();
        }
    } else if let Some(i) = n.as_i64() {
        if i.unsigned_abs() <= MAX_EXACT_INTEGER {
            return i.to_string();
        }
    }
    to_js_string(n.as_f64().unwrap_or(f64::NAN))
}

/// `JSON.stringify`'s string quoting.
fn write_quoted(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c < ' ' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Recursive writer; `indent` is the gap of `JSON.stringify(value, null, gap)`.
struct JsonWriter<'a> {
    out: &'a mut String,
    indent: Option<&'static str>,
}

impl JsonWriter<'_> {
    fn value(&mut self, value: &Value, depth: usize) {
        match value {
            Value::Null => self.out.push_str("null"),
            Value::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) => self.out.push_str(&number_text(n)),
            Value::String(s) => write_quoted(self.out, s),
            Value::Array(items) => self.container(
                '[',
                ']',
                items.iter().map(|item| (None, item)),
                items.is_empty(),
                depth,
            ),
            Value::Object(map) => self.container(
                '{',
                '}',
                map.iter().map(|(k, v)| (Some(k.as_str()), v)),
                map.is_empty(),
                depth,
            ),
        }
    }

    fn container<'v>(
        &mut self,
        open: char,
        close: char,
        entries: impl Iterator<Item = (Option<&'v str>, &'v Value)>,
        is_empty: bool,
        depth: usize,
    ) {
        self.out.push(open);
        if is_empty {
            self.out.push(close);
            return;
        }
        for (i, (key, value)) in entries.enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            self.line_break(depth + 1);
            if let Some(key) = key {
                write_quoted(self.out, key);
                self.out.push(':');
                if self.indent.is_some() {
                    self.out.push(' ');
                }
            }
            self.value(value, depth + 1);
        }
        self.line_break(depth);
        self.out.push(close);
    }

    fn line_break(&mut self, depth: usize) {
        if let Some(indent) = self.indent {
            self.out.push('\n');
            for _ in 0..depth {
                self.out.push_str(indent);
            }
        }
    }
}

/// JSON text from JavaScript with each `\\uXXXX` escape of an unpaired UTF-16 surrogate replaced by
/// `\\ufffd` (what a JS string with a lone surrogate becomes in UTF-8), or `None` when there was
/// none. `JSON.stringify` writes such escapes; serde_json refuses them.
pub fn replace_lone_surrogate_escapes(text: &str) -> Option<String> {
    fn surrogate_at(bytes: &[u8], at: usize) -> Option<u16> {
        let hex = bytes.get(at..at + 6)?;
        if hex[0] != b'\\' || hex[1] != b'u' {
            return None;
        }
        let unit = u16::from_str_radix(std::str::from_utf8(&hex[2..]).ok()?, 16).ok()?;
        (0xD800..=0xDFFF).contains(&unit).then_some(unit)
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let (mut i, mut copied, mut changed) = (0, 0, false);
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            i += 1;
            continue;
        }
        match surrogate_at(bytes, i) {
            Some(high @ 0xD800..=0xDBFF) if surrogate_at(bytes, i + 6).is_some_and(|low| low >= 0xDC00) => {
                let _ = high;
                i += 12;
            }
            Some(_) => {
                out.push_str(&text[copied..i]);
                out.push_str("\\ufffd");
                i += 6;
                copied = i;
                changed = true;
            }
            // Any other escape: skip it whole, so an escaped backslash is never read as a start.
            None => i += 2,
        }
    }
    changed.then(|| {
        out.push_str(&text[copied..]);
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lone_surrogate_escapes_become_replacement_characters() {
        let text = r#"{"a":"x\ud800y","b":"\ud83d\ude00","c":"\\ud800","d":"\udc00"}"#;
        let repaired = replace_lone_surrogate_escapes(text).unwrap();
        let value: Value = serde_json::from_str(&repaired).unwrap();
        assert_eq!(value["a"], "x\u{fffd}y");
        assert_eq!(value["b"], "\u{1f600}");
        assert_eq!(value["c"], "\\ud800");
        assert_eq!(value["d"], "\u{fffd}");
        assert_eq!(replace_lone_surrogate_escapes(r#"{"ok":"\ud83d\ude00"}"#), None);
    }
    use serde_json::json;

    #[test]
    fn compact_matches_json_stringify() {
        let value = json!({
            "name": "Zoë 🌍 日本",
            "ctrl": "a\u{1}b\nc\td\r\u{8}\u{c}\u{1f}\u{7f}\"\\/",
            "seps": "\u{2028}\u{2029}",
            "nested": {"list": [1, 2.5, -0.0, null, true, false, [], {}], "deep": {"x": "y"}},
            "floats": [1.0, 0.1, 1e21, 1e-7, 1.5e-7, 123456789.123, 5e-324, 1.7976931348623157e308, -3.0],
            "ints": [0, -1, 9007199254740991i64, -9007199254740992i64],
        });
        assert_eq!(
            stringify(&value),
            concat!(
                r#"{"name":"Zoë 🌍 日本","#,
                r#""ctrl":"a\u0001b\nc\td\r\b\f\u001f"#,
                "\u{7f}",
                r#"\"\\/","#,
                "\"seps\":\"\u{2028}\u{2029}\",",
                r#""nested":{"list":[1,2.5,0,null,true,false,[],{}],"deep":{"x":"y"}},"#,
                r#""floats":[1,0.1,1e+21,1e-7,1.5e-7,123456789.123,5e-324,1.7976931348623157e+308,-3],"#,
                r#""ints":[0,-1,9007199254740991,-9007199254740992]}"#
            )
        );
    }

    #[test]
    fn integers_beyond_two_to_the_53_become_js_numbers() {
        let value: Value =
            serde_json::from_str("[9007199254740993,18446744073709551615,-9223372036854775808]")
                .unwrap();
        assert_eq!(
            stringify(&value),
            "[9007199254740992,18446744073709552000,-9223372036854776000]"
        );
    }

    #[test]
    fn scalars() {
        assert_eq!(stringify(&json!("x")), r#""x""#);
        assert_eq!(stringify(&json!(null)), "null");
        assert_eq!(stringify(&json!(1e300)), "1e+300");
        assert_eq!(stringify_pretty(&json!(42)), "42");
    }

    #[test]
    fn pretty_matches_json_stringify_with_two_spaces() {
        let value = json!({"a": 1, "b": [1, {"c": 1.5}], "e": {}, "f": [], "g": "h"});
        let expected = "{\n  \"a\": 1,\n  \"b\": [\n    1,\n    {\n      \"c\": 1.5\n    }\n  ],\n  \"e\": {},\n  \"f\": [],\n  \"g\": \"h\"\n}";
        assert_eq!(stringify_pretty(&value), expected);
    }

    #[test]
    fn stable_stringify_sorts_recursively_by_utf16_units() {
        let value =
            json!({"b": 1, "a": {"z": [ {"y": 1, "x": 2} ], "m": 0.5}, "10": 1, "9": 2, "B": 3});
        assert_eq!(
            stable_stringify(&value),
            r#"{"10":1,"9":2,"B":3,"a":{"m":0.5,"z":[{"x":2,"y":1}]},"b":1}"#
        );
        // U+FF5E sorts after U+1F30D in code points but before it in UTF-16 units (0xD83C).
        let mut map = Map::new();
        map.insert("\u{1F30D}".into(), json!(1));
        map.insert("\u{FF5E}".into(), json!(2));
        assert_eq!(
            stable_stringify(&Value::Object(map)),
            "{\"\u{1F30D}\":1,\"\u{FF5E}\":2}"
        );
    }

    #[test]
    fn array_index_keys() {
        for key in ["0", "1", "42", "4294967294"] {
            assert!(is_array_index(key), "{key}");
        }
        for key in [
            "",
            "01",
            "-1",
            "1.0",
            "4294967295",
            "99999999999",
            "+1",
            " 1",
            "1e3",
            "a",
        ] {
            assert!(!is_array_index(key), "{key:?}");
        }
    }

    #[test]
    fn js_key_order_puts_indices_first() {
        let map: Map<String, Value> =
            serde_json::from_str(r#"{"b":1,"2":2,"a":3,"1":4,"4294967295":5,"01":6,"10":7}"#)
                .unwrap();
        let keys: Vec<String> = js_key_order(map).keys().cloned().collect();
        assert_eq!(keys, ["1", "2", "10", "b", "a", "4294967295", "01"]);
    }
}
