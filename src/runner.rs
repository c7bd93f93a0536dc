//! Runs an engine future for a JS call: polled once on the calling thread (inside the tokio
//! context), returned directly when it completed, handed to tokio as a Promise otherwise.

use crate::errors;
use futures::FutureExt;
use napi::bindgen_prelude::*;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

pub type Reply<'env> = Either<String, PromiseRaw<'env, String>>;

pub fn run<'env, F>(env: &'env Env, future: F) -> Result<Reply<'env>>
where
    F: Future<Output = s3db_core::Result<String>> + Send + 'static,
{
    let mut future = Box::pin(AssertUnwindSafe(future).catch_unwind());
    let polled = within_runtime_if_available(|| {
        let mut cx = Context::from_waker(Waker::noop());
        future.as_mut().poll(&mut cx)
    });
    match polled {
        Poll::Ready(outcome) => settle(outcome).map(Either::A),
        Poll::Pending => {
            let promise = env.spawn_future(async move { settle(future.await) })?;
            Ok(Either::B(promise))
        }
    }
}

/// Runs a future that is expected to complete at once (used for setup calls); falls back to a
/// blocking wait on the runtime when it does not.
pub fn run_now<T, F>(future: F) -> Result<T>
where
    F: Future<Output = s3db_core::Result<T>> + Send,
{
    let outcome = within_runtime_if_available(|| {
        let mut future = pin!(AssertUnwindSafe(future).catch_unwind());
        let mut cx = Context::from_waker(Waker::noop());
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(outcome) => outcome,
            Poll::Pending => futures::executor::block_on(future),
        }
    });
    match outcome {
        Ok(result) => result.map_err(errors::to_napi),
        Err(panic) => Err(errors::from_panic(panic)),
    }
}

fn settle(outcome: std::thread::Result<s3db_core::Result<String>>) -> Result<String> {
    match outcome {
        Ok(result) => result.map_err(errors::to_napi),
        Err(panic) => Err(errors::from_panic(panic)),
    }
}
