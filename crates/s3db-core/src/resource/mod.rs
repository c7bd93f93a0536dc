//! A resource (table): its current schema state and every record operation.

mod content;
mod definition;
mod paging;
mod plugin_attributes;
mod partitions;
mod read;
mod stored;
mod transfer;
mod write;

pub use content::Content;
pub use definition::{PluginAttribute, ResourceDefinition};
pub use paging::{IdPage, PageRequest, RecordPage};
pub use partitions::PartitionRepair;
pub use read::{ListOptions, Page, PageOptions, RecordForm, RecordText, Records, Unreadable};
pub use write::{DeleteOutcome, WriteOutcome};

use crate::context::StoreContext;
use crate::encoding::json;
use crate::error::{Error, ErrorKind, Result};
use crate::partition::Partition;
use crate::schema::AttributeLayout;
use crate::validator::{CompiledSchema, ValidatorOptions};
pub(crate) use crate::crypto::maybe_blocking;
use parking_lot::RwLock;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// Attribute layouts of a resource's other catalogue versions, by version name (`v1`): a record
/// is decoded with the layout of the version that wrote it.
pub type VersionLayouts = HashMap<String, Arc<AttributeLayout>>;

/// The layouts of every version entry of a catalogue resource.
pub fn version_layouts<'a>(entries: impl IntoIterator<Item = (&'a str, &'a serde_json::Map<String, Value>)>) -> VersionLayouts {
    entries
        .into_iter()
        .filter_map(|(name, entry)| {
            let attributes = ResourceDefinition::attributes_of_entry(entry)?;
            Some((name.to_string(), Arc::new(AttributeLayout::new(&attributes))))
        })
        .collect()
}

/// Everything derived from one definition at one catalogue version.
pub struct ResourceState {
    pub definition: ResourceDefinition,
    /// Catalogue version name (`v1`).
    pub version: String,
    pub layout: AttributeLayout,
    pub validator: CompiledSchema,
    pub partitions: Vec<Partition>,
    pub passphrase: String,
    pub has_secrets: bool,
    /// `Resource.getDefinitionHash()`: sha256 of {attributes, behavior}.
    pub record_hash: String,
    /// Layouts of the other catalogue versions.
    pub history: Arc<VersionLayouts>,
}

impl ResourceState {
    pub fn new(
        definition: ResourceDefinition,
        version: String,
        db_passphrase: &str,
        history: Arc<VersionLayouts>,
    ) -> Result<Self> {
        let options = ValidatorOptions { all_nested_objects_optional: definition.all_nested_objects_optional };
        let plugins = &definition.plugin_attributes;
        let validated = if plugins.is_empty() {
            std::borrow::Cow::Borrowed(&definition.attributes)
        } else {
            let mut all = definition.attributes.clone();
            all.extend(plugins.iter().map(|p| (p.name.clone(), p.definition.clone())));
            std::borrow::Cow::Owned(all)
        };
        let validator = CompiledSchema::compile(&validated, &options).map_err(|message| {
            Error::new(ErrorKind::Schema, format!("Invalid schema for resource '{}': {message}", definition.name))
        })?;
        let layout = AttributeLayout::new(&definition.attributes)
            .with_plugin_attributes(plugins.iter().map(|p| (p.name.as_str(), p.plugin.as_str(), &p.definition)));
        let partitions = Partition::parse_all(&definition.partitions)?;
        let has_secrets = layout.has_secrets();
        let passphrase = definition.passphrase.clone().unwrap_or_else(|| db_passphrase.to_string());
        let hashed = json!({"attributes": definition.attributes, "behavior": definition.behavior.name()});
        let record_hash = format!("sha256:{}", crate::crypto::sha256_hex(json::stable_stringify(&hashed).as_bytes()));
        Ok(Self { definition, version, layout, validator, partitions, passphrase, has_secrets, record_hash, history })
    }

    /// The same resource with another definition (same version and history).
    pub fn redefined(&self, definition: ResourceDefinition) -> Result<Self> {
        let db_passphrase = self.passphrase.clone();
        Self::new(definition, self.version.clone(), &db_passphrase, self.history.clone())
    }

    /// The layout records written by `version` are decoded with: that version's when the
    /// catalogue has it and it differs from the current one, the current layout otherwise.
    pub fn layout_for(&self, version: Option<&str>) -> &AttributeLayout {
        match version {
            Some(v) if v != self.version => self.history.get(v).map(Arc::as_ref).unwrap_or(&self.layout),
            _ => &self.layout,
        }
    }

    /// A partition by name; `PartitionError` "Partition '<p>' not found" otherwise.
    pub fn partition(&self, name: &str) -> Result<&Partition> {
        self.partitions.iter().find(|p| p.name == name).ok_or_else(|| {
            Error::new(ErrorKind::Partition, format!("Partition '{name}' not found"))
                .with("partition", name)
                .with("partitionName", name)
                .with("resourceName", self.definition.name.clone())
        })
    }

    /// True when some partition is keyed on a system field (`_v`).
    fn partitions_use_system_fields(&self) -> bool {
        self.partitions.iter().any(|p| p.fields.iter().any(|(path, _)| path.starts_with('_')))
    }

    /// What the JS side needs to present the resource (`name`, `attributes`, `schema.map`, `config`…).
    pub fn describe(&self) -> Value {
        let d = &self.definition;
        json!({
            "name": d.name,
            "version": self.version,
            "attributes": d.attributes,
            "behavior": d.behavior.name(),
            "map": self.layout.map_json(),
            "pluginMap": self.layout.plugin_map_json(),
            "partitions": d.partitions,
            "timestamps": d.timestamps,
            "paranoid": d.paranoid,
            "allNestedObjectsOptional": d.all_nested_objects_optional,
            "autoDecrypt": d.auto_decrypt,
            "cache": d.cache.unwrap_or(false),
            "asyncEvents": d.async_events,
            "asyncPartitions": d.async_partitions,
            "strictValidation": d.strict_validation,
            "versioningEnabled": d.versioning_enabled,
            "idSize": d.id_size,
            "definitionHash": self.record_hash,
            "passphrase": self.passphrase,
            "createdBy": d.created_by,
        })
    }
}

pub struct Resource {
    ctx: Arc<StoreContext>,
    state: RwLock<Arc<ResourceState>>,
}

impl Resource {
    pub fn new(ctx: Arc<StoreContext>, state: ResourceState) -> Self {
        Self { ctx, state: RwLock::new(Arc::new(state)) }
    }

    /// The state operations run against; a redefinition swaps it without disturbing calls in flight.
    pub fn state(&self) -> Arc<ResourceState> {
        self.state.read().clone()
    }

    pub fn replace_state(&self, state: ResourceState) {
        *self.state.write() = Arc::new(state);
    }

    pub fn name(&self) -> String {
        self.state().definition.name.clone()
    }

    fn record_key(&self, state: &ResourceState, id: &str) -> String {
        self.ctx.key(&crate::keys::record_key(&state.definition.name, id))
    }
}
