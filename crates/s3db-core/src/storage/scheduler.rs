//! The request scheduler of a remote store (s3db.js's `executorPool`): at most `concurrency`
//! requests in flight, resizable while requests run (by the user or by auto-tuning), with the
//! queue counts and latencies `getQueueStats`/`getAggregateMetrics` report, and the pool's
//! lifecycle (`pausePool`, `resumePool`, `drainPool`, `stopPool`).

use crate::error::{Error, ErrorKind, Result};
use parking_lot::Mutex;
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, Semaphore, SemaphorePermit};

/// Latencies kept for percentiles and auto-tuning.
const LATENCY_WINDOW: usize = 1024;
pub const MAX_CONCURRENCY: usize = 1000;

/// `executorPool.autoTuning`: concurrency moves between the bounds, down when requests take
/// longer than the target, up while requests queue and answer in time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AutoTuning {
    pub min_concurrency: usize,
    pub max_concurrency: usize,
    pub target_latency: Duration,
    pub adjustment_interval: Duration,
}

impl AutoTuning {
    /// The next concurrency after an interval whose median latency was `p50` with `waiting`
    /// requests queued: multiplicative decrease past the target, additive-then-doubling
    /// increase under it while there is a queue.
    pub fn next(&self, current: usize, p50: Option<Duration>, waiting: usize) -> usize {
        let next = match p50 {
            Some(p50) if p50 > self.target_latency => current * 3 / 4,
            Some(_) if waiting > 0 => current + (current / 4).max(1),
            _ => current,
        };
        next.clamp(self.min_concurrency.max(1), self.max_concurrency.max(1))
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueStats {
    /// `None` for a store that answers every request at once (it has no limit).
    pub concurrency: Option<usize>,
    pub queue_size: usize,
    pub active_count: usize,
    pub processed_count: u64,
    pub error_count: u64,
    pub paused: bool,
    pub stopped: bool,
}

impl QueueStats {
    pub fn to_json(&self, retry_count: u64) -> Value {
        json!({
            "concurrency": self.concurrency,
            "queueSize": self.queue_size,
            "activeCount": self.active_count,
            "processedCount": self.processed_count,
            "errorCount": self.error_count,
            "retryCount": retry_count,
            "paused": self.paused,
            "stopped": self.stopped,
        })
    }
}

const RUNNING: u8 = 0;
const PAUSED: u8 = 1;
const STOPPED: u8 = 2;

/// Why a request was refused: the pool was stopped (`stopPool`), which is final.
pub fn pool_stopped() -> Error {
    Error::new(ErrorKind::Storage, "Request cancelled: the executor pool was stopped").named("PoolStoppedError")
}

pub struct Scheduler {
    permits: Semaphore,
    state: AtomicU8,
    /// Wakes requests held by a pause, and `pause`/`drain` callers waiting for requests to end.
    changed: Notify,
    concurrency: Mutex<usize>,
    /// Permits to retire as they come back (the limit was lowered below what was in use).
    owed: AtomicUsize,
    waiting: AtomicUsize,
    active: AtomicUsize,
    processed: AtomicU64,
    errors: AtomicU64,
    latencies: Mutex<VecDeque<Duration>>,
    tuning: Option<AutoTuning>,
    last_tuned: Mutex<Instant>,
}

/// A request's place in flight; dropping it frees the place and records the request.
pub struct Slot<'a> {
    scheduler: &'a Scheduler,
    permit: Option<SemaphorePermit<'a>>,
    started: Instant,
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        let scheduler = self.scheduler;
        scheduler.active.fetch_sub(1, Ordering::AcqRel);
        scheduler.processed.fetch_add(1, Ordering::Relaxed);
        {
            let mut latencies = scheduler.latencies.lock();
            if latencies.len() == LATENCY_WINDOW {
                latencies.pop_front();
            }
            latencies.push_back(self.started.elapsed());
        }
        let permit = self.permit.take().expect("a slot holds its permit until dropped");
        let retire = scheduler.owed.fetch_update(Ordering::AcqRel, Ordering::Acquire, |owed| owed.checked_sub(1)).is_ok();
        if retire {
            permit.forget();
        }
        scheduler.maybe_tune();
        scheduler.changed.notify_waiters();
    }
}

