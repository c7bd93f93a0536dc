//! Listing the file store in key order while reading no more than a page needs. Each directory's
//! entries are sorted by the keys below them, so a page starts with a binary search for the
//! continuation token and stops after `max_keys` keys: a page costs O(page), not O(directory).
//! The first page of a listing reads every directory it walks; the continuation pages reuse those
//! sorted entries (like an S3 listing, a key written meanwhile may or may not be seen), which are
//! dropped when a listing reaches its last page.

use super::fs::{decode_segment, CONTINUED, OBJECT_SUFFIX};
use super::{ListPage, ListRequest};
use crate::error::Result;
use parking_lot::Mutex;
use std::fs;
use std::io::ErrorKind as IoKind;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Directories whose sorted entries are kept for continuation pages.
const CACHED_DIRECTORIES: usize = 16;

/// One directory entry, by the keys below it. (The keys below a segment too long for one name,
/// continued in nested directories, are read at once and become objects of the directory.)
enum Entry {
    /// An object: its key.
    Object(String),
    /// A directory of whole segments: the key prefix of everything below it (ends with `/`).
    Directory { prefix: String, name: String },
}

impl Entry {
    /// The smallest key the entry can hold (entries are sorted by it).
    fn first(&self) -> &str {
        match self {
            Entry::Object(key) | Entry::Directory { prefix: key, .. } => key,
        }
    }

    /// True when every key below the entry sorts at or before `bound`, or before `prefix`.
    fn entirely_before(&self, bound: Option<&str>, prefix: &str) -> bool {
        let all_before = |key: &str, is_prefix: bool| {
            // Keys below a directory prefix `d` are all before `x` when `x > d` and `x` does not
            // extend `d`; a single key `k` is before `x` when `k <= x` (or `k < x` for a prefix).
            let under = |x: &str| if is_prefix { x > key && !x.starts_with(key) } else { key <= x };
            let below_prefix = if is_prefix { prefix > key && !prefix.starts_with(key) } else { key < prefix };
            below_prefix || bound.is_some_and(under)
        };
        match self {
            Entry::Object(key) => all_before(key, false),
            Entry::Directory { prefix: dir, .. } => all_before(dir, true),
        }
    }
}

type Entries = Arc<Vec<Entry>>;

/// The sorted entries of recently listed directories.
#[derive(Default)]
pub(super) struct ListingCache {
    directories: Mutex<Vec<(PathBuf, Entries)>>,
}

impl ListingCache {
    /// One page of keys under `dir` (whose key prefix is `dir_key`, `None` at the base).
    pub(super) fn page(&self, dir: &Path, dir_key: Option<&str>, request: &ListRequest) -> Result<ListPage> {
        let max = request.max_keys.clamp(1, 1000);
        let mut walk = Walk {
            cache: self,
            fresh: request.continuation_token.is_none(),
            after: request.continuation_token.as_deref(),
            prefix: &request.prefix,
            limit: max + 1,
            keys: Vec::with_capacity(max + 1),
        };
        walk.directory(dir, dir_key)?;
        let mut keys = walk.keys;
        let next_token = (keys.len() > max).then(|| keys[max - 1].clone());
        keys.truncate(max);
        if next_token.is_none() {
            // The listing is complete: its sorted entries are not needed any more (a large
            // directory's would otherwise stay in memory).
            self.directories.lock().clear();
        }
        Ok(ListPage { keys, next_token })
    }

    fn entries(&self, dir: &Path, dir_key: Option<&str>, fresh: bool) -> Result<Entries> {
        if !fresh {
            if let Some((_, entries)) = self.directories.lock().iter().find(|(path, _)| path == dir) {
                return Ok(entries.clone());
            }
        }
        let entries = Arc::new(read_entries(dir, dir_key)?);
        let mut cached = self.directories.lock();
        cached.retain(|(path, _)| path != dir);
        if cached.len() >= CACHED_DIRECTORIES {
            cached.remove(0);
        }
        cached.push((dir.to_path_buf(), entries.clone()));
        Ok(entries)
    }
}

struct Walk<'a> {
    cache: &'a ListingCache,
    fresh: bool,
    after: Option<&'a str>,
    prefix: &'a str,
    limit: usize,
    keys: Vec<String>,
}

impl Walk<'_> {
    fn wants(&self, key: &str) -> bool {
        key.starts_with(self.prefix) && self.after.is_none_or(|after| key > after)
    }

    /// Past the prefix: `first` and everything after it sort beyond every key with the prefix.
    fn beyond_prefix(&self, first: &str) -> bool {
        first > self.prefix && !first.starts_with(self.prefix)
    }

    fn directory(&mut self, dir: &Path, dir_key: Option<&str>) -> Result<()> {
        let entries = self.cache.entries(dir, dir_key, self.fresh)?;
        let start = entries.partition_point(|entry| entry.entirely_before(self.after, self.prefix));
        for entry in &entries[start..] {
            if self.keys.len() >= self.limit || self.beyond_prefix(entry.first()) {
                break;
            }
            match entry {
                Entry::Object(key) => {
                    if self.wants(key) {
                        self.keys.push(key.clone());
                    }
                }
                Entry::Directory { prefix, name } => {
                    let below = prefix.strip_suffix('/').expect("directory prefixes end with '/'");
                    self.directory(&dir.join(name), Some(below))?;
                }
            }
        }
        Ok(())
    }
}

/// The entries of `dir`, sorted by the keys below them.
fn read_entries(dir: &Path, dir_key: Option<&str>) -> Result<Vec<Entry>> {
    let reader = match fs::read_dir(dir) {
        Ok(reader) => reader,
        Err(e) if e.kind() == IoKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(super::fs::io_error("cannot list directory", e)),
    };
    let joined = |segment: &str| match dir_key {
        None => segment.to_string(),
        Some(prefix) => format!("{prefix}/{segment}"),
    };
    let mut entries = Vec::new();
    for entry in reader {
        let entry = entry.map_err(|e| super::fs::io_error("cannot list directory", e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(".tmp-") {
            continue;
        }
        let is_dir = entry.file_type().map_err(|e| super::fs::io_error("cannot list directory", e))?.is_dir();
        if is_dir && name.ends_with(CONTINUED) {
            let mut keys = Vec::new();
            super::fs::collect_keys(&entry.path(), dir_key, name.strip_suffix(CONTINUED).expect("checked"), &mut keys)?;
            entries.extend(keys.into_iter().map(Entry::Object));
        } else if is_dir {
            if let Some(segment) = decode_segment(&name) {
                entries.push(Entry::Directory { prefix: format!("{}/", joined(&segment)), name });
            }
        } else if let Some(segment) = name.strip_suffix(OBJECT_SUFFIX).and_then(decode_segment) {
            entries.push(Entry::Object(joined(&segment)));
        }
    }
    entries.sort_by(|a, b| a.first().cmp(b.first()));
    Ok(entries)
}
