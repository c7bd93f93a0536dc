//! Create-only PUTs (duplicate-id detection on insert). AWS, MinIO, R2 and moto honour
//! `If-None-Match: *`, so an insert is one PUT. Garage ignores the header (a second PUT silently
//! overwrites), so there the store checks with a HEAD first — skipped for ids the engine has just
//! drawn at random, which cannot exist yet. `conditionalWrites=auto` finds out which kind of
//! server it talks to with one probe (PUT, PUT, DELETE of a scratch object) before the first
//! create-only PUT.

use super::config::ConditionalWrites;
use super::S3Store;
use crate::error::Result;
use crate::storage::{PutOutcome, PutRequest};

impl S3Store {
    pub(super) async fn put_if_absent(&self, request: PutRequest) -> Result<PutOutcome> {
        if self.honours_if_none_match().await? {
            return self.put_object(request, true).await;
        }
        if !request.fresh_random_key && self.head_object(&request.key).await?.is_some() {
            return Ok(PutOutcome::Conflict);
        }
        self.put_object(request, false).await
    }

    async fn honours_if_none_match(&self) -> Result<bool> {
        match self.config.conditional_writes {
            ConditionalWrites::Native => Ok(true),
            ConditionalWrites::Emulated => Ok(false),
            ConditionalWrites::Auto => {
                self.native_conditional_writes.get_or_try_init(|| self.probe_if_none_match()).await.copied()
            }
        }
    }

    /// Writes a scratch object twice with `If-None-Match: *`: a server that honours the header
    /// refuses the second write.
    async fn probe_if_none_match(&self) -> Result<bool> {
        let name = format!(".s3db-native-probe-{}", crate::id::generate(crate::id::DEFAULT_ID_SIZE));
        let key = crate::keys::join(&self.config.key_prefix, &name);
        let probe = || PutRequest { key: key.clone(), ..Default::default() };
        let failed = |failure| self.failed(failure, "PutObject", &key);
        let first = self.send_put(probe(), true).await?.map_err(failed);
        let second = match first {
            Ok(PutOutcome::Written { .. }) => self.send_put(probe(), true).await?.map_err(failed),
            other => other,
        };
        let cleanup = self.delete_object(&key).await;
        let honoured = match second {
            Ok(outcome) => outcome == PutOutcome::Conflict,
            // Servers that do not implement the header at all say so with 501.
            Err(error) if error.details.get("statusCode").and_then(|s| s.as_u64()) == Some(501) => false,
            Err(error) => return Err(error),
        };
        cleanup?;
        Ok(honoured)
    }
}
