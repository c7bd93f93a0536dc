//! Turns attribute definitions (shorthand strings, object notation, nested objects,
//! alternatives) into the rule tree, the way s3db.js 12.4 preprocesses them for
//! fastest-validator.

use serde_json::{Map, Value};

use super::formats::{currency_regex, CurrencyOptions};
use super::js::{is_truthy, number_value, string_to_number, to_js_string};
use super::messages::{record_key_messages, secret_messages};
use super::regex::JsRegex;
use super::rules::{
    ArrayRule, Check, EmailRule, EqualRule, EqualTarget, NumberRule, ObjectRule, RecordRule, Rule, Sanitizers,
    Strictness, StringRule, TupleRule,
};
use super::shorthand::{self, Shorthand};
use super::types::{self, BaseType, Extra, ResolvedType};

pub(crate) struct Compiler {
    pub all_nested_objects_optional: bool,
}

impl Compiler {
    /// The resource's `attributes` become the root object (unknown fields kept).
    pub(crate) fn compile_attributes(&self, attributes: &Map<String, Value>) -> Result<ObjectRule, String> {
        let props = self.compile_props(attributes, "")?;
        let strict = attributes.get("$$strict").map_or(Strictness::Keep, strictness);
        Ok(object_rule(Some(props), strict))
    }

    /// Every key except schema metadata (`$$type`, `$$strict`, …).
    fn compile_props(&self, map: &Map<String, Value>, parent: &str) -> Result<Vec<(String, Rule)>, String> {
        map.iter()
            .filter(|(name, _)| !name.starts_with("$$"))
            .map(|(name, definition)| {
                let path = if parent.is_empty() { name.clone() } else { format!("{parent}.{name}") };
                Ok((name.clone(), self.compile_definition(definition, &path)?))
            })
            .collect()
    }

    fn compile_definition(&self, definition: &Value, path: &str) -> Result<Rule, String> {
        match definition {
            Value::String(text) => self.compile_shorthand(text, path),
            Value::Array(alternatives) => self.compile_alternatives(alternatives, path),
            Value::Object(map) if map.contains_key("$$type") => self.compile_nested_object(map, path),
            Value::Object(map) => match map.get("type") {
                Some(Value::String(type_name)) => self.compile_object_notation(type_name, map, path),
                _ => self.compile_nested_object(map, path),
            },
            other => Err(format!(
                "Invalid definition {other} in attribute '{path}': expected a string, an array or an object"
            )),
        }
    }

    fn compile_shorthand(&self, text: &str, path: &str) -> Result<Rule, String> {
        let Shorthand { type_name, mut props, raw_default } = shorthand::parse(text);
        let resolved = resolve_type(&type_name, true, path)?;
        if resolved.extra == Extra::PointDropsRules {
            return Ok(Rule::new(Check::Any));
        }
        add_implied(&mut props, &resolved);
        let mut rule = self.build_rule(&resolved, &Props { map: &props, path })?;
        if let Some(raw) = raw_default {
            rule.default = Some(default_from_text(&raw, resolved.base));
        }
        Ok(rule)
    }

    fn compile_object_notation(&self, type_name: &str, map: &Map<String, Value>, path: &str) -> Result<Rule, String> {
        let resolved = resolve_type(type_name, false, path)?;
        if resolved.implied.is_empty() {
            return self.build_rule(&resolved, &Props { map, path });
        }
        let mut props = map.clone();
        add_implied(&mut props, &resolved);
        self.build_rule(&resolved, &Props { map: &props, path })
    }

    /// `['string', 'number']`: valid when one alternative is; optional/nullable only when
    /// every alternative is.
    fn compile_alternatives(&self, alternatives: &[Value], path: &str) -> Result<Rule, String> {
        if alternatives.is_empty() {
            return Err(format!("Invalid definition in attribute '{path}': empty list of alternatives"));
        }
        let rules = alternatives
            .iter()
            .map(|alternative| self.compile_definition(alternative, path))
            .collect::<Result<Vec<_>, _>>()?;
        let mut rule = Rule::new(Check::Multi(Vec::new()));
        rule.optional = rules.iter().all(|r| r.optional);
        rule.nullable = rules.iter().all(|r| r.nullable);
        rule.check = Check::Multi(rules);
        Ok(rule)
    }

