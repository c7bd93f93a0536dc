//! Validation of documents against s3db attribute definitions, with fastest-validator (v1.19)
//! semantics and error objects/messages, as s3db.js 12.4 configures it.

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
    pub fn to_json(&self) -> Value { todo!("helper B") }
}

/// Attribute definitions compiled once per schema version.
#[derive(Debug, Clone)]
pub struct CompiledSchema {}

impl CompiledSchema {
    /// Compiles a resource's `attributes` object. An unusable definition is an `Err` with a clear message.
    pub fn compile(attributes: &Map<String, Value>, options: &ValidatorOptions) -> Result<Self, String> {
        let _ = (attributes, options);
        todo!("helper B")
    }

    /// Validates `doc` in place (defaults applied, numeric strings converted for number rules, …)
    /// and returns every failure; an empty vector means valid.
    pub fn validate(&self, doc: &mut Map<String, Value>) -> Vec<ValidationIssue> {
        let _ = doc;
        todo!("helper B")
    }
}
