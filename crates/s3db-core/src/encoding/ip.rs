//! IPv4/IPv6 packing as s3db.js stores them (standard base64 of the address bytes).
//!
//! Accepted text forms follow s3db.js (`src/concerns/ip.js@v12.4.0`): dotted quads with 1–3
//! digit octets (leading zeros allowed, `010` = 10) and hex-group IPv6 with at most one `::`.
//! Two IPv6 forms its validator lets through are handled differently on purpose:
//! embedded IPv4 (`::ffff:1.2.3.4`) is packed correctly here (s3db.js packs `1.2.3.4` as the
//! group `0x0001`, losing the address), and zone suffixes (`fe80::1%eth0`) are rejected
//! (s3db.js packs garbage for them).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use super::metadata::decode_base64_lenient;

pub fn encode_ipv4(addr: &str) -> Option<String> {
    parse_ipv4(addr).map(|octets| STANDARD.encode(octets))
}

pub fn decode_ipv4(stored: &str) -> Option<String> {
    let bytes: [u8; 4] = decode_base64_lenient(stored).try_into().ok()?;
    Some(format_ipv4(bytes))
}

pub fn encode_ipv6(addr: &str) -> Option<String> {
    let groups = parse_ipv6(addr)?;
    let bytes: Vec<u8> = groups.iter().flat_map(|g| g.to_be_bytes()).collect();
    Some(STANDARD.encode(bytes))
}

/// Output in compressed form (`2001:db8::1`).
pub fn decode_ipv6(stored: &str) -> Option<String> {
    let bytes: [u8; 16] = decode_base64_lenient(stored).try_into().ok()?;
    let mut groups = [0u16; 8];
    for (group, pair) in groups.iter_mut().zip(bytes.chunks_exact(2)) {
        *group = u16::from_be_bytes([pair[0], pair[1]]);
    }
    Some(compress_ipv6(&groups))
}

fn format_ipv4(octets: [u8; 4]) -> String {
    octets.map(|o| o.to_string()).join(".")
}

fn parse_ipv4(text: &str) -> Option<[u8; 4]> {
    let mut octets = [0u8; 4];
    let mut parts = text.split('.');
    for octet in octets.iter_mut() {
        let part = parts.next()?;
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *octet = part.parse().ok()?;
    }
    parts.next().is_none().then_some(octets)
}

fn parse_ipv6(text: &str) -> Option<[u16; 8]> {
    let (head, tail) = match text.split_once("::") {
        Some((head, tail)) => (head, Some(tail)),
        None => (text, None),
    };
    let head_groups = parse_hex_groups(head, tail.is_none())?;
    let mut groups = [0u16; 8];
    match tail {
        None => {
            if head_groups.len() != 8 {
                return None;
            }
            groups.copy_from_slice(&head_groups);
        }
        Some(tail) => {
            let tail_groups = parse_hex_groups(tail, true)?;
            if head_groups.len() + tail_groups.len() > 7 {
                return None;
            }
            groups[..head_groups.len()].copy_from_slice(&head_groups);
            groups[8 - tail_groups.len()..].copy_from_slice(&tail_groups);
        }
    }
    Some(groups)
}

/// Colon-separated 1–4 digit hex groups (empty text = no groups). When `ipv4_allowed`,
/// the last group may be a dotted quad standing for two groups.
fn parse_hex_groups(text: &str, ipv4_allowed: bool) -> Option<Vec<u16>> {
    if text.is_empty() {
        return Some(Vec::new());
    }
    let parts: Vec<&str> = text.split(':').collect();
    let mut groups = Vec::with_capacity(8);
    for (i, part) in parts.iter().enumerate() {
        let is_last = i + 1 == parts.len();
        if is_last && ipv4_allowed && part.contains('.') {
            let [a, b, c, d] = parse_ipv4(part)?;
            groups.push(u16::from_be_bytes([a, b]));
            groups.push(u16::from_be_bytes([c, d]));
        } else {
            if part.is_empty() || part.len() > 4 || !part.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            groups.push(u16::from_str_radix(part, 16).ok()?);
        }
    }
    (groups.len() <= 8).then_some(groups)
}

