//! What a resource's attribute definitions imply for storage: the positional attribute map
//! (field path -> short metadata key, storage-format §3) and the codec kind of every field
//! (storage-format §4.3), derived once per schema version.

use crate::encoding::json::js_key_order;
use serde_json::{Map, Value};
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::HashSet;

/// How a field's value is encoded into metadata text and decoded back.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldKind {
    /// Fixed-point batch `^[…]` (embeddings and numeric arrays of length >= 256).
    FixedPointArray { precision: u32 },
    /// `|`-joined strings with `\` escaping.
    StringArray,
    /// `|`-joined base62 integers.
    IntegerArray,
    /// `|`-joined base62 decimals.
    DecimalArray,
    Secret,
    Ip4,
    Ip6,
    Money { decimals: u32 },
    Decimal { precision: u32 },
    GeoLat { precision: u32 },
    GeoLon { precision: u32 },
    GeoPoint { precision: u32 },
    Integer,
    Number,
    Boolean,
    /// `json` and `object` attributes: JSON text.
    Json,
    /// `date` attributes: ISO text.
    Date,
    /// Declared as a string type (string, email, url, uuid, enum of strings…): never JSON-parsed on read.
    Text,
    /// Object-notation scalar: stored with `String()`, parsed back by its declared type.
    NumberText,
    BooleanText,
    /// No encoder (`any`, other arrays, unknown fields): generic JSON/String rule.
    Plain,
}

/// The storage view of one schema version.
#[derive(Debug, Clone)]
pub struct AttributeLayout {
    /// Mapped paths in key order.
    pub paths: Vec<String>,
    key_of: FxHashMap<String, String>,
    path_of: FxHashMap<String, String>,
    kinds: FxHashMap<String, FieldKind>,
    /// Paths declared as nested schemas (plain objects in the definition): flattened on write.
    nested: FxHashSet<String>,
    /// Plugin attributes and their hashed keys, in the order they were added.
    plugin_keys: Vec<(String, String)>,
}

impl AttributeLayout {
    pub fn new(attributes: &Map<String, Value>) -> Self {
        let paths = mapped_paths(attributes);
        let mut key_of = FxHashMap::default();
        let mut path_of = FxHashMap::default();
        for (index, path) in paths.iter().enumerate() {
            let key = map_key(index);
            path_of.insert(key.clone(), path.clone());
            key_of.insert(path.clone(), key);
        }
        let mut kinds = FxHashMap::default();
        let mut nested = FxHashSet::default();
        collect_kinds(attributes, "", &mut kinds, &mut nested);
        Self { paths, key_of, path_of, kinds, nested, plugin_keys: Vec::new() }
    }

    /// The layout with plugin attributes `(name, plugin, definition)` added under their hashed keys.
    pub fn with_plugin_attributes<'a>(mut self, plugins: impl IntoIterator<Item = (&'a str, &'a str, &'a Value)>) -> Self {
        for (name, plugin, definition) in plugins {
            let base = plugin_attribute_key(plugin, name);
            let mut key = base.clone();
            let mut counter = 1;
            while self.path_of.contains_key(&key) {
                key = format!("{base}{counter}");
                counter += 1;
            }
            let mut single = Map::new();
            single.insert(name.to_string(), definition.clone());
            collect_kinds(&single, "", &mut self.kinds, &mut self.nested);
            self.key_of.insert(name.to_string(), key.clone());
            self.path_of.insert(key.clone(), name.to_string());
            self.plugin_keys.push((name.to_string(), key));
        }
        self
    }

    /// `{attribute: key}` of the plugin attributes (`schema.pluginMap`, body-only `_pluginMap`).
    pub fn plugin_map_json(&self) -> Map<String, Value> {
        self.plugin_keys.iter().map(|(name, key)| (name.clone(), Value::String(key.clone()))).collect()
    }

    /// Short metadata key of a field path.
    pub fn key_of(&self, path: &str) -> Option<&str> {
        self.key_of.get(path).map(String::as_str)
    }

    /// Field path of a (lower-cased) metadata key.
    pub fn path_of(&self, key: &str) -> Option<&str> {
        self.path_of.get(key).map(String::as_str)
    }

    /// True when `path` is a nested schema object whose fields are stored separately.
    pub fn is_nested(&self, path: &str) -> bool {
        self.nested.contains(path)
    }

    pub fn kind_of(&self, path: &str) -> FieldKind {
        self.kinds.get(path).copied().unwrap_or(FieldKind::Plain)
    }

    /// `{path: key}` in key order, as s3db.js exposes `schema.map`.
    pub fn map_json(&self) -> Map<String, Value> {
        self.paths.iter().map(|p| (p.clone(), Value::String(self.key_of[p].clone()))).collect()
    }

    /// True when some field is a `secret` (writes and reads may need a key derivation).
    pub fn has_secrets(&self) -> bool {
        self.kinds.values().any(|k| *k == FieldKind::Secret)
    }

    /// Every path with an explicit kind (for plugins, partitions and tests).
    pub fn kinds(&self) -> &FxHashMap<String, FieldKind> {
        &self.kinds
    }
}

