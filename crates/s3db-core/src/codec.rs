//! Record <-> mapped fields: per-kind value encoders, flattening to short keys (write) and
//! the reverse (read), as storage-format §4 and §9 describe.

use crate::crypto::{self, CryptoError};
use crate::encoding::{base62, ip, json, jsnum, metadata};
use crate::error::{Error, ErrorKind, Result};
use crate::schema::{AttributeLayout, FieldKind};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Fields keyed by short metadata key, values before transport encoding, in JS key order, with `_v`.
pub type Mapped = Map<String, Value>;

/// Encodes a validated document (without `id`) into mapped fields.
pub fn map_record(layout: &AttributeLayout, passphrase: &str, data: &Map<String, Value>, version: &str) -> Mapped {
    let mut mapped = Map::with_capacity(data.len() + 1);
    for (key, value) in data {
        map_field(layout, passphrase, key, value, &mut mapped);
    }
    mapped.insert("_v".into(), Value::String(version.to_string()));
    json::js_key_order(mapped)
}

fn map_field(layout: &AttributeLayout, passphrase: &str, path: &str, value: &Value, out: &mut Mapped) {
    if let Value::Object(inner) = value {
        if layout.is_nested(path) && !inner.is_empty() {
            for (key, child) in inner {
                map_field(layout, passphrase, &format!("{path}.{key}"), child, out);
            }
            return;
        }
    }
    let encoded = generic_leaf(encode_value(layout.kind_of(path), passphrase, value));
    let key = layout.key_of(path).unwrap_or(path).to_string();
    out.insert(key, encoded);
}

/// The generic leaf rule: arrays and objects become JSON text, everything else stays.
fn generic_leaf(value: Value) -> Value {
    match value {
        Value::Array(_) | Value::Object(_) => Value::String(json::stringify(&value)),
        other => other,
    }
}

/// Text of a mapped value as it goes into a metadata header (`String(value)` in JS).
pub fn metadata_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => number_text(n),
        other => json::stringify(other),
    }
}

fn number_text(n: &serde_json::Number) -> String {
    match n.as_i64() {
        Some(i) => i.to_string(),
        None => jsnum::to_js_string(n.as_f64().unwrap_or(f64::NAN)),
    }
}

/// A mapped value as its metadata header carries it (transport-encoded). The strings
/// `null`/`undefined` are base64-wrapped so they are not read back as JS null/undefined
/// (s3db.js decodes `b:` the same way).
pub fn header_text(value: &Value) -> String {
    use base64::Engine as _;
    match value {
        Value::String(s) if s == "null" || s == "undefined" => {
            format!("b:{}", base64::engine::general_purpose::STANDARD.encode(s))
        }
        other => metadata::encode_value(&metadata_text(other)),
    }
}

/// JS `String(value)` (arrays joined with `,`, objects `[object Object]`).
pub fn js_string(value: &Value) -> String {
    match value {
        Value::Object(_) => "[object Object]".into(),
        Value::Array(items) => items.iter().map(|v| if v.is_null() { String::new() } else { js_string(v) }).collect::<Vec<_>>().join(","),
        other => metadata_text(other),
    }
}

fn as_number(value: &Value) -> Option<f64> {
    value.as_f64()
}

fn numbers(items: &[Value]) -> Vec<f64> {
    items.iter().map(|v| as_number(v).unwrap_or(f64::NAN)).collect()
}

fn join_numbers(items: &[Value], encode: fn(f64) -> String) -> String {
    items.iter().map(|v| encode(as_number(v).unwrap_or(f64::NAN))).collect::<Vec<_>>().join("|")
}

fn escape_array_item(item: &str) -> String {
    item.replace('\\', "\\\\").replace('|', "\\|")
}

