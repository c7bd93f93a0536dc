//! Turning a resource's mapped fields into a stored object (metadata headers + body) and a
//! stored object back into the record users see.

use super::ResourceState;
use crate::behavior::{Behavior, Split};
use crate::codec::{self, ReadContext};
use crate::encoding::{json, metadata};
use crate::error::Result;
use crate::storage::{Metadata, ObjectHead};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::HashMap;

/// Headers and body of an object about to be written.
pub struct Encoded {
    pub metadata: Metadata,
    pub body: Vec<u8>,
    pub content_type: Option<String>,
}

/// Transport-encodes a split for the wire.
pub fn encode(state: &ResourceState, split: &Split) -> Encoded {
    let mut metadata: Metadata = split.metadata.iter().map(|(k, v)| (metadata::sanitize_key(k), codec::header_text(v))).collect();
    if state.definition.behavior == Behavior::BodyOnly {
        let map = Value::Object(state.layout.map_json());
        metadata.push(("_map".into(), metadata::encode_value(&json::stringify(&map))));
        let plugin_map = state.layout.plugin_map_json();
        if !plugin_map.is_empty() {
            metadata.push(("_pluginmap".into(), metadata::encode_value(&json::stringify(&Value::Object(plugin_map)))));
        }
    }
    let body = split.body.as_ref().map(|b| json::stringify(&Value::Object(b.clone())).into_bytes()).unwrap_or_default();
    let content_type = (!body.is_empty()).then(|| "application/json".to_string());
    Encoded { metadata, body, content_type }
}

/// Mapped fields of a stored object: decoded metadata merged over the JSON body, plus the
/// object's own `_map` when it has one.
pub struct RawFields {
    pub fields: Vec<(String, Value)>,
    pub stored_map: Option<HashMap<String, String>>,
}

pub fn raw_fields(head: &ObjectHead, body: &[u8]) -> RawFields {
    let mut fields = Vec::with_capacity(head.metadata.len());
    let mut stored_map = None;
    for (key, stored) in &head.metadata {
        let value = match metadata::decode_value(stored) {
            metadata::MetaValue::Null => Value::Null,
            metadata::MetaValue::Undefined => continue,
            metadata::MetaValue::Text(text) => Value::String(text),
        };
        if key == "_map" || key == "_pluginmap" {
            if let Some(parsed) = value.as_str().and_then(parse_stored_map) {
                stored_map.get_or_insert_with(HashMap::new).extend(parsed);
            }
            continue;
        }
        fields.push((key.clone(), value));
    }
    if let Some(Value::Object(body)) = parse_body(body) {
        // Metadata wins over the body; a few dozen short keys compare faster than they hash.
        let body_only: Vec<_> = body.into_iter().filter(|(key, _)| !fields.iter().any(|(k, _)| k == key)).collect();
        fields.extend(body_only);
    }
    RawFields { fields, stored_map }
}

fn parse_body(body: &[u8]) -> Option<Value> {
    if body.is_empty() || !matches!(body.first(), Some(b'{')) {
        return None;
    }
    serde_json::from_slice(body).ok()
}

/// `_map` is `{path: key}`; reading needs key -> path.
fn parse_stored_map(text: &str) -> Option<HashMap<String, String>> {
    let map: Map<String, Value> = serde_json::from_str(text).ok()?;
    Some(map.into_iter().filter_map(|(path, key)| Some((key.as_str()?.to_ascii_lowercase(), path))).collect())
}

/// Mapped fields as the codec reads them, straight from a split (no transport round trip).
pub fn split_fields(split: Split) -> RawFields {
    let Split { metadata, body, .. } = split;
    let mut fields: Vec<(String, Value)> = Vec::with_capacity(metadata.len() + body.as_ref().map_or(0, Map::len));
    if let Some(body) = body {
        let body: Vec<_> = body.into_iter().filter(|(k, _)| !metadata.contains_key(k)).collect();
        fields.extend(metadata);
        fields.extend(body);
    } else {
        fields.extend(metadata);
    }
    RawFields { fields, stored_map: None }
}

