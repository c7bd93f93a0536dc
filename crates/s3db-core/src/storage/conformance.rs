//! What every `ObjectStore` must do, checked the same way for each backend's tests.

use super::{list_all, ListRequest, ObjectStore, PutOutcome, PutRequest};
use futures::executor::block_on;

fn put(store: &dyn ObjectStore, key: &str) {
    block_on(store.put(PutRequest { key: key.into(), ..Default::default() })).unwrap();
}

/// Runs every check on an empty store.
pub fn check_all(store: &dyn ObjectStore) {
    metadata_names_come_back_lower_cased(store);
    conditional_put_refuses_existing_keys(store);
    if_match_writes_only_over_the_named_etag(store);
    copy_replaces_metadata_when_asked(store);
    delete_many_counts_existing_keys(store);
    listing_pages_through_a_prefix_in_key_order(store);
}

fn metadata_names_come_back_lower_cased(store: &dyn ObjectStore) {
    let request = PutRequest { key: "m".into(), metadata: vec![("_pluginMap".into(), "x".into())], ..Default::default() };
    block_on(store.put(request)).unwrap();
    let head = block_on(store.head("m")).unwrap().unwrap();
    assert_eq!(head.metadata, vec![("_pluginmap".to_string(), "x".to_string())]);
    assert_eq!(head.content_type.as_deref(), Some("application/octet-stream"));
    assert!(block_on(store.get("missing")).unwrap().is_none());
    block_on(store.delete("m")).unwrap();
}

fn conditional_put_refuses_existing_keys(store: &dyn ObjectStore) {
    let request = PutRequest { key: "k".into(), if_absent: true, ..Default::default() };
    assert!(matches!(block_on(store.put(request.clone())).unwrap(), PutOutcome::Written { .. }));
    assert_eq!(block_on(store.put(request)).unwrap(), PutOutcome::Conflict);
    block_on(store.delete("k")).unwrap();
}

fn if_match_writes_only_over_the_named_etag(store: &dyn ObjectStore) {
    let missing = PutRequest { key: "e".into(), if_match: Some("\"0\"".into()), ..Default::default() };
    assert_eq!(block_on(store.put(missing)).unwrap(), PutOutcome::Conflict);
    let PutOutcome::Written { etag } = block_on(store.put(PutRequest { key: "e".into(), body: b"one".to_vec(), ..Default::default() })).unwrap() else {
        panic!("plain put refused")
    };
    let stale = PutRequest { key: "e".into(), body: b"two".to_vec(), if_match: Some("\"stale\"".into()), ..Default::default() };
    assert_eq!(block_on(store.put(stale)).unwrap(), PutOutcome::Conflict);
    let fresh = PutRequest { key: "e".into(), body: b"two".to_vec(), if_match: Some(etag.trim_matches('"').to_string()), ..Default::default() };
    assert!(matches!(block_on(store.put(fresh)).unwrap(), PutOutcome::Written { .. }));
    assert_eq!(block_on(store.get("e")).unwrap().unwrap().body, b"two");
    block_on(store.delete("e")).unwrap();
}

fn copy_replaces_metadata_when_asked(store: &dyn ObjectStore) {
    put(store, "a");
    assert!(block_on(store.copy("a", "b", Some(vec![("X".into(), "1".into())]), None)).unwrap());
    assert!(!block_on(store.copy("missing", "c", None, None)).unwrap());
    let head = block_on(store.head("b")).unwrap().unwrap();
    assert_eq!(head.metadata, vec![("x".to_string(), "1".to_string())]);
    block_on(store.delete_many(vec!["a".into(), "b".into()])).unwrap();
}

fn delete_many_counts_existing_keys(store: &dyn ObjectStore) {
    put(store, "a");
    put(store, "b");
    assert_eq!(block_on(store.delete_many(vec!["a".into(), "b".into(), "c".into()])).unwrap(), 2);
    assert!(block_on(list_all(store, "")).unwrap().is_empty());
}

fn listing_pages_through_a_prefix_in_key_order(store: &dyn ObjectStore) {
    for i in (0..25).rev() {
        put(store, &format!("p/x/id={i:02}"));
    }
    put(store, "p/y");
    put(store, "a");
    put(store, "q/0");
    let mut pages = Vec::new();
    let mut token = None;
    loop {
        let request = ListRequest { prefix: "p/x/".into(), continuation_token: token, max_keys: 10 };
        let page = block_on(store.list(request)).unwrap();
        assert!(page.keys.len() <= 10);
        pages.push(page.keys);
        match page.next_token {
            Some(next) => token = Some(next),
            None => break,
        }
    }
    let all: Vec<String> = pages.concat();
    assert_eq!(pages.len(), 3);
    assert_eq!(all.len(), 25);
    assert!(all.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(block_on(list_all(store, "p/x/")).unwrap(), all);
    assert_eq!(block_on(list_all(store, "p/x/id=1")).unwrap().len(), 10);
    assert_eq!(block_on(list_all(store, "p/")).unwrap().len(), 26);
}
