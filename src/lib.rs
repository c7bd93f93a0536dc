//! Node binding of s3db-native: thin N-API wrappers around `s3db-core`.
//! Documents cross as JSON text; every call returns a value at once when the store answered
//! synchronously (memory) and a Promise otherwise.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod database;
mod helpers;
mod js_store;
mod schema;
mod errors;
mod objects;
mod store;
mod resource;
mod resource_pages;
mod runner;
