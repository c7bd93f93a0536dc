//! The compiled rule tree: every definition is parsed once into these types, so
//! validation never looks at definition text again.

use serde_json::Value;

use super::regex::JsRegex;

/// One compiled definition: presence handling plus the type-specific check.
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    pub optional: bool,
    pub nullable: bool,
    /// Value used when the field is undefined or null (fastest-validator `default`).
    pub default: Option<Value>,
    /// Replaces the field path in messages (fastest-validator `label`).
    pub label: Option<String>,
    /// Per-rule message templates (`messages: {stringMin: "…"}`, `secret` texts).
    pub messages: Vec<(String, String)>,
    pub check: Check,
}

impl Rule {
    pub(crate) fn new(check: Check) -> Self {
        Self { optional: false, nullable: false, default: None, label: None, messages: Vec::new(), check }
    }

    /// Forbidden fields accept undefined and null like optional ones.
    pub(crate) fn skips_missing(&self) -> bool {
        self.optional || matches!(self.check, Check::Forbidden { .. })
    }

    pub(crate) fn skips_null(&self) -> bool {
        self.skips_missing() || self.nullable
    }

    /// Whether checking this rule reads sibling fields (`equal` with `field`).
    pub(crate) fn reads_parent(&self) -> bool {
        match &self.check {
            Check::Equal(equal) => matches!(equal.target, EqualTarget::Field(_)),
            Check::Multi(alternatives) => alternatives.iter().any(Rule::reads_parent),
            _ => false,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Check {
    Any,
    Forbidden {
        remove: bool,
    },
    String(Box<StringRule>),
    Number(Box<NumberRule>),
    Boolean {
        convert: bool,
    },
    Date {
        convert: bool,
    },
    Email(Box<EmailRule>),
    Url {
        allow_empty: bool,
    },
    Uuid {
        version: Option<i64>,
    },
    Mac,
    Luhn,
    Currency(Box<JsRegex>),
    Enum {
        values: Vec<Value>,
    },
    Equal(Box<EqualRule>),
    /// JSON cannot carry functions: any present value fails.
    Function,
    Array(Box<ArrayRule>),
    Tuple(Box<TupleRule>),
    Object(Box<ObjectRule>),
    Record(Box<RecordRule>),
    Multi(Vec<Rule>),
}

#[derive(Debug, Clone, Default)]
pub(crate) struct StringRule {
    pub convert: bool,
    pub sanitize: Sanitizers,
    /// `Some(false)`: empty strings fail; `Some(true)`: empty strings skip `pattern`.
    pub empty: Option<bool>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub length: Option<f64>,
    pub pattern: Option<JsRegex>,
    pub contains: Option<String>,
    pub enum_values: Option<Vec<Value>>,
    pub numeric: bool,
    pub alpha: bool,
    pub alphanum: bool,
    pub alphadash: bool,
    pub hex: bool,
    pub single_line: bool,
    pub base64: bool,
    /// s3db `ip4` / `ip6` address check, run after the string rules.
    pub address: Option<IpVersion>,
}

/// String transformations applied before the string checks (stored back into the document).
#[derive(Debug, Clone, Default)]
pub(crate) struct Sanitizers {
    pub trim: bool,
    pub trim_left: bool,
    pub trim_right: bool,
    pub pad_start: Option<usize>,
    pub pad_end: Option<usize>,
    pub pad_char: Option<String>,
    pub lowercase: bool,
    pub uppercase: bool,
}

impl Sanitizers {
    pub(crate) fn any(&self) -> bool {
        self.trim
            || self.trim_left
            || self.trim_right
            || self.pad_start.is_some()
            || self.pad_end.is_some()
            || self.lowercase
            || self.uppercase
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum IpVersion {
    V4,
    V6,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct NumberRule {
    pub convert: bool,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub equal: Option<f64>,
    pub not_equal: Option<f64>,
    pub integer: bool,
    pub positive: bool,
    pub negative: bool,
    /// s3db value-range constraint (`money`, `crypto`, `geo:lat`, `geo:lon`).
    pub domain: Option<NumberDomain>,
}

/// s3db number types whose range violations carry their own message.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum NumberDomain {
    /// `money` / `crypto`: negative values are rejected.
    Money,
    Latitude,
    Longitude,
}

#[derive(Debug, Clone)]
pub(crate) struct EmailRule {
    pub allow_empty: bool,
    pub precise: bool,
    pub normalize: bool,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

#[derive(Debug, Clone)]
pub(crate) struct EqualRule {
    pub target: EqualTarget,
    pub strict: bool,
}

#[derive(Debug, Clone)]
pub(crate) enum EqualTarget {
    Value(Value),
    /// Name of a sibling field the value must equal.
    Field(String),
}

#[derive(Debug, Clone, Default)]
pub(crate) struct ArrayRule {
    pub reject_empty: bool,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub length: Option<f64>,
    pub contains: Option<Value>,
    pub unique: bool,
    pub enum_values: Option<Vec<Value>>,
    pub items: Option<Rule>,
}

#[derive(Debug, Clone)]
pub(crate) struct TupleRule {
    pub reject_empty: bool,
    pub items: Option<Vec<Rule>>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct ObjectRule {
    /// `None`: any object is accepted as is.
    pub props: Option<Vec<(String, Rule)>>,
    pub strict: Strictness,
    pub min_props: Option<f64>,
    pub max_props: Option<f64>,
    /// Some property compares against a sibling, so the checker snapshots the object.
    pub reads_parent: bool,
}

/// What happens to keys not declared in `props`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) enum Strictness {
    /// Kept (s3db's behaviour at every level unless asked otherwise).
    #[default]
    Keep,
    /// `strict: true`: reported as `objectStrict`.
    Reject,
    /// `strict: "remove"`: deleted.
    Remove,
}

#[derive(Debug, Clone)]
pub(crate) struct RecordRule {
    pub key: Rule,
    pub value: Rule,
}
