//! A database: the catalogue, its resources, and the store they live in.

use crate::catalog::{Catalog, CATALOG_KEY};
use crate::clock::{system_clock, Clock};
use crate::contention::{self, MAX_ATTEMPTS};
use crate::context::StoreContext;
use crate::error::{Error, ErrorKind, Result};
use crate::resource::{version_layouts, Resource, ResourceDefinition, ResourceState, VersionLayouts};
use crate::storage::{ObjectStore, PutOutcome, PutRequest};
use parking_lot::RwLock;
use serde_json::{json, Value};
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
    /// `versioningEnabled`: every resource gets the `byVersion` partition.
    pub versioning_enabled: bool,
    /// `strictValidation`: partitions must name existing fields (resources may override it).
    pub strict_validation: bool,
}

impl Default for DatabaseOptions {
    fn default() -> Self {
        Self {
            bucket: "s3db".into(),
            key_prefix: String::new(),
            passphrase: DEFAULT_PASSPHRASE.into(),
            parallelism: DEFAULT_PARALLELISM,
            clock: system_clock(),
            versioning_enabled: false,
            strict_validation: true,
        }
    }
}

/// What `connect` found.
pub struct ConnectReport {
    /// Repairs made to a damaged catalogue (s3db.js `metadataHealed.healingLog`), and
    /// resources that could not be loaded (their entries are left in the catalogue).
    pub healing_log: Vec<String>,
}

/// `resourceExistsWithSameHash`: a definition compared with the loaded resource of that name.
#[derive(Debug, Clone, PartialEq)]
pub struct HashCheck {
    pub exists: bool,
    pub same_hash: bool,
    pub hash: String,
    pub existing_hash: Option<String>,
}

impl HashCheck {
    pub fn to_json(&self) -> Value {
        let mut out = json!({"exists": self.exists, "sameHash": self.same_hash, "hash": self.hash});
        if let Some(existing) = &self.existing_hash {
            out["existingHash"] = json!(existing);
        }
        out
    }
}

/// A resource whose catalogue version moved when the catalogue was written.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionChange {
    pub resource: String,
    pub old_version: String,
    pub new_version: String,
}

/// The catalogue as this process last read or wrote it, and the ETag it had then (`None` when
/// `s3db.json` did not exist): every rewrite is conditional on it, so processes that change the
/// catalogue at once never drop each other's resources.
struct CatalogCopy {
    catalog: Catalog,
    etag: Option<String>,
}

pub struct Database {
    ctx: Arc<StoreContext>,
    passphrase: String,
    versioning_enabled: bool,
    strict_validation: bool,
    catalog: tokio::sync::Mutex<Option<CatalogCopy>>,
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
            versioning_enabled: options.versioning_enabled,
            strict_validation: options.strict_validation,
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

    /// Reads (or creates) `s3db.json`, heals it if needed (rewriting it only then), and loads
    /// every resource in it.
    pub async fn connect(&self) -> Result<ConnectReport> {
        let mut guard = self.catalog.lock().await;
        let (copy, mut healing_log) = self.read_and_heal_catalog().await?;
        let mut loaded = BTreeMap::new();
        for name in copy.catalog.resources().keys() {
            match self.load_resource(&copy.catalog, name) {
                Ok(resource) => {
                    loaded.insert(name.clone(), resource);
                }
                Err(error) => healing_log.push(format!(
                    "Resource {name}: could not be loaded ({}); its definition is kept in s3db.json",
                    error.message
                )),
            }
        }
        *self.resources.write() = loaded;
        *guard = Some(copy);
        Ok(ConnectReport { healing_log })
    }

    /// The stored catalogue, healed; a missing or damaged one is (re)written, conditionally on
    /// what was read, and read again when another writer got there first.
    async fn read_and_heal_catalog(&self) -> Result<(CatalogCopy, Vec<String>)> {
        for attempt in 0..MAX_ATTEMPTS {
            let (mut copy, healing_log, rewrite) = self.read_catalog().await?;
            if !rewrite {
                return Ok((copy, healing_log));
            }
            if self.put_catalog(&mut copy).await? {
                return Ok((copy, healing_log));
            }
            contention::pause(attempt).await;
        }
        Err(catalog_contended())
    }

