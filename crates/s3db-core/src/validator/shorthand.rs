//! Parsing of fastest-validator shorthand definitions such as `'string|min:2|optional'`.

use serde_json::{Map, Value};

use super::js::{number_value, string_to_number};

/// A shorthand split into its type token and rule properties, as fastest-validator reads it.
pub(crate) struct Shorthand {
    /// First segment, e.g. `string`, `money:2`, `embedding:4`, `string[]`.
    pub type_name: String,
    /// `key:value` segments (values typed like fastest-validator does) and bare flags.
    pub props: Map<String, Value>,
    /// The untyped text after `default:`, for s3db's own default conversion.
    pub raw_default: Option<String>,
}

/// Splits on `|`; `key:value` sets a property (`true`/`false` and numeric text become
/// booleans and numbers), `flag` sets `true`, `no-flag` sets `false`.
pub(crate) fn parse(text: &str) -> Shorthand {
    let mut segments = text.split('|').map(str::trim);
    let type_name = segments.next().unwrap_or_default().to_string();
    let mut props = Map::new();
    let mut raw_default = None;
    for segment in segments {
        if let Some((key, raw)) = segment.split_once(':') {
            let (key, raw) = (key.trim(), raw.trim());
            if key == "default" {
                raw_default = Some(raw.to_string());
            }
            props.insert(key.to_string(), typed_argument(raw));
        } else if let Some(flag) = segment.strip_prefix("no-") {
            props.insert(flag.to_string(), Value::Bool(false));
        } else {
            props.insert(segment.to_string(), Value::Bool(true));
        }
    }
    Shorthand { type_name, props, raw_default }
}

/// `"true"`/`"false"` → booleans, text `Number()` accepts → numbers, anything else stays text.
fn typed_argument(raw: &str) -> Value {
    match raw {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ => match string_to_number(raw) {
            Some(n) if n.is_finite() => number_value(n),
            _ => Value::String(raw.to_string()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn splits_type_and_rules() {
        let parsed = parse("string | min:2 |max:100| optional|no-empty|pattern:^a:b$");
        assert_eq!(parsed.type_name, "string");
        assert_eq!(
            Value::Object(parsed.props),
            json!({"min": 2, "max": 100, "optional": true, "empty": false, "pattern": "^a:b$"})
        );
    }

    #[test]
    fn types_arguments_like_fastest_validator() {
        let parsed = parse("number|default:0|integer:true|enum:a,b|min:-1.5|x:");
        assert_eq!(
            Value::Object(parsed.props),
            json!({"default": 0, "integer": true, "enum": "a,b", "min": -1.5, "x": 0})
        );
        assert_eq!(parsed.raw_default.as_deref(), Some("0"));
        assert_eq!(parse("money:2|optional").type_name, "money:2");
    }
}