/// The per-kind encoder; values it does not apply to pass through unchanged.
fn encode_value(kind: FieldKind, passphrase: &str, value: &Value) -> Value {
    use FieldKind::*;
    let text = |s: String| Value::String(s);
    match (kind, value) {
        (_, Value::Null) => Value::Null,
        (FixedPointArray { precision }, Value::Array(items)) => {
            text(base62::encode_fixed_point_batch(&numbers(items), precision))
        }
        (StringArray, Value::Array(items)) => text(
            items
                .iter()
                .map(|v| match v {
                    Value::String(s) => escape_array_item(s),
                    other => js_string(other),
                })
                .collect::<Vec<_>>()
                .join("|"),
        ),
        (IntegerArray, Value::Array(items)) => text(join_numbers(items, base62::encode)),
        (DecimalArray, Value::Array(items)) => text(join_numbers(items, base62::encode_decimal)),
        (Secret, v) => text(crypto::encrypt(passphrase, &js_string(v))),
        (Ip4, Value::String(s)) => ip::encode_ipv4(s).map(text).unwrap_or_else(|| value.clone()),
        (Ip6, Value::String(s)) => ip::encode_ipv6(s).map(text).unwrap_or_else(|| value.clone()),
        (Money { decimals }, Value::Number(n)) => text(base62::encode_money(n.as_f64().unwrap_or(0.0), decimals)),
        (Decimal { precision }, Value::Number(n)) => {
            text(base62::encode_fixed_point(n.as_f64().unwrap_or(0.0), precision))
        }
        (GeoLat { precision }, Value::Number(n)) => text(base62::encode_geo_lat(n.as_f64().unwrap_or(0.0), precision)),
        (GeoLon { precision }, Value::Number(n)) => text(base62::encode_geo_lon(n.as_f64().unwrap_or(0.0), precision)),
        (GeoPoint { precision }, point) => match geo_point(point) {
            Some((lat, lon)) => text(base62::encode_geo_point(lat, lon, precision)),
            None => value.clone(),
        },
        (Integer, Value::Number(n)) => text(base62::encode(n.as_f64().unwrap_or(f64::NAN))),
        (Number, Value::Number(n)) => text(base62::encode_decimal(n.as_f64().unwrap_or(f64::NAN))),
        (Boolean, v) => text(if is_truthy_flag(v) { "1" } else { "0" }.into()),
        (Json, Value::String(_)) => value.clone(),
        (Json, other) => text(json::stringify(other)),
        _ => value.clone(),
    }
}

fn is_truthy_flag(value: &Value) -> bool {
    match value {
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() == Some(1.0),
        Value::String(s) => matches!(s.as_str(), "true" | "1" | "yes" | "y"),
        _ => false,
    }
}

/// `{lat, lon}`, `{latitude, longitude}` or `[lat, lon]`.
fn geo_point(value: &Value) -> Option<(f64, f64)> {
    match value {
        Value::Array(items) if items.len() == 2 => Some((items[0].as_f64()?, items[1].as_f64()?)),
        Value::Object(o) => {
            let lat = o.get("lat").or_else(|| o.get("latitude"))?.as_f64()?;
            let lon = o.get("lon").or_else(|| o.get("longitude"))?.as_f64()?;
            Some((lat, lon))
        }
        _ => None,
    }
}

/// Reading options for one record.
pub struct ReadContext<'a> {
    pub layout: &'a AttributeLayout,
    pub passphrase: &'a str,
    pub auto_decrypt: bool,
    /// A `_map` stored in the object (body-only records) that overrides the layout's keys.
    pub stored_map: Option<&'a HashMap<String, String>>,
}

/// Rebuilds the nested document from mapped fields (metadata values already transport-decoded,
/// body values as parsed). `_`-prefixed keys are system fields and are skipped.
pub fn unmap_record(ctx: &ReadContext<'_>, fields: Vec<(String, Value)>) -> Result<Map<String, Value>> {
    unmap_record_where(ctx, fields, |_| true)
}

/// `unmap_record` of the fields whose path `wanted` accepts; the others are not decoded.
pub fn unmap_record_where(ctx: &ReadContext<'_>, fields: Vec<(String, Value)>, wanted: impl Fn(&str) -> bool) -> Result<Map<String, Value>> {
    // Room for the fields and the read decorations the caller adds.
    let mut out = Map::with_capacity(fields.len() + 12);
    for (key, raw) in fields {
        if key.starts_with('_') || key.starts_with('$') {
            continue;
        }
        let path = match ctx.stored_map.and_then(|m| m.get(&key)) {
            Some(path) => path.as_str(),
            None => ctx.layout.path_of(&key).unwrap_or(&key),
        };
        if !wanted(path) {
            continue;
        }
        let value = match raw {
            Value::String(text) if ctx.auto_decrypt && !text.is_empty() && ctx.layout.kind_of(path) == FieldKind::Secret => {
                match decrypt_field(ctx.passphrase, path, &text)?.as_str() {
                    // s3db.js decrypts these plaintexts to JS undefined/null (19.x writes an
                    // encrypted "undefined" for absent optional secrets).
                    "undefined" => continue,
                    "null" => Value::Null,
                    plain => Value::String(plain.to_string()),
                }
            }
            Value::String(text) => decode_text(ctx, path, text)?,
            other => other,
        };
        insert_path(&mut out, path, value);
    }
    Ok(out)
}