    /// `s3db.json` as stored (or a blank one), whether it needs rewriting, and the repairs made.
    async fn read_catalog(&self) -> Result<(CatalogCopy, Vec<String>, bool)> {
        let now = self.ctx.now_iso();
        let Some(object) = self.ctx.store.get(&self.ctx.key(CATALOG_KEY)).await? else {
            return Ok((CatalogCopy { catalog: Catalog::blank(&now), etag: None }, Vec::new(), true));
        };
        let text = String::from_utf8_lossy(&object.body);
        let loaded = Catalog::load(&text, &now);
        if loaded.backup {
            self.back_up(&object.body).await?;
        }
        let rewrite = loaded.needs_rewrite();
        Ok((CatalogCopy { catalog: loaded.catalog, etag: Some(object.head.etag.clone()) }, loaded.healing_log, rewrite))
    }

    /// Applies `change` to the catalogue and writes it when it says it changed anything. When
    /// another process rewrote `s3db.json` meanwhile, the change is applied again to what that
    /// process wrote (and its new resources are loaded). Returns `change`'s value and whether
    /// the catalogue had to be read again.
    async fn change_catalog<T>(
        &self,
        copy: &mut CatalogCopy,
        mut change: impl FnMut(&mut Catalog) -> Result<(T, bool)>,
    ) -> Result<(T, bool)> {
        let mut next = CatalogCopy { catalog: copy.catalog.clone(), etag: copy.etag.clone() };
        let mut reread = false;
        for attempt in 0..MAX_ATTEMPTS {
            let (value, changed) = change(&mut next.catalog)?;
            if !changed || self.put_catalog(&mut next).await? {
                *copy = next;
                if reread {
                    self.load_missing_resources(&copy.catalog);
                }
                return Ok((value, reread));
            }
            contention::pause(attempt).await;
            next = self.read_catalog().await?.0;
            reread = true;
        }
        Err(catalog_contended())
    }

    /// Resources another process added to the catalogue.
    fn load_missing_resources(&self, catalog: &Catalog) {
        let known: Vec<String> = self.resources.read().keys().cloned().collect();
        for name in catalog.resources().keys().filter(|name| !known.contains(name)) {
            if let Ok(resource) = self.load_resource(catalog, name) {
                self.resources.write().entry(name.clone()).or_insert(resource);
            }
        }
    }

    fn load_resource(&self, catalog: &Catalog, name: &str) -> Result<Arc<Resource>> {
        let (version, entry) = catalog
            .current_version(name)
            .ok_or_else(|| Error::new(ErrorKind::Database, format!("resource '{name}' has no current version")))?;
        let top = catalog.resources()[name].get("partitions");
        let mut definition = ResourceDefinition::from_catalog(name, entry, top, self.versioning_enabled)?;
        if let Some(created_by) = catalog.resources()[name].get("createdBy").and_then(|v| v.as_str()) {
            definition.created_by = created_by.to_string();
        }
        let state = ResourceState::new(definition, version, &self.passphrase, history(catalog, name))?;
        Ok(Arc::new(Resource::new(self.ctx.clone(), state)))
    }

    /// Keeps the unreadable or damaged catalogue text next to it before it is replaced.
    async fn back_up(&self, raw: &[u8]) -> Result<()> {
        let stamp = self.ctx.now_iso().replace([':', '.'], "-");
        let key = self.ctx.key(&format!("{CATALOG_KEY}.corrupted.{stamp}.backup"));
        let content_type = Some("application/json".to_string());
        self.ctx.store.put(PutRequest { key, body: raw.to_vec(), content_type, ..Default::default() }).await?;
        Ok(())
    }

    /// Writes the catalogue if `s3db.json` is still the version `copy` was read at (or still
    /// missing); false when it changed meanwhile.
    async fn put_catalog(&self, copy: &mut CatalogCopy) -> Result<bool> {
        let body = copy.catalog.render(&self.ctx.now_iso()).into_bytes();
        let request = PutRequest {
            key: self.ctx.key(CATALOG_KEY),
            body,
            content_type: Some("application/json".into()),
            if_absent: copy.etag.is_none(),
            if_match: copy.etag.clone(),
            ..Default::default()
        };
        Ok(match self.ctx.store.put(request).await? {
            PutOutcome::Written { etag } => {
                copy.etag = Some(etag);
                true
            }
            PutOutcome::Conflict => false,
        })
    }

    /// A createResource config with the database's defaults for what it leaves out.
    fn definition(&self, config: &Value) -> Result<ResourceDefinition> {
        let mut config = config.clone();
        if let Some(map) = config.as_object_mut() {
            map.entry("strictValidation").or_insert(json!(self.strict_validation));
            map.insert("versioningEnabled".into(), json!(self.versioning_enabled));
        }
        ResourceDefinition::from_json(&config)
    }

