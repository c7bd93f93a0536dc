//! Validation of documents against s3db attribute definitions, with fastest-validator (v1.19)
//! semantics and error objects/messages, as s3db.js 12.4 configures it.
//!
//! Definitions are compiled once (`compile`, `shorthand`, `types`) into a rule tree
//! (`rules`); `validate` walks that tree (`check`, `scalars`) and never parses definition
//! text. Behaviour of 12.4 kept: strings are not trimmed unless `trim` is given, numbers
//! convert like JS `Number()` (`convert: false` turns that off), booleans must be real
//! booleans unless `convert`, unknown fields are kept at every level unless `strict`, nested
//! plain objects are optional when `all_nested_objects_optional`, shorthand `geo:point` is
//! `any` and always required, unknown rule properties are ignored, unknown types are
//! compile errors.
//!
//! Where JSON forces a choice or fastest-validator would crash, we decide:
//! * `date` accepts a `Date.parse`-able string or epoch milliseconds and keeps the value
//!   (12.4 wanted a real `Date`, which JSON cannot carry);
//! * `enum:a,b` / `values:a,b` in shorthand are comma lists of strings (fastest-validator
//!   would throw on a string);
//! * `ip4`/`ip6` check the address format (error types `ip4`/`ip6`); `money`/`crypto` and
//!   `geo:lat`/`geo:lon` range errors are `numberMin`/`numberMax` carrying s3db's texts
//!   (`Money value cannot be negative`, `Latitude out of range`, `Longitude out of range`);
//! * `pattern` is an ECMAScript regular expression (`regress`), matched by code point;
//! * `class`, `custom` and `objectID` accept anything; `function` rejects any value;
//! * s3db aliases and nested plain objects are understood at every level (also inside
//!   `props`, `items` and alternatives).

mod check;
mod compile;
mod date;
mod formats;
mod js;
mod messages;
mod regex;
mod report;
mod rules;
mod scalars;
mod shorthand;
mod types;

pub use date::parse_date_ms;
use serde_json::{Map, Value};

/// Options that change how definitions compile.
#[derive(Debug, Clone)]
pub struct ValidatorOptions {
    /// Nested objects without `$$type` are optional (s3db default: true).
    pub all_nested_objects_optional: bool,
}

impl Default for ValidatorOptions {
    fn default() -> Self {
        Self { all_nested_objects_optional: true }
    }
}

/// One validation failure, shaped like a fastest-validator error object.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidationIssue {
    /// fastest-validator error type, e.g. `required`, `stringMin`, `number`.
    pub kind: String,
    /// Rendered message, e.g. `The 'name' field is required.`
    pub message: String,
    /// Dotted field path.
    pub field: String,
    pub actual: Option<Value>,
    pub expected: Option<Value>,
}

impl ValidationIssue {
    /// `{type, message, field, actual?, expected?}` as fastest-validator returns it.
    pub fn to_json(&self) -> Value {
        let mut object = Map::new();
        object.insert("type".into(), Value::String(self.kind.clone()));
        object.insert("message".into(), Value::String(self.message.clone()));
        object.insert("field".into(), Value::String(self.field.clone()));
        if let Some(expected) = &self.expected {
            object.insert("expected".into(), expected.clone());
        }
        if let Some(actual) = &self.actual {
            object.insert("actual".into(), actual.clone());
        }
        Value::Object(object)
    }
}

/// Attribute definitions compiled once per schema version.
#[derive(Debug, Clone)]
pub struct CompiledSchema {
    root: rules::ObjectRule,
}

impl CompiledSchema {
    /// Compiles a resource's `attributes` object. An unusable definition is an `Err` with a clear message.
    pub fn compile(attributes: &Map<String, Value>, options: &ValidatorOptions) -> Result<Self, String> {
        let compiler = compile::Compiler { all_nested_objects_optional: options.all_nested_objects_optional };
        Ok(Self { root: compiler.compile_attributes(attributes)? })
    }

    /// Validates `doc` in place (defaults applied, numeric strings converted for number rules, …)
    /// and returns every failure; an empty vector means valid.
    pub fn validate(&self, doc: &mut Map<String, Value>) -> Vec<ValidationIssue> {
        let mut issues = Vec::new();
        check::check_document(&self.root, doc, &mut issues);
        issues
    }
}

#[cfg(test)]
mod tests;
