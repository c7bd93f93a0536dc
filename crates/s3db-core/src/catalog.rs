//! The `s3db.json` catalogue (storage-format §2): its structure, the definition hash, version
//! bumps, and loading with repairs.

use crate::encoding::json;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

pub const CATALOG_KEY: &str = "s3db.json";
/// The s3db.js release whose format we write.
pub const S3DB_VERSION: &str = "12.4.0";

/// What a resource definition contributes to a version entry.
#[derive(Debug, Clone)]
pub struct VersionSpec {
    pub attributes: Map<String, Value>,
    pub behavior: String,
    pub timestamps: bool,
    pub partitions: Map<String, Value>,
    pub paranoid: bool,
    pub all_nested_objects_optional: bool,
    pub auto_decrypt: bool,
    pub cache: bool,
    pub async_events: bool,
    /// Hooks as s3db.js serialises them (`{"beforeInsert": [null]}`).
    pub hooks: Map<String, Value>,
    pub id_size: usize,
    /// `true` when the caller supplied an ID function (`"custom_function"`).
    pub custom_id_generator: bool,
}

impl VersionSpec {
    /// `sha256:` + hex of json-stable-stringify({attributes, behavior, partitions}); timestamp
    /// attributes are left out when timestamps are on.
    pub fn definition_hash(&self) -> String {
        let mut attributes = self.attributes.clone();
        if self.timestamps {
            attributes.remove("createdAt");
            attributes.remove("updatedAt");
        }
        let def = json!({
            "attributes": attributes,
            "behavior": self.behavior,
            "partitions": self.partitions,
        });
        let digest = Sha256::digest(json::stable_stringify(&def).as_bytes());
        format!("sha256:{}", digest.iter().map(|b| format!("{b:02x}")).collect::<String>())
    }

    fn entry(&self, hash: String, created_at: &str) -> Value {
        let id_generator = if self.custom_id_generator { json!("custom_function") } else { json!(self.id_size) };
        json!({
            "hash": hash,
            "attributes": self.attributes,
            "behavior": self.behavior,
            "timestamps": self.timestamps,
            "partitions": self.partitions,
            "paranoid": self.paranoid,
            "allNestedObjectsOptional": self.all_nested_objects_optional,
            "autoDecrypt": self.auto_decrypt,
            "cache": self.cache,
            "asyncEvents": self.async_events,
            "hooks": self.hooks,
            "idSize": self.id_size,
            "idGenerator": id_generator,
            "createdAt": created_at,
        })
    }
}

/// The parsed catalogue document, kept as ordered JSON so unknown fields survive rewrites.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub doc: Map<String, Value>,
}

/// Result of reading `s3db.json`.
pub struct Loaded {
    pub catalog: Catalog,
    /// Repairs made; non-empty means the catalogue should be rewritten.
    pub repairs: Vec<String>,
    /// The raw text could not be parsed and must be backed up before it is replaced.
    pub unreadable: bool,
}

impl Catalog {
    pub fn blank(now: &str) -> Self {
        let doc = json!({
            "version": "1",
            "s3dbVersion": S3DB_VERSION,
            "lastUpdated": now,
            "resources": {},
        });
        Catalog { doc: into_map(doc) }
    }

    /// Parses a stored catalogue, repairing what s3db.js 12.4 repairs.
    pub fn load(text: &str, now: &str) -> Loaded {
        let parsed = serde_json::from_str::<Value>(text).ok().and_then(|v| match v {
            Value::Object(map) => Some(map),
            _ => None,
        });
        let Some(doc) = parsed else {
            return Loaded {
                catalog: Catalog::blank(now),
                repairs: vec!["catalogue is not valid JSON; replaced by a blank one".into()],
                unreadable: true,
            };
        };
        let mut catalog = Catalog { doc };
        let repairs = catalog.repair(now);
        Loaded { catalog, repairs, unreadable: false }
    }