    fn not_connected() -> Error {
        Error::new(ErrorKind::Database, "Database is not connected: call connect() first")
    }

    /// Creates a resource, or redefines an existing one; the catalogue is rewritten only when
    /// the definition hash changed (a new version `v<N+1>`). Nothing is written when the
    /// definition does not compile.
    pub async fn create_resource(&self, config: &Value) -> Result<Arc<Resource>> {
        let mut definition = self.definition(config)?;
        let mut guard = self.catalog.lock().await;
        let copy = guard.as_mut().ok_or_else(Self::not_connected)?;
        let name = definition.name.clone();
        let existing = self.resources.read().get(&name).cloned();
        if existing.is_none() {
            definition.cache.get_or_insert(false);
        }
        let now = self.ctx.now_iso();
        let spec = definition.version_spec();
        // Compiled against the catalogue as known, so nothing is written when it does not compile.
        let mut trial = copy.catalog.clone();
        let (version, _) = trial.upsert_resource(&name, &spec, &now);
        let state = ResourceState::new(definition.clone(), version.clone(), &self.passphrase, history(&trial, &name))?;
        let (written_version, reread) =
            self.change_catalog(copy, |catalog| Ok(catalog.upsert_resource(&name, &spec, &now))).await?;
        let state = if reread || written_version != version {
            ResourceState::new(definition, written_version, &self.passphrase, history(&copy.catalog, &name))?
        } else {
            state
        };
        let existing = existing.or_else(|| self.resources.read().get(&name).cloned());
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

    /// A resource on this database's store that is neither registered nor written to the
    /// catalogue (s3db.js `new Resource({client, ...})`): it reads and writes records only.
    pub fn detached_resource(&self, config: &Value) -> Result<Arc<Resource>> {
        let definition = self.definition(config)?;
        let version = match config.get("version") {
            Some(Value::String(v)) if !v.is_empty() => v.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => "v1".to_string(),
        };
        let state = ResourceState::new(definition, version, &self.passphrase, Default::default())?;
        Ok(Arc::new(Resource::new(self.ctx.clone(), state)))
    }

    /// Compares a definition's hash with the loaded resource of the same name.
    pub fn check_hash(&self, config: &Value) -> Result<HashCheck> {
        let definition = self.definition(config)?;
        let hash = definition.version_spec().definition_hash();
        let Some(existing) = self.resource(&definition.name) else {
            return Ok(HashCheck { exists: false, same_hash: false, hash, existing_hash: None });
        };
        let existing_hash = existing.state().definition.version_spec().definition_hash();
        Ok(HashCheck { exists: true, same_hash: existing_hash == hash, hash, existing_hash: Some(existing_hash) })
    }

    /// The loaded resource when its definition hash equals `config`'s (nothing written, nothing
    /// reconfigured); otherwise `create_resource`. The flag tells whether it was (re)defined.
    pub async fn create_resource_if_not_exists(&self, config: &Value) -> Result<(Arc<Resource>, bool)> {
        let check = self.check_hash(config)?;
        if check.same_hash {
            let name = config.get("name").and_then(Value::as_str).unwrap_or_default();
            if let Some(existing) = self.resource(name) {
                return Ok((existing, false));
            }
        }
        Ok((self.create_resource(config).await?, true))
    }

    /// `uploadMetadataFile`: writes the catalogue with every resource's current definition,
    /// adding a version for each whose hash changed (e.g. after `removeOrphanedPartitions`).
    pub async fn upload_metadata(&self) -> Result<Vec<VersionChange>> {
        let mut guard = self.catalog.lock().await;
        let copy = guard.as_mut().ok_or_else(Self::not_connected)?;
        let now = self.ctx.now_iso();
        let resources: Vec<Arc<Resource>> = self.resources.read().values().cloned().collect();
        let specs: Vec<_> = resources.iter().map(|r| r.state().definition.version_spec()).collect();
        let (versions, _) = self
            .change_catalog(copy, |catalog| {
                let versions: Vec<String> = resources
                    .iter()
                    .zip(&specs)
                    .map(|(resource, spec)| catalog.upsert_resource(&resource.state().definition.name, spec, &now).0)
                    .collect();
                Ok((versions, true))
            })
            .await?;
        let mut changes = Vec::new();
        for (resource, new_version) in resources.iter().zip(versions) {
            let state = resource.state();
            if new_version == state.version {
                continue;
            }
            let name = state.definition.name.clone();
            let history = history(&copy.catalog, &name);
            resource.replace_state(ResourceState::new(state.definition.clone(), new_version.clone(), &self.passphrase, history)?);
            changes.push(VersionChange { resource: name, old_version: state.version.clone(), new_version });
        }
        Ok(changes)
    }

    pub fn resource(&self, name: &str) -> Option<Arc<Resource>> {
        self.resources.read().get(name).cloned()
    }

    pub fn resource_names(&self) -> Vec<String> {
        self.resources.read().keys().cloned().collect()
    }

    /// The parsed catalogue (`db.savedMetadata`), `None` before connect.
    pub async fn saved_metadata(&self) -> Option<Value> {
        self.catalog.lock().await.as_ref().map(|copy| Value::Object(copy.catalog.doc.clone()))
    }

    /// Forgets resources and the catalogue (the store itself stays).
    pub async fn disconnect(&self) {
        *self.catalog.lock().await = None;
        self.resources.write().clear();
    }
}

/// Layouts of every catalogue version of a resource.
fn catalog_contended() -> Error {
    Error::new(
        ErrorKind::Database,
        format!("s3db.json kept changing under this process: gave up after {MAX_ATTEMPTS} attempts"),
    )
    .named("WriteContention")
    .with("attempts", MAX_ATTEMPTS)
}

fn history(catalog: &Catalog, name: &str) -> Arc<VersionLayouts> {
    Arc::new(version_layouts(catalog.versions(name)))
}

#[cfg(test)]
mod tests {
    use crate::testing::{connected, FaultyStore};
    use futures::executor::block_on;
    use serde_json::{json, Map, Value};
    use std::sync::Arc;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    fn puts(store: &FaultyStore) -> u64 {
        store.inner.counts().snapshot().into_iter().find(|(name, _)| *name == "PutObjectCommand").map_or(0, |(_, n)| n)
    }

