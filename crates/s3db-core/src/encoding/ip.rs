//! IPv4/IPv6 packing as s3db.js stores them (standard base64 of the address bytes).

pub fn encode_ipv4(addr: &str) -> Option<String> { let _ = addr; todo!("helper A") }
pub fn decode_ipv4(stored: &str) -> Option<String> { let _ = stored; todo!("helper A") }
pub fn encode_ipv6(addr: &str) -> Option<String> { let _ = addr; todo!("helper A") }
/// Output in compressed form (`2001:db8::1`).
pub fn decode_ipv6(stored: &str) -> Option<String> { let _ = stored; todo!("helper A") }
