//! s3db.js number encodings (`src/concerns/base62.js@v12.4.0` and the money/geo/fixed-point helpers).
//!
//! All arithmetic is IEEE-754 double arithmetic, as in JavaScript: above 2^53 the quotient
//! `floor(n / 62)` is rounded, which changes the digits (`1e21` -> `jdt8BLTpPG02`), and the
//! stored data depends on it.

use super::jsnum::{parse_js_number, to_js_string};

const ALPHABET: &[u8; 62] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

fn digit_value(c: char) -> Option<f64> {
    let value = match c {
        '0'..='9' => c as u32 - '0' as u32,
        'a'..='z' => c as u32 - 'a' as u32 + 10,
        'A'..='Z' => c as u32 - 'A' as u32 + 36,
        _ => return None,
    };
    Some(f64::from(value))
}

/// JavaScript `Math.round`: nearest integer, halves toward +∞ (`-0.5` -> `-0`).
/// Unlike `floor(x + 0.5)` it is exact for 0.49999999999999994 and for odd values near 2^53.
fn js_round(x: f64) -> f64 {
    let up = x.ceil();
    if up - 0.5 > x {
        up - 1.0
    } else {
        up
    }
}

/// JavaScript `Math.pow(10, p)` for the small precisions used here (exact up to 10^22).
fn pow10(p: u32) -> f64 {
    format!("1e{p}").parse().expect("valid float literal")
}

/// Digits of a finite, non-negative integral double; empty for 0 (callers special-case zero).
fn integer_digits(mut n: f64) -> String {
    debug_assert!(n.is_finite(), "infinite input would never terminate");
    let mut digits = Vec::new();
    while n != 0.0 {
        digits.push(ALPHABET[(n % 62.0) as usize]);
        n = (n / 62.0).floor();
    }
    digits.reverse();
    String::from_utf8(digits).expect("alphabet is ASCII")
}

/// Accumulates base62 digits in doubles; `None` on a character outside the alphabet.
fn digits_value(digits: &str) -> Option<f64> {
    digits
        .chars()
        .try_fold(0.0, |acc, c| digit_value(c).map(|d| acc * 62.0 + d))
}

/// Base62 integer (`encode`): floors, negative -> `-` prefix, non-finite -> `undefined`. f64 arithmetic as in JS.
pub fn encode(n: f64) -> String {
    if !n.is_finite() {
        return "undefined".to_string();
    }
    if n == 0.0 {
        return "0".to_string();
    }
    if n < 0.0 {
        return format!("-{}", encode(-n.floor()));
    }
    integer_digits(n.floor())
}

/// Inverse of [`encode`]: empty -> 0, invalid characters -> NaN.
pub fn decode(s: &str) -> f64 {
    if s.is_empty() {
        return 0.0;
    }
    let (negative, digits) = split_sign(s);
    match digits_value(digits) {
        Some(value) if negative => -value,
        Some(value) => value,
        None => f64::NAN,
    }
}

fn split_sign(s: &str) -> (bool, &str) {
    match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    }
}

fn sign_prefix(negative: bool) -> &'static str {
    if negative {
        "-"
    } else {
        ""
    }
}

/// Base62 decimal used by plain `number` attributes and number arrays (`19.99` -> `j.99`).
///
/// The integer part of the JS number text is re-encoded in base62, the fraction is kept as
/// decimal digits. Exponent forms leak through as in s3db.js (`1.5e-7` stays `1.5e-7`), except
/// that `1e-7` (no `.`) is written `1.0e-7`: s3db.js would store base62 of `floor(1e-7)`, the
/// empty string, and lose the value.
pub fn encode_decimal(n: f64) -> String {
    if !n.is_finite() {
        return "undefined".to_string();
    }
    let mut text = to_js_string(n.abs());
    // s3db.js turns `1e-7` (no '.') into an empty string; `1.0e-7` decodes exactly in both libraries.
    if !text.contains('.') {
        if let Some(at) = text.find("e-") {
            text.insert_str(at, ".0");
        }
    }
    let (int_part, frac_part) = match text.split_once('.') {
        Some((int_part, frac_part)) => (int_part, Some(frac_part)),
        None => (text.as_str(), None),
    };
    let encoded_int = encode(parse_js_number(int_part));
    let sign = sign_prefix(n.is_sign_negative());
    let form = match frac_part {
        Some(frac) if !frac.is_empty() => format!("{sign}{encoded_int}.{frac}"),
        _ => format!("{sign}{encoded_int}"),
    };
    if decode_decimal(&form).to_bits() == n.to_bits() {
        return form;
    }
    // Above 2^53 the base62 digits come out of rounded divisions and no longer name the number
    // (`268254699210150660` would read back as `…720`). Its shortest exponent form, with a
    // single-digit integer part, decodes exactly in both libraries: `2.6825469921015066e17`.
    let exponent = format!("{:e}", n.abs());
    let (mantissa, power) = exponent.split_once('e').expect("LowerExp always has an exponent");
    let mantissa = if mantissa.contains('.') { mantissa.to_string() } else { format!("{mantissa}.0") };
    format!("{sign}{mantissa}e{power}")
}