    fn user_fields(record: &Map<String, Value>) -> Value {
        Value::Object(record.iter().filter(|(k, _)| !k.starts_with('_')).map(|(k, v)| (k.clone(), v.clone())).collect())
    }

    #[test]
    fn records_decode_with_the_attribute_map_of_their_version() {
        let store = Arc::new(FaultyStore::default());
        let db = connected(store.clone(), false);
        let v1 = json!({"name": "members", "attributes": {"name": "string", "age": "number|optional"}});
        let members = block_on(db.create_resource(&v1)).unwrap();
        block_on(members.insert(map(json!({"id": "m1", "name": "Ann", "age": 40})))).unwrap();
        // v2 reorders the attributes: `age` takes key 0, `name` key 1.
        let v2 = json!({"name": "members", "attributes": {"age": "number|optional", "name": "string", "city": "string|optional"}});
        block_on(db.create_resource(&v2)).unwrap();
        assert_eq!(members.state().version, "v2");
        block_on(members.insert(map(json!({"id": "m2", "name": "Bob", "age": 41, "city": "Porto"})))).unwrap();
        let expect_m1 = json!({"id": "m1", "name": "Ann", "age": 40});
        let expect_m2 = json!({"id": "m2", "name": "Bob", "age": 41, "city": "Porto"});
        assert_eq!(user_fields(&block_on(members.get("m1")).unwrap()), expect_m1);
        assert_eq!(user_fields(&block_on(members.get("m2")).unwrap()), expect_m2);

        let again = connected(store.clone(), false);
        let members = again.resource("members").unwrap();
        let m1 = block_on(members.get("m1")).unwrap();
        assert_eq!(user_fields(&m1), expect_m1);
        assert_eq!((m1["_v"].as_str(), m1["_originalVersion"].as_str()), (Some("v2"), Some("1")));
        assert_eq!(user_fields(&block_on(members.get("m2")).unwrap()), expect_m2);
        // An update rewrites the record with the current map.
        block_on(members.update("m1", map(json!({"city": "Faro"})))).unwrap();
        let stored = block_on(crate::storage::ObjectStore::get(store.as_ref(), "resource=members/data/id=m1")).unwrap().unwrap();
        let metadata: Map<String, Value> =
            stored.head.metadata.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
        assert_eq!(Value::Object(metadata), json!({"0": "E", "1": "Ann", "2": "Faro", "_v": "v2"}));
    }

