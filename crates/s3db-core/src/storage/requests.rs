//! Requests counted by S3 command, the same way for every backend: what S3 would bill, what the
//! bench prints per operation, and what `client.getRequestCounts()` / CostsPlugin read.

use std::sync::atomic::{AtomicU64, Ordering};

/// The S3 commands s3db issues, named as the AWS SDK for JavaScript names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Put,
    Get,
    Head,
    Copy,
    Delete,
    DeleteMany,
    List,
}

impl Command {
    pub const ALL: [Command; 7] =
        [Command::Put, Command::Get, Command::Head, Command::Copy, Command::Delete, Command::DeleteMany, Command::List];

    pub fn name(self) -> &'static str {
        match self {
            Command::Put => "PutObjectCommand",
            Command::Get => "GetObjectCommand",
            Command::Head => "HeadObjectCommand",
            Command::Copy => "CopyObjectCommand",
            Command::Delete => "DeleteObjectCommand",
            Command::DeleteMany => "DeleteObjectsCommand",
            Command::List => "ListObjectsV2Command",
        }
    }
}

/// How many requests of each command a store has sent (or, for the memory store, answered), and
/// the bytes they carried: object bodies and metadata uploaded, object bodies downloaded.
#[derive(Default)]
pub struct RequestCounts {
    counters: [AtomicU64; 7],
    uploaded: AtomicU64,
    downloaded: AtomicU64,
}

impl RequestCounts {
    pub fn record(&self, command: Command) {
        self.counters[command as usize].fetch_add(1, Ordering::Relaxed);
    }

    pub fn record_upload(&self, bytes: usize) {
        self.uploaded.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    pub fn record_download(&self, bytes: usize) {
        self.downloaded.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    /// `{"uploaded": bytes, "downloaded": bytes}` as JSON text.
    pub fn transfer_json(&self) -> String {
        serde_json::json!({
            "uploaded": self.uploaded.load(Ordering::Relaxed),
            "downloaded": self.downloaded.load(Ordering::Relaxed),
        })
        .to_string()
    }

    pub fn get(&self, command: Command) -> u64 {
        self.counters[command as usize].load(Ordering::Relaxed)
    }

    /// `(command name, count)` for every command, in a fixed order.
    pub fn snapshot(&self) -> Vec<(&'static str, u64)> {
        Command::ALL.iter().map(|&c| (c.name(), self.get(c))).collect()
    }

    /// `{"PutObjectCommand": n, …}` as JSON text (what the binding hands to JS).
    pub fn to_json(&self) -> String {
        let counts: serde_json::Map<String, serde_json::Value> =
            self.snapshot().into_iter().map(|(name, n)| (name.to_string(), n.into())).collect();
        serde_json::Value::Object(counts).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_each_command_under_its_sdk_name() {
        let counts = RequestCounts::default();
        counts.record(Command::Put);
        counts.record(Command::Put);
        counts.record(Command::List);
        let snapshot = counts.snapshot();
        assert_eq!(snapshot.len(), 7);
        assert!(snapshot.contains(&("PutObjectCommand", 2)));
        assert!(snapshot.contains(&("ListObjectsV2Command", 1)));
        assert!(snapshot.contains(&("DeleteObjectsCommand", 0)));
        counts.record_upload(10);
        counts.record_upload(5);
        counts.record_download(7);
        assert_eq!(counts.transfer_json(), r#"{"uploaded":15,"downloaded":7}"#);
        assert_eq!(
            counts.to_json(),
            r#"{"PutObjectCommand":2,"GetObjectCommand":0,"HeadObjectCommand":0,"CopyObjectCommand":0,"DeleteObjectCommand":0,"DeleteObjectsCommand":0,"ListObjectsV2Command":1}"#
        );
    }
}
