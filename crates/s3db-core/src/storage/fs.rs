//! Filesystem object store: one file per object under a base directory, keys mapped to
//! percent-encoded path segments so that no key can name a path outside the base.
//!
//! Layout: key `a/b/c` is the file `<base>/a/b/c~` (the `~` suffix keeps object files apart
//! from directories: `a` and `a/b` can both exist). A file holds one JSON header line
//! (metadata, content type, modification time) followed by the body bytes.
//!
//! Writes go to a temporary file in the target directory and are renamed into place, so a
//! reader never sees a torn object; `if_absent` uses a hard link, which fails atomically when
//! the target exists, so concurrent processes cannot both create the same key.

use super::fs_listing::ListingCache;
use super::{
    ListPage, ListRequest, Metadata, ObjectHead, ObjectStore, PutOutcome, PutRequest, StoredObject,
};
use crate::error::{Error, ErrorKind, Result};
use futures::future::{BoxFuture, FutureExt};
use serde_json::{json, Value};
use std::fs;
use std::io::{ErrorKind as IoKind, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

pub(super) const OBJECT_SUFFIX: char = '~';
/// Ends the name of a directory that holds the rest of a segment too long for one name.
pub(super) const CONTINUED: char = '^';
/// Longest encoded segment we write; file systems allow 255 bytes per name.
const MAX_SEGMENT_BYTES: usize = 240;
const DEFAULT_CONTENT_TYPE: &str = "application/octet-stream";

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

pub struct FsStore {
    base: PathBuf,
    /// fsync files and directories after every write (slower, survives power loss).
    sync: bool,
    listings: ListingCache,
}

impl FsStore {
    /// Opens (and creates) a store rooted at `base`.
    pub fn open(base: impl Into<PathBuf>, sync: bool) -> Result<Self> {
        let base = base.into();
        fs::create_dir_all(&base).map_err(|e| {
            io_error(
                &format!("cannot create store directory {}", base.display()),
                e,
            )
        })?;
        Ok(Self { base, sync, listings: ListingCache::default() })
    }

    pub fn base(&self) -> &Path {
        &self.base
    }

    /// The file of `key`; every segment is encoded, so the path stays under `base`.
    fn object_path(&self, key: &str) -> Result<PathBuf> {
        let mut path = self.base.clone();
        let segments: Vec<&str> = key.split('/').collect();
        let (last, dirs) = segments.split_last().expect("split yields a segment");
        for segment in dirs {
            path.extend(encode_segment(segment));
        }
        let mut names = encode_segment(last);
        let file = names.pop().expect("a segment has a name");
        path.extend(names);
        path.push(format!("{file}{OBJECT_SUFFIX}"));
        Ok(path)
    }

    fn put_now(&self, request: PutRequest) -> Result<PutOutcome> {
        let path = self.object_path(&request.key)?;
        let dir = path.parent().expect("object paths have a parent");
        fs::create_dir_all(dir).map_err(|e| io_error("cannot create directory", e))?;
        let etag = super::etag_of(&request.body);
        let header = json!({
            "metadata": request.metadata.iter().map(|(k, v)| json!([k.to_ascii_lowercase(), v])).collect::<Vec<_>>(),
            "contentType": request.content_type.as_deref().unwrap_or(DEFAULT_CONTENT_TYPE),
            "lastModified": crate::clock::now_ms(),
            "etag": etag,
        });
        // Conditional writers serialise on the directory's lock file (across processes too),
        // so the ETag they compare is still current when their rename lands.
        let _held = match &request.if_match {
            Some(expected) => {
                let lock = lock_directory(dir)?;
                let current = self.read_now(&request.key)?;
                if !current.is_some_and(|object| super::same_etag(&object.head.etag, expected)) {
                    return Ok(PutOutcome::Conflict);
                }
                Some(lock)
            }
            None => None,
        };
        let temp = dir.join(format!(
            ".tmp-{}-{}",
            std::process::id(),
            TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        self.write_file(&temp, &header, &request.body)?;
        let placed = if request.if_absent {
            let linked = fs::hard_link(&temp, &path);
            let _ = fs::remove_file(&temp);
            match linked {
                Err(e) if e.kind() == IoKind::AlreadyExists => return Ok(PutOutcome::Conflict),
                other => other,
            }
        } else {
            fs::rename(&temp, &path).inspect_err(|_| {
                let _ = fs::remove_file(&temp);
            })
        };
        placed.map_err(|e| io_error("cannot place object file", e))?;
        if self.sync {
            sync_dir(dir)?;
        }
        Ok(PutOutcome::Written { etag })
    }

    fn write_file(&self, path: &Path, header: &Value, body: &[u8]) -> Result<()> {
        let mut file =
            fs::File::create(path).map_err(|e| io_error("cannot create object file", e))?;
        let mut bytes = header.to_string().into_bytes();
        bytes.push(b'\n');
        bytes.extend_from_slice(body);
        file.write_all(&bytes)
            .map_err(|e| io_error("cannot write object file", e))?;
        if self.sync {
            file.sync_all()
                .map_err(|e| io_error("cannot sync object file", e))?;
        }
        Ok(())
    }

    fn read_now(&self, key: &str) -> Result<Option<StoredObject>> {
        let path = self.object_path(key)?;
        let mut bytes = Vec::new();
        match fs::File::open(&path) {
            Ok(mut file) => file
                .read_to_end(&mut bytes)
                .map_err(|e| io_error("cannot read object file", e))?,
            Err(e) if e.kind() == IoKind::NotFound => return Ok(None),
            Err(e) => return Err(io_error("cannot open object file", e)),
        };
        parse_object(&bytes).map(Some).ok_or_else(|| {
            Error::new(
                ErrorKind::Storage,
                format!("object file {} is damaged", path.display()),
            )
            .with("damaged", true)
            .named("DamagedObject")
        })
    }

    fn delete_now(&self, key: &str) -> Result<bool> {
        match fs::remove_file(self.object_path(key)?) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == IoKind::NotFound => Ok(false),
            Err(e) => Err(io_error("cannot delete object file", e)),
        }
    }

    fn copy_now(
        &self,
        from: &str,
        to: &str,
        metadata: Option<Metadata>,
        content_type: Option<String>,
    ) -> Result<bool> {
        let Some(source) = self.read_now(from)? else {
            return Ok(false);
        };
        let request = PutRequest {
            key: to.to_string(),
            metadata: metadata.unwrap_or(source.head.metadata),
            content_type: content_type.or(source.head.content_type),
            body: source.body,
            ..Default::default()
        };
        self.put_now(request)?;
        Ok(true)
    }

    fn list_now(&self, request: &ListRequest) -> Result<ListPage> {
        // Walk only the directory that holds every key with this prefix (`None`: the base; an
        // empty segment is a directory of its own).
        let dir_key = request.prefix.rsplit_once('/').map(|(dir, _)| dir);
        let mut dir = self.base.clone();
        for segment in dir_key.into_iter().flat_map(|key| key.split('/')) {
            dir.extend(encode_segment(segment));
        }
        self.listings.page(&dir, dir_key, request)
    }
}

/// Every object key under `dir`, whose key prefix (segments so far) is `prefix` (`None` at the
/// base); `pending` is the encoded start of a long segment whose continuation names are in `dir`.
pub(super) fn collect_keys(dir: &Path, prefix: Option<&str>, pending: &str, out: &mut Vec<String>) -> Result<()> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == IoKind::NotFound => return Ok(()),
        Err(e) => return Err(io_error("cannot list directory", e)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| io_error("cannot list directory", e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(".tmp-") {
            continue;
        }
        let joined = |segment: &str| match prefix {
            None => segment.to_string(),
            Some(prefix) => format!("{prefix}/{segment}"),
        };
        let file_type = entry.file_type().map_err(|e| io_error("cannot list directory", e))?;
        if file_type.is_dir() {
            if let Some(start) = name.strip_suffix(CONTINUED) {
                collect_keys(&entry.path(), prefix, &format!("{pending}{start}"), out)?;
            } else if let Some(segment) = decode_segment(&format!("{pending}{name}")) {
                collect_keys(&entry.path(), Some(&joined(&segment)), "", out)?;
            }
        } else if let Some(segment) = name.strip_suffix(OBJECT_SUFFIX).and_then(|end| decode_segment(&format!("{pending}{end}"))) {
            out.push(joined(&segment));
        }
    }
    Ok(())
}

/// Percent-encodes every byte outside `[A-Za-z0-9._=,+@-]`; `.`/`..` and the empty segment get
/// encoded forms, so a segment is always a plain name inside its directory. An encoded segment
/// longer than a file name may be is cut into names of at most 240 bytes, each but the last
/// ending in `^` (a byte the encoding never leaves bare): nested directories.
fn encode_segment(segment: &str) -> Vec<String> {
    let encoded: String = match segment {
        "" => "%".to_string(),
        "." => "%2E".to_string(),
        ".." => "%2E%2E".to_string(),
        _ => segment
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'_' | b'=' | b',' | b'+' | b'@' | b'-' => (b as char).to_string(),
                other => format!("%{other:02X}"),
            })
            .collect(),
    };
    if encoded.len() <= MAX_SEGMENT_BYTES {
        return vec![encoded];
    }
    // The encoding is ASCII, so any byte offset is a cut point; the last name is kept longer
    // than 2 bytes so that it is never `.` or `..`.
    let mut names = Vec::new();
    let mut rest = encoded.as_str();
    while rest.len() > MAX_SEGMENT_BYTES {
        let cut = (MAX_SEGMENT_BYTES - 1).min(rest.len() - 3);
        names.push(format!("{}{CONTINUED}", &rest[..cut]));
        rest = &rest[cut..];
    }
    names.push(rest.to_string());
    names
}