/// The `_v` a stored object was written with.
pub fn written_version(raw: &RawFields) -> Option<&str> {
    raw.fields.iter().find(|(k, _)| k == "_v").and_then(|(_, v)| v.as_str())
}

/// Base64 length of a ciphertext whose plaintext is itself a ciphertext (44 + 44 + 16 bytes).
const MIN_DOUBLE_SEALED_LEN: usize = 140;

/// True when decoding these fields needs a PBKDF2 run (an uncached salt), including the inner
/// layer of a secret that 19.5.10 encrypted twice.
pub fn needs_key_derivation(state: &ResourceState, raw: &RawFields) -> bool {
    use crate::crypto::{decrypt, read_key_ready};
    let passphrase = &state.passphrase;
    state.has_secrets
        && state.definition.auto_decrypt
        && codec::secret_texts(state.layout_for(written_version(raw)), raw.fields.iter().map(|(k, v)| (k, v))).iter().any(|text| {
            // An inner ciphertext is at least 44 bytes, so only long values can hold one.
            !read_key_ready(passphrase, text)
                || (text.len() >= MIN_DOUBLE_SEALED_LEN
                    && decrypt(passphrase, text).is_ok_and(|inner| !read_key_ready(passphrase, &inner)))
        })
}

/// Object facts that `get` reports next to the fields.
pub struct ObjectFacts<'a> {
    pub content_length: u64,
    pub content_type: Option<&'a str>,
    pub last_modified_ms: i64,
    pub etag: &'a str,
}

/// The record users see: fields, `id`, then s3db.js's read decorations.
pub fn to_record(state: &ResourceState, id: &str, raw: RawFields, facts: &ObjectFacts<'_>) -> Result<Map<String, Value>> {
    Ok(decode(state, id, raw, facts)?.into_map())
}

/// A record's fields and the read decorations that follow them, not yet joined: a reply can
/// write the decorations straight into its JSON instead of inserting them into the map.
pub struct Decoded<'a> {
    fields: Map<String, Value>,
    decorations: [(&'static str, Decoration<'a>); 10],
}

enum Decoration<'a> {
    Text(Cow<'a, str>),
    Count(u64),
    Flag(bool),
}

impl Decoration<'_> {
    fn into_value(self) -> Value {
        match self {
            Decoration::Text(text) => Value::String(text.into_owned()),
            Decoration::Count(n) => Value::from(n),
            Decoration::Flag(flag) => Value::Bool(flag),
        }
    }

    fn equals(&self, value: &Value) -> bool {
        match (self, value) {
            (Decoration::Text(text), Value::String(other)) => text == other,
            (Decoration::Count(n), Value::Number(other)) => other.as_f64() == Some(*n as f64),
            (Decoration::Flag(flag), Value::Bool(other)) => flag == other,
            _ => false,
        }
    }
}

/// JS strict equality for JSON values (numbers by value; objects/arrays never equal, as `===`).
fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Object(_), _) | (Value::Array(_), _) => false,
        _ => a == b,
    }
}

/// How to read fields written with `version` (borrowing only the object's `_map`, so the
/// fields themselves can be consumed).
fn read_context<'a>(state: &'a ResourceState, version: Option<&str>, stored_map: &'a Option<HashMap<String, String>>) -> ReadContext<'a> {
    ReadContext {
        layout: state.layout_for(version),
        passphrase: &state.passphrase,
        auto_decrypt: state.definition.auto_decrypt,
        stored_map: stored_map.as_ref(),
    }
}

/// The fields partition keys are computed from (whole top-level fields), the others left
/// undecoded: what a delete needs to find a record's references.
pub fn partition_fields(state: &ResourceState, raw: RawFields) -> Result<Map<String, Value>> {
    fn root(path: &str) -> &str {
        path.split('.').next().unwrap_or(path)
    }
    let roots: Vec<&str> = state.partitions.iter().flat_map(|p| p.fields.iter().map(|(path, _)| root(path))).collect();
    let ctx = read_context(state, written_version(&raw), &raw.stored_map);
    codec::unmap_record_where(&ctx, raw.fields, |path| roots.contains(&root(path)))
}

