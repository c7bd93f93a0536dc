//! Request events for a store whose owner listens (a client's `command.request`,
//! `command.response` and `command.error`): each request the store is asked is reported when it
//! starts and when it ends, with its S3 command and key, and each time a backend sends it again
//! (`report_retry`). While nobody listens the wrapper costs one read of an empty slot per request.

use super::requests::Command;
use super::{ListPage, ListRequest, Metadata, ObjectHead, ObjectStore, PutOutcome, PutRequest, StoredObject};
use crate::error::Result;
use futures::future::BoxFuture;
use parking_lot::RwLock;
use std::future::Future;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Request,
    /// The request is sent again; `attempt` counts the retries from 1.
    Retry { attempt: u32 },
    Response,
    Error,
}

tokio::task_local! {
    /// Where the request being polled reports its retries (set while someone listens).
    static RETRIES: Arc<dyn Fn() + Send + Sync>;
}

/// Called by a backend each time it sends the current request again: reported as that
/// request's next `Phase::Retry` when the request is observed, ignored otherwise.
pub fn report_retry() {
    let _ = RETRIES.try_with(|report| report());
}

#[derive(Debug, Clone, PartialEq)]
pub struct RequestEvent {
    /// Numbers the requests of this store, so a request's start and end can be paired.
    pub id: u64,
    pub phase: Phase,
    pub command: Command,
    /// The object key, or the prefix of a listing, or the first key of a batch delete.
    pub key: String,
    /// The error's message, for `Phase::Error`.
    pub error: Option<String>,
    /// Time since the request was asked (queueing included), for `Response` and `Error`.
    pub elapsed: Option<Duration>,
}

pub type Listener = Arc<dyn Fn(RequestEvent) + Send + Sync>;

pub struct Observed<S: ?Sized> {
    inner: Arc<S>,
    listener: RwLock<Option<Listener>>,
    next_id: AtomicU64,
}

impl<S: ObjectStore + ?Sized> Observed<S> {
    pub fn new(inner: Arc<S>) -> Self {
        Self { inner, listener: RwLock::new(None), next_id: AtomicU64::new(1) }
    }

    /// Starts (`Some`) or stops (`None`) reporting requests.
    pub fn listen(&self, listener: Option<Listener>) {
        *self.listener.write() = listener;
    }

    /// Runs `request`, reported around when someone listens.
    fn observe<'a, T: Send + 'a>(
        &'a self,
        command: Command,
        key: &str,
        request: impl Future<Output = Result<T>> + Send + 'a,
    ) -> BoxFuture<'a, Result<T>> {
        let Some(listener) = self.listener.read().clone() else {
            return Box::pin(request);
        };
        let key = key.to_string();
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let asked = Instant::now();
        listener(RequestEvent { id, phase: Phase::Request, command, key: key.clone(), error: None, elapsed: None });
        let retries: Arc<dyn Fn() + Send + Sync> = {
            let (listener, key) = (listener.clone(), key.clone());
            // Counted here: a backend may send one request through several SDK calls, each
            // numbering its own attempts.
            let sent_again = AtomicU32::new(0);
            Arc::new(move || {
                let phase = Phase::Retry { attempt: sent_again.fetch_add(1, Ordering::Relaxed) + 1 };
                listener(RequestEvent { id, phase, command, key: key.clone(), error: None, elapsed: Some(asked.elapsed()) })
            })
        };
        Box::pin(async move {
            let outcome = RETRIES.scope(retries, request).await;
            let (phase, error) = match &outcome {
                Ok(_) => (Phase::Response, None),
                Err(e) => (Phase::Error, Some(e.message.clone())),
            };
            listener(RequestEvent { id, phase, command, key, error, elapsed: Some(asked.elapsed()) });
            outcome
        })
    }
}