/// Counts a request among the queued until it gets its place or is given up.
struct Queued<'a>(&'a AtomicUsize);

impl<'a> Queued<'a> {
    fn new(waiting: &'a AtomicUsize) -> Self {
        waiting.fetch_add(1, Ordering::AcqRel);
        Self(waiting)
    }
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Scheduler {
    pub fn new(concurrency: usize, tuning: Option<AutoTuning>) -> Self {
        let concurrency = concurrency.clamp(1, MAX_CONCURRENCY);
        Self {
            permits: Semaphore::new(concurrency),
            state: AtomicU8::new(RUNNING),
            changed: Notify::new(),
            concurrency: Mutex::new(concurrency),
            owed: AtomicUsize::new(0),
            waiting: AtomicUsize::new(0),
            active: AtomicUsize::new(0),
            processed: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            latencies: Mutex::new(VecDeque::with_capacity(LATENCY_WINDOW)),
            tuning,
            last_tuned: Mutex::new(Instant::now()),
        }
    }

    /// Waits for a place in flight (and, while the pool is paused, for it to resume); refused
    /// once the pool is stopped.
    pub async fn slot(&self) -> Result<Slot<'_>> {
        if self.state.load(Ordering::Acquire) == RUNNING {
            if let Ok(permit) = self.permits.try_acquire() {
                return Ok(self.occupy(permit));
            }
        }
        let _queued = Queued::new(&self.waiting);
        loop {
            self.until(|| self.state.load(Ordering::Acquire) != PAUSED).await;
            if self.state.load(Ordering::Acquire) == STOPPED {
                return Err(pool_stopped());
            }
            let permit = self.permits.acquire().await.map_err(|_| pool_stopped())?;
            // A pause that came while this request waited for its place holds it back too.
            if self.state.load(Ordering::Acquire) == RUNNING {
                return Ok(self.occupy(permit));
            }
        }
    }

    fn occupy<'a>(&'a self, permit: SemaphorePermit<'a>) -> Slot<'a> {
        self.active.fetch_add(1, Ordering::AcqRel);
        Slot { scheduler: self, permit: Some(permit), started: Instant::now() }
    }

