//! Bounded fuzzing (proptest): hostile input to the metadata and record decoders, the catalogue
//! loader, the schema compiler and the key builders never panics, and keys never leave their
//! prefix. `S3DB_FUZZ_CASES` sets the cases per target (default 300; CI runs the default).

use futures::executor::block_on;
use proptest::prelude::*;
use s3db_core::catalog::Catalog;
use s3db_core::encoding::metadata;
use s3db_core::keys;
use s3db_core::partition::Partition;
use s3db_core::storage::fs::FsStore;
use s3db_core::storage::memory::MemoryStore;
use s3db_core::storage::{ListRequest, ObjectStore, PutRequest};
use s3db_core::{Database, DatabaseOptions};
use serde_json::{json, Map, Value};
use std::sync::Arc;

fn cases() -> u32 {
    std::env::var("S3DB_FUZZ_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(300)
}

/// Text that looks like what s3db stores: rule strings, encoded values, JSON, odd Unicode.
fn texty() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-z0-9|:_$.=,/-]{0,40}",
        prop::sample::select(vec![
            "string", "number", "boolean", "secret", "json", "any", "date", "ip4", "ip6", "uuid", "email",
            "string|min:2|max:5", "number|integer|positive", "array|items:number", "array|items:string|min:1",
            "object|optional", "embedding:3", "decimal:2", "money", "geo:lat", "geo:lon", "string|pattern:^(a+)+$",
            "b:bnVsbA==", "u:%E2%82%AC", "^-3sdz", "$1a", "~x", "[1,2", "{\"a\":", "null", "undefined", "1e999",
            "-0", "\u{0}", "\u{FEFF}", "é/..", "../../x", "%2F", "%", "",
        ])
        .prop_map(str::to_string),
    ]
}

/// Arbitrary JSON built from `texty` strings, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<f64>().prop_map(|n| serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)),
        any::<i64>().prop_map(|n| json!(n)),
        texty().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((texty(), inner), 0..6).prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

/// Metadata names a record really has (mapped keys, `_v`, `_map`, the overflow flag) or any text.
fn stored_key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec!["0", "1", "2", "3", "4", "5", "6", "7", "8", "_v", "_map", "_pluginmap", "$overflow"])
            .prop_map(str::to_string),
        texty(),
    ]
}

fn database(store: Arc<dyn ObjectStore>) -> Database {
    Database::new(store, DatabaseOptions { key_prefix: "fuzz/db".into(), ..Default::default() })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn metadata_values_decode_without_panicking(text in texty()) {
        let _ = metadata::decode_value(&text);
        let _ = metadata::decode_value(&metadata::encode_value(&text));
        let _ = metadata::sanitize_key(&text);
    }

    #[test]
    fn any_catalogue_text_loads_or_is_healed(text in prop_oneof![texty(), json_value().prop_map(|v| v.to_string())],
                                            resources in json_value()) {
        let _ = Catalog::load(&text, "2026-01-01T00:00:00.000Z");
        let doc = json!({"version": "1", "s3dbVersion": "12.4.0", "resources": resources}).to_string();
        let _ = Catalog::load(&doc, "2026-01-01T00:00:00.000Z");
        // connect() on a store holding that catalogue answers, whatever the catalogue says.
        let store = Arc::new(MemoryStore::new());
        block_on(store.put(PutRequest { key: "fuzz/db/s3db.json".into(), body: doc.into_bytes(), ..Default::default() })).unwrap();
        let _ = block_on(database(store).connect());
    }

    #[test]
    fn any_resource_definition_compiles_or_is_refused(attributes in json_value(), partitions in json_value(), behavior in texty()) {
        let store = Arc::new(MemoryStore::new());
        let db = database(store);
        block_on(db.connect()).unwrap();
        let config = json!({"name": "r", "attributes": attributes, "partitions": partitions, "behavior": behavior});
        let _ = block_on(db.create_resource(&config));
        if let Some(map) = partitions.as_object() {
            let _ = Partition::parse_all(map);
        }
    }

    #[test]
    fn any_stored_object_reads_back_or_fails_cleanly(metadata in prop::collection::vec((stored_key(), texty()), 0..8),
                                                    body in prop::collection::vec(any::<u8>(), 0..64),
                                                    json_body in json_value(), use_json in any::<bool>()) {
        let store = Arc::new(MemoryStore::new());
        let db = database(store.clone());
        block_on(db.connect()).unwrap();
        let config = json!({"name": "r", "behavior": "body-overflow", "attributes": {
            "name": "string|optional", "n": "number|optional", "tags": "array|items:string|optional",
            "meta": {"$$type": "object|optional", "a": "number|optional"}, "token": "secret|optional",
            "where": "ip4|optional", "when": "date|optional", "v": "embedding:3|optional"}});
        let resource = block_on(db.create_resource(&config)).unwrap();
        let metadata = metadata.into_iter().map(|(k, v)| (metadata::sanitize_key(&k), metadata::encode_value(&v))).collect();
        let body = if use_json { json_body.to_string().into_bytes() } else { body };
        block_on(store.put(PutRequest { key: "fuzz/db/resource=r/data/id=x".into(), metadata, body, ..Default::default() })).unwrap();
        let _ = block_on(resource.get("x"));
        let _ = block_on(resource.list::<s3db_core::resource::RecordText>(&Default::default()));
    }

    #[test]
    fn documents_validate_and_round_trip_without_panicking(document in json_value()) {
        let store = Arc::new(MemoryStore::new());
        let db = database(store);
        block_on(db.connect()).unwrap();
        let config = json!({"name": "r", "attributes": {"name": "string|optional", "n": "number|optional",
            "tags": "array|items:string|optional", "any": "any|optional"}});
        let resource = block_on(db.create_resource(&config)).unwrap();
        let document: Map<String, Value> = match document { Value::Object(map) => map, other => [("any".to_string(), other)].into_iter().collect() };
        if let Ok(written) = block_on(resource.insert(document)) {
            let id = written.record["id"].as_str().unwrap().to_string();
            prop_assert!(block_on(resource.get(&id)).is_ok());
        }
    }

    #[test]
    fn keys_stay_below_their_prefix(prefix in "[a-z/.]{0,12}", relative in any::<String>(), id in any::<String>()) {
        let joined = keys::join(&prefix, &relative);
        prop_assert!(joined.ends_with(&relative));
        let _ = keys::check_new_id(&id);
        let _ = keys::check_lookup_id(&id);
        let record = keys::record_key("users", &id);
        prop_assert_eq!(keys::id_from_key(&record).map(|found| id.starts_with(found)), Some(true));
    }

    #[test]
    fn partition_values_never_add_key_segments(value in any::<String>(), id in "[a-zA-Z0-9_-]{1,12}") {
        let partitions = json!({"byName": {"fields": {"name": "string"}}});
        let partition = &Partition::parse_all(partitions.as_object().unwrap()).unwrap()[0];
        let key = partition.reference_key("users", &id, &json!({"name": value}).as_object().unwrap().clone()).unwrap();
        prop_assert_eq!(key.split('/').count(), 4);
        prop_assert_eq!(keys::id_from_key(&key), Some(id.as_str()));
    }
}

