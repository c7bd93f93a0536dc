//! Paged reads for streams: each page is one store listing (continuing from the previous page's
//! opaque token) plus the reads of that page's records, so a stream holds one page at a time.

use super::read::RecordForm;
use super::{ListOptions, Resource};
use crate::error::Result;
use crate::keys;
use crate::storage::ListRequest;
use serde_json::{Map, Value};

/// Where a page starts and how many keys it lists (S3 caps a listing at 1000).
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    /// Partition and partition values; `limit`/`offset` are not used by paged reads.
    pub list: ListOptions,
    /// The `next` token of the previous page; `None` for the first page.
    pub token: Option<String>,
    pub limit: usize,
}

#[derive(Debug, Clone, Default)]
pub struct IdPage {
    pub ids: Vec<String>,
    /// Token of the following page; `None` after the last page.
    pub next: Option<String>,
}

#[derive(Debug, Clone)]
pub struct RecordPage<R = Map<String, Value>> {
    pub records: Vec<R>,
    pub unreadable: Vec<super::read::Unreadable>,
    pub next: Option<String>,
}

impl Resource {
    /// One listing of IDs under the resource (or partition) prefix.
    pub async fn list_ids_page(&self, request: &PageRequest) -> Result<IdPage> {
        let state = self.state();
        let selection = self.listing(&state, &request.list)?;
        let listing = ListRequest {
            prefix: self.ctx.key(&selection.prefix),
            continuation_token: request.token.clone(),
            max_keys: request.limit.clamp(1, 1000),
        };
        let page = self.ctx.store.list(listing).await?;
        // A composite partition listed by a later field keeps only the matching references,
        // so such a page may hold fewer than `limit` ids.
        let ids = page
            .keys
            .iter()
            .map(|k| self.ctx.relative(k))
            .filter(|k| selection.matches(k))
            .filter_map(|k| keys::id_from_key(k).map(str::to_string))
            .collect();
        Ok(IdPage { ids, next: page.next_token })
    }

    /// One listing of IDs and the records behind them; records deleted meanwhile are skipped.
    pub async fn list_page<R: RecordForm>(&self, request: &PageRequest) -> Result<RecordPage<R>> {
        let page = self.list_ids_page(request).await?;
        let read = self.records(page.ids).await?;
        Ok(RecordPage { records: read.records, unreadable: read.unreadable, next: page.next })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::counted::Counted;
    use crate::storage::memory::MemoryStore;
    use crate::{Database, DatabaseOptions};
    use futures::executor::block_on;
    use serde_json::json;
    use std::sync::Arc;

    fn resource_with(count: usize) -> (Arc<Counted<MemoryStore>>, Arc<Resource>) {
        let store = Arc::new(Counted::new(Arc::new(MemoryStore::new())));
        let db = Database::new(store.clone(), DatabaseOptions::default());
        block_on(db.connect()).unwrap();
        let config = json!({
            "name": "items",
            "attributes": {"n": "number", "kind": "string"},
            "partitions": {"byKind": {"fields": {"kind": "string"}}},
        });
        let resource = block_on(db.create_resource(&config)).unwrap();
        for n in 0..count {
            let doc = json!({"id": format!("i{n:03}"), "n": n, "kind": if n % 2 == 0 { "even" } else { "odd" }});
            block_on(resource.insert(doc.as_object().unwrap().clone())).unwrap();
        }
        (store, resource)
    }

    fn walk(resource: &Resource, list: ListOptions, limit: usize) -> Vec<Vec<String>> {
        let mut pages = Vec::new();
        let mut token = None;
        loop {
            let request = PageRequest { list: list.clone(), token, limit };
            let page: RecordPage = block_on(resource.list_page(&request)).unwrap();
            pages.push(page.records.iter().map(|r| r["id"].as_str().unwrap().to_string()).collect());
            match page.next {
                Some(next) => token = Some(next),
                None => return pages,
            }
        }
    }

    #[test]
    fn pages_cover_every_record_once_in_key_order() {
        let (_, resource) = resource_with(7);
        let pages = walk(&resource, ListOptions::default(), 3);
        assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), vec![3, 3, 1]);
        let all: Vec<String> = pages.concat();
        assert_eq!(all, (0..7).map(|n| format!("i{n:03}")).collect::<Vec<_>>());
    }

    #[test]
    fn each_page_is_one_listing() {
        let (store, resource) = resource_with(5);
        let lists_before = list_requests(&store);
        let pages = walk(&resource, ListOptions::default(), 2);
        assert_eq!(pages.len(), 3);
        assert_eq!(list_requests(&store) - lists_before, 3);
    }

    #[test]
    fn partition_pages_list_only_that_partition() {
        let (_, resource) = resource_with(6);
        let list = ListOptions {
            partition: Some("byKind".into()),
            partition_values: json!({"kind": "odd"}).as_object().unwrap().clone(),
            ..Default::default()
        };
        let ids = block_on(resource.list_ids_page(&PageRequest { list, token: None, limit: 1000 })).unwrap();
        assert_eq!(ids.ids, vec!["i001", "i003", "i005"]);
        assert!(ids.next.is_none());
    }

    #[test]
    fn an_unknown_partition_is_an_error() {
        let (_, resource) = resource_with(1);
        let list = ListOptions { partition: Some("byNothing".into()), ..Default::default() };
        let error = block_on(resource.list_page::<Map<String, Value>>(&PageRequest { list, token: None, limit: 10 })).unwrap_err();
        assert_eq!(error.kind, crate::ErrorKind::Partition);
    }

    fn list_requests(store: &Counted<MemoryStore>) -> u64 {
        store.counts().snapshot().into_iter().find(|(name, _)| *name == "ListObjectsV2Command").map_or(0, |(_, n)| n)
    }
}
