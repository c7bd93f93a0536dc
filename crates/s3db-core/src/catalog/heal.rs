//! Loading `s3db.json` and healing it as s3db.js 12.4 does (storage-format §2.6): text repairs
//! for unparseable JSON, a blank catalogue (after a backup) when they fail, then structural
//! repairs. Each repair is logged with 12.4's wording (the `metadataHealed` healing log).
//!
//! Where 12.4 loses a definition or crashes, we heal instead: the current version falls back
//! to the first version that has attributes (12.4 takes the first key and may then drop the
//! resource), and version fields of the wrong type are reset to their defaults (12.4 fails to
//! load them). Function placeholders (`null`) in hook arrays and 19.x's hook summaries are
//! kept: both are what the writer meant, and "repairing" them would rewrite the catalogue on
//! every connect.

use super::{Catalog, S3DB_VERSION};
use crate::behavior::Behavior;
use crate::codec::js_string;
use crate::encoding::jsnum;
use serde_json::{json, Map, Value};

/// Result of reading `s3db.json`.
pub struct Loaded {
    pub catalog: Catalog,
    /// What was repaired, in 12.4's words; non-empty means the catalogue must be rewritten.
    pub healing_log: Vec<String>,
    /// The stored text must be backed up before it is replaced (it was unreadable, or a
    /// resource entry had to be dropped).
    pub backup: bool,
}

impl Loaded {
    pub fn needs_rewrite(&self) -> bool {
        !self.healing_log.is_empty()
    }
}

/// Parses a stored catalogue and repairs it.
pub fn load(text: &str, now: &str) -> Loaded {
    let mut log = Vec::new();
    let parsed = match serde_json::from_str::<Value>(text) {
        Ok(value) => Some(value),
        Err(_) => {
            log.push("JSON parsing failed - attempting recovery".to_string());
            recover_json(text, &mut log)
        }
    };
    let unreadable = !log.is_empty();
    let doc = match parsed {
        Some(Value::Object(doc)) => doc,
        Some(_) => {
            log.push("Metadata is not an object - using blank structure".into());
            return Loaded { catalog: Catalog::blank(now), healing_log: log, backup: true };
        }
        None => {
            log.push("Created backup of corrupted file - starting with blank metadata".into());
            return Loaded { catalog: Catalog::blank(now), healing_log: log, backup: true };
        }
    };
    let mut catalog = Catalog { doc };
    let dropped = heal_document(&mut catalog.doc, now, &mut log);
    Loaded { catalog, healing_log: log, backup: unreadable || dropped }
}

/// s3db.js's three textual fixes, each tried on the original text.
fn recover_json(text: &str, log: &mut Vec<String>) -> Option<Value> {
    if text.is_empty() {
        log.push("Content is empty or not a string".into());
        return None;
    }
    let fixes: [fn(&str) -> String; 3] = [remove_trailing_commas, quote_bare_keys, close_open_brackets];
    for (index, fix) in fixes.iter().enumerate() {
        if let Ok(value) = serde_json::from_str::<Value>(&fix(text)) {
            log.push(format!("JSON recovery successful using fix #{}", index + 1));
            return Some(value);
        }
    }
    log.push("All JSON recovery attempts failed".into());
    None
}

