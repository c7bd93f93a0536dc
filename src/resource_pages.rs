//! Paged reads for the stream classes: one native call per page, never one per record.

use crate::resource::{list_options, parse_json, to_json, NativeResource};
use crate::runner::{run, Reply};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use s3db_core::resource::{PageRequest, RecordText};
use serde_json::Value;

/// `{partition, partitionValues, token, limit}`.
fn page_request(text: &str) -> s3db_core::Result<PageRequest> {
    let raw = parse_json(text, "options")?;
    Ok(PageRequest {
        list: list_options(text)?,
        token: raw.get("token").and_then(Value::as_str).map(str::to_string),
        limit: raw.get("limit").and_then(Value::as_f64).filter(|l| *l >= 1.0).map_or(1000, |l| l as usize),
    })
}

#[napi]
impl NativeResource {
    /// Resolves to `{items, next}`: the records of one listing page and the token of the next.
    #[napi(catch_unwind)]
    pub fn list_page<'env>(&self, env: &'env Env, options: String) -> Result<Reply<'env>> {
        let resource = self.inner.clone();
        run(env, async move {
            let page = resource.list_page::<RecordText>(&page_request(&options)?).await?;
            let unreadable = crate::resource::unreadable_json(&page.unreadable);
            Ok(format!("{{\"items\":{},\"next\":{},\"unreadable\":{}}}", RecordText::join(&page.records), to_json(&page.next), to_json(&unreadable)))
        })
    }

    /// Resolves to `{ids, next}`.
    #[napi(catch_unwind)]
    pub fn list_ids_page<'env>(&self, env: &'env Env, options: String) -> Result<Reply<'env>> {
        let resource = self.inner.clone();
        run(env, async move {
            let page = resource.list_ids_page(&page_request(&options)?).await?;
            Ok(format!("{{\"ids\":{},\"next\":{}}}", to_json(&page.ids), to_json(&page.next)))
        })
    }
}
