//! s3db.js number encodings (`src/concerns/base62.js@v12.4.0` and the money/geo/fixed-point helpers).

/// Base62 integer (`encode`): floors, negative -> `-` prefix, non-finite -> `undefined`. f64 arithmetic as in JS.
pub fn encode(n: f64) -> String { let _ = n; todo!("helper A") }
/// Inverse of [`encode`]: empty -> 0, invalid characters -> NaN.
pub fn decode(s: &str) -> f64 { let _ = s; todo!("helper A") }
/// Base62 decimal used by plain `number` attributes and number arrays (`19.99` -> `j.99`).
pub fn encode_decimal(n: f64) -> String { let _ = n; todo!("helper A") }
pub fn decode_decimal(s: &str) -> f64 { let _ = s; todo!("helper A") }
/// Fixed point `^...` (decimal:P, embeddings).
pub fn encode_fixed_point(n: f64, precision: u32) -> String { let _ = (n, precision); todo!("helper A") }
pub fn decode_fixed_point(s: &str, precision: u32) -> f64 { let _ = (s, precision); todo!("helper A") }
/// Fixed-point batch `^[a,b,c]` (embeddings, long numeric arrays).
pub fn encode_fixed_point_batch(values: &[f64], precision: u32) -> String { let _ = (values, precision); todo!("helper A") }
pub fn decode_fixed_point_batch(s: &str, precision: u32) -> Vec<f64> { let _ = (s, precision); todo!("helper A") }
/// Money/crypto: `$` + base62(round(v * 10^decimals)).
pub fn encode_money(v: f64, decimals: u32) -> String { let _ = (v, decimals); todo!("helper A") }
pub fn decode_money(s: &str, decimals: u32) -> f64 { let _ = (s, decimals); todo!("helper A") }
/// Geo: `~` + base62(round((v + 90|180) * 10^p)).
pub fn encode_geo_lat(v: f64, precision: u32) -> String { let _ = (v, precision); todo!("helper A") }
pub fn decode_geo_lat(s: &str, precision: u32) -> f64 { let _ = (s, precision); todo!("helper A") }
pub fn encode_geo_lon(v: f64, precision: u32) -> String { let _ = (v, precision); todo!("helper A") }
pub fn decode_geo_lon(s: &str, precision: u32) -> f64 { let _ = (s, precision); todo!("helper A") }
/// Geo point: lat encoding immediately followed by lon encoding.
pub fn encode_geo_point(lat: f64, lon: f64, precision: u32) -> String { let _ = (lat, lon, precision); todo!("helper A") }
pub fn decode_geo_point(s: &str, precision: u32) -> Option<(f64, f64)> { let _ = (s, precision); todo!("helper A") }
