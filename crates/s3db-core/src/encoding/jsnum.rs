//! JavaScript number <-> text conversions (`Number.prototype.toString`, `Number(str)`).

/// Text of `n` exactly as JavaScript's `String(n)` / `n.toString()` produces it (shortest
/// round-trip digits, ties to even; exponent form below 1e-6 and from 1e21 up; `NaN`,
/// `Infinity`, `-Infinity`; `-0` -> `0`), by the `ryu-js` crate.
pub fn to_js_string(n: f64) -> String {
    ryu_js::Buffer::new().format(n).to_string()
}

/// JavaScript `Number(text)`: trims JS whitespace, empty -> 0, `0x`/`0o`/`0b` prefixes, `Infinity`, otherwise decimal literal or NaN.
pub fn parse_js_number(text: &str) -> f64 {
    let trimmed = text.trim_matches(is_js_whitespace);
    if trimmed.is_empty() {
        return 0.0;
    }
    if let Some(value) = parse_radix_literal(trimmed) {
        return value;
    }
    match trimmed {
        "Infinity" | "+Infinity" => return f64::INFINITY,
        "-Infinity" => return f64::NEG_INFINITY,
        _ => {}
    }
    if is_decimal_literal(trimmed) {
        trimmed.parse().unwrap_or(f64::NAN)
    } else {
        f64::NAN
    }
}

/// ECMAScript WhiteSpace and LineTerminator code points.
pub fn is_js_whitespace(c: char) -> bool {
    matches!(
        c,
        '\u{9}' | '\u{A}' | '\u{B}' | '\u{C}' | '\u{D}' | ' ' | '\u{A0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200A}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202F}'
                | '\u{205F}'
                | '\u{3000}'
                | '\u{FEFF}'
    )
}

/// `0x…`, `0o…`, `0b…` (no sign allowed). `Some(NaN)` for a prefix with bad digits.
fn parse_radix_literal(text: &str) -> Option<f64> {
    let bytes = text.as_bytes();
    if bytes.len() < 2 || bytes[0] != b'0' {
        return None;
    }
    let bits_per_digit = match bytes[1] {
        b'x' | b'X' => 4,
        b'o' | b'O' => 3,
        b'b' | b'B' => 1,
        _ => return None,
    };
    Some(parse_power_of_two_digits(&text[2..], bits_per_digit).unwrap_or(f64::NAN))
}

/// Correctly rounded value of a digit string in radix 2^`bits_per_digit`.
fn parse_power_of_two_digits(digits: &str, bits_per_digit: u32) -> Option<f64> {
    let radix = 1u32 << bits_per_digit;
    if digits.is_empty() {
        return None;
    }
    let mut top: u64 = 0; // the leading (up to) 64 significant bits
    let mut dropped_bits: i32 = 0;
    let mut sticky = false; // any 1 among the dropped bits
    for c in digits.chars() {
        let digit = c.to_digit(radix)? as u64;
        for shift in (0..bits_per_digit).rev() {
            let bit = (digit >> shift) & 1;
            if top >> 63 == 0 {
                top = (top << 1) | bit;
            } else {
                dropped_bits += 1;
                sticky |= bit == 1;
            }
        }
    }
    // Bit 0 lies far below the 53-bit rounding position, so folding the sticky bit
    // into it makes the u64 -> f64 conversion round exactly like the full value.
    if sticky {
        top |= 1;
    }
    Some(top as f64 * 2f64.powi(dropped_bits))
}

/// StrDecimalLiteral: sign? (digits [. digits?] | . digits) ([eE] sign? digits)?
fn is_decimal_literal(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    if matches!(bytes.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let int_digits = count_digits(&bytes[i..]);
    i += int_digits;
    let mut frac_digits = 0;
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        frac_digits = count_digits(&bytes[i..]);
        i += frac_digits;
    }
    if int_digits + frac_digits == 0 {
        return false;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp_digits = count_digits(&bytes[i..]);
        if exp_digits == 0 {
            return false;
        }
        i += exp_digits;
    }
    i == bytes.len()
}

