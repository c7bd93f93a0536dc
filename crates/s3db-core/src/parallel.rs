//! CPU-bound work over many items (decoding a page of records, preparing a batch of writes)
//! spread over the blocking pool, so a listing of a thousand records is not decoded on one core.
//!
//! The items are cut into more chunks than threads and every thread takes the next chunk until
//! none is left. A helper that starts late (its core busy with the garbage collector or another
//! process) then finds less to do, instead of holding back a fixed half that the caller has to
//! wait for; when the caller has done every chunk itself it returns without waiting for helpers.

use parking_lot::Mutex;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::Notify;

/// Below this many items per thread, handing work to another thread costs more than it saves.
const MIN_ITEMS_PER_THREAD: usize = 32;
/// More threads than this rarely pay off for work this fine-grained.
const MAX_THREADS: usize = 8;
/// Chunks per thread: enough for a late thread's share to be taken by the others.
const CHUNKS_PER_THREAD: usize = 4;

/// `items` mapped through `work`, in order. Large batches run in chunks on tokio's blocking
/// pool and, when `inline` allows it, on the calling thread too (work that may run PBKDF2 must
/// not block the JS thread). Small batches, or no runtime, run in place.
pub async fn map<T, R, F>(items: Vec<T>, inline: bool, work: F) -> Vec<R>
where
    T: Send + 'static,
    R: Send + 'static,
    F: Fn(T) -> R + Send + Sync + 'static,
{
    let runtime = tokio::runtime::Handle::try_current().ok();
    let threads = thread_budget().min(items.len() / MIN_ITEMS_PER_THREAD);
    let Some(runtime) = runtime.filter(|_| threads >= 2 || !inline) else {
        return items.into_iter().map(work).collect();
    };
    let threads = threads.max(1);
    let job = Arc::new(Job::new(items, threads * CHUNKS_PER_THREAD, work));
    let helpers = if inline { threads - 1 } else { threads };
    for _ in 0..helpers {
        let job = job.clone();
        runtime.spawn_blocking(move || job.run());
    }
    if inline {
        job.run();
    }
    job.finished().await;
    job.take_results()
}

/// Chunks of items waiting for a thread, and the results of the ones done.
struct Job<T, R, F> {
    chunks: Vec<Mutex<Option<Vec<T>>>>,
    results: Vec<Mutex<Option<std::thread::Result<Vec<R>>>>>,
    total: usize,
    next: AtomicUsize,
    done: AtomicUsize,
    all_done: Notify,
    work: F,
}

impl<T, R, F: Fn(T) -> R> Job<T, R, F> {
    fn new(items: Vec<T>, chunk_count: usize, work: F) -> Self {
        let total = items.len();
        let chunk_size = total.div_ceil(chunk_count.max(1)).max(1);
        let mut chunks = Vec::with_capacity(chunk_count);
        let mut rest = items.into_iter();
        loop {
            let chunk: Vec<T> = rest.by_ref().take(chunk_size).collect();
            if chunk.is_empty() {
                break;
            }
            chunks.push(Mutex::new(Some(chunk)));
        }
        let results = chunks.iter().map(|_| Mutex::new(None)).collect();
        Self { chunks, results, total, next: AtomicUsize::new(0), done: AtomicUsize::new(0), all_done: Notify::new(), work }
    }

    /// Takes chunks until none is left. A panic in the work is kept as that chunk's result and
    /// re-raised by the caller: a helper never dies with a chunk marked unfinished.
    fn run(&self) {
        loop {
            let index = self.next.fetch_add(1, Ordering::Relaxed);
            let Some(slot) = self.chunks.get(index) else { return };
            let chunk = slot.lock().take().expect("each chunk is taken once");
            let result = panic::catch_unwind(AssertUnwindSafe(|| chunk.into_iter().map(&self.work).collect::<Vec<R>>()));
            *self.results[index].lock() = Some(result);
            if self.done.fetch_add(1, Ordering::AcqRel) + 1 == self.chunks.len() {
                // Stores a permit when nobody waits yet, so the wake-up cannot be missed.
                self.all_done.notify_one();
            }
        }
    }

    async fn finished(&self) {
        while self.done.load(Ordering::Acquire) < self.chunks.len() {
            self.all_done.notified().await;
        }
    }

    fn take_results(&self) -> Vec<R> {
        let mut out = Vec::with_capacity(self.total);
        for slot in &self.results {
            match slot.lock().take().expect("every chunk is done") {
                Ok(results) => out.extend(results),
                // Re-raised here, where the binding turns panics into errors.
                Err(payload) => panic::resume_unwind(payload),
            }
        }
        out
    }
}

fn thread_budget() -> usize {
    static THREADS: once_cell::sync::Lazy<usize> =
        once_cell::sync::Lazy::new(|| std::thread::available_parallelism().map_or(1, |n| n.get()).min(MAX_THREADS));
    *THREADS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_in_and_out_of_a_runtime() {
        let items: Vec<usize> = (0..1000).collect();
        let expected: Vec<usize> = items.iter().map(|n| n * 2).collect();
        assert_eq!(futures::executor::block_on(map(items.clone(), true, |n| n * 2)), expected);
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
        assert_eq!(runtime.block_on(map(items.clone(), true, |n| n * 2)), expected);
        assert_eq!(runtime.block_on(map(items, false, |n| n * 2)), expected);
        assert_eq!(runtime.block_on(map(vec![1, 2, 3], false, |n| n + 1)), vec![2, 3, 4]);
    }

    #[test]
    fn a_panicking_chunk_panics_the_caller() {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
        for inline in [true, false] {
            let outcome = panic::catch_unwind(panic::AssertUnwindSafe(|| {
                runtime.block_on(map((0..1000).collect::<Vec<usize>>(), inline, |n| if n == 999 { panic!("boom") } else { n }))
            }));
            assert!(outcome.is_err());
        }
    }

    #[test]
    fn the_caller_does_the_work_of_a_helper_that_has_not_started() {
        use std::thread::ThreadId;
        // One blocking thread, kept busy: the caller must finish every chunk alone and return.
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).max_blocking_threads(1).enable_time().build().unwrap();
        let (release, blocked) = std::sync::mpsc::channel::<()>();
        runtime.spawn_blocking(move || blocked.recv().ok());
        let caller = std::thread::current().id();
        let threads: Vec<ThreadId> = runtime.block_on(async {
            let work = map((0..4000).collect::<Vec<usize>>(), true, |_| std::thread::current().id());
            tokio::time::timeout(std::time::Duration::from_secs(10), work).await.expect("waited for the busy helper")
        });
        assert!(threads.iter().all(|id| *id == caller));
        release.send(()).unwrap();
    }

    #[test]
    fn slow_work_spread_over_threads_keeps_its_order() {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
        let slow = |n: usize| {
            std::thread::sleep(std::time::Duration::from_micros(200));
            (n, std::thread::current().id())
        };
        let out = runtime.block_on(map((0..400).collect::<Vec<usize>>(), false, slow));
        assert_eq!(out.iter().map(|(n, _)| *n).collect::<Vec<_>>(), (0..400).collect::<Vec<_>>());
    }
}
