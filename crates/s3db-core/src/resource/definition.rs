//! A resource configuration as `createResource` receives it (functions already stripped by the
//! JS side), checked and normalised: legacy `options` nesting, behavior names, timestamps,
//! the `byVersion` partition of versioned databases.

use crate::behavior::Behavior;
use crate::catalog::VersionSpec;
use crate::error::{Error, ErrorKind, Result};
use crate::id::DEFAULT_ID_SIZE;
use crate::partition::Partition;
use serde_json::{json, Map, Value};

#[derive(Debug, Clone)]
pub struct ResourceDefinition {
    pub name: String,
    pub attributes: Map<String, Value>,
    pub behavior: Behavior,
    pub timestamps: bool,
    pub partitions: Map<String, Value>,
    pub paranoid: bool,
    pub all_nested_objects_optional: bool,
    pub auto_decrypt: bool,
    /// `None` when not configured (left out of the catalogue entry).
    pub cache: Option<bool>,
    pub async_events: bool,
    /// Accepted for s3db.js compatibility; references are always written before a write
    /// resolves (README, compatibility notes).
    pub async_partitions: bool,
    /// When false, partitions may name fields the attributes do not have (orphaned partitions).
    pub strict_validation: bool,
    /// Database `versioningEnabled`: adds the `byVersion` partition on `_v`.
    pub versioning_enabled: bool,
    pub hooks: Map<String, Value>,
    pub id_size: usize,
    pub custom_id_generator: bool,
    /// Per-resource passphrase for `secret` fields (database passphrase otherwise).
    pub passphrase: Option<String>,
    /// Attributes added by plugins (`addPluginAttribute`): validated and stored under hashed
    /// `p…` keys, never part of the positional map nor of the catalogued definition.
    pub plugin_attributes: Vec<PluginAttribute>,
    /// Who created the resource: `user`, or the plugin that did (`createdBy` in `s3db.json`).
    pub created_by: String,
}

/// One attribute a plugin added.
#[derive(Debug, Clone, PartialEq)]
pub struct PluginAttribute {
    pub name: String,
    pub plugin: String,
    pub definition: Value,
}

/// A whole number of characters above zero.
fn positive_size(n: &serde_json::Number) -> Option<usize> {
    n.as_u64().filter(|size| *size > 0).map(|size| size as usize)
}

const TIMESTAMP_ATTRIBUTE: &str = "string|optional";

