//! The request scheduler of a remote store (s3db.js's `executorPool`): at most `concurrency`
//! requests in flight, resizable while requests run (by the user or by auto-tuning), with the
//! queue counts and latencies `getQueueStats`/`getAggregateMetrics` report.

use parking_lot::Mutex;
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, SemaphorePermit};

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
    pub concurrency: usize,
    pub queue_size: usize,
    pub active_count: usize,
    pub processed_count: u64,
    pub error_count: u64,
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
        })
    }
}

pub struct Scheduler {
    permits: Semaphore,
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
        scheduler.active.fetch_sub(1, Ordering::Relaxed);
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
    }
}

impl Scheduler {
    pub fn new(concurrency: usize, tuning: Option<AutoTuning>) -> Self {
        let concurrency = concurrency.clamp(1, MAX_CONCURRENCY);
        Self {
            permits: Semaphore::new(concurrency),
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

    /// Waits for a place in flight.
    pub async fn slot(&self) -> Slot<'_> {
        let permit = match self.permits.try_acquire() {
            Ok(permit) => permit,
            Err(_) => {
                self.waiting.fetch_add(1, Ordering::Relaxed);
                let permit = self.permits.acquire().await.expect("the scheduler's semaphore is never closed");
                self.waiting.fetch_sub(1, Ordering::Relaxed);
                permit
            }
        };
        self.active.fetch_add(1, Ordering::Relaxed);
        Slot { scheduler: self, permit: Some(permit), started: Instant::now() }
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
            concurrency: self.concurrency(),
            queue_size: self.waiting.load(Ordering::Relaxed),
            active_count: self.active.load(Ordering::Relaxed),
            processed_count: self.processed.load(Ordering::Relaxed),
            error_count: self.errors.load(Ordering::Relaxed),
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

    #[test]
    fn limits_requests_in_flight_and_counts_them() {
        let scheduler = Scheduler::new(2, None);
        let a = block_on(scheduler.slot());
        let b = block_on(scheduler.slot());
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
        let held: Vec<_> = (0..3).map(|_| block_on(scheduler.slot())).collect();
        scheduler.set_concurrency(1);
        drop(held);
        assert_eq!(scheduler.permits.available_permits(), 1);
        scheduler.set_concurrency(3);
        assert_eq!(scheduler.permits.available_permits(), 3);
        let held: Vec<_> = (0..3).map(|_| block_on(scheduler.slot())).collect();
        scheduler.set_concurrency(2);
        scheduler.set_concurrency(5);
        drop(held);
        assert_eq!(scheduler.permits.available_permits(), 5);
        assert_eq!(scheduler.concurrency(), 5);
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