    /// A plain object is a nested schema; `$$type` (`'object|required'`, …) sets its own
    /// rule, otherwise it is optional when `allNestedObjectsOptional` is on.
    fn compile_nested_object(&self, map: &Map<String, Value>, path: &str) -> Result<Rule, String> {
        let props = self.compile_props(map, path)?;
        let mut object = object_rule(Some(props), Strictness::Keep);
        let mut rule = Rule::new(Check::Any);
        rule.optional = self.all_nested_objects_optional;
        if let Some(declared) = map.get("$$type") {
            let text = declared
                .as_str()
                .ok_or_else(|| format!("Invalid $$type {declared} in attribute '{path}': expected a string"))?;
            let declared = shorthand::parse(text);
            if declared.type_name != "object" {
                return Err(format!(
                    "Invalid $$type '{text}' in attribute '{path}': nested objects must be of type 'object'"
                ));
            }
            let flags = Props { map: &declared.props, path };
            rule.optional =
                !flags.is_true("required") && (flags.is_true("optional") || self.all_nested_objects_optional);
            rule.nullable = flags.is_true("nullable");
            object.strict = declared.props.get("strict").map_or(Strictness::Keep, strictness);
            object.min_props = flags.number("minProps")?;
            object.max_props = flags.number("maxProps")?;
        }
        rule.check = Check::Object(Box::new(object));
        Ok(rule)
    }

    fn build_rule(&self, resolved: &ResolvedType, props: &Props<'_>) -> Result<Rule, String> {
        let check = self.build_check(resolved, props)?;
        let mut rule = Rule::new(check);
        rule.optional = props.is_true("optional");
        rule.nullable = props.is_true("nullable");
        rule.default = props.value("default").cloned();
        rule.label = props.string("label")?.map(str::to_string);
        rule.messages = props.messages()?;
        if resolved.extra == Extra::Secret {
            rule.messages.extend(secret_messages());
        }
        Ok(rule)
    }

    fn build_check(&self, resolved: &ResolvedType, props: &Props<'_>) -> Result<Check, String> {
        Ok(match resolved.base {
            BaseType::Any => Check::Any,
            BaseType::String => Check::String(Box::new(string_rule(props, resolved.extra)?)),
            BaseType::Number => Check::Number(Box::new(number_rule(props, resolved.extra)?)),
            BaseType::Boolean => Check::Boolean { convert: props.is_true("convert") },
            BaseType::Date => Check::Date { convert: props.is_true("convert") },
            BaseType::Email => Check::Email(Box::new(email_rule(props)?)),
            BaseType::Url => Check::Url { allow_empty: props.truthy("empty") },
            BaseType::Uuid => Check::Uuid { version: props.number("version")?.map(|v| v.trunc() as i64) },
            BaseType::Mac => Check::Mac,
            BaseType::Luhn => Check::Luhn,
            BaseType::Function => Check::Function,
            BaseType::Currency => Check::Currency(Box::new(currency(props)?)),
            BaseType::Enum => {
                Check::Enum { values: props.list("values")?.ok_or_else(|| props.missing("values", "enum"))? }
            }
            BaseType::Equal => Check::Equal(Box::new(equal_rule(props)?)),
            BaseType::Forbidden => Check::Forbidden { remove: props.truthy("remove") },
            BaseType::Array => Check::Array(Box::new(self.array_rule(props)?)),
            BaseType::Tuple => Check::Tuple(Box::new(self.tuple_rule(props)?)),
            BaseType::Object => Check::Object(Box::new(self.object_notation_rule(props)?)),
            BaseType::Record => Check::Record(Box::new(self.record_rule(props)?)),
            BaseType::Multi => Check::Multi(self.multi_rules(props)?),
        })
    }

