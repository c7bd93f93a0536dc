//! A database: the catalogue, its resources, and the store they live in.

use crate::catalog::{Catalog, CATALOG_KEY};
use crate::clock::{system_clock, Clock};
use crate::context::StoreContext;
use crate::error::{Error, ErrorKind, Result};
use crate::resource::{Resource, ResourceDefinition, ResourceState};
use crate::storage::{ObjectStore, PutRequest};
use parking_lot::RwLock;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

pub const DEFAULT_PASSPHRASE: &str = "secret";
pub const DEFAULT_PARALLELISM: usize = 10;

pub struct DatabaseOptions {
    pub bucket: String,
    pub key_prefix: String,
    pub passphrase: String,
    pub parallelism: usize,
    pub clock: Clock,
}

impl Default for DatabaseOptions {
    fn default() -> Self {
        Self {
            bucket: "s3db".into(),
            key_prefix: String::new(),
            passphrase: DEFAULT_PASSPHRASE.into(),
            parallelism: DEFAULT_PARALLELISM,
            clock: system_clock(),
        }
    }
}

/// What `connect` found.
pub struct ConnectReport {
    /// Repairs made to a damaged catalogue (s3db.js `metadataHealed.healingLog`).
    pub healing_log: Vec<String>,
}

pub struct Database {
    ctx: Arc<StoreContext>,
    passphrase: String,
    catalog: tokio::sync::Mutex<Option<Catalog>>,
    resources: RwLock<BTreeMap<String, Arc<Resource>>>,
}

impl Database {
    pub fn new(store: Arc<dyn ObjectStore>, options: DatabaseOptions) -> Self {
        let ctx = StoreContext {
            store,
            bucket: options.bucket,
            key_prefix: options.key_prefix,
            clock: options.clock,
            parallelism: options.parallelism.max(1),
        };
        Self {
            ctx: Arc::new(ctx),
            passphrase: options.passphrase,
            catalog: tokio::sync::Mutex::new(None),
            resources: RwLock::new(BTreeMap::new()),
        }
    }

    /// The store, key prefix and clock the database's resources share.
    pub(crate) fn context(&self) -> &Arc<StoreContext> {
        &self.ctx
    }

    pub fn bucket(&self) -> &str {
        &self.ctx.bucket
    }

    pub fn key_prefix(&self) -> &str {
        &self.ctx.key_prefix
    }

    /// Reads (or creates) `s3db.json`, repairs it if needed, and loads every resource in it.
    pub async fn connect(&self) -> Result<ConnectReport> {
        let mut guard = self.catalog.lock().await;
        let now = self.ctx.now_iso();
        let key = self.ctx.key(CATALOG_KEY);
        let (mut catalog, healing_log, rewrite) = match self.ctx.store.get(&key).await? {
            None => (Catalog::blank(&now), Vec::new(), true),
            Some(object) => {
                let text = String::from_utf8_lossy(&object.body);
                let loaded = Catalog::load(&text, &now);
                if loaded.unreadable {
                    self.back_up_unreadable(&object.body).await?;
                }
                let rewrite = !loaded.repairs.is_empty();
                (loaded.catalog, loaded.repairs, rewrite)
            }
        };
        if rewrite {
            self.write_catalog(&mut catalog).await?;
        }
        let mut loaded = BTreeMap::new();
        for name in catalog.resources().keys() {
            let Some((version, entry)) = catalog.current_version(name) else { continue };
            let top = catalog.resources()[name].get("partitions");
            let definition = ResourceDefinition::from_catalog(name, entry, top)?;
            let state = ResourceState::new(definition, version, &self.passphrase)?;
            loaded.insert(name.clone(), Arc::new(Resource::new(self.ctx.clone(), state)));
        }
        *self.resources.write() = loaded;
        *guard = Some(catalog);
        Ok(ConnectReport { healing_log })
    }

    async fn back_up_unreadable(&self, raw: &[u8]) -> Result<()> {
        let stamp = self.ctx.now_iso().replace([':', '.'], "-");
        let key = self.ctx.key(&format!("{CATALOG_KEY}.corrupted.{stamp}.backup"));
        self.ctx.store.put(PutRequest { key, body: raw.to_vec(), ..Default::default() }).await?;
        Ok(())
    }

    async fn write_catalog(&self, catalog: &mut Catalog) -> Result<()> {
        let body = catalog.render(&self.ctx.now_iso()).into_bytes();
        let request = PutRequest {
            key: self.ctx.key(CATALOG_KEY),
            body,
            content_type: Some("application/json".into()),
            ..Default::default()
        };
        self.ctx.store.put(request).await?;
        Ok(())
    }

    /// Creates a resource, or redefines an existing one; the catalogue is rewritten only when
    /// the definition hash changed.
    pub async fn create_resource(&self, config: &Value) -> Result<Arc<Resource>> {
        let definition = ResourceDefinition::from_json(config)?;
        let mut guard = self.catalog.lock().await;
        let Some(catalog) = guard.as_mut() else {
            return Err(Error::new(ErrorKind::Database, "Database is not connected: call connect() first"));
        };
        let now = self.ctx.now_iso();
        let (version, changed) = catalog.upsert_resource(&definition.name, &definition.version_spec(), &now);
        let name = definition.name.clone();
        let state = ResourceState::new(definition, version, &self.passphrase)?;
        if changed {
            self.write_catalog(catalog).await?;
        }
        let existing = self.resources.read().get(&name).cloned();
        let resource = match existing {
            Some(resource) => {
                resource.replace_state(state);
                resource
            }
            None => {
                let resource = Arc::new(Resource::new(self.ctx.clone(), state));
                self.resources.write().insert(name, resource.clone());
                resource
            }
        };
        Ok(resource)
    }

    pub fn resource(&self, name: &str) -> Option<Arc<Resource>> {
        self.resources.read().get(name).cloned()
    }

    pub fn resource_names(&self) -> Vec<String> {
        self.resources.read().keys().cloned().collect()
    }

    /// The parsed catalogue (`db.savedMetadata`), `None` before connect.
    pub async fn saved_metadata(&self) -> Option<Value> {
        self.catalog.lock().await.as_ref().map(|c| Value::Object(c.doc.clone()))
    }

    /// Forgets resources and the catalogue (the store itself stays).
    pub async fn disconnect(&self) {
        *self.catalog.lock().await = None;
        self.resources.write().clear();
    }
}