/// s3db.js's stable key of a plugin attribute: `p` + the first three base62 digits of the first
/// four bytes of sha256(`plugin:name`) (big-endian), lower-cased, so keys do not move when other
/// plugins come and go.
pub fn plugin_attribute_key(plugin: &str, name: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{plugin}:{name}").as_bytes());
    let number = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]);
    let digits = crate::encoding::base62::encode(f64::from(number));
    let padded = format!("{digits:0>3}");
    format!("p{}", padded[..3].to_ascii_lowercase())
}

/// Key of the i-th mapped path: base36 digits (`0-9a-z`, then `10`, `11`…). Identical to
/// s3db.js 12.4's base62 keys below 36; from 36 on it is the 19.x form, because 12.4's
/// upper-case keys collide once S3 lower-cases metadata names.
pub fn map_key(index: usize) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    if index == 0 {
        return "0".into();
    }
    let mut n = index;
    let mut out = Vec::new();
    while n > 0 {
        out.push(DIGITS[n % 36]);
        n /= 36;
    }
    out.reverse();
    String::from_utf8(out).expect("ascii digits")
}

/// Leaf paths of the flattened definition (no `$$` paths), then the object paths.
fn mapped_paths(attributes: &Map<String, Value>) -> Vec<String> {
    let mut leaves = Vec::new();
    flatten_definition(attributes, "", &mut leaves);
    let mut objects = Vec::new();
    collect_object_paths(attributes, "", &mut objects);
    let mut seen = HashSet::new();
    leaves
        .into_iter()
        .chain(objects)
        .filter(|p| !p.contains("$$") && seen.insert(p.clone()))
        .collect()
}