    fn repair(&mut self, now: &str) -> Vec<String> {
        let mut repairs = Vec::new();
        match self.doc.get("version") {
            Some(Value::String(_)) => {}
            Some(Value::Number(n)) => {
                let text = n.to_string();
                self.doc.insert("version".into(), Value::String(text));
                repairs.push("version coerced to a string".into());
            }
            _ => {
                self.doc.insert("version".into(), json!("1"));
                repairs.push("missing version set to \"1\"".into());
            }
        }
        match self.doc.get("s3dbVersion") {
            Some(Value::String(_)) => {}
            Some(other) if !other.is_null() => {
                let text = json::stringify(other).trim_matches('"').to_string();
                self.doc.insert("s3dbVersion".into(), Value::String(text));
                repairs.push("s3dbVersion coerced to a string".into());
            }
            _ => {
                self.doc.insert("s3dbVersion".into(), json!(S3DB_VERSION));
                repairs.push("missing s3dbVersion added".into());
            }
        }
        if !matches!(self.doc.get("lastUpdated"), Some(Value::String(_))) {
            self.doc.insert("lastUpdated".into(), json!(now));
            repairs.push("missing lastUpdated added".into());
        }
        if !matches!(self.doc.get("resources"), Some(Value::Object(_))) {
            self.doc.insert("resources".into(), json!({}));
            repairs.push("invalid resources replaced by {}".into());
        }
        let resources = self.doc.get_mut("resources").and_then(Value::as_object_mut).expect("resources is an object");
        let names: Vec<String> = resources.keys().cloned().collect();
        for name in names {
            let keep = repair_resource(&name, resources.get_mut(&name).expect("listed"), &mut repairs);
            if !keep {
                resources.remove(&name);
                repairs.push(format!("resource '{name}' has no usable attributes and was dropped"));
            }
        }
        repairs
    }

    pub fn resources(&self) -> &Map<String, Value> {
        self.doc.get("resources").and_then(Value::as_object).expect("repaired catalogue has resources")
    }

    fn resources_mut(&mut self) -> &mut Map<String, Value> {
        self.doc.get_mut("resources").and_then(Value::as_object_mut).expect("repaired catalogue has resources")
    }

    /// The current version entry of a resource and its name (`v1`).
    pub fn current_version(&self, resource: &str) -> Option<(String, &Map<String, Value>)> {
        let entry = self.resources().get(resource)?.as_object()?;
        let current = entry.get("currentVersion")?.as_str()?.to_string();
        let version = entry.get("versions")?.as_object()?.get(&current)?.as_object()?;
        Some((current, version))
    }

    /// Records a definition. Returns the version name it is stored under and whether the
    /// catalogue changed (new resource, or a changed definition hash which adds `v<max+1>`).
    pub fn upsert_resource(&mut self, name: &str, spec: &VersionSpec, now: &str) -> (String, bool) {
        let hash = spec.definition_hash();
        let resources = self.resources_mut();
        if let Some(existing) = resources.get_mut(name).and_then(Value::as_object_mut) {
            let current = existing.get("currentVersion").and_then(Value::as_str).unwrap_or("v1").to_string();
            let versions = existing.entry("versions").or_insert_with(|| json!({}));
            let versions = versions.as_object_mut().expect("repaired versions");
            let same = versions.get(&current).and_then(|v| v.get("hash")).and_then(Value::as_str) == Some(hash.as_str());
            if same {
                return (current, false);
            }
            let next = next_version(versions);
            versions.insert(next.clone(), spec.entry(hash, now));
            existing.insert("currentVersion".into(), json!(next));
            existing.insert("partitions".into(), Value::Object(spec.partitions.clone()));
            return (next, true);
        }
        let entry = json!({
            "currentVersion": "v1",
            "partitions": spec.partitions,
            "createdBy": "user",
            "versions": { "v1": spec.entry(hash, now) },
        });
        resources.insert(name.to_string(), entry);
        ("v1".into(), true)
    }

    /// The catalogue as s3db.js writes it (`JSON.stringify(doc, null, 2)`), stamped `now`.
    pub fn render(&mut self, now: &str) -> String {
        self.doc.insert("lastUpdated".into(), json!(now));
        json::stringify_pretty(&Value::Object(self.doc.clone()))
    }
}

