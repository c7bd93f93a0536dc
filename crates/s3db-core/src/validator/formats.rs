//! String formats: e-mail, URL, UUID, IPv4/IPv6, MAC, Luhn and currency, with the
//! acceptance rules of fastest-validator's patterns (hand-written where they are hot).

use once_cell::sync::Lazy;

use super::js::is_js_whitespace;
use super::regex::JsRegex;

/// fastest-validator's `mode: "precise"` e-mail pattern.
static PRECISE_EMAIL: Lazy<JsRegex> = Lazy::new(|| {
    JsRegex::new(
        r#"^(([^<>()[\]\\.,;:\s@"]+(\.[^<>()[\]\\.,;:\s@"]+)*)|(".+"))@((\[[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\])|(([a-zA-Z\-0-9]+\.)+[a-zA-Z]{2,}))$"#,
        "",
    )
    .expect("precise e-mail pattern compiles")
});

/// fastest-validator's MAC address pattern (applied to the lower-cased value).
static MAC_ADDRESS: Lazy<JsRegex> = Lazy::new(|| {
    JsRegex::new(
        r"^((([a-f0-9][a-f0-9]+[-]){5}|([a-f0-9][a-f0-9]+[:]){5})([a-f0-9][a-f0-9])$)|(^([a-f0-9][a-f0-9][a-f0-9][a-f0-9]+[.]){2}([a-f0-9][a-f0-9][a-f0-9][a-f0-9]))$",
        "i",
    )
    .expect("MAC pattern compiles")
});

/// The quick e-mail pattern `^\S+@\S+\.\S+$`.
pub(crate) fn is_quick_email(text: &str) -> bool {
    if text.chars().any(is_js_whitespace) {
        return false;
    }
    // The earliest '@' after the first character leaves the most room for "x.y" after it.
    let Some(at) = text.char_indices().skip(1).find(|&(_, c)| c == '@').map(|(i, _)| i) else {
        return false;
    };
    let domain = &text[at + 1..];
    // Needs a '.' with at least one character on each side within the domain part.
    domain.char_indices().skip(1).any(|(i, c)| c == '.' && i + 1 < domain.len())
}

pub(crate) fn is_precise_email(text: &str) -> bool {
    PRECISE_EMAIL.is_match(text)
}

/// `^https?:\/\/\S+`.
pub(crate) fn is_url(text: &str) -> bool {
    let rest = text.strip_prefix("http://").or_else(|| text.strip_prefix("https://"));
    rest.and_then(|r| r.chars().next()).is_some_and(|c| !is_js_whitespace(c))
}

/// Outcome of the UUID rule for a lower-cased candidate.
pub(crate) enum UuidCheck {
    Valid,
    Invalid,
    WrongVersion { actual: u32 },
}

/// fastest-validator's UUID rule: versions 1–6 (or the nil UUID), variant checked for
/// versions 3–5, optional required version.
pub(crate) fn check_uuid(text: &str, required_version: Option<i64>) -> UuidCheck {
    let lower = text.to_ascii_lowercase();
    if !uuid_shape_ok(&lower) {
        return UuidCheck::Invalid;
    }
    let bytes = lower.as_bytes();
    let version = u32::from(bytes[14] - b'0');
    if let Some(expected) = required_version.filter(|v| *v < 7) {
        if i64::from(version) != expected {
            return UuidCheck::WrongVersion { actual: version };
        }
    }
    if (3..=5).contains(&version) && !matches!(bytes[19], b'8' | b'9' | b'a' | b'b') {
        return UuidCheck::Invalid;
    }
    UuidCheck::Valid
}

fn uuid_shape_ok(lower: &str) -> bool {
    const NIL: &str = "00000000-0000-0000-0000-000000000000";
    let bytes = lower.as_bytes();
    if bytes.len() != 36 {
        return false;
    }
    if lower == NIL {
        return true;
    }
    let hyphens_ok = [8, 13, 18, 23].iter().all(|&i| bytes[i] == b'-');
    let hex_ok =
        bytes.iter().enumerate().filter(|(i, _)| ![8, 13, 18, 23].contains(i)).all(|(_, b)| b.is_ascii_hexdigit());
    hyphens_ok && hex_ok && (b'1'..=b'6').contains(&bytes[14])
}

/// Dotted-quad IPv4: four decimal parts of 1–3 digits, each at most 255.
pub(crate) fn is_ipv4(text: &str) -> bool {
    let mut parts = 0;
    for part in text.split('.') {
        parts += 1;
        let valid = !part.is_empty()
            && part.len() <= 3
            && part.bytes().all(|b| b.is_ascii_digit())
            && part.parse::<u16>().is_ok_and(|n| n <= 255);
        if !valid {
            return false;
        }
    }
    parts == 4
}

/// IPv6 in full, `::`-compressed or IPv4-suffixed form (no zone index).
pub(crate) fn is_ipv6(text: &str) -> bool {
    let (head, tail) = match text.split_once("::") {
        Some((h, t)) => {
            if t.contains("::") {
                return false;
            }
            (h, Some(t))
        }
        None => (text, None),
    };
    let Some(head_groups) = count_ipv6_groups(head, tail.is_none()) else { return false };
    match tail {
        None => head_groups == 8,
        Some(t) => count_ipv6_groups(t, true).is_some_and(|tail_groups| head_groups + tail_groups <= 7),
    }
}

