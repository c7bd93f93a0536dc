//! Optimistic concurrency: a read-modify-write whose conditional write lost to another writer
//! reads again and retries, after a short random pause so that writers that collided do not
//! collide again in lockstep.

use std::time::Duration;

/// Attempts at one read-modify-write before giving up on a key that keeps changing.
pub const MAX_ATTEMPTS: usize = 64;

/// Longest pause between attempts.
const MAX_PAUSE_MS: u64 = 50;

/// Waits a random 0..2^attempt ms (at most 50) when running on a tokio runtime.
pub async fn pause(attempt: usize) {
    let cap = (1u64 << attempt.min(6)).min(MAX_PAUSE_MS);
    let mut bytes = [0u8; 2];
    if getrandom::getrandom(&mut bytes).is_err() {
        return;
    }
    let ms = u64::from(u16::from_le_bytes(bytes)) % (cap + 1);
    if ms > 0 && tokio::runtime::Handle::try_current().is_ok() {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
}
