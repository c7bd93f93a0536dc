//! The `s3db.json` catalogue (storage-format §2): its structure, the definition hash and
//! version bumps. Loading and healing are in `heal`.

mod heal;

pub use heal::Loaded;

use crate::encoding::json;
use serde_json::{json, Map, Value};

pub const CATALOG_KEY: &str = "s3db.json";
/// The s3db.js release whose format we write.
pub const S3DB_VERSION: &str = "12.4.0";

/// What a resource definition contributes to a version entry: the entry's fields in
/// catalogue order, without `hash` and `createdAt` (see `ResourceDefinition::version_spec`).
#[derive(Debug, Clone)]
pub struct VersionSpec {
    pub fields: Map<String, Value>,
    /// The resource entry's `createdBy` when this version creates it.
    pub created_by: String,
}

impl VersionSpec {
    /// `sha256:` + hex of json-stable-stringify({attributes, behavior, partitions}); timestamp
    /// attributes are left out when timestamps are on.
    pub fn definition_hash(&self) -> String {
        let mut attributes = self.fields.get("attributes").and_then(Value::as_object).cloned().unwrap_or_default();
        if self.fields.get("timestamps") == Some(&Value::Bool(true)) {
            attributes.remove("createdAt");
            attributes.remove("updatedAt");
        }
        let def = json!({
            "attributes": attributes,
            "behavior": self.fields.get("behavior").cloned().unwrap_or(json!("user-managed")),
            "partitions": self.partitions(),
        });
        format!("sha256:{}", crate::crypto::sha256_hex(json::stable_stringify(&def).as_bytes()))
    }

    fn partitions(&self) -> Value {
        self.fields.get("partitions").cloned().unwrap_or(json!({}))
    }

    fn entry(&self, hash: String, created_at: &str) -> Value {
        let mut entry = Map::with_capacity(self.fields.len() + 2);
        entry.insert("hash".into(), Value::String(hash));
        entry.extend(self.fields.clone());
        entry.insert("createdAt".into(), json!(created_at));
        Value::Object(entry)
    }
}

/// The parsed catalogue document, kept as ordered JSON so unknown fields survive rewrites.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub doc: Map<String, Value>,
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

    /// Parses a stored catalogue, healing what s3db.js 12.4 heals.
    pub fn load(text: &str, now: &str) -> Loaded {
        heal::load(text, now)
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

    /// Every version entry of a resource (`v1` → entry), in catalogue order.
    pub fn versions(&self, resource: &str) -> Vec<(&str, &Map<String, Value>)> {
        let Some(versions) = self.resources().get(resource).and_then(|r| r.get("versions")).and_then(Value::as_object) else {
            return Vec::new();
        };
        versions.iter().filter_map(|(name, entry)| Some((name.as_str(), entry.as_object()?))).collect()
    }

    /// The hash stored for the current version of a resource.
    pub fn current_hash(&self, resource: &str) -> Option<&str> {
        self.current_version(resource)?.1.get("hash")?.as_str()
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
            existing.insert("partitions".into(), spec.partitions());
            return (next, true);
        }
        let entry = json!({
            "currentVersion": "v1",
            "partitions": spec.partitions(),
            "createdBy": spec.created_by,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(attributes: Value) -> VersionSpec {
        let fields = json!({
            "attributes": attributes, "behavior": "user-managed", "timestamps": false, "partitions": {},
            "paranoid": true, "allNestedObjectsOptional": true, "autoDecrypt": true, "cache": false,
            "asyncEvents": true, "hooks": {}, "idSize": 22, "idGenerator": 22,
        });
        VersionSpec { fields: into_map(fields), created_by: "user".into() }
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
    fn a_redefinition_without_cache_leaves_it_out() {
        let now = "2025-01-02T03:04:05.678Z";
        let mut catalog = Catalog::blank(now);
        catalog.upsert_resource("r", &spec(json!({"name": "string"})), now);
        let mut redefined = spec(json!({"name": "string", "age": "number"}));
        redefined.fields.remove("cache");
        catalog.upsert_resource("r", &redefined, now);
        let versions = catalog.versions("r");
        assert_eq!(versions.len(), 2);
        assert_eq!(versions[0].1["cache"], false);
        assert!(!versions[1].1.contains_key("cache"));
        assert_eq!(catalog.current_hash("r"), Some(redefined.definition_hash().as_str()));
    }

    #[test]
    fn a_plugin_created_resource_names_its_creator() {
        let now = "2025-01-02T03:04:05.678Z";
        let mut catalog = Catalog::blank(now);
        let mut by_plugin = spec(json!({"name": "string"}));
        by_plugin.created_by = "BackupPlugin".into();
        catalog.upsert_resource("plg_backup_metadata", &by_plugin, now);
        catalog.upsert_resource("users", &spec(json!({"name": "string"})), now);
        assert_eq!(catalog.resources()["plg_backup_metadata"]["createdBy"], "BackupPlugin");
        assert_eq!(catalog.resources()["users"]["createdBy"], "user");
    }
}