pub fn decode_decimal(s: &str) -> f64 {
    let (negative, rest) = split_sign(s);
    let mut parts = rest.split('.');
    let int_part = parts.next().unwrap_or("");
    let frac_part = parts.next().unwrap_or("");
    let int_value = decode(int_part);
    if int_value.is_nan() {
        return f64::NAN;
    }
    let value = if frac_part.is_empty() {
        int_value
    } else {
        parse_js_number(&format!("{}.{frac_part}", to_js_string(int_value)))
    };
    if negative {
        -value
    } else {
        value
    }
}

/// Signed base62 of an already rounded integer, `0` for zero (shared by the fixed-point forms).
fn scaled_digits(scaled: f64) -> String {
    if scaled == 0.0 {
        return "0".to_string();
    }
    format!(
        "{}{}",
        sign_prefix(scaled < 0.0),
        integer_digits(scaled.abs())
    )
}

/// `digits / 10^precision` for an optionally negative base62 integer; NaN on bad characters.
fn unscale(signed_digits: &str, precision: u32) -> f64 {
    let (negative, digits) = split_sign(signed_digits);
    match digits_value(digits) {
        Some(value) => (if negative { -value } else { value }) / pow10(precision),
        None => f64::NAN,
    }
}

/// Fixed point `^...` (decimal:P, embeddings).
/// Non-finite input, and input whose scaled value overflows to infinity (s3db.js loops
/// forever on those), give `undefined`.
pub fn encode_fixed_point(n: f64, precision: u32) -> String {
    match scale_and_round(n, pow10(precision)) {
        Some(scaled) => format!("^{}", scaled_digits(scaled)),
        None => "undefined".to_string(),
    }
}

/// `Math.round(n * scale)` when both the input and the result are finite.
fn scale_and_round(n: f64, scale: f64) -> Option<f64> {
    let scaled = js_round(n * scale);
    (n.is_finite() && scaled.is_finite()).then_some(scaled)
}

pub fn decode_fixed_point(s: &str, precision: u32) -> f64 {
    match s.strip_prefix('^') {
        Some("0") => 0.0,
        Some(body) => unscale(body, precision),
        None => f64::NAN,
    }
}

/// Fixed-point batch `^[a,b,c]` (embeddings, long numeric arrays).
/// Non-finite items become empty items (and read back as NaN); so do items whose scaled
/// value overflows to infinity (s3db.js loops forever on those).
pub fn encode_fixed_point_batch(values: &[f64], precision: u32) -> String {
    let scale = pow10(precision);
    let items: Vec<String> = values
        .iter()
        .map(|&v| {
            scale_and_round(v, scale)
                .map(scaled_digits)
                .unwrap_or_default()
        })
        .collect();
    format!("^[{}]", items.join(","))
}

/// Inverse of [`encode_fixed_point_batch`]. Like s3db.js it drops the last character
/// unconditionally (the `]`); input without the `^[` prefix gives an empty list.
pub fn decode_fixed_point_batch(s: &str, precision: u32) -> Vec<f64> {
    let Some(rest) = s.strip_prefix("^[") else {
        return Vec::new();
    };
    let mut inner_chars = rest.chars();
    inner_chars.next_back();
    let inner = inner_chars.as_str();
    if inner.is_empty() {
        return Vec::new();
    }
    inner
        .split(',')
        .map(|item| match item {
            "0" => 0.0,
            "" => f64::NAN,
            _ => unscale(item, precision),
        })
        .collect()
}

/// Text s3db.js ends up storing when a money/geo encoder is handed a non-finite number:
/// the encoder returns the number itself and the transport layer applies `String()`.
fn non_finite_passthrough(v: f64) -> Option<String> {
    (!v.is_finite()).then(|| to_js_string(v))
}

