//! Building `ValidationIssue`s: template lookup, field rendering and placeholders.

use serde_json::Value;

use super::messages::{default_template, render, FieldPath};
use super::rules::Rule;
use super::ValidationIssue;

/// Reports `kind` with the rule's template for it (its own override or the default text).
pub(crate) fn report(
    issues: &mut Vec<ValidationIssue>,
    rule: &Rule,
    kind: &'static str,
    path: &FieldPath<'_>,
    expected: Option<Value>,
    actual: Option<Value>,
) {
    let template =
        rule.messages.iter().find(|(k, _)| k == kind).map_or_else(|| default_template(kind), |(_, text)| text.as_str());
    report_with_template(issues, rule, kind, template, path, expected, actual);
}

/// Reports `kind` with an explicit template (s3db's own range messages).
pub(crate) fn report_with_template(
    issues: &mut Vec<ValidationIssue>,
    rule: &Rule,
    kind: &'static str,
    template: &str,
    path: &FieldPath<'_>,
    expected: Option<Value>,
    actual: Option<Value>,
) {
    let field = path.render();
    let shown = rule.label.as_deref().unwrap_or(&field);
    let message = render(template, shown, expected.as_ref(), actual.as_ref());
    issues.push(ValidationIssue { kind: kind.to_string(), message, field, actual, expected });
}