    fn array_rule(&self, props: &Props<'_>) -> Result<ArrayRule, String> {
        let items = match props.value("items") {
            Some(definition) => Some(self.compile_definition(definition, &format!("{}[]", props.path))?),
            None => None,
        };
        Ok(ArrayRule {
            reject_empty: props.is_false("empty"),
            min: props.number("min")?,
            max: props.number("max")?,
            length: props.number("length")?,
            contains: props.value("contains").cloned(),
            unique: props.is_true("unique"),
            enum_values: props.list("enum")?,
            items,
        })
    }

    fn tuple_rule(&self, props: &Props<'_>) -> Result<TupleRule, String> {
        let items = match props.value("items") {
            None => None,
            Some(Value::Array(definitions)) if !definitions.is_empty() => Some(
                definitions
                    .iter()
                    .enumerate()
                    .map(|(i, d)| self.compile_definition(d, &format!("{}[{i}]", props.path)))
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            Some(other) => return Err(props.invalid("items", other, "a non-empty array of definitions")),
        };
        Ok(TupleRule { reject_empty: props.is_false("empty"), items })
    }

    /// `{type: 'object', props | properties: {…}, strict, minProps, maxProps}`.
    fn object_notation_rule(&self, props: &Props<'_>) -> Result<ObjectRule, String> {
        let declared = props.map.get("properties").filter(|v| is_truthy(v)).or_else(|| props.value("props"));
        let nested = match declared {
            None => None,
            Some(Value::Object(map)) => Some(self.compile_props(map, props.path)?),
            Some(other) => return Err(props.invalid("props", other, "an object of definitions")),
        };
        let mut object = object_rule(nested, props.value("strict").map_or(Strictness::Keep, strictness));
        object.min_props = props.number("minProps")?;
        object.max_props = props.number("maxProps")?;
        Ok(object)
    }

    fn record_rule(&self, props: &Props<'_>) -> Result<RecordRule, String> {
        let key_definition = props.value("key").cloned().unwrap_or_else(|| Value::String("string".into()));
        let value_definition = props.value("value").cloned().unwrap_or_else(|| Value::String("any".into()));
        let mut key = self.compile_definition(&key_definition, props.path)?;
        key.messages.extend(record_key_messages());
        let value = self.compile_definition(&value_definition, &format!("{}[]", props.path))?;
        Ok(RecordRule { key, value })
    }

    fn multi_rules(&self, props: &Props<'_>) -> Result<Vec<Rule>, String> {
        match props.value("rules") {
            Some(Value::Array(definitions)) if !definitions.is_empty() => {
                definitions.iter().map(|d| self.compile_definition(d, props.path)).collect()
            }
            Some(other) => Err(props.invalid("rules", other, "a non-empty array of definitions")),
            None => Err(props.missing("rules", "multi")),
        }
    }
}

fn resolve_type(type_name: &str, from_shorthand: bool, path: &str) -> Result<ResolvedType, String> {
    types::resolve(type_name, from_shorthand).ok_or_else(|| format!("Invalid type '{type_name}' in attribute '{path}'"))
}

/// Alias properties apply unless the definition sets them itself.
fn add_implied(props: &mut Map<String, Value>, resolved: &ResolvedType) {
    for (key, value) in &resolved.implied {
        props.entry(key.to_string()).or_insert_with(|| value.clone());
    }
}

/// s3db converts `default:X` by the attribute's type before validation: booleans for
/// boolean fields, numbers for number fields, the text itself otherwise.
fn default_from_text(raw: &str, base: BaseType) -> Value {
    match (base, raw) {
        (BaseType::Boolean, "true") => Value::Bool(true),
        (BaseType::Boolean, "false") => Value::Bool(false),
        (BaseType::Number, _) => match string_to_number(raw) {
            Some(n) if n.is_finite() => number_value(n),
            _ => Value::String(raw.to_string()),
        },
        _ => Value::String(raw.to_string()),
    }
}

fn object_rule(props: Option<Vec<(String, Rule)>>, strict: Strictness) -> ObjectRule {
    let reads_parent = props.as_ref().is_some_and(|p| p.iter().any(|(_, rule)| rule.reads_parent()));
    ObjectRule { props, strict, min_props: None, max_props: None, reads_parent }
}

/// `strict: true` rejects unknown keys, `strict: "remove"` deletes them.
fn strictness(value: &Value) -> Strictness {
    match value {
        Value::String(s) if s == "remove" => Strictness::Remove,
        other if is_truthy(other) => Strictness::Reject,
        _ => Strictness::Keep,
    }
}

fn string_rule(props: &Props<'_>, extra: Extra) -> Result<StringRule, String> {
    let pattern = match props.value("pattern") {
        None => None,
        Some(Value::String(source)) => {
            let flags = props.string("patternFlags")?.unwrap_or_default();
            let regex = JsRegex::new(source, flags)
                .map_err(|e| format!("Invalid pattern '{source}' in attribute '{}': {e}", props.path))?;
            Some(regex)
        }
        Some(other) => return Err(props.invalid("pattern", other, "a regular expression string")),
    };
    Ok(StringRule {
        convert: props.is_true("convert"),
        sanitize: sanitizers(props)?,
        empty: props.value("empty").and_then(Value::as_bool),
        min: props.number("min")?,
        max: props.number("max")?,
        length: props.number("length")?,
        pattern,
        contains: props.value("contains").map(to_js_string),
        enum_values: props.list("enum")?,
        numeric: props.is_true("numeric"),
        alpha: props.is_true("alpha"),
        alphanum: props.is_true("alphanum"),
        alphadash: props.is_true("alphadash"),
        hex: props.is_true("hex"),
        single_line: props.is_true("singleLine"),
        base64: props.is_true("base64"),
        address: match extra {
            Extra::Address(version) => Some(version),
            _ => None,
        },
    })
}

/// Trimming/padding/case rules. s3db 12.4 does not trim by default: only an explicit
/// `trim` does.
fn sanitizers(props: &Props<'_>) -> Result<Sanitizers, String> {
    let pad = |key: &str| -> Result<Option<usize>, String> {
        Ok(props.number(key)?.filter(|n| *n >= 1.0).map(|n| n as usize))
    };
    Ok(Sanitizers {
        trim: props.truthy("trim"),
        trim_left: props.truthy("trimLeft"),
        trim_right: props.truthy("trimRight"),
        pad_start: pad("padStart")?,
        pad_end: pad("padEnd")?,
        pad_char: props.value("padChar").map(to_js_string),
        lowercase: props.truthy("lowercase") || props.truthy("localeLowercase"),
        uppercase: props.truthy("uppercase") || props.truthy("localeUppercase"),
    })
}

fn number_rule(props: &Props<'_>, extra: Extra) -> Result<NumberRule, String> {
    Ok(NumberRule {
        // s3db's validator defaults numbers to `convert: true` unless a definition sets it.
        convert: props.map.get("convert").is_none_or(|v| v == &Value::Bool(true)),
        min: props.number("min")?,
        max: props.number("max")?,
        equal: props.number("equal")?,
        not_equal: props.number("notEqual")?,
        integer: props.is_true("integer"),
        positive: props.is_true("positive"),
        negative: props.is_true("negative"),
        domain: match extra {
            Extra::Domain(domain) => Some(domain),
            _ => None,
        },
    })
}

fn email_rule(props: &Props<'_>) -> Result<EmailRule, String> {
    Ok(EmailRule {
        allow_empty: props.truthy("empty"),
        precise: props.string("mode")? == Some("precise"),
        normalize: props.truthy("normalize"),
        min: props.number("min")?,
        max: props.number("max")?,
    })
}

fn equal_rule(props: &Props<'_>) -> Result<EqualRule, String> {
    let target = match props.string("field")? {
        Some(field) => EqualTarget::Field(field.to_string()),
        None => EqualTarget::Value(props.map.get("value").cloned().unwrap_or(Value::Null)),
    };
    Ok(EqualRule { target, strict: props.is_true("strict") })
}

fn currency(props: &Props<'_>) -> Result<JsRegex, String> {
    if let Some(custom) = props.string("customRegex")? {
        return JsRegex::new(custom, "")
            .map_err(|e| format!("Invalid pattern '{custom}' in attribute '{}': {e}", props.path));
    }
    let options = CurrencyOptions {
        symbol: props.string("currencySymbol")?,
        symbol_optional: props.truthy("symbolOptional"),
        thousand_separator: props.string("thousandSeparator")?.unwrap_or(","),
        decimal_separator: props.string("decimalSeparator")?.unwrap_or("."),
    };
    currency_regex(&options).map_err(|e| format!("Invalid currency options in attribute '{}': {e}", props.path))
}

/// Typed access to a definition's rule properties, with compile errors naming the attribute.
struct Props<'a> {
    map: &'a Map<String, Value>,
    path: &'a str,
}