/// Lower-case hex groups without leading zeros; the first longest run of two or more
/// zero groups becomes `::` (RFC 5952, as s3db.js does it).
fn compress_ipv6(groups: &[u16; 8]) -> String {
    let hex = |gs: &[u16]| {
        gs.iter()
            .map(|g| format!("{g:x}"))
            .collect::<Vec<_>>()
            .join(":")
    };
    match longest_zero_run(groups) {
        Some((start, len)) => format!("{}::{}", hex(&groups[..start]), hex(&groups[start + len..])),
        None => hex(groups),
    }
}

/// (start, length) of the first longest run of at least two zero groups.
fn longest_zero_run(groups: &[u16; 8]) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize)> = None;
    let mut i = 0;
    while i < groups.len() {
        if groups[i] != 0 {
            i += 1;
            continue;
        }
        let start = i;
        while i < groups.len() && groups[i] == 0 {
            i += 1;
        }
        let len = i - start;
        if len >= 2 && best.is_none_or(|(_, best_len)| len > best_len) {
            best = Some((start, len));
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn vectors() -> Value {
        crate::test_vectors("encoding-primitives.json")
    }

    #[test]
    fn ipv4_vectors() {
        let v = vectors();
        let entries = v["ipv4"].as_array().unwrap();
        assert_eq!(entries.len(), 4);
        for e in entries {
            let input = e["input"].as_str().unwrap();
            let encoded = e["encoded"].as_str().unwrap();
            assert_eq!(encode_ipv4(input).as_deref(), Some(encoded));
            assert_eq!(decode_ipv4(encoded).as_deref(), e["decoded"].as_str());
        }
    }

    #[test]
    fn ipv6_vectors() {
        let v = vectors();
        let entries = v["ipv6"].as_array().unwrap();
        assert_eq!(entries.len(), 5);
        for e in entries {
            let input = e["input"].as_str().unwrap();
            let encoded = e["encoded"].as_str().unwrap();
            assert_eq!(encode_ipv6(input).as_deref(), Some(encoded), "{input}");
            assert_eq!(decode_ipv6(encoded).as_deref(), e["decoded"].as_str());
        }
    }

    #[test]
    fn ipv4_validation() {
        assert_eq!(encode_ipv4("010.0.0.1"), encode_ipv4("10.0.0.1"));
        for bad in [
            "256.1.1.1",
            "1.2.3",
            "1.2.3.4.5",
            "a.b.c.d",
            "1..2.3",
            "",
            "1.2.3.4 ",
            "0001.2.3.4",
            "+1.2.3.4",
        ] {
            assert_eq!(encode_ipv4(bad), None, "{bad:?}");
        }
        assert_eq!(decode_ipv4("wKgBAQ"), Some("192.168.1.1".to_string()));
        assert_eq!(decode_ipv4("wKgBAQE="), None);
        assert_eq!(decode_ipv4(""), None);
    }

    #[test]
    fn ipv6_forms() {
        let round_trip = |addr: &str| decode_ipv6(&encode_ipv6(addr).unwrap()).unwrap();
        assert_eq!(round_trip("1:0:0:2:0:0:0:3"), "1:0:0:2::3");
        assert_eq!(round_trip("1:0:0:2:0:0:3:4"), "1::2:0:0:3:4");
        assert_eq!(round_trip("1:0:2:3:4:5:6:7"), "1:0:2:3:4:5:6:7");
        assert_eq!(round_trip("1:2:3:4:5:6:7::"), "1:2:3:4:5:6:7:0");
        assert_eq!(round_trip("1::"), "1::");
        assert_eq!(round_trip("::1:0:0"), "::1:0:0");
        assert_eq!(round_trip("ABCD::EF"), "abcd::ef");
        assert_eq!(round_trip("::ffff:192.168.1.1"), "::ffff:c0a8:101");
        for bad in [
            "",
            ":",
            ":::",
            "1:2",
            "1::2::3",
            "12345::",
            "1:2:3:4:5:6:7:8:9",
            "1:2:3:4:5:6:7:8::",
            "1::2:3:4:5:6:7:8",
            "g::1",
            ":1:2:3:4:5:6:7",
            "fe80::1%eth0",
            "1.2.3.4::",
            "::1.2.3",
        ] {
            assert_eq!(encode_ipv6(bad), None, "{bad:?}");
        }
        assert_eq!(decode_ipv6("AAAA"), None);
    }
}