pub(super) fn decode_segment(name: &str) -> Option<String> {
    if name == "%" {
        return Some(String::new());
    }
    let bytes = name.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = name.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn parse_object(bytes: &[u8]) -> Option<StoredObject> {
    let newline = bytes.iter().position(|b| *b == b'\n')?;
    let header: Value = serde_json::from_slice(&bytes[..newline]).ok()?;
    let metadata = header["metadata"]
        .as_array()?
        .iter()
        .filter_map(|pair| {
            Some((
                pair.get(0)?.as_str()?.to_string(),
                pair.get(1)?.as_str()?.to_string(),
            ))
        })
        .collect();
    let body = bytes[newline + 1..].to_vec();
    Some(StoredObject {
        head: ObjectHead {
            metadata,
            content_type: header["contentType"].as_str().map(str::to_string),
            content_length: body.len() as u64,
            last_modified_ms: header["lastModified"].as_i64().unwrap_or(0),
            etag: header["etag"].as_str().unwrap_or_default().to_string(),
        },
        body,
    })
}

fn sync_dir(dir: &Path) -> Result<()> {
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_error("cannot sync directory", e))
}

pub(super) fn io_error(what: &str, error: std::io::Error) -> Error {
    Error::new(ErrorKind::Storage, format!("{what}: {error}")).named("FileSystemError")
}