/// `text.replace(/,(\s*[}\]])/g, '$1')`.
fn remove_trailing_commas(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == ',' {
            let next = chars[i + 1..].iter().find(|c| !c.is_whitespace());
            if matches!(next, Some('}') | Some(']')) {
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// `text.replace(/([{,]\s*)([a-zA-Z_$][a-zA-Z0-9_$]*)\s*:/g, '$1"$2":')`.
fn quote_bare_keys(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let is_start = |c: char| c.is_ascii_alphabetic() || c == '_' || c == '$';
    let is_part = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$';
    let mut out = String::with_capacity(text.len() + 16);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        out.push(c);
        i += 1;
        if c != '{' && c != ',' {
            continue;
        }
        let mut start = i;
        while start < chars.len() && chars[start].is_whitespace() {
            start += 1;
        }
        if !chars.get(start).is_some_and(|c| is_start(*c)) {
            continue;
        }
        let mut end = start + 1;
        while end < chars.len() && is_part(chars[end]) {
            end += 1;
        }
        let mut colon = end;
        while colon < chars.len() && chars[colon].is_whitespace() {
            colon += 1;
        }
        if chars.get(colon) != Some(&':') {
            continue;
        }
        out.extend(&chars[i..start]);
        out.push('"');
        out.extend(&chars[start..end]);
        out.push_str("\":");
        i = colon + 1;
    }
    out
}

/// Appends the `]` and then the `}` that are still open (outside strings), as s3db.js does.
fn close_open_brackets(text: &str) -> String {
    let (mut braces, mut brackets) = (0i64, 0i64);
    let (mut in_string, mut escaped) = (false, false);
    for c in text.chars() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '"' => in_string = !in_string,
            '{' if !in_string => braces += 1,
            '}' if !in_string => braces -= 1,
            '[' if !in_string => brackets += 1,
            ']' if !in_string => brackets -= 1,
            _ => {}
        }
    }
    let mut fixed = text.to_string();
    fixed.extend(std::iter::repeat_n(']', brackets.max(0) as usize));
    fixed.extend(std::iter::repeat_n('}', braces.max(0) as usize));
    fixed
}

/// JS truthiness of a JSON value.
fn truthy(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        Some(Value::String(s)) => !s.is_empty(),
        Some(_) => true,
    }
}

/// Top-level repairs; returns true when a resource entry had to be dropped.
fn heal_document(doc: &mut Map<String, Value>, now: &str, log: &mut Vec<String>) -> bool {
    match doc.get("version") {
        Some(Value::String(s)) if !s.is_empty() => {}
        Some(Value::Number(n)) if truthy(doc.get("version")) => {
            let text = jsnum::to_js_string(n.as_f64().unwrap_or(f64::NAN));
            doc.insert("version".into(), Value::String(text));
            log.push("Converted version from number to string".into());
        }
        _ => {
            doc.insert("version".into(), json!("1"));
            log.push("Added missing or invalid version field".into());
        }
    }
    match doc.get("s3dbVersion") {
        Some(Value::String(s)) if !s.is_empty() => {}
        value if truthy(value) => {
            let text = js_string(value.expect("truthy"));
            doc.insert("s3dbVersion".into(), Value::String(text));
            log.push("Converted s3dbVersion to string".into());
        }
        _ => {
            doc.insert("s3dbVersion".into(), json!(S3DB_VERSION));
            log.push("Added missing s3dbVersion field".into());
        }
    }
    if !matches!(doc.get("resources"), Some(Value::Object(_))) {
        doc.insert("resources".into(), json!({}));
        log.push("Fixed invalid resources field".into());
    }
    if !truthy(doc.get("lastUpdated")) {
        doc.insert("lastUpdated".into(), json!(now));
        log.push("Added missing lastUpdated field".into());
    }
    let resources = doc.get_mut("resources").and_then(Value::as_object_mut).expect("just ensured");
    let names: Vec<String> = resources.keys().cloned().collect();
    let mut dropped = false;
    for name in names {
        if !heal_resource(&name, resources.get_mut(&name).expect("listed"), log) {
            resources.remove(&name);
            log.push(format!("Removed invalid resource: {name}"));
            dropped = true;
        }
    }
    dropped
}

/// A version entry a resource can be loaded from: an object with a non-empty `attributes` object.
fn usable(entry: Option<&Value>) -> bool {
    entry.and_then(|e| e.get("attributes")).and_then(Value::as_object).is_some_and(|a| !a.is_empty())
}

