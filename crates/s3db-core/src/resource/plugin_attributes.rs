//! Attributes that plugins add to a resource (`addPluginAttribute`/`removePluginAttribute`).

use super::definition::PluginAttribute;
use super::Resource;
use crate::error::{Error, ErrorKind, Result};
use serde_json::Value;

impl Resource {
    /// Adds (or redefines) `name` for `plugin`. A user attribute of that name, or one another
    /// plugin added, is refused.
    pub fn add_plugin_attribute(&self, name: &str, definition: Value, plugin: &str) -> Result<()> {
        if plugin.is_empty() {
            return Err(Error::new(ErrorKind::Resource, "Plugin name is required when adding plugin attributes").with("attribute", name));
        }
        let state = self.state();
        let mut definition_now = state.definition.clone();
        let taken_by_user = definition_now.attributes.contains_key(name);
        let other_plugin = definition_now.plugin_attributes.iter().find(|p| p.name == name && p.plugin != plugin);
        if taken_by_user || other_plugin.is_some() {
            return Err(Error::new(ErrorKind::Resource, format!("Attribute '{name}' already exists and is not from plugin '{plugin}'"))
                .with("attribute", name)
                .with("plugin", plugin));
        }
        definition_now.plugin_attributes.retain(|p| p.name != name);
        definition_now.plugin_attributes.push(PluginAttribute { name: name.to_string(), plugin: plugin.to_string(), definition });
        self.replace_state(state.redefined(definition_now)?);
        Ok(())
    }

    /// Removes `name` (only when `plugin` added it, if given); false when there was none.
    pub fn remove_plugin_attribute(&self, name: &str, plugin: Option<&str>) -> Result<bool> {
        let state = self.state();
        let mut definition = state.definition.clone();
        let before = definition.plugin_attributes.len();
        definition.plugin_attributes.retain(|p| !(p.name == name && plugin.is_none_or(|owner| owner == p.plugin)));
        if definition.plugin_attributes.len() == before {
            return Ok(false);
        }
        self.replace_state(state.redefined(definition)?);
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use crate::schema::plugin_attribute_key;
    use crate::storage::counted::Counted;
    use crate::storage::memory::MemoryStore;
    use crate::storage::ObjectStore;
    use crate::{Database, DatabaseOptions};
    use futures::executor::block_on;
    use serde_json::json;
    use std::sync::Arc;

    #[test]
    fn keys_are_the_ones_s3db_js_derives() {
        // vectors/record-plugin-attribute.json: VectorPlugin's `_hasEmbedding` is stored as `p1wd`.
        assert_eq!(plugin_attribute_key("VectorPlugin", "_hasEmbedding"), "p1wd");
    }

    #[test]
    fn plugin_fields_are_written_under_their_key_and_read_back() {
        let store = Arc::new(Counted::new(Arc::new(MemoryStore::new())));
        let db = Database::new(store.clone(), DatabaseOptions::default());
        block_on(db.connect()).unwrap();
        let items = block_on(db.create_resource(&json!({"name": "items", "attributes": {"name": "string"}}))).unwrap();
        items.add_plugin_attribute("_hasEmbedding", json!("boolean|optional"), "VectorPlugin").unwrap();
        let doc = json!({"id": "i1", "name": "thing", "_hasEmbedding": true});
        block_on(items.insert(doc.as_object().unwrap().clone())).unwrap();
        let head = block_on(store.head("resource=items/data/id=i1")).unwrap().unwrap();
        assert!(head.metadata.contains(&("p1wd".to_string(), "1".to_string())), "{:?}", head.metadata);
        assert_eq!(block_on(items.get("i1")).unwrap()["_hasEmbedding"], true);
        let clash = items.add_plugin_attribute("name", json!("string"), "Other").unwrap_err();
        assert!(clash.message.contains("already exists"), "{}", clash.message);
        assert!(items.remove_plugin_attribute("_hasEmbedding", Some("VectorPlugin")).unwrap());
        assert!(!items.remove_plugin_attribute("_hasEmbedding", None).unwrap());
    }
}