impl ObjectStore for FsStore {
    fn put(&self, request: PutRequest) -> BoxFuture<'_, Result<PutOutcome>> {
        futures::future::ready(self.put_now(request)).boxed()
    }

    fn get(&self, key: &str) -> BoxFuture<'_, Result<Option<Arc<StoredObject>>>> {
        futures::future::ready(self.read_now(key).map(|o| o.map(Arc::new))).boxed()
    }

    fn head(&self, key: &str) -> BoxFuture<'_, Result<Option<ObjectHead>>> {
        futures::future::ready(self.read_now(key).map(|o| o.map(|o| o.head))).boxed()
    }

    fn copy(
        &self,
        from: &str,
        to: &str,
        metadata: Option<Metadata>,
        content_type: Option<String>,
    ) -> BoxFuture<'_, Result<bool>> {
        futures::future::ready(self.copy_now(from, to, metadata, content_type)).boxed()
    }

    fn delete(&self, key: &str) -> BoxFuture<'_, Result<()>> {
        futures::future::ready(self.delete_now(key).map(|_| ())).boxed()
    }

    fn delete_many(&self, keys: Vec<String>) -> BoxFuture<'_, Result<usize>> {
        let deleted = keys.iter().try_fold(0, |n, key| {
            self.delete_now(key).map(|existed| n + usize::from(existed))
        });
        futures::future::ready(deleted).boxed()
    }

    fn list(&self, request: ListRequest) -> BoxFuture<'_, Result<ListPage>> {
        futures::future::ready(self.list_now(&request)).boxed()
    }

    fn answers_at_once(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::block_on;

    fn store() -> (FsStore, PathBuf) {
        let dir = std::env::temp_dir().join(format!(
            "s3db-fs-test-{}-{}",
            std::process::id(),
            TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&dir);
        (FsStore::open(&dir, false).unwrap(), dir)
    }

    fn put(store: &FsStore, key: &str, body: &[u8]) -> PutOutcome {
        block_on(store.put(PutRequest {
            key: key.into(),
            body: body.to_vec(),
            metadata: vec![("A".into(), "1".into())],
            ..Default::default()
        }))
        .unwrap()
    }

    #[test]
    fn behaves_like_every_object_store() {
        let (s, dir) = store();
        crate::storage::conformance::check_all(&s);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn round_trips_objects_and_lower_cases_metadata_names() {
        let (s, dir) = store();
        put(&s, "resource=u/data/id=with space", b"hello");
        let object = block_on(s.get("resource=u/data/id=with space"))
            .unwrap()
            .unwrap();
        assert_eq!(object.body, b"hello");
        assert_eq!(
            object.head.metadata,
            vec![("a".to_string(), "1".to_string())]
        );
        assert!(block_on(s.get("missing")).unwrap().is_none());
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn hostile_keys_stay_inside_the_base_directory() {
        let (s, dir) = store();
        for key in [
            "../escape",
            "/etc/passwd",
            "a/../../b",
            "nul\0byte",
            "./.",
            "x/..",
            "",
        ] {
            put(&s, key, b"x");
            let path = s.object_path(key).unwrap();
            assert!(path.starts_with(&dir), "{key:?} -> {}", path.display());
            assert_eq!(block_on(s.get(key)).unwrap().unwrap().body, b"x", "{key:?}");
        }
        let outside: Vec<_> = fs::read_dir(dir.parent().unwrap())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name() == "escape")
            .collect();
        assert!(outside.is_empty());
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn segments_longer_than_a_file_name_round_trip_and_list() {
        let (s, dir) = store();
        let long_value = format!("{}..", "é/".repeat(300));
        let keys = [
            format!("r/partition=p/f={long_value}/id=1"),
            format!("r/partition=p/f={long_value}/id=2"),
            format!("r/data/id={}", "y".repeat(700)),
            format!("r/data/id={}", "z".repeat(241)),
        ];
        for key in &keys {
            put(&s, key, key.as_bytes());
            assert_eq!(block_on(s.get(key)).unwrap().unwrap().body, key.as_bytes());
            let path = s.object_path(key).unwrap();
            assert!(path.starts_with(&dir));
            assert!(path.iter().all(|name| name.len() <= MAX_SEGMENT_BYTES + 1));
        }
        let listed = |prefix: &str| {
            block_on(s.list(ListRequest { prefix: prefix.into(), continuation_token: None, max_keys: 1000 })).unwrap().keys
        };
        let mut sorted = keys.to_vec();
        sorted.sort();
        assert_eq!(listed("r/"), sorted);
        assert_eq!(listed(&format!("r/partition=p/f={long_value}/")), keys[..2].to_vec());
        block_on(s.delete(&keys[0])).unwrap();
        assert_eq!(listed("r/partition=p/"), keys[1..2].to_vec());
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn keys_with_empty_segments_list_as_written() {
        let (s, dir) = store();
        for key in ["/", "/x", "a//b", "a/"] {
            put(&s, key, b"1");
        }
        let listed = |prefix: &str| {
            block_on(s.list(ListRequest { prefix: prefix.into(), continuation_token: None, max_keys: 1000 })).unwrap().keys
        };
        assert_eq!(listed(""), vec!["/", "/x", "a/", "a//b"]);
        assert_eq!(listed("/"), vec!["/", "/x"]);
        assert_eq!(listed("a//"), vec!["a//b"]);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn pages_follow_key_order_for_any_prefix_and_page_size() {
        let (s, dir) = store();
        let long = "L".repeat(300);
        let keys: Vec<String> = [
            "a", "a-b", "a/x", "a/y/z", "a/y", "a0", "b", "é", "a/é/1", "/", "/x", "a//b", "resource=r/data/id=1",
            "resource=r/data/id=10", "resource=r/data/id=2", "resource=r/partition=p/v=a/id=1",
        ]
        .iter()
        .map(|k| k.to_string())
        .chain([format!("a/{long}"), format!("a/{long}x/1"), format!("a/{long}/2")])
        .collect();
        for key in &keys {
            put(&s, key, b"1");
        }
        for prefix in ["", "a", "a/", "a/y", "a/L", "resource=r/data/", "resource=r/", "/", "zzz", "a//"] {
            let mut expected: Vec<&String> = keys.iter().filter(|k| k.starts_with(prefix)).collect();
            expected.sort();
            for max_keys in [1, 2, 3, 1000] {
                let mut listed = Vec::new();
                let mut token = None;
                loop {
                    let page = block_on(s.list(ListRequest { prefix: prefix.into(), continuation_token: token, max_keys })).unwrap();
                    assert!(page.keys.len() <= max_keys);
                    listed.extend(page.keys);
                    match page.next_token {
                        Some(next) => token = Some(next),
                        None => break,
                    }
                }
                assert_eq!(listed.iter().collect::<Vec<_>>(), expected, "prefix {prefix:?}, pages of {max_keys}");
            }
        }
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_key_and_its_children_coexist() {
        let (s, dir) = store();
        put(&s, "a", b"1");
        put(&s, "a/b", b"2");
        assert_eq!(block_on(s.get("a")).unwrap().unwrap().body, b"1");
        assert_eq!(block_on(s.get("a/b")).unwrap().unwrap().body, b"2");
        fs::remove_dir_all(dir).unwrap();
    }

}

/// An exclusive lock on `dir`'s lock file, released when the file is dropped.
fn lock_directory(dir: &Path) -> Result<fs::File> {
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(".lock"))
        .map_err(|e| io_error("cannot open lock file", e))?;
    file.lock().map_err(|e| io_error("cannot lock directory", e))?;
    Ok(file)
}