/// Repairs one resource entry in place; `false` means nothing usable is left.
fn heal_resource(name: &str, entry: &mut Value, log: &mut Vec<String>) -> bool {
    let Some(entry) = entry.as_object_mut() else {
        log.push(format!("Resource {name}: invalid structure"));
        return false;
    };
    let current = match entry.get("currentVersion") {
        Some(Value::String(v)) if !v.is_empty() => v.clone(),
        _ => {
            log.push(format!("Resource {name}: added missing currentVersion"));
            "v0".to_string()
        }
    };
    if !matches!(entry.get("versions"), Some(Value::Object(_))) {
        entry.insert("versions".into(), json!({}));
        log.push(format!("Resource {name}: fixed invalid versions object"));
    }
    if !matches!(entry.get("partitions"), Some(Value::Object(_))) {
        entry.insert("partitions".into(), json!({}));
        log.push(format!("Resource {name}: fixed invalid partitions object"));
    }
    let versions = entry.get("versions").and_then(Value::as_object).expect("just ensured");
    let chosen = if usable(versions.get(&current)) {
        current.clone()
    } else {
        let Some(first) = versions.keys().find(|v| usable(versions.get(*v))).cloned() else {
            log.push(format!("Resource {name}: no valid versions found - removing resource"));
            return false;
        };
        log.push(format!("Resource {name}: changed currentVersion from {current} to {first}"));
        first
    };
    if entry.get("currentVersion").and_then(Value::as_str) != Some(chosen.as_str()) {
        entry.insert("currentVersion".into(), Value::String(chosen.clone()));
    }
    let top_partitions = entry.get_mut("partitions").and_then(Value::as_object_mut).expect("just ensured");
    heal_partitions(name, top_partitions, log);
    let version = entry
        .get_mut("versions")
        .and_then(|v| v.get_mut(&chosen))
        .and_then(Value::as_object_mut)
        .expect("chosen version is usable");
    heal_version_fields(name, &chosen, version, log);
    true
}

/// Flags a version entry may hold, with the default a loader uses.
const FLAGS: [(&str, bool); 6] = [
    ("timestamps", false),
    ("paranoid", true),
    ("allNestedObjectsOptional", true),
    ("autoDecrypt", true),
    ("cache", false),
    ("asyncEvents", true),
];

/// Fields of the version a resource loads from, reset where their type is unusable.
fn heal_version_fields(name: &str, version_name: &str, version: &mut Map<String, Value>, log: &mut Vec<String>) {
    if let Some(behavior) = version.get("behavior") {
        if !behavior.as_str().is_some_and(|b| Behavior::parse(b).is_ok()) {
            log.push(format!("Resource {name}: invalid behavior {behavior} in {version_name} replaced by user-managed"));
            version.insert("behavior".into(), json!("user-managed"));
        }
    }
    for (flag, default) in FLAGS {
        let fixed = match version.get(flag) {
            None | Some(Value::Bool(_)) => continue,
            Some(Value::String(s)) if s == "true" || s == "false" => s == "true",
            Some(Value::Number(n)) if n.as_f64() == Some(1.0) || n.as_f64() == Some(0.0) => n.as_f64() == Some(1.0),
            Some(_) => default,
        };
        log.push(format!("Resource {name}: invalid {flag} in {version_name} set to {fixed}"));
        version.insert(flag.into(), Value::Bool(fixed));
    }
    if version.get("idSize").is_some_and(|v| !v.as_u64().is_some_and(|n| n > 0)) {
        log.push(format!("Resource {name}: invalid idSize in {version_name} removed"));
        version.remove("idSize");
    }
    if version.get("idGenerator").is_some_and(|v| !(v.is_string() || v.as_u64().is_some_and(|n| n > 0))) {
        log.push(format!("Resource {name}: invalid idGenerator in {version_name} removed"));
        version.remove("idGenerator");
    }
    match version.get_mut("partitions") {
        None => {}
        Some(Value::Object(partitions)) => heal_partitions(name, partitions, log),
        Some(_) => {
            log.push(format!("Resource {name}: invalid partitions in {version_name} replaced by {{}}"));
            version.insert("partitions".into(), json!({}));
        }
    }
    heal_hooks(name, version, log);
}

/// Drops partition definitions that cannot be used: `{fields: {path: rule}}` with string rules.
fn heal_partitions(name: &str, partitions: &mut Map<String, Value>, log: &mut Vec<String>) {
    let invalid: Vec<String> = partitions
        .iter()
        .filter(|(_, def)| {
            !def.get("fields").and_then(Value::as_object).is_some_and(|fields| fields.values().all(Value::is_string))
        })
        .map(|(partition, _)| partition.clone())
        .collect();
    for partition in invalid {
        partitions.remove(&partition);
        log.push(format!("Resource {name}: invalid partition '{partition}' removed"));
    }
}