    /// Resolves once `condition` holds, checked again whenever a request ends or the state changes.
    async fn until(&self, condition: impl Fn() -> bool) {
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            // Registered before the check, so a change between the check and the wait is not missed.
            notified.as_mut().enable();
            if condition() {
                return;
            }
            notified.await;
        }
    }

    /// Holds back requests that have not started; resolves once the running ones have ended.
    pub async fn pause(&self) {
        let _ = self.state.compare_exchange(RUNNING, PAUSED, Ordering::AcqRel, Ordering::Acquire);
        self.until(|| self.active.load(Ordering::Acquire) == 0).await;
    }

    /// Lets held-back requests start again; false when the pool was not paused (a stopped pool
    /// stays stopped).
    pub fn resume(&self) -> bool {
        let resumed = self.state.compare_exchange(PAUSED, RUNNING, Ordering::AcqRel, Ordering::Acquire).is_ok();
        if resumed {
            self.changed.notify_waiters();
        }
        resumed
    }

    /// Resolves once no request runs and none waits to start (requests held by a pause or
    /// refused by a stop do not count: they will not start by themselves).
    pub async fn drain(&self) {
        self.until(|| {
            self.active.load(Ordering::Acquire) == 0
                && (self.waiting.load(Ordering::Acquire) == 0 || self.state.load(Ordering::Acquire) != RUNNING)
        })
        .await;
    }

    /// Refuses every request that has not started, now and from now on; running ones finish.
    pub fn stop(&self) {
        self.state.store(STOPPED, Ordering::Release);
        self.permits.close();
        self.changed.notify_waiters();
    }

    /// Counts a request that failed for good (after the client's own retries).
    pub fn record_error(&self) {
        self.errors.fetch_add(1, Ordering::Relaxed);
    }

    pub fn concurrency(&self) -> usize {
        *self.concurrency.lock()
    }

    /// Changes how many requests may be in flight; requests already running finish.
    pub fn set_concurrency(&self, wanted: usize) {
        let wanted = wanted.clamp(1, MAX_CONCURRENCY);
        let mut current = self.concurrency.lock();
        if wanted > *current {
            let mut grow = wanted - *current;
            // Cancel retirements still owed before adding permits.
            while grow > 0 && self.owed.fetch_update(Ordering::AcqRel, Ordering::Acquire, |o| o.checked_sub(1)).is_ok() {
                grow -= 1;
            }
            self.permits.add_permits(grow);
        } else if wanted < *current {
            let shrink = *current - wanted;
            let forgotten = self.permits.forget_permits(shrink);
            self.owed.fetch_add(shrink - forgotten, Ordering::AcqRel);
        }
        *current = wanted;
    }

    pub fn stats(&self) -> QueueStats {
        QueueStats {
            concurrency: Some(self.concurrency()),
            queue_size: self.waiting.load(Ordering::Relaxed),
            active_count: self.active.load(Ordering::Relaxed),
            processed_count: self.processed.load(Ordering::Relaxed),
            error_count: self.errors.load(Ordering::Relaxed),
            paused: self.state.load(Ordering::Acquire) == PAUSED,
            stopped: self.state.load(Ordering::Acquire) == STOPPED,
        }
    }

    /// Request latencies over the recent window, in milliseconds:
    /// `{count, avgExecution, p50, p95, p99}`, or `None` before the first request.
    pub fn latency_summary(&self) -> Option<Value> {
        let mut sorted: Vec<Duration> = self.latencies.lock().iter().copied().collect();
        if sorted.is_empty() {
            return None;
        }
        sorted.sort_unstable();
        let ms = |d: Duration| (d.as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0;
        let at = |q: f64| ms(sorted[((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1]);
        let total: Duration = sorted.iter().sum();
        Some(json!({
            "count": self.processed.load(Ordering::Relaxed),
            "sampleSize": sorted.len(),
            "avgExecution": ms(total / sorted.len() as u32),
            "p50": at(0.50),
            "p95": at(0.95),
            "p99": at(0.99),
        }))
    }

    /// Applies auto-tuning once per adjustment interval (checked as requests finish, so an idle
    /// store keeps no timer).
    fn maybe_tune(&self) {
        let Some(tuning) = self.tuning else { return };
        {
            let mut last = self.last_tuned.lock();
            if last.elapsed() < tuning.adjustment_interval {
                return;
            }
            *last = Instant::now();
        }
        let p50 = {
            let latencies = self.latencies.lock();
            let mut recent: Vec<Duration> = latencies.iter().rev().take(256).copied().collect();
            recent.sort_unstable();
            recent.get(recent.len() / 2).copied()
        };
        let next = tuning.next(self.concurrency(), p50, self.waiting.load(Ordering::Relaxed));
        if next != self.concurrency() {
            self.set_concurrency(next);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::block_on;
    use futures::FutureExt;

    #[test]
    fn limits_requests_in_flight_and_counts_them() {
        let scheduler = Scheduler::new(2, None);
        let a = block_on(scheduler.slot()).unwrap();
        let b = block_on(scheduler.slot()).unwrap();
        assert!(scheduler.permits.try_acquire().is_err(), "a third request must wait");
        assert_eq!(scheduler.stats().active_count, 2);
        scheduler.record_error();
        drop(a);
        drop(b);
        let stats = scheduler.stats();
        assert_eq!((stats.active_count, stats.processed_count, stats.error_count), (0, 2, 1));
        assert!(scheduler.latency_summary().is_some());
    }

    #[test]
    fn shrinking_below_what_is_in_use_retires_permits_as_they_return() {
        let scheduler = Scheduler::new(4, None);
        let held: Vec<_> = (0..3).map(|_| block_on(scheduler.slot()).unwrap()).collect();
        scheduler.set_concurrency(1);
        drop(held);
        assert_eq!(scheduler.permits.available_permits(), 1);
        scheduler.set_concurrency(3);
        assert_eq!(scheduler.permits.available_permits(), 3);
        let held: Vec<_> = (0..3).map(|_| block_on(scheduler.slot()).unwrap()).collect();
        scheduler.set_concurrency(2);
        scheduler.set_concurrency(5);
        drop(held);
        assert_eq!(scheduler.permits.available_permits(), 5);
        assert_eq!(scheduler.concurrency(), 5);
    }

    #[test]
    fn a_pause_waits_for_running_requests_and_holds_new_ones_until_resumed() {
        let scheduler = Scheduler::new(2, None);
        let running = block_on(scheduler.slot()).unwrap();
        let mut pause = Box::pin(scheduler.pause());
        assert!(pause.as_mut().now_or_never().is_none(), "pause waits for the running request");
        let mut held = Box::pin(scheduler.slot());
        assert!(held.as_mut().now_or_never().is_none(), "a paused pool starts nothing");
        assert!(scheduler.stats().paused);
        assert_eq!(scheduler.stats().queue_size, 1);
        drop(running);
        assert!(pause.as_mut().now_or_never().is_some());
        assert!(held.as_mut().now_or_never().is_none());
        assert!(scheduler.resume());
        assert!(!scheduler.resume(), "already running");
        let slot = held.as_mut().now_or_never().expect("resumed").unwrap();
        assert!(!scheduler.stats().paused);
        assert_eq!((scheduler.stats().queue_size, scheduler.stats().active_count), (0, 1));
        drop(slot);
    }

    #[test]
    fn a_stop_refuses_waiting_and_later_requests_and_drain_waits_for_running_ones() {
        let scheduler = Scheduler::new(1, None);
        let running = block_on(scheduler.slot()).unwrap();
        let mut waiting = Box::pin(scheduler.slot());
        assert!(waiting.as_mut().now_or_never().is_none());
        let mut drained = Box::pin(scheduler.drain());
        assert!(drained.as_mut().now_or_never().is_none());
        scheduler.stop();
        let refused = waiting.as_mut().now_or_never().expect("refused at once").err().expect("an error");
        assert_eq!(refused.name(), "PoolStoppedError");
        assert!(drained.as_mut().now_or_never().is_none(), "the running request still runs");
        drop(running);
        assert!(drained.as_mut().now_or_never().is_some());
        assert!(block_on(scheduler.slot()).is_err());
        assert!(!scheduler.resume(), "a stopped pool stays stopped");
        let stats = scheduler.stats();
        assert!(stats.stopped && !stats.paused);
        assert_eq!((stats.queue_size, stats.active_count), (0, 0));
    }

    #[test]
    fn drain_resolves_at_once_on_an_idle_pool() {
        let scheduler = Scheduler::new(3, None);
        assert!(Box::pin(scheduler.drain()).as_mut().now_or_never().is_some());
        assert!(Box::pin(scheduler.pause()).as_mut().now_or_never().is_some());
    }

    #[test]
    fn auto_tuning_backs_off_when_slow_and_grows_while_requests_queue() {
        let tuning = AutoTuning {
            min_concurrency: 4,
            max_concurrency: 40,
            target_latency: Duration::from_millis(100),
            adjustment_interval: Duration::from_secs(1),
        };
        assert_eq!(tuning.next(20, Some(Duration::from_millis(300)), 5), 15);
        assert_eq!(tuning.next(5, Some(Duration::from_millis(300)), 0), 4);
        assert_eq!(tuning.next(20, Some(Duration::from_millis(50)), 3), 25);
        assert_eq!(tuning.next(38, Some(Duration::from_millis(50)), 3), 40);
        assert_eq!(tuning.next(20, Some(Duration::from_millis(50)), 0), 20);
        assert_eq!(tuning.next(20, None, 9), 20);
    }
}
