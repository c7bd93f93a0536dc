//! CPU-bound work over many items (decoding a page of records, preparing a batch of writes)
//! spread over the blocking pool, so a listing of a thousand records is not decoded on one core.

use std::panic;
use std::sync::Arc;

/// Below this many items per thread, handing work to another thread costs more than it saves.
const MIN_ITEMS_PER_THREAD: usize = 32;
/// More threads than this rarely pay off for work this fine-grained.
const MAX_THREADS: usize = 8;

/// `items` mapped through `work`, in order. Large batches run in chunks on tokio's blocking
/// pool, one chunk on the calling thread (when `inline` allows it: work that may run PBKDF2
/// must not block the JS thread). Small batches, or no runtime, run in place.
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
    let chunk_count = threads.max(1);
    let chunk_size = items.len().div_ceil(chunk_count).max(1);
    let total = items.len();
    let mut chunks: Vec<Vec<T>> = Vec::with_capacity(chunk_count);
    let mut rest = items.into_iter();
    loop {
        let chunk: Vec<T> = rest.by_ref().take(chunk_size).collect();
        if chunk.is_empty() {
            break;
        }
        chunks.push(chunk);
    }
    let work = Arc::new(work);
    let here = if inline && !chunks.is_empty() { Some(chunks.remove(0)) } else { None };
    let elsewhere: Vec<_> = chunks
        .into_iter()
        .map(|chunk| {
            let work = work.clone();
            runtime.spawn_blocking(move || chunk.into_iter().map(|item| work(item)).collect::<Vec<R>>())
        })
        .collect();
    let mut out = Vec::with_capacity(total);
    if let Some(chunk) = here {
        out.extend(chunk.into_iter().map(|item| work(item)));
    }
    for handle in elsewhere {
        match handle.await {
            Ok(results) => out.extend(results),
            // A panic in a chunk is re-raised here, where the binding turns panics into errors.
            Err(error) if error.is_panic() => panic::resume_unwind(error.into_panic()),
            Err(error) => panic!("a parallel chunk was cancelled: {error}"),
        }
    }
    out
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
        let outcome = panic::catch_unwind(panic::AssertUnwindSafe(|| {
            runtime.block_on(map((0..1000).collect::<Vec<usize>>(), true, |n| if n == 999 { panic!("boom") } else { n }))
        }));
        assert!(outcome.is_err());
    }
}
