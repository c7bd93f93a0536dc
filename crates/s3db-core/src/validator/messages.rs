//! Message templates (fastest-validator 1.19 texts, verbatim) and their rendering.

use serde_json::Value;

use super::js::to_message_string;

/// The default template for an error type.
pub(crate) fn default_template(kind: &str) -> &'static str {
    match kind {
        "required" => "The '{field}' field is required.",
        "string" => "The '{field}' field must be a string.",
        "stringEmpty" => "The '{field}' field must not be empty.",
        "stringMin" => "The '{field}' field length must be greater than or equal to {expected} characters long.",
        "stringMax" => "The '{field}' field length must be less than or equal to {expected} characters long.",
        "stringLength" => "The '{field}' field length must be {expected} characters long.",
        "stringPattern" => "The '{field}' field fails to match the required pattern.",
        "stringContains" => "The '{field}' field must contain the '{expected}' text.",
        "stringEnum" => "The '{field}' field does not match any of the allowed values.",
        "stringNumeric" => "The '{field}' field must be a numeric string.",
        "stringAlpha" => "The '{field}' field must be an alphabetic string.",
        "stringAlphanum" => "The '{field}' field must be an alphanumeric string.",
        "stringAlphadash" => "The '{field}' field must be an alphadash string.",
        "stringHex" => "The '{field}' field must be a hex string.",
        "stringSingleLine" => "The '{field}' field must be a single line string.",
        "stringBase64" => "The '{field}' field must be a base64 string.",
        "number" => "The '{field}' field must be a number.",
        "numberMin" => "The '{field}' field must be greater than or equal to {expected}.",
        "numberMax" => "The '{field}' field must be less than or equal to {expected}.",
        "numberEqual" => "The '{field}' field must be equal to {expected}.",
        "numberNotEqual" => "The '{field}' field can't be equal to {expected}.",
        "numberInteger" => "The '{field}' field must be an integer.",
        "numberPositive" => "The '{field}' field must be a positive number.",
        "numberNegative" => "The '{field}' field must be a negative number.",
        "array" => "The '{field}' field must be an array.",
        "arrayEmpty" => "The '{field}' field must not be an empty array.",
        "arrayMin" => "The '{field}' field must contain at least {expected} items.",
        "arrayMax" => "The '{field}' field must contain less than or equal to {expected} items.",
        "arrayLength" => "The '{field}' field must contain {expected} items.",
        "arrayContains" => "The '{field}' field must contain the '{expected}' item.",
        "arrayUnique" => "The '{actual}' value in '{field}' field does not unique the '{expected}' values.",
        "arrayEnum" => "The '{actual}' value in '{field}' field does not match any of the '{expected}' values.",
        "tuple" => "The '{field}' field must be an array.",
        "tupleEmpty" => "The '{field}' field must not be an empty array.",
        "tupleLength" => "The '{field}' field must contain {expected} items.",
        "boolean" => "The '{field}' field must be a boolean.",
        "currency" => "The '{field}' must be a valid currency format",
        "date" => "The '{field}' field must be a Date.",
        "dateMin" => "The '{field}' field must be greater than or equal to {expected}.",
        "dateMax" => "The '{field}' field must be less than or equal to {expected}.",
        "enumValue" => "The '{field}' field value '{expected}' does not match any of the allowed values.",
        "equalValue" => "The '{field}' field value must be equal to '{expected}'.",
        "equalField" => "The '{field}' field value must be equal to '{expected}' field value.",
        "forbidden" => "The '{field}' field is forbidden.",
        "function" => "The '{field}' field must be a function.",
        "email" => "The '{field}' field must be a valid e-mail.",
        "emailEmpty" => "The '{field}' field must not be empty.",
        "emailMin" => "The '{field}' field length must be greater than or equal to {expected} characters long.",
        "emailMax" => "The '{field}' field length must be less than or equal to {expected} characters long.",
        "luhn" => "The '{field}' field must be a valid checksum luhn.",
        "mac" => "The '{field}' field must be a valid MAC address.",
        "object" => "The '{field}' must be an Object.",
        "objectStrict" => "The object '{field}' contains forbidden keys: '{actual}'.",
        "objectMinProps" => "The object '{field}' must contain at least {expected} properties.",
        "objectMaxProps" => "The object '{field}' must contain {expected} properties at most.",
        "url" => "The '{field}' field must be a valid URL.",
        "urlEmpty" => "The '{field}' field must not be empty.",
        "uuid" => "The '{field}' field must be a valid UUID.",
        "uuidVersion" => "The '{field}' field must be a valid UUID version provided.",
        "record" => "The '{field}' must be an Object.",
        // s3db-native additions (s3db.js 12.4 does not check address formats itself).
        "ip4" => "The '{field}' field must be a valid IPv4 address.",
        "ip6" => "The '{field}' field must be a valid IPv6 address.",
        _ => "The '{field}' field is invalid.",
    }
}