impl<'a> Props<'a> {
    /// A property that is set and not null (fastest-validator tests `!= null`).
    fn value(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    fn is_true(&self, key: &str) -> bool {
        self.map.get(key) == Some(&Value::Bool(true))
    }

    fn is_false(&self, key: &str) -> bool {
        self.map.get(key) == Some(&Value::Bool(false))
    }

    fn truthy(&self, key: &str) -> bool {
        self.map.get(key).is_some_and(is_truthy)
    }

    fn number(&self, key: &str) -> Result<Option<f64>, String> {
        match self.value(key) {
            None => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64()),
            Some(Value::String(text)) => match string_to_number(text) {
                Some(n) => Ok(Some(n)),
                None => Err(self.invalid(key, &Value::String(text.clone()), "a number")),
            },
            Some(other) => Err(self.invalid(key, other, "a number")),
        }
    }

    fn string(&self, key: &str) -> Result<Option<&'a str>, String> {
        match self.value(key) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(other) => Err(self.invalid(key, other, "a string")),
        }
    }

    /// An array of allowed values, or the comma-separated shorthand form `a,b,c`.
    fn list(&self, key: &str) -> Result<Option<Vec<Value>>, String> {
        match self.value(key) {
            None => Ok(None),
            Some(Value::Array(values)) => Ok(Some(values.clone())),
            Some(Value::String(text)) => {
                Ok(Some(text.split(',').map(|v| Value::String(v.trim().to_string())).collect()))
            }
            Some(other @ (Value::Number(_) | Value::Bool(_))) => Ok(Some(vec![Value::String(to_js_string(other))])),
            Some(other) => Err(self.invalid(key, other, "an array of values")),
        }
    }

    /// `messages: {ruleType: "template"}` overrides.
    fn messages(&self) -> Result<Vec<(String, String)>, String> {
        match self.value("messages") {
            None => Ok(Vec::new()),
            Some(Value::Object(map)) => map
                .iter()
                .map(|(kind, text)| match text {
                    Value::String(template) => Ok((kind.clone(), template.clone())),
                    other => Err(self.invalid("messages", other, "strings")),
                })
                .collect(),
            Some(other) => Err(self.invalid("messages", other, "an object of message templates")),
        }
    }

    fn invalid(&self, key: &str, value: &Value, expected: &str) -> String {
        format!("Invalid value {value} for rule '{key}' in attribute '{}': expected {expected}", self.path)
    }

    fn missing(&self, key: &str, type_name: &str) -> String {
        format!("Missing rule '{key}' for type '{type_name}' in attribute '{}'", self.path)
    }
}