    #[test]
    fn an_unreadable_catalogue_is_backed_up_and_replaced_once() {
        let store = Arc::new(FaultyStore::default());
        store.put_text("s3db.json", "{not json");
        let db = crate::Database::new(store.clone(), crate::DatabaseOptions {
            clock: crate::clock::fixed_clock(crate::clock::parse_iso(crate::testing::NOW).unwrap()),
            ..Default::default()
        });
        let report = block_on(db.connect()).unwrap();
        assert_eq!(report.healing_log.last().unwrap(), "Created backup of corrupted file - starting with blank metadata");
        assert_eq!(store.body("s3db.json.corrupted.2025-01-02T03-04-05-678Z.backup").as_deref(), Some("{not json"));
        let blank: Value = serde_json::from_str(&store.body("s3db.json").unwrap()).unwrap();
        assert_eq!(blank["resources"], json!({}));
        let before = puts(&store);
        let report = block_on(connected(store.clone(), false).connect()).unwrap();
        assert!(report.healing_log.is_empty());
        assert_eq!(puts(&store), before, "a healed catalogue is not rewritten again");
    }

    #[test]
    fn a_healthy_catalogue_is_not_rewritten_on_connect() {
        let store = Arc::new(FaultyStore::default());
        let db = connected(store.clone(), false);
        let config = json!({"name": "jobs", "attributes": {"name": "string"}, "hooks": {"beforeInsert": [null]}});
        block_on(db.create_resource(&config)).unwrap();
        let before = puts(&store);
        for _ in 0..3 {
            connected(store.clone(), false);
        }
        assert_eq!(puts(&store), before);
    }

    #[test]
    fn a_resource_that_cannot_load_leaves_the_others_and_its_entry_alone() {
        let store = Arc::new(FaultyStore::default());
        let catalogue = json!({
            "version": "1", "s3dbVersion": "12.4.0", "lastUpdated": crate::testing::NOW,
            "resources": {
                "bad": {"currentVersion": "v1", "partitions": {}, "versions": {"v1": {"attributes": {"x": "nonsense"}}}},
                "good": {"currentVersion": "v1", "partitions": {}, "versions": {"v1": {"attributes": {"x": "string"}}}},
            }
        })
        .to_string();
        store.put_text("s3db.json", &catalogue);
        let db = crate::Database::new(store.clone(), Default::default());
        let report = block_on(db.connect()).unwrap();
        assert_eq!(report.healing_log.len(), 1);
        assert!(report.healing_log[0].starts_with("Resource bad: could not be loaded ("), "{:?}", report.healing_log);
        assert!(db.resource("good").is_some() && db.resource("bad").is_none());
        assert_eq!(store.body("s3db.json").unwrap(), catalogue, "not rewritten");
    }

    #[test]
    fn create_resource_if_not_exists_compares_definition_hashes() {
        let store = Arc::new(FaultyStore::default());
        let db = connected(store.clone(), false);
        let config = json!({"name": "people", "attributes": {"name": "string"}});
        let check = db.check_hash(&config).unwrap();
        assert!(!check.exists && !check.same_hash && check.existing_hash.is_none());
        let (first, created) = block_on(db.create_resource_if_not_exists(&config)).unwrap();
        assert!(created);
        let before = puts(&store);
        let (same, created) = block_on(db.create_resource_if_not_exists(&config)).unwrap();
        assert!(!created && Arc::ptr_eq(&first, &same));
        assert_eq!(puts(&store), before, "same hash: nothing written");
        let changed = json!({"name": "people", "attributes": {"name": "string", "age": "number"}});
        let check = db.check_hash(&changed).unwrap();
        assert!(check.exists && !check.same_hash);
        assert_eq!(check.existing_hash.as_deref(), db.check_hash(&config).ok().map(|c| c.hash).as_deref());
        let (again, created) = block_on(db.create_resource_if_not_exists(&changed)).unwrap();
        assert!(created && Arc::ptr_eq(&first, &again));
        assert_eq!(again.state().version, "v2");
    }

    #[test]
    fn a_definition_that_does_not_compile_writes_nothing() {
        let store = Arc::new(FaultyStore::default());
        let db = connected(store.clone(), false);
        let before = store.body("s3db.json");
        let Err(err) = block_on(db.create_resource(&json!({"name": "x", "attributes": {"a": "nonsense"}}))) else {
            panic!("a definition with an unknown type was accepted");
        };
        assert_eq!(err.kind, crate::ErrorKind::Schema);
        assert_eq!(store.body("s3db.json"), before);
        assert!(block_on(db.saved_metadata()).unwrap()["resources"].as_object().unwrap().is_empty());
    }
}