/// s3db's own texts for range violations of its number types.
pub(crate) const MONEY_NEGATIVE: &str = "Money value cannot be negative";
pub(crate) const LATITUDE_RANGE: &str = "Latitude out of range";
pub(crate) const LONGITUDE_RANGE: &str = "Longitude out of range";

/// Templates the s3db `secret` alias overrides.
pub(crate) fn secret_messages() -> Vec<(String, String)> {
    vec![
        ("string".into(), "The '{field}' field must be a string.".into()),
        ("stringMin".into(), "This secret '{field}' field length must be at least {expected} long.".into()),
    ]
}

/// Templates for record keys: the string texts say "key" instead of "field".
pub(crate) fn record_key_messages() -> Vec<(String, String)> {
    const STRING_KINDS: [&str; 15] = [
        "string",
        "stringEmpty",
        "stringMin",
        "stringMax",
        "stringLength",
        "stringPattern",
        "stringContains",
        "stringEnum",
        "stringNumeric",
        "stringAlpha",
        "stringAlphanum",
        "stringAlphadash",
        "stringHex",
        "stringSingleLine",
        "stringBase64",
    ];
    STRING_KINDS.iter().map(|k| (k.to_string(), default_template(k).replacen(" field ", " key ", 1))).collect()
}

/// Fills `{field}`, `{expected}` and `{actual}` into a template.
pub(crate) fn render(template: &str, field: &str, expected: Option<&Value>, actual: Option<&Value>) -> String {
    let mut message = template.replace("{field}", field);
    if message.contains("{expected}") {
        message = message.replace("{expected}", &expected.map(to_message_string).unwrap_or_default());
    }
    if message.contains("{actual}") {
        message = message.replace("{actual}", &actual.map(to_message_string).unwrap_or_default());
    }
    message
}

/// Allowed values as fastest-validator shows them in `expected`: `values.join(", ")`.
pub(crate) fn allowed_values(values: &[Value]) -> Value {
    let parts: Vec<String> = values.iter().map(to_message_string).collect();
    Value::String(parts.join(", "))
}

/// Where a value sits in the document; rendered only when an error is reported.
pub(crate) enum FieldPath<'a> {
    Root,
    /// An object property (`a.b`, or `a['my-key']` for non-identifier names).
    Prop(&'a FieldPath<'a>, &'a str),
    /// An array element (`tags[0]`).
    Item(&'a FieldPath<'a>, usize),
    /// A record entry (always dotted).
    Entry(&'a FieldPath<'a>, &'a str),
}

impl FieldPath<'_> {
    pub(crate) fn render(&self) -> String {
        let mut out = String::new();
        self.write_to(&mut out);
        out
    }

    fn write_to(&self, out: &mut String) {
        match self {
            FieldPath::Root => {}
            FieldPath::Prop(FieldPath::Root, name) | FieldPath::Entry(FieldPath::Root, name) => out.push_str(name),
            FieldPath::Prop(parent, name) => {
                parent.write_to(out);
                if is_identifier(name) {
                    out.push('.');
                    out.push_str(name);
                } else {
                    out.push_str("['");
                    out.push_str(name);
                    out.push_str("']");
                }
            }
            FieldPath::Entry(parent, key) => {
                parent.write_to(out);
                out.push('.');
                out.push_str(key);
            }
            FieldPath::Item(parent, index) => {
                parent.write_to(out);
                out.push('[');
                out.push_str(&index.to_string());
                out.push(']');
            }
        }
    }
}

/// fastest-validator writes identifier-like names with a dot, others in brackets.
fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c == '_' || c == '$' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c == '$' || c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renders_placeholders() {
        let text = render(default_template("stringMin"), "name", Some(&json!(2)), Some(&json!(1)));
        assert_eq!(text, "The 'name' field length must be greater than or equal to 2 characters long.");
        let text = render(
            default_template("arrayUnique"),
            "tags",
            Some(&json!(["a", "b"])),
            Some(&json!(["a", "b", "a", "b"])),
        );
        assert_eq!(text, "The 'a,b,a,b' value in 'tags' field does not unique the 'a,b' values.");
    }

    #[test]
    fn renders_paths() {
        let root = FieldPath::Root;
        let profile = FieldPath::Prop(&root, "profile");
        let address = FieldPath::Prop(&profile, "address");
        assert_eq!(FieldPath::Prop(&address, "city").render(), "profile.address.city");
        assert_eq!(FieldPath::Prop(&profile, "my-key").render(), "profile['my-key']");
        assert_eq!(FieldPath::Prop(&root, "my-key").render(), "my-key");
        let tags = FieldPath::Prop(&root, "tags");
        let item = FieldPath::Item(&tags, 1);
        assert_eq!(item.render(), "tags[1]");
        assert_eq!(FieldPath::Prop(&item, "k").render(), "tags[1].k");
    }
}