fn count_digits(bytes: &[u8]) -> usize {
    bytes.iter().take_while(|b| b.is_ascii_digit()).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_javascript() {
        let cases: &[(f64, &str)] = &[
            (0.0, "0"),
            (-0.0, "0"),
            (1.0, "1"),
            (-1.0, "-1"),
            (0.1, "0.1"),
            (0.1 + 0.2, "0.30000000000000004"),
            (19.99, "19.99"),
            (100.0, "100"),
            (123456789.123, "123456789.123"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (123456789012345680000.0, "123456789012345680000"),
            (1.2345e22, "1.2345e+22"),
            (1e-7, "1e-7"),
            (1.5e-7, "1.5e-7"),
            (1e-6, "0.000001"),
            (1.5e-6, "0.0000015"),
            (0.000123, "0.000123"),
            (5e-324, "5e-324"),
            (-5e-324, "-5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (9007199254740992.0, "9007199254740992"),
            (9007199254740993.0, "9007199254740992"),
            (9007199254740994.0, "9007199254740994"),
            (2f64.powi(64), "18446744073709552000"),
            (-2.25, "-2.25"),
            // Exact ties between two shortest candidates go to the even one.
            (1658206780088562.0 + 0.25, "1658206780088562.2"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
            (1e100, "1e+100"),
            (2.5e-300, "2.5e-300"),
        ];
        for (n, expected) in cases {
            assert_eq!(to_js_string(*n), *expected, "{n:e}");
        }
    }

    #[test]
    fn parses_like_javascript_number() {
        let cases: &[(&str, f64)] = &[
            ("", 0.0),
            ("   ", 0.0),
            ("42", 42.0),
            (" \n\t42\u{A0}", 42.0),
            ("-1.5", -1.5),
            ("+1.5", 1.5),
            (".5", 0.5),
            ("5.", 5.0),
            ("1e21", 1e21),
            ("1E-7", 1e-7),
            ("1.5e+3", 1500.0),
            ("0x1F", 31.0),
            ("0XfF", 255.0),
            ("0o17", 15.0),
            ("0b101", 5.0),
            ("Infinity", f64::INFINITY),
            ("-Infinity", f64::NEG_INFINITY),
            ("+Infinity", f64::INFINITY),
            ("0x20000000000001", 9007199254740992.0),
            ("0x20000000000003", 9007199254740996.0),
            ("0x200000000000011", 144115188075855904.0),
            ("007", 7.0),
            ("123456789.123", 123456789.123),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_js_number(text), *expected, "{text:?}");
        }
        // More than 64 significant bits: the dropped bits still decide the rounding.
        assert_eq!(
            parse_js_number("0x400000000000020001"),
            2f64.powi(70) + 2f64.powi(18)
        );
        assert_eq!(parse_js_number("0x400000000000020000"), 2f64.powi(70));
        assert_eq!(
            parse_js_number(&format!("0x1{}", "0".repeat(300))),
            f64::INFINITY
        );
        assert!(parse_js_number("-0").is_sign_negative());
        for bad in [
            "abc",
            "1_000",
            "inf",
            "infinity",
            "NaN",
            "nan",
            "0x",
            "-0x10",
            "1e",
            "e5",
            ".",
            "+",
            "1.2.3",
            "0b2",
            "12px",
            "Infinityx",
            "--1",
        ] {
            assert!(parse_js_number(bad).is_nan(), "{bad:?}");
        }
    }

    #[test]
    fn text_round_trips_through_parse() {
        for n in [
            0.1,
            1e21,
            1e-7,
            123456789.123,
            5e-324,
            1.7976931348623157e308,
            2f64.powi(53) + 2.0,
        ] {
            assert_eq!(parse_js_number(&to_js_string(n)), n);
        }
    }
}
