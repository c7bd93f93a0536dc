//! A resource configuration as `createResource` receives it (functions already stripped by the
//! JS side), checked and normalised: legacy `options` nesting, behavior names, timestamps.

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
    pub cache: bool,
    pub async_events: bool,
    pub hooks: Map<String, Value>,
    pub id_size: usize,
    pub custom_id_generator: bool,
    /// Per-resource passphrase for `secret` fields (database passphrase otherwise).
    pub passphrase: Option<String>,
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
        let cache = flag("cache", false);
        let async_events = flag("asyncEvents", true);

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
            (Some(Value::Number(n)), _) | (None, Some(Value::Number(n))) => match n.as_u64() {
                Some(size) if size > 0 => (size as usize, false),
                _ => {
                    problems.push("Resource 'idSize' must be an integer greater than 0".into());
                    (DEFAULT_ID_SIZE, false)
                }
            },
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
            hooks,
            id_size,
            custom_id_generator,
            passphrase,
        };
        if timestamps {
            definition.add_timestamp_fields();
        }
        definition.check_partitions()?;
        Ok(definition)
    }

    /// Rebuilds a definition from a catalogue version entry.
    pub fn from_catalog(name: &str, entry: &Map<String, Value>, top_partitions: Option<&Value>) -> Result<Self> {
        let mut config = entry.clone();
        config.insert("name".into(), json!(name));
        if let Some(Value::Object(p)) = top_partitions {
            if !p.is_empty() {
                config.insert("partitions".into(), Value::Object(p.clone()));
            }
        }
        if let Some(Value::Number(n)) = entry.get("idSize") {
            config.insert("idGenerator".into(), Value::Number(n.clone()));
        }
        let mut definition = Self::from_json(&Value::Object(config))?;
        definition.custom_id_generator = entry.get("idGenerator").and_then(Value::as_str) == Some("custom_function");
        Ok(definition)
    }

    fn add_timestamp_fields(&mut self) {
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
                let root = field.split('.').next().unwrap_or("");
                let known = field.starts_with('_') || attribute_exists(&self.attributes, field) || self.attributes.contains_key(root) && !field.contains('.');
                if !known {
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

    pub fn version_spec(&self) -> VersionSpec {
        VersionSpec {
            attributes: self.attributes.clone(),
            behavior: self.behavior.name().to_string(),
            timestamps: self.timestamps,
            partitions: self.partitions.clone(),
            paranoid: self.paranoid,
            all_nested_objects_optional: self.all_nested_objects_optional,
            auto_decrypt: self.auto_decrypt,
            cache: self.cache,
            async_events: self.async_events,
            hooks: self.hooks.clone(),
            id_size: self.id_size,
            custom_id_generator: self.custom_id_generator,
        }
    }
}

fn attribute_exists(attributes: &Map<String, Value>, path: &str) -> bool {
    let mut current = attributes;
    let mut segments = path.split('.').peekable();
    while let Some(segment) = segments.next() {
        match current.get(segment) {
            Some(Value::Object(inner)) if segments.peek().is_some() => current = inner,
            Some(_) => return segments.peek().is_none(),
            None => return false,
        }
    }
    false
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
}