/// Money/crypto: `$` + base62(round(v * 10^decimals)).
/// s3db.js throws on negative amounts; that check belongs to validation, here they encode as `$-…`.
pub fn encode_money(v: f64, decimals: u32) -> String {
    if let Some(text) = non_finite_passthrough(v) {
        return text;
    }
    format!("${}", encode(js_round(v * pow10(decimals))))
}

pub fn decode_money(s: &str, decimals: u32) -> f64 {
    match s.strip_prefix('$') {
        Some(digits) => decode(digits) / pow10(decimals),
        None => f64::NAN,
    }
}

const LAT_OFFSET: f64 = 90.0;
const LON_OFFSET: f64 = 180.0;

fn encode_geo(v: f64, offset: f64, precision: u32) -> String {
    if let Some(text) = non_finite_passthrough(v) {
        return text;
    }
    format!("~{}", encode(js_round((v + offset) * pow10(precision))))
}

fn decode_geo(s: &str, offset: f64, precision: u32) -> f64 {
    match s.strip_prefix('~') {
        Some(digits) => decode(digits) / pow10(precision) - offset,
        None => f64::NAN,
    }
}

/// Geo: `~` + base62(round((v + 90|180) * 10^p)).
/// s3db.js throws for out-of-range coordinates; range checks belong to validation.
pub fn encode_geo_lat(v: f64, precision: u32) -> String {
    encode_geo(v, LAT_OFFSET, precision)
}
pub fn decode_geo_lat(s: &str, precision: u32) -> f64 {
    decode_geo(s, LAT_OFFSET, precision)
}
pub fn encode_geo_lon(v: f64, precision: u32) -> String {
    encode_geo(v, LON_OFFSET, precision)
}
pub fn decode_geo_lon(s: &str, precision: u32) -> f64 {
    decode_geo(s, LON_OFFSET, precision)
}
/// Geo point: lat encoding immediately followed by lon encoding.
pub fn encode_geo_point(lat: f64, lon: f64, precision: u32) -> String {
    format!(
        "{}{}",
        encode_geo_lat(lat, precision),
        encode_geo_lon(lon, precision)
    )
}
/// `None` where s3db.js yields `{latitude: NaN, longitude: NaN}` (not exactly two `~` parts)
/// or where either coordinate decodes to NaN.
pub fn decode_geo_point(s: &str, precision: u32) -> Option<(f64, f64)> {
    let parts: Vec<&str> = s.split('~').filter(|p| !p.is_empty()).collect();
    let [lat, lon] = parts.as_slice() else {
        return None;
    };
    let latitude = decode_geo(&format!("~{lat}"), LAT_OFFSET, precision);
    let longitude = decode_geo(&format!("~{lon}"), LON_OFFSET, precision);
    (!latitude.is_nan() && !longitude.is_nan()).then_some((latitude, longitude))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn vectors() -> Value {
        crate::test_vectors("encoding-primitives.json")
    }

    fn section<'a>(v: &'a Value, name: &str) -> &'a Vec<Value> {
        v[name]
            .as_array()
            .unwrap_or_else(|| panic!("section {name}"))
    }

    fn num(v: &Value) -> f64 {
        v.as_f64().expect("number")
    }

    fn text(v: &Value) -> &str {
        v.as_str().expect("string")
    }

    fn same_number(a: f64, b: f64) -> bool {
        (a.is_nan() && b.is_nan()) || a == b
    }

    #[test]
    fn base62_integer_vectors() {
        let v = vectors();
        let entries = section(&v, "base62Encode");
        assert_eq!(entries.len(), 20);
        for e in entries {
            let input = num(&e["input"]);
            assert_eq!(encode(input), text(&e["encoded"]), "encode {input}");
            assert_eq!(
                decode(text(&e["encoded"])),
                num(&e["decoded"]),
                "decode {input}"
            );
        }
    }

    #[test]
    fn base62_non_integer_vectors() {
        let v = vectors();
        let entries = section(&v, "base62EncodeNonInteger");
        assert_eq!(entries.len(), 8);
        for e in entries {
            let input = parse_js_number(text(&e["input"])); // "NaN" parses to NaN too
            assert_eq!(encode(input), text(&e["encoded"]), "encode {input}");
        }
    }

    #[test]
    fn base62_decimal_vectors() {
        let v = vectors();
        let entries = section(&v, "base62EncodeDecimal");
        assert_eq!(entries.len(), 19);
        for e in entries {
            let input = parse_js_number(text(&e["input"]));
            assert_eq!(input, num(&e["inputNumber"]));
            if text(&e["encoded"]).is_empty() {
                // s3db.js loses exponent-only tiny numbers (`1e-7` -> ""); we write a form it decodes.
                assert_eq!(decode_decimal(&encode_decimal(input)), input, "tiny {input}");
                continue;
            }
            if decode_decimal(text(&e["encoded"])).to_bits() != input.to_bits() {
                // s3db.js's form reads back as another number (-0 as 0, 1e21 as …); ours does not.
                assert_eq!(decode_decimal(&encode_decimal(input)).to_bits(), input.to_bits(), "lossy {input}");
                continue;
            }
            assert_eq!(encode_decimal(input), text(&e["encoded"]), "encode {input}");
            assert_eq!(
                decode_decimal(text(&e["encoded"])),
                num(&e["decoded"]),
                "decode {input}"
            );
        }
    }

    #[test]
    fn fixed_point_vectors() {
        let v = vectors();
        let entries = section(&v, "fixedPoint");
        assert_eq!(entries.len(), 9);
        for e in entries {
            let (input, precision) = (num(&e["input"]), e["precision"].as_u64().unwrap() as u32);
            assert_eq!(
                encode_fixed_point(input, precision),
                text(&e["encoded"]),
                "{input}"
            );
            assert_eq!(
                decode_fixed_point(text(&e["encoded"]), precision),
                num(&e["decoded"])
            );
        }
    }

    #[test]
    fn fixed_point_batch_vectors() {
        let v = vectors();
        let entries = section(&v, "fixedPointBatch");
        assert_eq!(entries.len(), 3);
        for e in entries {
            let input: Vec<f64> = e["input"].as_array().unwrap().iter().map(num).collect();
            let expected: Vec<f64> = e["decoded"].as_array().unwrap().iter().map(num).collect();
            let precision = e["precision"].as_u64().unwrap() as u32;
            assert_eq!(
                encode_fixed_point_batch(&input, precision),
                text(&e["encoded"])
            );
            assert_eq!(
                decode_fixed_point_batch(text(&e["encoded"]), precision),
                expected
            );
        }
    }

    #[test]
    fn geo_vectors() {
        let v = vectors();
        let entries = section(&v, "geo");
        assert_eq!(entries.len(), 3);
        for e in entries {
            let precision = e["precision"].as_u64().unwrap() as u32;
            let encoded = text(&e["encoded"]);
            match text(&e["fn"]) {
                "encodeGeoLat" => {
                    let input = num(&e["input"]);
                    assert_eq!(encode_geo_lat(input, precision), encoded);
                    assert!((decode_geo_lat(encoded, precision) - input).abs() < 1e-6);
                }
                "encodeGeoLon" => {
                    let input = num(&e["input"]);
                    assert_eq!(encode_geo_lon(input, precision), encoded);
                    assert!((decode_geo_lon(encoded, precision) - input).abs() < 1e-6);
                }
                "encodeGeoPoint" => {
                    let (lat, lon) = (num(&e["input"][0]), num(&e["input"][1]));
                    assert_eq!(encode_geo_point(lat, lon, precision), encoded);
                    let (dlat, dlon) = decode_geo_point(encoded, precision).unwrap();
                    assert!((dlat - lat).abs() < 1e-6 && (dlon - lon).abs() < 1e-6);
                }
                other => panic!("unknown geo fn {other}"),
            }
        }
    }

    #[test]
    #[allow(clippy::approx_constant)] // 3.14159 is the spec's example, not an approximation of π
    fn spec_examples() {
        assert_eq!(encode(2.7), "2");
        assert_eq!(encode(-0.0), "0");
        assert_eq!(encode(123456789012.0), "2aL26ws");
        assert_eq!(encode_decimal(-1e-7), "-1.0e-7");
        assert_eq!(decode_decimal("-1.0e-7"), -1e-7);
        assert_eq!(encode_decimal(2e-8), "2.0e-8");
        assert_eq!(encode_decimal(f64::NAN), "undefined");
        assert_eq!(encode_fixed_point(3.14159, 4), "^8aI");
        assert_eq!(encode_fixed_point(f64::INFINITY, 6), "undefined");
        assert_eq!(encode_fixed_point(1e305, 6), "undefined");
        assert_eq!(encode_fixed_point_batch(&[1e305, 0.0], 6), "^[,0]");
        assert_eq!(encode_money(1e307, 2), "$undefined");
        assert_eq!(encode_geo_lat(1e305, 6), "~undefined");
        assert_eq!(encode_fixed_point_batch(&[f64::NAN, 1.0], 6), "^[,4c92]");
        assert!(same_number(
            decode_fixed_point_batch("^[,4c92]", 6)[0],
            f64::NAN
        ));
        assert_eq!(decode_fixed_point_batch("^[]", 6), Vec::<f64>::new());
        assert_eq!(decode_fixed_point_batch("nope", 6), Vec::<f64>::new());
        assert_eq!(encode_money(19.99, 2), "$wf");
        assert_eq!(decode_money("$wf", 2), 19.99);
        assert_eq!(encode_money(0.00012345, 8), "$3d7");
        assert_eq!(decode_money("$3d7", 8), 0.00012345);
        assert_eq!(encode_money(f64::NAN, 2), "NaN");
        assert_eq!(encode_geo_lat(-23.55052, 6), "~4uOxO");
        assert!(decode_geo_point("~8QsmY", 6).is_none());
        assert!(decode_geo_point("~8QsmY~!!", 6).is_none());
    }

    /// §3.3 plugin attribute keys are built from base62 of a 32-bit hash.
    #[test]
    fn plugin_attribute_keys() {
        let maps = crate::test_vectors("schema-maps.json");
        let entries = maps["pluginAttributeKeys"].as_array().unwrap();
        assert_eq!(entries.len(), 4);
        for e in entries {
            let key = crate::schema::plugin_attribute_key(text(&e["plugin"]), text(&e["attribute"]));
            assert_eq!(key, text(&e["key"]), "{e}");
        }
    }

    #[test]
    fn decode_edge_cases() {
        assert_eq!(decode(""), 0.0);
        assert!(decode("-").is_sign_negative());
        assert!(decode("a.b").is_nan());
        assert!(decode("+1").is_nan());
        assert!(decode_decimal("!.5").is_nan());
        assert_eq!(decode_decimal("j.99.1"), 19.99);
        assert_eq!(decode_decimal("-0.5"), -0.5);
        assert_eq!(decode_fixed_point("^", 6), 0.0);
        assert!(decode_fixed_point("w7e", 6).is_nan());
        assert!(decode_fixed_point("^w!e", 6).is_nan());
        assert!(decode_money("wf", 2).is_nan());
    }

    #[test]
    fn math_round_matches_javascript() {
        assert_eq!(js_round(2.5), 3.0);
        assert_eq!(js_round(-2.5), -2.0);
        assert!(js_round(-0.5).is_sign_negative() && js_round(-0.5) == 0.0);
        assert_eq!(js_round(0.49999999999999994), 0.0);
        assert_eq!(js_round(4503599627370497.0), 4503599627370497.0);
        assert_eq!(js_round(-123456.4), -123456.0);
    }

    #[test]
    fn decimals_that_base62_would_change_are_written_in_exponent_form() {
        for n in [268254699210150660.0, 1e308, -1e308, 9007199254740993.0 * 3.0, 1.7976931348623157e308, -0.0, 2f64.powi(80) + 2f64.powi(28)] {
            let form = encode_decimal(n);
            assert_eq!(decode_decimal(&form).to_bits(), n.to_bits(), "{n} written {form}");
        }
        assert_eq!(encode_decimal(268254699210150660.0), "2.6825469921015066e17");
        assert_eq!(encode_decimal(1e308), "1.0e308");
        assert_eq!(encode_decimal(-0.0), "-0");
        // Numbers whose base62 form is exact keep it, byte for byte as s3db.js writes them.
        assert_eq!(encode_decimal(19.99), "j.99");
        assert_eq!(encode_decimal(2f64.powi(53)), encode(2f64.powi(53)));
    }

    #[test]
    fn large_values_use_double_arithmetic() {
        assert_eq!(encode(1e21), "jdt8BLTpPG02");
        // s3db.js writes `jdt8BLTpPG02` for 1e21 as a decimal, which reads back as another number.
        assert_eq!(decode_decimal(&encode_decimal(1e21)), 1e21);
        assert_eq!(encode_decimal(1.2345e22), "1.2345e+22");
        assert_eq!(decode_decimal("1.2345e+22"), 1.2345e22);
        assert_eq!(encode(f64::MAX).len(), 172);
    }
}
