use futures::executor::block_on;
use s3db_core::storage::memory::MemoryStore;
use s3db_core::resource::ListOptions;
use s3db_core::{Database, DatabaseOptions};
use serde_json::json;
use std::sync::Arc;
use std::time::Instant;

fn main() {
    let with_secret = std::env::args().nth(1).as_deref() != Some("nosecret");
    let db = Database::new(Arc::new(MemoryStore::new()), DatabaseOptions::default());
    block_on(db.connect()).unwrap();
    let mut attrs = json!({"name":"string|min:2|max:100","email":"email","age":"number|integer|positive","active":"boolean","score":"number","city":"string","tags":"array|items:string","profile":{"bio":"string|optional","level":"number|optional"},"tier":"string"});
    if with_secret { attrs["password"] = json!("secret"); }
    let r = block_on(db.create_resource(&json!({"name":"users","attributes":attrs}))).unwrap();
    let t = Instant::now();
    for i in 0..1000 {
        let mut doc = json!({"name":format!("User {i}"),"email":format!("u{i}@example.com"),"age":20+i%50,"active":true,"score":(i as f64)*7.31%100.0,"city":"Paris","tags":["alpha","beta"],"profile":{"bio":"Bio","level":3},"tier":"gold"});
        if with_secret { doc["password"] = json!(format!("pw-{i}")); }
        block_on(r.insert(doc.as_object().unwrap().clone())).unwrap();
    }
    println!("insert x1000: {:?}", t.elapsed());
    let t = Instant::now();
    for _ in 0..10 { let v = block_on(r.list::<serde_json::Map<String, serde_json::Value>>(&ListOptions::default())).unwrap().records; assert_eq!(v.len(), 1000); }
    println!("list(1000) engine only: {:?} per call", t.elapsed() / 10);
    let v = block_on(r.list::<serde_json::Map<String, serde_json::Value>>(&ListOptions::default())).unwrap().records;
    let t = Instant::now();
    for _ in 0..10 { let s = serde_json::to_string(&v).unwrap(); assert!(s.len() > 10); }
    println!("serialize 1000 records: {:?} per call ({} bytes)", t.elapsed() / 10, serde_json::to_string(&v).unwrap().len());
}