/// The fields of a stored object and its decorations: `id`, then s3db.js's read decorations.
pub fn decode<'a>(state: &'a ResourceState, id: &'a str, raw: RawFields, facts: &ObjectFacts<'a>) -> Result<Decoded<'a>> {
    let ctx = read_context(state, written_version(&raw), &raw.stored_map);
    let written_version = written_version(&raw).unwrap_or(&state.version).trim_start_matches('v').to_string();
    let fields = codec::unmap_record(&ctx, raw.fields)?;
    let mime_type = facts.content_type.unwrap_or("application/octet-stream");
    let decorations = [
        ("id", Decoration::Text(Cow::Borrowed(id))),
        ("_contentLength", Decoration::Count(facts.content_length)),
        ("_lastModified", Decoration::Text(Cow::Owned(crate::clock::iso_string(facts.last_modified_ms)))),
        ("_hasContent", Decoration::Flag(facts.content_length > 0)),
        ("_mimeType", Decoration::Text(Cow::Borrowed(mime_type))),
        ("_etag", Decoration::Text(Cow::Borrowed(facts.etag))),
        ("_v", Decoration::Text(Cow::Borrowed(&state.version))),
        ("_definitionHash", Decoration::Text(Cow::Borrowed(&state.record_hash))),
        // The version the record was written with (s3db.js compares "1" with "v1", hence always mapped).
        ("_originalVersion", Decoration::Text(Cow::Owned(written_version))),
        ("_versionMapped", Decoration::Flag(true)),
    ];
    Ok(Decoded { fields, decorations })
}

impl Decoded<'_> {
    /// True when every `filter` value is strictly equal (`===`) to the record's top-level value
    /// under that name, decorations included, as in the record `into_map` returns.
    pub fn matches(&self, filter: &Map<String, Value>) -> bool {
        filter.iter().all(|(key, wanted)| match self.decorations.iter().find(|(name, _)| name == key) {
            Some((_, decoration)) => decoration.equals(wanted),
            None => self.fields.get(key).is_some_and(|actual| values_equal(actual, wanted)),
        })
    }

    pub fn into_map(self) -> Map<String, Value> {
        let mut record = self.fields;
        for (key, value) in self.decorations {
            record.insert(key.to_string(), value.into_value());
        }
        record
    }

    /// The record's JSON text, as `into_map` would serialise.
    pub fn into_json(self) -> String {
        // A field under a decoration's name keeps its place and takes the decoration's value:
        // only the map does that. Decorations are `id` and `_…` names, so a scan of the first
        // bytes rules it out.
        if self.fields.keys().any(|key| key == "id" || key.starts_with('_')) {
            return serde_json::to_string(&self.into_map()).expect("a JSON map serialises");
        }
        let mut out = serde_json::to_vec(&self.fields).expect("a JSON map serialises");
        out.pop(); // the closing brace: the decorations follow the fields
        for (key, value) in &self.decorations {
            if out.len() > 1 {
                out.push(b',');
            }
            out.push(b'"');
            out.extend_from_slice(key.as_bytes());
            out.extend_from_slice(b"\":");
            match value {
                Decoration::Text(text) => serde_json::to_writer(&mut out, text.as_ref()).expect("a string serialises"),
                Decoration::Count(n) => out.extend_from_slice(itoa::Buffer::new().format(*n).as_bytes()),
                Decoration::Flag(flag) => out.extend_from_slice(if *flag { b"true" } else { b"false" }),
            }
        }
        out.push(b'}');
        String::from_utf8(out).expect("serde_json writes UTF-8")
    }
}

/// The user fields of a record (system `_` fields and `id` removed), e.g. to merge an update.
pub fn user_fields(record: &Map<String, Value>) -> Map<String, Value> {
    record.iter().filter(|(k, _)| !k.starts_with('_') && k.as_str() != "id").map(|(k, v)| (k.clone(), v.clone())).collect()
}