proptest! {
    // The file system is slower: fewer cases.
    #![proptest_config(ProptestConfig::with_cases(cases() / 5 + 1))]

    #[test]
    fn file_store_pages_list_any_keys_in_order(keys in prop::collection::btree_set(
        prop::collection::vec(prop_oneof![Just("a".to_string()), Just(String::new()), "[a-c/.-]{1,3}", any::<String>()], 1..4)
            .prop_map(|segments| segments.join("/")), 1..12),
        max_keys in 1usize..4, prefix in prop_oneof![Just(String::new()), "[a-c/]{1,2}"]) {
        let dir = std::env::temp_dir().join(format!("s3db-fuzz-{}-{}", std::process::id(), s3db_core::id::generate(10)));
        let store = FsStore::open(&dir, false).unwrap();
        for key in keys.iter().filter(|k| k.len() <= 1024) {
            block_on(store.put(PutRequest { key: key.clone(), body: b"x".to_vec(), ..Default::default() })).unwrap();
        }
        let expected: Vec<String> = keys.iter().filter(|k| k.len() <= 1024 && k.starts_with(&prefix)).cloned().collect();
        let mut listed = Vec::new();
        let mut token = None;
        loop {
            let page = block_on(store.list(ListRequest { prefix: prefix.clone(), continuation_token: token, max_keys })).unwrap();
            listed.extend(page.keys);
            match page.next_token { Some(next) => token = Some(next), None => break }
        }
        std::fs::remove_dir_all(&dir).unwrap();
        prop_assert_eq!(listed, expected);
    }

    #[test]
    fn file_store_round_trips_any_key(segments in prop::collection::vec(any::<String>(), 1..4)) {
        let key = segments.join("/");
        prop_assume!(key.len() <= 1024);
        let dir = std::env::temp_dir().join(format!("s3db-fuzz-{}-{}", std::process::id(), s3db_core::id::generate(10)));
        let store = FsStore::open(&dir, false).unwrap();
        block_on(store.put(PutRequest { key: key.clone(), body: b"x".to_vec(), ..Default::default() })).unwrap();
        prop_assert_eq!(block_on(store.get(&key)).unwrap().map(|o| o.body.clone()), Some(b"x".to_vec()));
        let listed = block_on(store.list(ListRequest { prefix: String::new(), continuation_token: None, max_keys: 1000 })).unwrap();
        prop_assert_eq!(listed.keys, vec![key.clone()]);
        block_on(store.delete(&key)).unwrap();
        prop_assert!(block_on(store.get(&key)).unwrap().is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