/// Groups in a `:`-separated run; an IPv4 suffix (allowed when `may_end_with_ipv4`) counts
/// as two groups. `None` when malformed.
fn count_ipv6_groups(run: &str, may_end_with_ipv4: bool) -> Option<usize> {
    if run.is_empty() {
        return Some(0);
    }
    let parts: Vec<&str> = run.split(':').collect();
    let mut groups = 0;
    for (index, part) in parts.iter().enumerate() {
        let is_last = index + 1 == parts.len();
        if is_last && may_end_with_ipv4 && part.contains('.') {
            if !is_ipv4(part) {
                return None;
            }
            groups += 2;
        } else if (1..=4).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_hexdigit()) {
            groups += 1;
        } else {
            return None;
        }
    }
    Some(groups)
}

pub(crate) fn is_mac_address(text: &str) -> bool {
    MAC_ADDRESS.is_match(&text.to_lowercase())
}

/// Luhn checksum over the digits of `text` (other characters are ignored).
pub(crate) fn passes_luhn(text: &str) -> bool {
    const DOUBLED: [u32; 10] = [0, 2, 4, 6, 8, 1, 3, 5, 7, 9];
    let digits: Vec<u32> = text.chars().filter_map(|c| c.to_digit(10)).collect();
    let sum: u32 =
        digits.iter().rev().enumerate().map(|(i, &d)| if i % 2 == 1 { DOUBLED[d as usize] } else { d }).sum();
    sum.is_multiple_of(10) && sum > 0
}

/// Options of the `currency` rule.
pub(crate) struct CurrencyOptions<'a> {
    pub symbol: Option<&'a str>,
    pub symbol_optional: bool,
    pub thousand_separator: &'a str,
    pub decimal_separator: &'a str,
}

/// Builds fastest-validator's currency pattern for the given options.
pub(crate) fn currency_regex(options: &CurrencyOptions<'_>) -> Result<JsRegex, String> {
    let symbol = match options.symbol {
        Some(s) => format!("\\{s}{}", if options.symbol_optional { "?" } else { "" }),
        None => String::new(),
    };
    let source = format!(
        "(?=.*\\d)^(-?{symbol}|{symbol}-?)(([0-9]\\d{{0,2}}({}\\d{{3}})*)|0)?(\\{}\\d{{1,2}})?$",
        options.thousand_separator, options.decimal_separator
    );
    JsRegex::new(&source, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert!(is_quick_email("alice@example.com"));
        assert!(is_quick_email("a@b.c"));
        assert!(!is_quick_email("alice@example"));
        assert!(!is_quick_email("alice example.com"));
        assert!(!is_quick_email("@example.com"));
        assert!(!is_quick_email("a@.c"));
        assert!(!is_quick_email("a@b."));
        assert!(is_precise_email("john.doe@example.com"));
        assert!(!is_precise_email("john..doe@example.com"));
        assert!(!is_precise_email("john@localhost"));
    }

    #[test]
    fn urls_and_uuids() {
        assert!(is_url("https://example.com/x"));
        assert!(is_url("http://localhost:8080"));
        assert!(!is_url("ftp://example.com"));
        assert!(!is_url("https:// example.com"));
        assert!(!is_url("/api/v1"));
        assert!(matches!(check_uuid("123e4567-e89b-42d3-a456-426614174000", None), UuidCheck::Valid));
        assert!(matches!(check_uuid("123E4567-E89B-42D3-A456-426614174000", None), UuidCheck::Valid));
        assert!(matches!(check_uuid("123e4567-e89b-42d3-7456-426614174000", None), UuidCheck::Invalid));
        assert!(matches!(check_uuid("00000000-0000-0000-0000-000000000000", None), UuidCheck::Valid));
        assert!(matches!(check_uuid("123e4567-e89b-72d3-a456-426614174000", None), UuidCheck::Invalid));
        assert!(matches!(
            check_uuid("123e4567-e89b-12d3-a456-426614174000", Some(4)),
            UuidCheck::WrongVersion { actual: 1 }
        ));
        assert!(matches!(check_uuid("not-a-uuid", None), UuidCheck::Invalid));
    }

    #[test]
    fn ip_addresses() {
        assert!(is_ipv4("192.168.1.1"));
        assert!(is_ipv4("0.0.0.0"));
        assert!(!is_ipv4("256.1.1.1"));
        assert!(!is_ipv4("1.2.3"));
        assert!(!is_ipv4("1.2.3.4.5"));
        assert!(!is_ipv4("a.b.c.d"));
        for ok in ["2001:db8::1", "::", "::1", "fe80::", "2001:0db8:85a3:0000:0000:8a2e:0370:7334", "::ffff:192.0.2.1"]
        {
            assert!(is_ipv6(ok), "{ok}");
        }
        for bad in ["2001:db8:::1", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "g::1", "192.168.1.1"] {
            assert!(!is_ipv6(bad), "{bad}");
        }
    }

    #[test]
    fn mac_luhn_currency() {
        assert!(is_mac_address("01:C8:95:4B:65:FE"));
        assert!(is_mac_address("01c8.954b.65fe"));
        assert!(!is_mac_address("01:C8:95:4B:65"));
        assert!(passes_luhn("4242424242424242"));
        assert!(passes_luhn("4242-4242-4242-4242"));
        assert!(!passes_luhn("4242424242424241"));
        let options = CurrencyOptions {
            symbol: Some("$"),
            symbol_optional: false,
            thousand_separator: ",",
            decimal_separator: ".",
        };
        let re = currency_regex(&options).expect("compiles");
        assert!(re.is_match("$12,345.67"));
        assert!(re.is_match("-$5"));
        assert!(!re.is_match("12.34"));
        assert!(!re.is_match("$12,34.5"));
    }
}
