//! Type names: fastest-validator's rule types plus the s3db aliases (`secret`, `json`,
//! `embedding:N`, `ip4`, `money:D`, `geo:lat:P`, …), resolved to the rule that checks them.

use serde_json::Value;

use super::rules::{IpVersion, NumberDomain};

/// The fastest-validator rule a type name is checked with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum BaseType {
    Any,
    String,
    Number,
    Boolean,
    Date,
    Email,
    Url,
    Uuid,
    Array,
    Object,
    Enum,
    Equal,
    Forbidden,
    Multi,
    Currency,
    Mac,
    Luhn,
    Tuple,
    Record,
    Function,
}

/// s3db specifics layered on the base rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Extra {
    None,
    /// `secret`: string with the alias' own messages.
    Secret,
    Address(IpVersion),
    Domain(NumberDomain),
    /// Shorthand `geo:point`: s3db replaces the whole definition by `any`, so every
    /// other rule (including `optional`) is dropped.
    PointDropsRules,
}

pub(crate) struct ResolvedType {
    pub base: BaseType,
    pub extra: Extra,
    /// Properties the alias implies unless the definition sets them (`embedding:4` →
    /// `items: number`, `length: 4`, `empty: false`).
    pub implied: Vec<(&'static str, Value)>,
}

impl ResolvedType {
    fn plain(base: BaseType) -> Self {
        Self { base, extra: Extra::None, implied: Vec::new() }
    }

    fn with(base: BaseType, extra: Extra) -> Self {
        Self { base, extra, implied: Vec::new() }
    }
}

/// Resolves a type name; `None` for names no rule exists for.
pub(crate) fn resolve(name: &str, from_shorthand: bool) -> Option<ResolvedType> {
    if let Some(base) = standard_type(name) {
        return Some(ResolvedType::plain(base));
    }
    if let Some(item_type) = name.strip_suffix("[]").filter(|t| !t.is_empty()) {
        let mut resolved = ResolvedType::plain(BaseType::Array);
        resolved.implied.push(("items", Value::String(item_type.to_string())));
        return Some(resolved);
    }
    s3db_type(name, from_shorthand)
}

fn standard_type(name: &str) -> Option<BaseType> {
    Some(match name {
        "any" => BaseType::Any,
        "string" => BaseType::String,
        "number" => BaseType::Number,
        "boolean" => BaseType::Boolean,
        "date" | "datetime" => BaseType::Date,
        "email" => BaseType::Email,
        "url" => BaseType::Url,
        "uuid" => BaseType::Uuid,
        "array" => BaseType::Array,
        "object" => BaseType::Object,
        "enum" => BaseType::Enum,
        "equal" => BaseType::Equal,
        "forbidden" => BaseType::Forbidden,
        "multi" => BaseType::Multi,
        "currency" => BaseType::Currency,
        "mac" => BaseType::Mac,
        "luhn" => BaseType::Luhn,
        "tuple" => BaseType::Tuple,
        "record" => BaseType::Record,
        "function" => BaseType::Function,
        // Rules that need JS objects (class instances, custom functions, ObjectIDs) cannot
        // be expressed in JSON; they accept any value.
        "class" | "custom" | "objectID" => BaseType::Any,
        _ => return None,
    })
}

fn s3db_type(name: &str, from_shorthand: bool) -> Option<ResolvedType> {
    let (head, argument) = split_type_argument(name);
    let resolved = match head {
        "secret" if argument.is_none() => ResolvedType::with(BaseType::String, Extra::Secret),
        "secretAny" | "json" if argument.is_none() => ResolvedType::plain(BaseType::Any),
        "secretNumber" if argument.is_none() => ResolvedType::plain(BaseType::Number),
        "ip4" if argument.is_none() => ResolvedType::with(BaseType::String, Extra::Address(IpVersion::V4)),
        "ip6" if argument.is_none() => ResolvedType::with(BaseType::String, Extra::Address(IpVersion::V6)),
        "money" | "crypto" if argument.is_none_or(is_precision_or_currency) => {
            ResolvedType::with(BaseType::Number, Extra::Domain(NumberDomain::Money))
        }
        "decimal" if argument.is_none_or(is_digits) => ResolvedType::plain(BaseType::Number),
        "geo:lat" | "geo-lat" if argument.is_none_or(is_digits) => {
            ResolvedType::with(BaseType::Number, Extra::Domain(NumberDomain::Latitude))
        }
        "geo:lon" | "geo-lon" if argument.is_none_or(is_digits) => {
            ResolvedType::with(BaseType::Number, Extra::Domain(NumberDomain::Longitude))
        }
        "geo:point" | "geo-point" if argument.is_none_or(is_digits) => {
            let extra = if from_shorthand { Extra::PointDropsRules } else { Extra::None };
            ResolvedType::with(BaseType::Any, extra)
        }
        "embedding" => embedding(argument)?,
        _ => return None,
    };
    Some(resolved)
}

/// `embedding` / `embedding:N`: a non-empty array of numbers (of length N).
fn embedding(argument: Option<&str>) -> Option<ResolvedType> {
    let mut resolved = ResolvedType::plain(BaseType::Array);
    resolved.implied.push(("items", Value::String("number".into())));
    if let Some(length) = argument {
        let length: u64 = length.parse().ok().filter(|_| is_digits(length))?;
        resolved.implied.push(("length", Value::from(length)));
    }
    resolved.implied.push(("empty", Value::Bool(false)));
    Some(resolved)
}

/// Splits the trailing `:argument` off s3db type names (`money:2`, `geo:lat:6`).
fn split_type_argument(name: &str) -> (&str, Option<&str>) {
    for prefix in ["geo:lat", "geo:lon", "geo:point"] {
        if let Some(rest) = name.strip_prefix(prefix) {
            return match rest.strip_prefix(':') {
                Some(argument) => (prefix, Some(argument)),
                None if rest.is_empty() => (prefix, None),
                None => (name, None),
            };
        }
    }
    match name.split_once(':') {
        Some((head, argument)) => (head, Some(argument)),
        None => (name, None),
    }
}

fn is_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// `money:2` (decimals) or `money:USD` (currency code, older s3db releases).
fn is_precision_or_currency(text: &str) -> bool {
    is_digits(text) || ((3..=4).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_uppercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_s3db_aliases() {
        assert_eq!(resolve("secret", true).map(|r| r.extra), Some(Extra::Secret));
        assert_eq!(resolve("money:2", true).map(|r| r.base), Some(BaseType::Number));
        assert_eq!(resolve("crypto:8", true).map(|r| r.extra), Some(Extra::Domain(NumberDomain::Money)));
        assert_eq!(resolve("geo:lat:6", true).map(|r| r.extra), Some(Extra::Domain(NumberDomain::Latitude)));
        assert_eq!(resolve("geo:point", true).map(|r| r.extra), Some(Extra::PointDropsRules));
        assert_eq!(resolve("geo:point", false).map(|r| r.extra), Some(Extra::None));
        let embedding = resolve("embedding:4", true).expect("embedding resolves");
        assert_eq!(embedding.base, BaseType::Array);
        assert_eq!(embedding.implied.len(), 3);
        assert_eq!(resolve("string[]", true).map(|r| r.base), Some(BaseType::Array));
    }

    #[test]
    fn rejects_unknown_names() {
        for name in ["strng", "embedding:abc", "decimal:x", "geo:latitude", "secret:1", "", "[]", "money:x"] {
            assert!(resolve(name, true).is_none(), "{name} should not resolve");
        }
    }
}