fn decode_text(ctx: &ReadContext<'_>, path: &str, owned: String) -> Result<Value> {
    use FieldKind::*;
    let kind = ctx.layout.kind_of(path);
    if matches!(kind, Text) || (kind == Plain && !owned.starts_with(['{', '[']) && owned != "[object Object]") {
        return Ok(Value::String(owned));
    }
    let text = owned.as_str();
    let keep = || Value::String(text.to_string());
    if text.is_empty() {
        return Ok(match kind {
            StringArray | IntegerArray | DecimalArray => Value::Array(vec![]),
            _ => keep(),
        });
    }
    Ok(match kind {
        StringArray => json_array(text).unwrap_or_else(|| split_escaped(text)),
        IntegerArray => json_array(text).unwrap_or_else(|| split_numbers(text, base62::decode)),
        DecimalArray => json_array(text).unwrap_or_else(|| split_numbers(text, base62::decode_decimal)),
        FixedPointArray { precision } if text.starts_with("^[") => {
            Value::Array(base62::decode_fixed_point_batch(text, precision).into_iter().map(number).collect())
        }
        FixedPointArray { .. } => json_array(text).unwrap_or_else(|| split_numbers(text, base62::decode_decimal)),
        Ip4 => ip::decode_ipv4(text).map(Value::String).unwrap_or_else(keep),
        Ip6 => ip::decode_ipv6(text).map(Value::String).unwrap_or_else(keep),
        Money { decimals } if text.starts_with('$') => number(base62::decode_money(text, decimals)),
        Decimal { precision } if text.starts_with('^') => number(base62::decode_fixed_point(text, precision)),
        GeoLat { precision } if text.starts_with('~') => number(base62::decode_geo_lat(text, precision)),
        GeoLon { precision } if text.starts_with('~') => number(base62::decode_geo_lon(text, precision)),
        GeoPoint { precision } => match base62::decode_geo_point(text, precision) {
            Some((lat, lon)) => serde_json::json!({"latitude": lat, "longitude": lon}),
            None => keep(),
        },
        Integer => finite_or(base62::decode(text), keep),
        Number => finite_or(base62::decode_decimal(text), keep),
        Boolean => Value::Bool(matches!(text, "1" | "true" | "yes" | "y")),
        NumberText => finite_or(jsnum::parse_js_number(text), keep),
        BooleanText => match text {
            "true" | "1" => Value::Bool(true),
            "false" | "0" => Value::Bool(false),
            _ => keep(),
        },
        Json => serde_json::from_str(text).unwrap_or_else(|_| keep()),
        Date => match serde_json::from_str::<Value>(text) {
            Ok(Value::String(iso)) if text.starts_with('"') => Value::String(iso),
            _ => keep(),
        },
        Text | Secret => keep(),
        _ => generic_text(text),
    })
}

/// The generic read rule: JSON-looking text is parsed, anything else stays text.
fn generic_text(text: &str) -> Value {
    if text.starts_with('{') || text.starts_with('[') {
        if let Ok(parsed) = serde_json::from_str::<Value>(text) {
            return parsed;
        }
    }
    if text == "[object Object]" {
        return Value::Object(Map::new());
    }
    Value::String(text.to_string())
}

fn decrypt_field(passphrase: &str, path: &str, stored: &str) -> Result<String> {
    match crypto::decrypt(passphrase, stored) {
        // 19.5.10 encrypted top-level secrets twice; a plaintext that is itself a ciphertext
        // under the same passphrase is opened again.
        Ok(plain) => Ok(crypto::decrypt(passphrase, &plain).unwrap_or(plain)),
        Err(CryptoError::Malformed) => Ok(stored.to_string()),
        Err(CryptoError::WrongKey) => Err(Error::new(
            ErrorKind::Crypto,
            format!("Decryption failed for secret field '{path}': wrong passphrase or corrupted value"),
        )
        .with("field", path)),
    }
}

fn number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 {
        Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map(Value::Number).unwrap_or(Value::Null)
    }
}

fn finite_or(n: f64, fallback: impl FnOnce() -> Value) -> Value {
    if n.is_finite() {
        number(n)
    } else {
        fallback()
    }
}

fn json_array(text: &str) -> Option<Value> {
    if !text.starts_with('[') {
        return None;
    }
    serde_json::from_str::<Value>(text).ok().filter(Value::is_array)
}

fn split_numbers(text: &str, decode: fn(&str) -> f64) -> Value {
    Value::Array(text.split('|').map(|part| finite_or(decode(part), || Value::Null)).collect())
}

/// Splits on unescaped `|`; a backslash takes the next character literally.
fn split_escaped(text: &str) -> Value {
    let mut items = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    current.push(next);
                }
            }
            '|' => items.push(Value::String(std::mem::take(&mut current))),
            other => current.push(other),
        }
    }
    items.push(Value::String(current));
    Value::Array(items)
}

