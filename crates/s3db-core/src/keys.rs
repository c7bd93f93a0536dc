//! Object keys as s3db.js lays them out (storage-format §1): the key prefix joined like Node's
//! `path.join`, `resource=<name>/data/id=<id>`, and ID extraction from listed keys.

use crate::error::{Error, Result};

/// S3's limit on a key, in UTF-8 bytes.
pub const MAX_KEY_BYTES: usize = 1024;

/// Joins the database key prefix and a relative key. The prefix is normalised like Node's
/// `path.join` (`a//b/` is `a/b`), as s3db.js does; the relative key is kept verbatim, as S3
/// keeps keys: s3db.js normalises it too, so an id such as `../../other/resource=x/data/id=1`
/// reached outside the database, which cannot happen here.
pub fn join(prefix: &str, relative: &str) -> String {
    if prefix.is_empty() {
        return relative.to_string();
    }
    let prefix = if is_normal(prefix) { std::borrow::Cow::Borrowed(prefix) } else { std::borrow::Cow::Owned(normalize(prefix)) };
    let prefix = prefix.strip_suffix('/').unwrap_or(&prefix);
    format!("{prefix}/{relative}")
}

/// True when `path.normalize` would leave `path` unchanged (no empty, `.` or `..` segment).
fn is_normal(path: &str) -> bool {
    let inner = path.strip_prefix('/').unwrap_or(path);
    let inner = inner.strip_suffix('/').unwrap_or(inner);
    !inner.is_empty() && inner.split('/').all(|segment| !matches!(segment, "" | "." | ".."))
}

/// POSIX `path.normalize` for keys (keeps a leading `/` and a trailing `/`).
fn normalize(path: &str) -> String {
    let absolute = path.starts_with('/');
    let trailing = path.ends_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                if matches!(parts.last(), Some(last) if *last != "..") {
                    parts.pop();
                } else if !absolute {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let mut out = parts.join("/");
    if absolute {
        out.insert(0, '/');
    }
    if trailing && !out.is_empty() && !out.ends_with('/') {
        out.push('/');
    }
    if out.is_empty() {
        out.push('.');
    }
    out
}

/// Strips the database prefix from a listed key (first occurrence, then one leading `/`).
pub fn strip_prefix<'a>(prefix: &str, key: &'a str) -> &'a str {
    let rest = if prefix.is_empty() { key } else { key.strip_prefix(prefix).unwrap_or(key) };
    rest.strip_prefix('/').unwrap_or(rest)
}

pub fn record_key(resource: &str, id: &str) -> String {
    format!("resource={resource}/data/id={id}")
}

pub fn records_prefix(resource: &str) -> String {
    format!("resource={resource}/data")
}

pub fn resource_prefix(resource: &str) -> String {
    format!("resource={resource}")
}

/// The ID in a listed key: the text after `id=` in the first segment that starts with `id=`.
pub fn id_from_key(key: &str) -> Option<&str> {
    key.split('/').find_map(|segment| segment.strip_prefix("id="))
}

/// Refuses IDs that cannot round-trip through a key: empty, containing `/` (extra path levels)
/// or NUL, or too long for S3.
pub fn check_new_id(id: &str) -> Result<()> {
    if id.is_empty() {
        return Err(Error::validation("id cannot be empty"));
    }
    if let Some(bad) = id.chars().find(|c| *c == '/' || *c == '\\' || *c == '\0') {
        return Err(Error::validation(format!("Invalid id: contains unsafe character '{}'", bad.escape_default()))
            .with("id", id));
    }
    // Leave room for the prefix and `resource=<name>/data/id=`.
    if id.len() > 800 {
        return Err(Error::validation(format!("Invalid id: {} bytes is longer than the 800-byte limit", id.len())));
    }
    Ok(())
}

/// Checks an ID used to read or delete: empty IDs are refused, anything else may exist.
pub fn check_lookup_id(id: &str) -> Result<()> {
    if id.is_empty() {
        return Err(Error::validation("id cannot be empty"));
    }
    if id.len() > MAX_KEY_BYTES {
        return Err(Error::validation(format!("Invalid id: {} bytes is longer than a key can be", id.len())));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_normalises_the_prefix_and_keeps_the_key_verbatim() {
        assert_eq!(join("databases/demo", "s3db.json"), "databases/demo/s3db.json");
        assert_eq!(join("", "s3db.json"), "s3db.json");
        assert_eq!(join("a//b/", "resource=x/data/id=k"), "a/b/resource=x/data/id=k");
        assert_eq!(join("/root", "x"), "/root/x");
        assert_eq!(join("p", "x/"), "p/x/");
        // No input climbs out of the prefix or its resource.
        assert_eq!(join("p", "resource=r/data/id=a/../b"), "p/resource=r/data/id=a/../b");
        assert_eq!(join("app1", "resource=u/data/id=../../../../app2/resource=u/data/id=1"), "app1/resource=u/data/id=../../../../app2/resource=u/data/id=1");
        assert_eq!(join("p", "a//b"), "p/a//b");
        assert_eq!(join("p", ".."), "p/..");
    }

    #[test]
    fn strip_prefix_removes_prefix_and_one_slash() {
        assert_eq!(strip_prefix("databases/demo", "databases/demo/resource=a/data/id=1"), "resource=a/data/id=1");
        assert_eq!(strip_prefix("", "resource=a"), "resource=a");
    }

    #[test]
    fn id_is_first_id_segment() {
        assert_eq!(id_from_key("p/resource=a/data/id=x1"), Some("x1"));
        assert_eq!(id_from_key("resource=a/partition=p/region=id=5/id=k"), Some("k"));
        assert_eq!(id_from_key("resource=a/data/id=dir/sub"), Some("dir"));
        assert_eq!(id_from_key("resource=a/data"), None);
    }

    #[test]
    fn new_ids_are_checked() {
        assert!(check_new_id("with space").is_ok());
        assert!(check_new_id("ção-日本").is_ok());
        assert!(check_new_id("k=v").is_ok());
        assert!(check_new_id("").is_err());
        assert!(check_new_id("dir/sub").is_err());
        assert!(check_new_id(&"x".repeat(801)).is_err());
    }
}