impl ResourceDefinition {
    /// Reads a createResource config; every problem is listed in one `ResourceError`.
    pub fn from_json(config: &Value) -> Result<Self> {
        let Some(config) = config.as_object() else {
            return Err(Error::new(ErrorKind::Resource, "createResource expects a configuration object"));
        };
        let legacy = config.get("options").and_then(Value::as_object);
        let get = |key: &str| config.get(key).filter(|v| !v.is_null()).or_else(|| legacy.and_then(|o| o.get(key)));
        let mut problems = Vec::new();

        let name = match get("name") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            _ => {
                problems.push("Resource 'name' is required".to_string());
                String::new()
            }
        };
        if name.contains('/') {
            problems.push(format!("Resource name '{name}' cannot contain '/'"));
        }
        let attributes = match get("attributes") {
            Some(Value::Object(a)) if !a.is_empty() => a.clone(),
            Some(Value::Object(_)) => {
                problems.push("Resource 'attributes' cannot be empty".into());
                Map::new()
            }
            Some(_) => {
                problems.push("Resource 'attributes' must be an object".into());
                Map::new()
            }
            None => {
                problems.push("Resource 'attributes' are required".into());
                Map::new()
            }
        };
        let mut flag = |key: &str, default: bool| match get(key) {
            None => default,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                problems.push(format!("Resource '{key}' must be a boolean"));
                default
            }
        };
        let timestamps = flag("timestamps", false);
        let paranoid = flag("paranoid", true);
        let all_nested_objects_optional = flag("allNestedObjectsOptional", true);
        let auto_decrypt = flag("autoDecrypt", true);
        let cache = get("cache").is_some().then(|| flag("cache", false));
        let async_events = flag("asyncEvents", true);
        let async_partitions = flag("asyncPartitions", true);
        let strict_validation = flag("strictValidation", true);
        let versioning_enabled = flag("versioningEnabled", false);

        let behavior = match get("behavior") {
            None => Behavior::UserManaged,
            Some(Value::String(b)) => Behavior::parse(b)?,
            Some(_) => return Err(Error::new(ErrorKind::Behavior, "Resource 'behavior' must be a string")),
        };
        let partitions = match get("partitions") {
            None => Map::new(),
            Some(Value::Object(p)) => p.clone(),
            Some(Value::Array(fields)) => shorthand_partitions(fields, &attributes),
            Some(_) => {
                problems.push("Resource 'partitions' must be an object".into());
                Map::new()
            }
        };
        let (id_size, custom_id_generator) = match (get("idGenerator"), get("idSize")) {
            (Some(Value::String(s)), _) if s == "custom_function" => (DEFAULT_ID_SIZE, true),
            (Some(Value::Number(n)), _) => match positive_size(n) {
                Some(size) => (size, false),
                None => {
                    problems.push("Resource 'idGenerator' size must be greater than 0".into());
                    (DEFAULT_ID_SIZE, false)
                }
            },
            (None, Some(Value::Number(n))) => match positive_size(n) {
                Some(size) => (size, false),
                None if n.as_f64().is_some_and(|f| f.fract() != 0.0) => {
                    problems.push("Resource 'idSize' must be an integer".into());
                    (DEFAULT_ID_SIZE, false)
                }
                None => {
                    problems.push("Resource 'idSize' must be greater than 0".into());
                    (DEFAULT_ID_SIZE, false)
                }
            },
            (None, Some(_)) => {
                problems.push("Resource 'idSize' must be an integer".into());
                (DEFAULT_ID_SIZE, false)
            }
            (None, None) => (DEFAULT_ID_SIZE, false),
            _ => {
                problems.push("Resource 'idGenerator' must be a function or a number (size)".into());
                (DEFAULT_ID_SIZE, false)
            }
        };
        let hooks = match get("hooks") {
            Some(Value::Object(h)) => h.clone(),
            _ => Map::new(),
        };
        let passphrase = get("passphrase").and_then(Value::as_str).map(str::to_string);
        let created_by = get("createdBy").and_then(Value::as_str).filter(|s| !s.is_empty()).unwrap_or("user").to_string();

        if !problems.is_empty() {
            let label = if name.is_empty() { "(unnamed)" } else { name.as_str() };
            let bullets: String = problems.iter().map(|p| format!("\n  • {p}")).collect();
            return Err(Error::new(ErrorKind::Resource, format!("Invalid Resource {label} configuration:{bullets}"))
                .with("validation", problems));
        }

        let mut definition = ResourceDefinition {
            name,
            attributes,
            behavior,
            timestamps,
            partitions,
            paranoid,
            all_nested_objects_optional,
            auto_decrypt,
            cache,
            async_events,
            async_partitions,
            strict_validation,
            versioning_enabled,
            hooks,
            id_size,
            custom_id_generator,
            passphrase,
            plugin_attributes: Vec::new(),
            created_by,
        };
        if timestamps {
            definition.add_timestamp_fields();
        }
        if versioning_enabled {
            definition.partitions.entry("byVersion").or_insert_with(|| json!({"fields": {"_v": "string"}}));
        }
        if strict_validation {
            definition.check_partitions()?;
        } else {
            Partition::parse_all(&definition.partitions)?;
        }
        Ok(definition)
    }

    /// Rebuilds a definition from a (healed) catalogue version entry. Partitions naming fields
    /// the attributes lack are loaded as they are: they are orphaned partitions, for
    /// `findOrphanedPartitions` to report.
    pub fn from_catalog(
        name: &str,
        entry: &Map<String, Value>,
        top_partitions: Option<&Value>,
        versioning_enabled: bool,
    ) -> Result<Self> {
        let mut config = entry.clone();
        config.insert("name".into(), json!(name));
        if let Some(Value::Object(p)) = top_partitions {
            if !p.is_empty() {
                config.insert("partitions".into(), Value::Object(p.clone()));
            }
        }
        match (entry.get("idSize"), entry.get("idGenerator")) {
            (Some(Value::Number(n)), _) => {
                config.insert("idGenerator".into(), Value::Number(n.clone()));
            }
            (None, Some(Value::Number(_))) => {}
            // "custom_function" (12.4) and "default" (19.x) name no size.
            _ => {
                config.remove("idGenerator");
            }
        }
        config.insert("strictValidation".into(), json!(false));
        config.insert("versioningEnabled".into(), json!(versioning_enabled));
        // A loaded resource holds `cache: false` unless configured (s3db.js's default).
        config.entry("cache").or_insert(json!(false));
        let mut definition = Self::from_json(&Value::Object(config))?;
        definition.custom_id_generator = entry.get("idGenerator").and_then(Value::as_str) == Some("custom_function");
        Ok(definition)
    }

    /// The attributes a catalogue version entry decodes its records with (timestamp fields
    /// added when the entry has timestamps on, as the resource had them).
    pub fn attributes_of_entry(entry: &Map<String, Value>) -> Option<Map<String, Value>> {
        let mut attributes = entry.get("attributes")?.as_object().filter(|a| !a.is_empty())?.clone();
        if entry.get("timestamps") == Some(&Value::Bool(true)) {
            for field in ["createdAt", "updatedAt"] {
                attributes.entry(field).or_insert_with(|| json!(TIMESTAMP_ATTRIBUTE));
            }
        }
        Some(attributes)
    }

    /// s3db.js `fieldExistsInAttributes`: `_` fields always exist; dotted paths walk nested objects.
    pub fn field_exists(&self, path: &str) -> bool {
        if path.starts_with('_') {
            return true;
        }
        let mut current = &self.attributes;
        let mut segments = path.split('.').peekable();
        while let Some(segment) = segments.next() {
            match current.get(segment) {
                Some(Value::Object(inner)) if segments.peek().is_some() => current = inner,
                Some(_) if segments.peek().is_none() => return true,
                _ => return false,
            }
        }
        false
    }

    /// Partitions naming a field that does not exist: `{name: {missingFields, definition, allFields}}`.
    pub fn orphaned_partitions(&self) -> Map<String, Value> {
        let mut orphaned = Map::new();
        for (name, definition) in &self.partitions {
            let Some(fields) = definition.get("fields").and_then(Value::as_object) else { continue };
            let missing: Vec<&String> = fields.keys().filter(|f| !self.field_exists(f)).collect();
            if !missing.is_empty() {
                let all: Vec<&String> = fields.keys().collect();
                orphaned.insert(
                    name.clone(),
                    json!({"missingFields": missing, "definition": definition, "allFields": all}),
                );
            }
        }
        orphaned
    }

    pub(super) fn add_timestamp_fields(&mut self) {
        for field in ["createdAt", "updatedAt"] {
            self.attributes.entry(field).or_insert_with(|| json!(TIMESTAMP_ATTRIBUTE));
        }
        for (partition, field) in [("byCreatedDate", "createdAt"), ("byUpdatedDate", "updatedAt")] {
            self.partitions
                .entry(partition)
                .or_insert_with(|| json!({"fields": {field: "date|maxlength:10"}}));
        }
    }

    fn check_partitions(&self) -> Result<()> {
        for partition in Partition::parse_all(&self.partitions)? {
            for (field, _) in &partition.fields {
                if !self.field_exists(field) {
                    let available: Vec<&str> = self.attributes.keys().map(String::as_str).collect();
                    return Err(Error::new(
                        ErrorKind::Partition,
                        format!(
                            "Partition '{}' uses field '{field}' which does not exist in resource attributes. Available fields: {}.",
                            partition.name,
                            available.join(", ")
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The catalogue version entry this definition writes (12.4's field order). `cache` is
    /// left out when not configured, as s3db.js does on a redefinition.
    pub fn version_spec(&self) -> VersionSpec {
        let id_generator = if self.custom_id_generator { json!("custom_function") } else { json!(self.id_size) };
        let mut fields = json!({
            "attributes": self.attributes,
            "behavior": self.behavior.name(),
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
        });
        let fields = fields.as_object_mut().expect("object");
        if self.cache.is_none() {
            fields.remove("cache");
        }
        VersionSpec { fields: std::mem::take(fields), created_by: self.created_by.clone() }
    }
}

/// `['status']` -> `{byStatus: {fields: {status: <its type>}}}`.
fn shorthand_partitions(fields: &[Value], attributes: &Map<String, Value>) -> Map<String, Value> {
    fields
        .iter()
        .filter_map(Value::as_str)
        .map(|field| {
            let mut chars = field.chars();
            let title: String = chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default();
            let rule = attributes.get(field).and_then(Value::as_str).unwrap_or("string").split('|').next().unwrap_or("string");
            (format!("by{title}"), json!({"fields": {field: rule}}))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_options_nesting_and_timestamps() {
        let d = ResourceDefinition::from_json(&json!({
            "name": "users",
            "attributes": {"name": "string"},
            "options": {"behavior": "data-truncate", "timestamps": true}
        }))
        .unwrap();
        assert_eq!(d.behavior, Behavior::TruncateData);
        assert!(d.timestamps);
        assert_eq!(d.attributes["createdAt"], "string|optional");
        assert!(d.partitions.contains_key("byUpdatedDate"));
    }

    #[test]
    fn problems_are_listed_together() {
        let err = ResourceDefinition::from_json(&json!({"attributes": {}, "paranoid": "yes"})).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Resource);
        assert!(err.message.starts_with("Invalid Resource (unnamed) configuration:"));
        assert!(err.message.contains("Resource 'name' is required"));
        assert!(err.message.contains("Resource 'attributes' cannot be empty"));
        assert!(err.message.contains("Resource 'paranoid' must be a boolean"));
    }

    #[test]
    fn partitions_must_name_known_fields() {
        let err = ResourceDefinition::from_json(&json!({
            "name": "r", "attributes": {"a": "string"}, "partitions": {"byB": {"fields": {"b": "string"}}}
        }))
        .unwrap_err();
        assert_eq!(err.kind, ErrorKind::Partition);
        let ok = ResourceDefinition::from_json(&json!({
            "name": "r", "attributes": {"utm": {"source": "string"}}, "partitions": {"byS": {"fields": {"utm.source": "string"}}}
        }));
        assert!(ok.is_ok());
    }

    #[test]
    fn versioning_adds_by_version_after_the_timestamp_partitions() {
        let d = ResourceDefinition::from_json(&json!({
            "name": "r", "attributes": {"a": "string"}, "timestamps": true, "versioningEnabled": true
        }))
        .unwrap();
        assert_eq!(d.partitions.keys().collect::<Vec<_>>(), ["byCreatedDate", "byUpdatedDate", "byVersion"]);
        assert_eq!(d.partitions["byVersion"], json!({"fields": {"_v": "string"}}));
    }

    #[test]
    fn without_strict_validation_partitions_may_be_orphaned() {
        let config = json!({
            "name": "r", "attributes": {"a": "string", "n": {"x": "string"}}, "strictValidation": false,
            "partitions": {"byA": {"fields": {"a": "string"}}, "byB": {"fields": {"b": "string", "a": "string"}}, "byNX": {"fields": {"n.x": "string", "n.y": "string"}}}
        });
        let d = ResourceDefinition::from_json(&config).unwrap();
        let orphaned = d.orphaned_partitions();
        assert_eq!(orphaned.keys().collect::<Vec<_>>(), ["byB", "byNX"]);
        assert_eq!(orphaned["byB"]["missingFields"], json!(["b"]));
        assert_eq!(orphaned["byNX"]["missingFields"], json!(["n.y"]));
        assert!(d.field_exists("_v") && d.field_exists("n") && !d.field_exists("a.b"));
    }

    #[test]
    fn catalogue_entries_of_19x_load() {
        let entry = json!({"attributes": {"a": "string"}, "idGenerator": "default", "hooks": {"beforeInsert": {"count": 1, "handlers": []}}});
        let d = ResourceDefinition::from_catalog("r", entry.as_object().unwrap(), None, false).unwrap();
        assert_eq!(d.id_size, DEFAULT_ID_SIZE);
        assert!(!d.custom_id_generator);
        assert_eq!(d.cache, Some(false));
    }
}