/// Sets `value` at a dotted path, creating (or merging into) nested objects.
fn insert_path(out: &mut Map<String, Value>, path: &str, value: Value) {
    let Some((parents, last)) = path.rsplit_once('.') else { return put_field(out, path, value) };
    let mut target = out;
    for segment in parents.split('.') {
        let slot = target.entry(segment.to_string()).or_insert_with(|| Value::Object(Map::new()));
        if !slot.is_object() {
            *slot = Value::Object(Map::new());
        }
        target = slot.as_object_mut().expect("just made an object");
    }
    put_field(target, last, value);
}

/// Sets `target[key]`; an object already there keeps its fields and gains the new ones.
fn put_field(target: &mut Map<String, Value>, key: &str, value: Value) {
    use serde_json::map::Entry;
    match (target.entry(key), value) {
        (Entry::Vacant(slot), value) => {
            slot.insert(value);
        }
        (Entry::Occupied(mut slot), Value::Object(incoming)) if slot.get().is_object() => {
            let existing = slot.get_mut().as_object_mut().expect("checked");
            for (k, v) in incoming {
                existing.entry(k).or_insert(v);
            }
        }
        (Entry::Occupied(slot), _) if slot.get().is_object() => {}
        (Entry::Occupied(mut slot), value) => {
            slot.insert(value);
        }
    }
}

/// Every secret ciphertext among mapped metadata/body fields (to warm keys before decoding).
pub fn secret_texts<'a>(layout: &AttributeLayout, fields: impl IntoIterator<Item = (&'a String, &'a Value)>) -> Vec<String> {
    fields
        .into_iter()
        .filter_map(|(key, value)| {
            let path = layout.path_of(key)?;
            (layout.kind_of(path) == FieldKind::Secret).then(|| value.as_str().map(str::to_string)).flatten()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn layout(v: Value) -> AttributeLayout {
        AttributeLayout::new(v.as_object().unwrap())
    }

    fn read(l: &AttributeLayout, mapped: &Mapped) -> Map<String, Value> {
        let ctx = ReadContext { layout: l, passphrase: "secret", auto_decrypt: true, stored_map: None };
        unmap_record(&ctx, mapped.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).unwrap()
    }

    #[test]
    fn nested_fields_flatten_to_keys_and_back() {
        let l = layout(json!({"name": "string", "profile": {"bio": "string", "address": {"city": "string"}}, "tags": "array|items:string"}));
        let doc = json!({"name": "A", "profile": {"bio": "b", "address": {"city": "c"}}, "tags": ["x|y", "z\\w"]});
        let mapped = map_record(&l, "secret", doc.as_object().unwrap(), "v1");
        assert_eq!(mapped["0"], json!("A"));
        assert_eq!(mapped["1"], json!("b"));
        assert_eq!(mapped["2"], json!("c"));
        assert_eq!(mapped["3"], json!("x\\|y|z\\\\w"));
        assert_eq!(mapped["_v"], json!("v1"));
        assert_eq!(Value::Object(read(&l, &mapped)), doc);
    }

    #[test]
    fn any_and_unknown_objects_stay_whole() {
        let l = layout(json!({"a": "any"}));
        let doc = json!({"a": {"x": 1}, "extra": {"y": [1, 2]}});
        let mapped = map_record(&l, "secret", doc.as_object().unwrap(), "v1");
        assert_eq!(mapped["0"], json!("{\"x\":1}"));
        assert_eq!(mapped["extra"], json!("{\"y\":[1,2]}"));
        assert_eq!(Value::Object(read(&l, &mapped)), doc);
    }

    #[test]
    fn string_fields_that_look_like_json_stay_strings() {
        let l = layout(json!({"s": "string"}));
        let doc = json!({"s": "{\"looks\":\"like json\"}"});
        let mapped = map_record(&l, "secret", doc.as_object().unwrap(), "v1");
        assert_eq!(Value::Object(read(&l, &mapped)), doc);
    }

    #[test]
    fn split_escaped_handles_pipes_and_backslashes() {
        assert_eq!(split_escaped("a\\|b|c\\\\d||e"), json!(["a|b", "c\\d", "", "e"]));
    }

    #[test]
    fn nested_empty_object_is_stored_under_its_object_key() {
        let l = layout(json!({"name": "string", "profile": {"bio": "string|optional"}}));
        let doc = json!({"name": "n", "profile": {}});
        let mapped = map_record(&l, "secret", doc.as_object().unwrap(), "v1");
        assert_eq!(mapped[l.key_of("profile").unwrap()], json!("{}"));
        assert_eq!(Value::Object(read(&l, &mapped)), doc);
    }
}