fn join_path(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

fn ordered(map: &Map<String, Value>) -> Map<String, Value> {
    js_key_order(map.clone())
}

fn flatten_definition(def: &Map<String, Value>, prefix: &str, out: &mut Vec<String>) {
    for (key, value) in ordered(def) {
        let path = join_path(prefix, &key);
        match &value {
            Value::Object(inner) if !inner.is_empty() => flatten_definition(inner, &path, out),
            _ => out.push(path),
        }
    }
}

fn collect_object_paths(def: &Map<String, Value>, prefix: &str, out: &mut Vec<String>) {
    for (key, value) in ordered(def) {
        if let Value::Object(inner) = &value {
            let path = join_path(prefix, &key);
            out.push(path.clone());
            if inner.get("$$type").and_then(Value::as_str) == Some("object") {
                collect_object_paths(inner, &path, out);
            }
        }
    }
}

fn collect_kinds(
    def: &Map<String, Value>,
    prefix: &str,
    out: &mut FxHashMap<String, FieldKind>,
    nested: &mut FxHashSet<String>,
) {
    for (key, value) in def {
        if key.starts_with("$$") {
            continue;
        }
        let path = join_path(prefix, key);
        match value {
            Value::String(text) => {
                out.insert(path, kind_of_definition(text));
            }
            Value::Object(inner) if is_object_notation(inner) => {
                if let Some(kind) = object_notation_kind(inner) {
                    out.insert(path.clone(), kind);
                }
                // s3db.js also derives hooks for the flattened notation leaves (`vec.items`);
                // no data lives at those paths, so they need no kind here.
            }
            Value::Object(inner) => {
                nested.insert(path.clone());
                collect_kinds(inner, &path, out, nested)
            }
            Value::Array(_) => {
                out.insert(path, FieldKind::Plain);
            }
            _ => {}
        }
    }
}

/// `{type: '...', ...}` with a string `type` is a rule object, not a nested schema.
pub fn is_object_notation(def: &Map<String, Value>) -> bool {
    matches!(def.get("type"), Some(Value::String(_))) && !def.contains_key("$$type")
}

fn object_notation_kind(def: &Map<String, Value>) -> Option<FieldKind> {
    let type_name = def.get("type")?.as_str()?;
    match type_name {
        "array" => {
            let items = def.get("items").and_then(Value::as_str).unwrap_or("");
            let length = def.get("length").and_then(Value::as_f64);
            array_kind(items, length.map(|l| l as i64), items.contains("integer"))
        }
        "number" => Some(FieldKind::NumberText),
        "boolean" => Some(FieldKind::BooleanText),
        "date" | "datetime" => Some(FieldKind::Date),
        t if is_text_type(t) => Some(FieldKind::Text),
        _ => None,
    }
}

fn array_kind(items: &str, length: Option<i64>, integer: bool) -> Option<FieldKind> {
    if items.contains("string") {
        Some(FieldKind::StringArray)
    } else if items.contains("number") {
        Some(if integer {
            FieldKind::IntegerArray
        } else if length.is_some_and(|n| n >= 256) {
            FieldKind::FixedPointArray { precision: 6 }
        } else {
            FieldKind::DecimalArray
        })
    } else {
        None
    }
}

fn is_text_type(type_name: &str) -> bool {
    matches!(type_name, "string" | "email" | "url" | "uuid" | "enum" | "currency" | "mac" | "luhn")
}

/// The number after `name:` in a shorthand definition (`money:4` -> 4).
fn rule_number(def: &str, name: &str) -> Option<u32> {
    def.split('|').find_map(|part| {
        let mut pieces = part.split(':');
        if pieces.next()? != name {
            return None;
        }
        pieces.next()?.trim().parse().ok()
    })
}

fn has_integer_rule(def: &str) -> bool {
    def.contains("integer:true") || def.contains("|integer")
}

/// Codec kind of a shorthand definition, by the substring precedence of storage-format §4.3.
pub fn kind_of_definition(def: &str) -> FieldKind {
    if def.contains("embedding") {
        return FieldKind::FixedPointArray { precision: 6 };
    }
    if def.contains("array") {
        let items = if def.contains("items:string") {
            "string"
        } else if def.contains("items:number") {
            "number"
        } else {
            ""
        };
        let length = rule_number(def, "length").map(i64::from);
        return array_kind(items, length, has_integer_rule(def)).unwrap_or(FieldKind::Plain);
    }
    if def.contains("secret") {
        return FieldKind::Secret;
    }
    if def.contains("ip4") {
        return FieldKind::Ip4;
    }
    if def.contains("ip6") {
        return FieldKind::Ip6;
    }
    if def.contains("money") || def.contains("crypto") {
        let default = if def.contains("crypto") { 8 } else { 2 };
        let decimals = rule_number(def, "money").or_else(|| rule_number(def, "crypto")).unwrap_or(default);
        return FieldKind::Money { decimals };
    }
    if def.contains("decimal") {
        return FieldKind::Decimal { precision: rule_number(def, "decimal").unwrap_or(2) };
    }
    if def.contains("geo:lat") {
        return FieldKind::GeoLat { precision: geo_precision(def, "lat") };
    }
    if def.contains("geo:lon") {
        return FieldKind::GeoLon { precision: geo_precision(def, "lon") };
    }
    if def.contains("geo:point") {
        return FieldKind::GeoPoint { precision: geo_precision(def, "point") };
    }
    if def.contains("number") {
        return if has_integer_rule(def) { FieldKind::Integer } else { FieldKind::Number };
    }
    if def.contains("boolean") {
        return FieldKind::Boolean;
    }
    if def.contains("json") || def.contains("object") {
        return FieldKind::Json;
    }
    let type_name = def.split('|').next().unwrap_or("").trim();
    if type_name == "date" || type_name == "datetime" {
        return FieldKind::Date;
    }
    if is_text_type(type_name) {
        return FieldKind::Text;
    }
    FieldKind::Plain
}

/// `geo:lat:8` -> 8, default 6.
fn geo_precision(def: &str, axis: &str) -> u32 {
    let marker = format!("geo:{axis}:");
    def.split('|')
        .find_map(|part| part.strip_prefix(&marker).and_then(|p| p.trim().parse().ok()))
        .unwrap_or(6)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn layout(v: Value) -> AttributeLayout {
        AttributeLayout::new(v.as_object().unwrap())
    }

    #[test]
    fn maps_match_schema_map_vectors() {
        let vectors = crate::test_vectors("schema-maps.json");
        for case in vectors["cases"].as_array().unwrap() {
            let l = layout(case["attributes"].clone());
            let expected = case["map"].as_object().unwrap();
            for (path, key) in expected {
                let key = key.as_str().unwrap();
                // Keys from index 36 on are written in the 19.x (base36) form, see `map_key`.
                let expected_key = match case["name"].as_str().unwrap() {
                    "forty" => {
                        vectors["differencesInNpmVersions"]["19.5.10"]["forty"][path]["19.5.10"]
                            .as_str()
                            .unwrap_or(key)
                    }
                    _ => key,
                };
                assert_eq!(l.key_of(path), Some(expected_key), "case {} path {path}", case["name"]);
            }
            assert_eq!(l.paths.len(), expected.len(), "case {}", case["name"]);
        }
    }

    #[test]
    fn kinds_follow_definition_precedence() {
        assert_eq!(kind_of_definition("number|integer:true|optional"), FieldKind::Integer);
        assert_eq!(kind_of_definition("number|integer|positive"), FieldKind::Integer);
        assert_eq!(kind_of_definition("number|optional"), FieldKind::Number);
        assert_eq!(kind_of_definition("array|items:string"), FieldKind::StringArray);
        assert_eq!(kind_of_definition("array|items:number|integer:true"), FieldKind::IntegerArray);
        assert_eq!(kind_of_definition("array|items:number|length:300"), FieldKind::FixedPointArray { precision: 6 });
        assert_eq!(kind_of_definition("array|items:object"), FieldKind::Plain);
        assert_eq!(kind_of_definition("embedding:256"), FieldKind::FixedPointArray { precision: 6 });
        assert_eq!(kind_of_definition("secret|required"), FieldKind::Secret);
        assert_eq!(kind_of_definition("money:4"), FieldKind::Money { decimals: 4 });
        assert_eq!(kind_of_definition("crypto"), FieldKind::Money { decimals: 8 });
        assert_eq!(kind_of_definition("decimal:3"), FieldKind::Decimal { precision: 3 });
        assert_eq!(kind_of_definition("geo:lat:4"), FieldKind::GeoLat { precision: 4 });
        assert_eq!(kind_of_definition("geo:point"), FieldKind::GeoPoint { precision: 6 });
        assert_eq!(kind_of_definition("boolean|default:true"), FieldKind::Boolean);
        assert_eq!(kind_of_definition("json|optional"), FieldKind::Json);
        assert_eq!(kind_of_definition("object|optional"), FieldKind::Json);
        assert_eq!(kind_of_definition("date|optional"), FieldKind::Date);
        assert_eq!(kind_of_definition("email|required"), FieldKind::Text);
        assert_eq!(kind_of_definition("any"), FieldKind::Plain);
    }

    #[test]
    fn nested_and_object_notation_kinds() {
        let l = layout(json!({
            "profile": {"age": "number", "tags": "array|items:string"},
            "vec": {"type": "array", "items": "number", "length": 3},
            "n": {"type": "number"}
        }));
        assert_eq!(l.kind_of("profile.age"), FieldKind::Number);
        assert_eq!(l.kind_of("profile.tags"), FieldKind::StringArray);
        assert_eq!(l.kind_of("vec"), FieldKind::DecimalArray);
        assert_eq!(l.kind_of("n"), FieldKind::NumberText);
        assert_eq!(l.kind_of("unknown"), FieldKind::Plain);
    }

    #[test]
    fn map_keys_are_base36_positions() {
        assert_eq!(map_key(0), "0");
        assert_eq!(map_key(10), "a");
        assert_eq!(map_key(35), "z");
        assert_eq!(map_key(36), "10");
        assert_eq!(map_key(37), "11");
    }
}