/// 12.4's `_healHooksStructure`: empty strings and `null` function placeholders leave the hook
/// arrays, and 19.x hook summaries stay. Dropping placeholders is not logged, so a catalogue that
/// holds them (12.4 writes one per hook function) is not rewritten for it.
fn heal_hooks(name: &str, version: &mut Map<String, Value>, log: &mut Vec<String>) {
    let Some(hooks) = version.get_mut("hooks") else { return };
    let Some(map) = hooks.as_object_mut() else {
        log.push(format!("Resource {name}: invalid hooks structure - using empty hooks"));
        *hooks = json!({});
        return;
    };
    let events: Vec<String> = map.keys().cloned().collect();
    for event in events {
        match map.get_mut(&event).expect("listed") {
            Value::Array(entries) => {
                entries.retain(|hook| !hook.is_null());
                let before = entries.len();
                entries.retain(|hook| !matches!(hook, Value::String(s) if s.is_empty()));
                if entries.len() != before {
                    log.push(format!("Resource {name}: cleaned invalid hooks for event {event}"));
                }
            }
            // 19.x stores `{count, handlers}` per event.
            Value::Object(summary) if summary.contains_key("handlers") || summary.contains_key("count") => {}
            _ => {
                map.remove(&event);
                log.push(format!("Resource {name}: hooks for event {event} is not an array - removing"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: &str = "2025-01-02T03:04:05.678Z";

    fn healed(text: &str) -> Loaded {
        load(text, NOW)
    }

    fn entry(attributes: Value) -> Value {
        json!({"currentVersion": "v1", "partitions": {}, "versions": {"v1": {"attributes": attributes, "hooks": {}}}})
    }

    #[test]
    fn a_sound_catalogue_is_left_alone() {
        let text = json!({"version": "1", "s3dbVersion": "12.4.0", "lastUpdated": NOW, "resources": {"a": entry(json!({"x": "string"}))}}).to_string();
        let loaded = healed(&text);
        assert!(loaded.healing_log.is_empty(), "{:?}", loaded.healing_log);
        assert!(!loaded.backup);
    }

    #[test]
    fn text_repairs_recover_common_damage() {
        let trailing = r#"{"version": "1", "resources": {"a": {"currentVersion": "v1", "versions": {"v1": {"attributes": {"x": "string"},},},},},}"#;
        let loaded = healed(trailing);
        assert!(loaded.healing_log.contains(&"JSON recovery successful using fix #1".to_string()));
        assert!(loaded.catalog.resources().contains_key("a"));
        assert!(loaded.backup, "the original text is kept aside");

        let bare = r#"{version: "1", resources: {a: {currentVersion: "v1", versions: {v1: {attributes: {x: "string"}}}}}}"#;
        let loaded = healed(bare);
        assert!(loaded.healing_log.contains(&"JSON recovery successful using fix #2".to_string()));
        assert!(loaded.catalog.resources().contains_key("a"));

        let truncated = r#"{"version": "1", "resources": {"a": {"currentVersion": "v1", "versions": {"v1": {"attributes": {"x": "string""#;
        let loaded = healed(truncated);
        assert!(loaded.healing_log.contains(&"JSON recovery successful using fix #3".to_string()));
        assert_eq!(loaded.catalog.current_version("a").unwrap().0, "v1");
    }

    #[test]
    fn unrecoverable_text_becomes_a_blank_catalogue_after_a_backup() {
        for text in ["", "{not json at all", "[{\"a\":1"] {
            let loaded = healed(text);
            assert!(loaded.backup, "{text:?}");
            assert!(loaded.needs_rewrite());
            assert!(loaded.catalog.resources().is_empty());
            assert_eq!(loaded.healing_log.last().unwrap(), "Created backup of corrupted file - starting with blank metadata");
        }
        let loaded = healed("[1, 2]");
        assert!(loaded.backup);
        assert_eq!(loaded.healing_log, vec!["Metadata is not an object - using blank structure"]);
    }

    #[test]
    fn structural_repairs_keep_every_definition() {
        let text = json!({
            "version": 1,
            "s3dbVersion": 12,
            "resources": {
                "noCurrent": {"versions": {"v1": {"attributes": {"x": "string"}}}},
                "wrongCurrent": {"currentVersion": "v9", "partitions": [], "versions": {"v1": {}, "v2": {"attributes": {"y": "number"}}}},
                "empty": {"currentVersion": "v1", "versions": {}},
                "broken": "nope",
            }
        });
        let loaded = healed(&text.to_string());
        let c = &loaded.catalog;
        assert_eq!(c.doc["version"], "1");
        assert_eq!(c.doc["s3dbVersion"], "12");
        assert_eq!(c.doc["lastUpdated"], NOW);
        assert_eq!(c.current_version("noCurrent").unwrap().0, "v1");
        assert_eq!(c.current_version("wrongCurrent").unwrap().0, "v2", "the version with attributes, not the first key");
        assert!(c.resources().get("empty").is_none());
        assert!(c.resources().get("broken").is_none());
        assert!(loaded.backup, "dropped entries are kept in the backup");
        for expected in [
            "Converted version from number to string",
            "Converted s3dbVersion to string",
            "Added missing lastUpdated field",
            "Resource noCurrent: added missing currentVersion",
            "Resource noCurrent: changed currentVersion from v0 to v1",
            "Resource wrongCurrent: fixed invalid partitions object",
            "Resource wrongCurrent: changed currentVersion from v9 to v2",
            "Resource empty: no valid versions found - removing resource",
            "Removed invalid resource: empty",
            "Resource broken: invalid structure",
        ] {
            assert!(loaded.healing_log.iter().any(|l| l == expected), "missing {expected:?} in {:?}", loaded.healing_log);
        }
    }

    #[test]
    fn hooks_are_healed_and_19x_summaries_stay() {
        let hooks = json!({
            "beforeInsert": [null],
            "afterInsert": [null, ""],
            "beforeDelete": "oops",
            "afterUpdate": {"count": 1, "handlers": [{"name": "bound noop", "length": 1, "type": "function"}]},
        });
        let mut resource = entry(json!({"x": "string"}));
        resource["versions"]["v1"]["hooks"] = hooks;
        let text = json!({"version": "1", "s3dbVersion": "12.4.0", "lastUpdated": NOW, "resources": {"a": resource}});
        let loaded = healed(&text.to_string());
        let (_, version) = loaded.catalog.current_version("a").unwrap();
        assert_eq!(version["hooks"]["beforeInsert"], json!([]));
        assert_eq!(version["hooks"]["afterInsert"], json!([]));
        assert!(version["hooks"].get("beforeDelete").is_none());
        assert_eq!(version["hooks"]["afterUpdate"]["count"], 1);
        assert_eq!(loaded.healing_log.len(), 2, "{:?}", loaded.healing_log);

        let mut resource = entry(json!({"x": "string"}));
        resource["versions"]["v1"]["hooks"] = json!(null);
        let text = json!({"version": "1", "s3dbVersion": "12.4.0", "lastUpdated": NOW, "resources": {"a": resource}});
        let loaded = healed(&text.to_string());
        assert_eq!(loaded.catalog.current_version("a").unwrap().1["hooks"], json!({}));
        assert_eq!(loaded.healing_log, vec!["Resource a: invalid hooks structure - using empty hooks"]);
    }

    #[test]
    fn fields_of_the_wrong_type_are_reset() {
        let mut resource = entry(json!({"x": "string"}));
        let version = resource["versions"]["v1"].as_object_mut().unwrap();
        version.insert("behavior".into(), json!(42));
        version.insert("timestamps".into(), json!("true"));
        version.insert("paranoid".into(), json!("maybe"));
        version.insert("idSize".into(), json!(-3));
        version.insert("partitions".into(), json!({"ok": {"fields": {"x": "string"}}, "bad": {"fields": "x"}, "worse": 7}));
        let text = json!({"version": "1", "s3dbVersion": "12.4.0", "lastUpdated": NOW, "resources": {"a": resource}});
        let loaded = healed(&text.to_string());
        let (_, version) = loaded.catalog.current_version("a").unwrap();
        assert_eq!(version["behavior"], "user-managed");
        assert_eq!(version["timestamps"], true);
        assert_eq!(version["paranoid"], true);
        assert!(version.get("idSize").is_none());
        assert_eq!(version["partitions"], json!({"ok": {"fields": {"x": "string"}}}));
        assert!(!loaded.backup, "nothing was dropped that held a definition");
    }
}