fn into_map(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// `v<max+1>` over the existing `v<N>` names.
fn next_version(versions: &Map<String, Value>) -> String {
    let max = versions.keys().filter_map(|k| k.strip_prefix('v')?.parse::<u64>().ok()).max().unwrap_or(0);
    format!("v{}", max + 1)
}

/// Repairs one resource entry in place; `false` means it is unusable and should be dropped.
fn repair_resource(name: &str, entry: &mut Value, repairs: &mut Vec<String>) -> bool {
    let Some(entry) = entry.as_object_mut() else { return false };
    if !matches!(entry.get("versions"), Some(Value::Object(_))) {
        entry.insert("versions".into(), json!({}));
        repairs.push(format!("resource '{name}': missing versions"));
    }
    if !matches!(entry.get("partitions"), Some(Value::Object(_))) {
        entry.insert("partitions".into(), json!({}));
        repairs.push(format!("resource '{name}': missing partitions"));
    }
    let versions = entry.get("versions").and_then(Value::as_object).expect("just set");
    let current = entry.get("currentVersion").and_then(Value::as_str).map(str::to_string);
    let usable = |v: &str| {
        versions.get(v).and_then(|e| e.get("attributes")).and_then(Value::as_object).is_some_and(|a| !a.is_empty())
    };
    let chosen = match current {
        Some(v) if usable(&v) => v,
        other => {
            let Some(first) = versions.keys().find(|k| usable(k)).cloned() else { return false };
            repairs.push(format!(
                "resource '{name}': current version {} replaced by {first}",
                other.unwrap_or_else(|| "(missing)".into())
            ));
            first
        }
    };
    entry.insert("currentVersion".into(), Value::String(chosen.clone()));
    if let Some(hooks) = entry
        .get_mut("versions")
        .and_then(|v| v.get_mut(&chosen))
        .and_then(Value::as_object_mut)
        .and_then(|e| e.get_mut("hooks"))
    {
        repair_hooks(name, hooks, repairs);
    }
    true
}

/// Hooks must be an object of arrays. Functions are stored as `null` by s3db.js; those
/// placeholders are kept as they are (rewriting them would change the catalogue on every connect).
fn repair_hooks(name: &str, hooks: &mut Value, repairs: &mut Vec<String>) {
    let Some(map) = hooks.as_object_mut() else {
        *hooks = json!({});
        repairs.push(format!("resource '{name}': invalid hooks replaced by {{}}"));
        return;
    };
    let invalid: Vec<String> = map.iter().filter(|(_, v)| !v.is_array()).map(|(k, _)| k.clone()).collect();
    for key in invalid {
        map.remove(&key);
        repairs.push(format!("resource '{name}': hooks.{key} was not an array"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(attributes: Value) -> VersionSpec {
        VersionSpec {
            attributes: into_map(attributes),
            behavior: "user-managed".into(),
            timestamps: false,
            partitions: Map::new(),
            paranoid: true,
            all_nested_objects_optional: true,
            auto_decrypt: true,
            cache: false,
            async_events: true,
            hooks: Map::new(),
            id_size: 22,
            custom_id_generator: false,
        }
    }

    #[test]
    fn new_resource_then_same_definition_is_unchanged_and_changed_definition_bumps() {
        let now = "2025-01-02T03:04:05.678Z";
        let mut catalog = Catalog::blank(now);
        let a = spec(json!({"name": "string"}));
        assert_eq!(catalog.upsert_resource("r", &a, now), ("v1".into(), true));
        assert_eq!(catalog.upsert_resource("r", &a, now), ("v1".into(), false));
        let b = spec(json!({"name": "string", "age": "number"}));
        assert_eq!(catalog.upsert_resource("r", &b, now), ("v2".into(), true));
        let (current, _) = catalog.current_version("r").unwrap();
        assert_eq!(current, "v2");
    }

    #[test]
    fn unreadable_catalogue_becomes_blank() {
        let loaded = Catalog::load("{not json", "now");
        assert!(loaded.unreadable);
        assert!(loaded.catalog.resources().is_empty());
    }

    #[test]
    fn structural_repairs() {
        let text = r#"{"version": 1, "resources": {"a": {"currentVersion": "v9", "versions": {"v1": {"attributes": {"x": "string"}, "hooks": null}}}, "b": {"versions": {}}}}"#;
        let loaded = Catalog::load(text, "now");
        assert!(!loaded.unreadable);
        assert!(!loaded.repairs.is_empty());
        let c = &loaded.catalog;
        assert_eq!(c.doc["version"], "1");
        assert_eq!(c.current_version("a").unwrap().0, "v1");
        assert!(c.resources().get("b").is_none());
    }
}