impl<S: ObjectStore + ?Sized> ObjectStore for Observed<S> {
    fn put(&self, request: PutRequest) -> BoxFuture<'_, Result<PutOutcome>> {
        let key = request.key.clone();
        self.observe(Command::Put, &key, self.inner.put(request))
    }

    fn get(&self, key: &str) -> BoxFuture<'_, Result<Option<Arc<StoredObject>>>> {
        self.observe(Command::Get, key, self.inner.get(key))
    }

    fn head(&self, key: &str) -> BoxFuture<'_, Result<Option<ObjectHead>>> {
        self.observe(Command::Head, key, self.inner.head(key))
    }

    fn copy(&self, from: &str, to: &str, metadata: Option<Metadata>, content_type: Option<String>) -> BoxFuture<'_, Result<bool>> {
        self.observe(Command::Copy, to, self.inner.copy(from, to, metadata, content_type))
    }

    fn delete(&self, key: &str) -> BoxFuture<'_, Result<()>> {
        self.observe(Command::Delete, key, self.inner.delete(key))
    }

    fn delete_many(&self, keys: Vec<String>) -> BoxFuture<'_, Result<usize>> {
        let first = keys.first().cloned().unwrap_or_default();
        self.observe(Command::DeleteMany, &first, self.inner.delete_many(keys))
    }

    fn list(&self, request: ListRequest) -> BoxFuture<'_, Result<ListPage>> {
        let prefix = request.prefix.clone();
        self.observe(Command::List, &prefix, self.inner.list(request))
    }

    fn answers_at_once(&self) -> bool {
        self.inner.answers_at_once()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::memory::MemoryStore;
    use futures::executor::block_on;
    use parking_lot::Mutex;

    #[test]
    fn reports_requests_only_while_listened_to() {
        let store = Observed::new(Arc::new(MemoryStore::new()));
        let seen = Arc::new(Mutex::new(Vec::new()));
        block_on(store.get("before")).unwrap();
        let sink = seen.clone();
        store.listen(Some(Arc::new(move |event: RequestEvent| sink.lock().push(event))));
        block_on(store.put(PutRequest { key: "a".into(), ..Default::default() })).unwrap();
        block_on(store.get("a")).unwrap();
        store.listen(None);
        block_on(store.get("after")).unwrap();
        let seen = seen.lock();
        let summary: Vec<(Phase, &str, &str)> = seen.iter().map(|e| (e.phase, e.command.name(), e.key.as_str())).collect();
        let pairs: Vec<(u64, bool)> = seen.iter().map(|e| (e.id, e.elapsed.is_some())).collect();
        assert_eq!(pairs, vec![(1, false), (1, true), (2, false), (2, true)], "a start and its end share an id; ends carry a duration");
        assert_eq!(
            summary,
            vec![
                (Phase::Request, "PutObjectCommand", "a"),
                (Phase::Response, "PutObjectCommand", "a"),
                (Phase::Request, "GetObjectCommand", "a"),
                (Phase::Response, "GetObjectCommand", "a"),
            ]
        );
    }

    /// A backend that reports two retries of every read.
    struct Retrying(MemoryStore);

    impl ObjectStore for Retrying {
        fn put(&self, request: PutRequest) -> BoxFuture<'_, Result<PutOutcome>> {
            self.0.put(request)
        }
        fn get(&self, key: &str) -> BoxFuture<'_, Result<Option<Arc<StoredObject>>>> {
            let read = self.0.get(key);
            // Reported while the request is polled, as an SDK's retry layer does.
            Box::pin(async move {
                report_retry();
                report_retry();
                read.await
            })
        }
        fn head(&self, key: &str) -> BoxFuture<'_, Result<Option<ObjectHead>>> {
            self.0.head(key)
        }
        fn copy(&self, from: &str, to: &str, metadata: Option<Metadata>, content_type: Option<String>) -> BoxFuture<'_, Result<bool>> {
            self.0.copy(from, to, metadata, content_type)
        }
        fn delete(&self, key: &str) -> BoxFuture<'_, Result<()>> {
            self.0.delete(key)
        }
        fn delete_many(&self, keys: Vec<String>) -> BoxFuture<'_, Result<usize>> {
            self.0.delete_many(keys)
        }
        fn list(&self, request: ListRequest) -> BoxFuture<'_, Result<ListPage>> {
            self.0.list(request)
        }
    }

    #[test]
    fn a_retry_the_backend_reports_belongs_to_the_request_being_sent() {
        let store = Observed::new(Arc::new(Retrying(MemoryStore::new())));
        block_on(store.get("unobserved")).unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        store.listen(Some(Arc::new(move |event: RequestEvent| sink.lock().push((event.id, event.phase)))));
        block_on(store.get("a")).unwrap();
        report_retry(); // outside any request: nobody to report it to
        let retry = |attempt| Phase::Retry { attempt };
        assert_eq!(*seen.lock(), vec![(1, Phase::Request), (1, retry(1)), (1, retry(2)), (1, Phase::Response)]);
    }
}
