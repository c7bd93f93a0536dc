//! A small engine for the JavaScript regular expressions used in `pattern` rules and in
//! a few fastest-validator formats (no regex crate is available).
//!
//! Supported: literals, `.`, `^`, `$`, `\b`, `\B`, classes `[...]`/`[^...]` with ranges,
//! `\d \D \w \W \s \S`, escapes `\t \n \r \f \v \0 \xHH \uHHHH \cX`, groups `(...)`,
//! `(?:...)`, `(?<name>...)`, lookahead `(?=...)`/`(?!...)`, alternation `|`, quantifiers
//! `* + ? {n} {n,} {n,m}` (lazy forms accepted), flags `i`, `m`, `s` (`g`, `u`, `y`, `d`
//! accepted and ignored). Not supported (compile error): backreferences, lookbehind,
//! unicode property escapes. Characters are Unicode scalar values, not UTF-16 code units.

mod parse;
mod program;

use parse::Parser;
use program::{Flags, Program};

#[derive(Debug, Clone)]
pub(crate) struct JsRegex {
    program: Program,
    /// Rendered like `RegExp.prototype.toString()`: `/source/flags`.
    display: String,
}

impl JsRegex {
    /// `new RegExp(source, flags)`.
    pub(crate) fn new(source: &str, flags: &str) -> Result<Self, String> {
        if let Some(flag) = flags.chars().find(|f| !"dgimsuy".contains(*f)) {
            return Err(format!("invalid flag '{flag}'"));
        }
        let root = Parser::new(source).parse()?;
        let flags_set =
            Flags { ignore_case: flags.contains('i'), multiline: flags.contains('m'), dot_all: flags.contains('s') };
        Ok(Self {
            program: Program::compile(&root, flags_set)?,
            display: format!("/{}/{flags}", display_source(source)),
        })
    }

    /// `/source/flags`.
    pub(crate) fn display(&self) -> &str {
        &self.display
    }

    /// `regex.test(text)`: a match anywhere in `text`.
    pub(crate) fn is_match(&self, text: &str) -> bool {
        let input: Vec<char> = text.chars().collect();
        self.program.is_match(&input)
    }
}

/// `RegExp.prototype.source`: empty becomes `(?:)`; `/` outside classes and line breaks
/// are escaped.
fn display_source(source: &str) -> String {
    if source.is_empty() {
        return "(?:)".into();
    }
    let mut out = String::with_capacity(source.len());
    let mut escaped = false;
    let mut in_class = false;
    for c in source.chars() {
        match c {
            '/' if !escaped && !in_class => out.push_str("\\/"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            _ => out.push(c),
        }
        if !escaped {
            match c {
                '[' => in_class = true,
                ']' => in_class = false,
                _ => {}
            }
        }
        escaped = c == '\\' && !escaped;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::JsRegex;

    fn matches(pattern: &str, text: &str) -> bool {
        JsRegex::new(pattern, "").expect("pattern compiles").is_match(text)
    }

    #[test]
    fn common_constructs() {
        let phone = r"^\+?[1-9]\d{1,14}$";
        assert!(matches(phone, "+1234567890"));
        assert!(matches(phone, "14155552671"));
        assert!(!matches(phone, "+0123"));
        assert!(!matches(phone, "1"));
        assert!(!matches(phone, "12a45"));
        assert!(matches("^[a-z]+(-[a-z]+)*$", "kebab-case-name"));
        assert!(!matches("^[a-z]+(-[a-z]+)*$", "kebab--case"));
        assert!(matches("cat|dog", "hotdog"));
        assert!(!matches("^(cat|dog)$", "hotdog"));
        assert!(matches("^a.c$", "abc"));
        assert!(!matches("^a.c$", "a\nc"));
        assert!(matches(r"^\w+@\w+\.\w{2,}$", "me@example.com"));
        assert!(matches(r"^\s*$", "   "));
        assert!(matches("^(?:ab)+?c$", "ababc"));
        assert!(matches(r"^(?=.*\d)[a-z\d]{3}$", "ab1"));
        assert!(!matches(r"^(?=.*\d)[a-z\d]{3}$", "abc"));
        assert!(matches(r"^(?!admin$)\w+$", "user"));
        assert!(!matches(r"^(?!admin$)\w+$", "admin"));
        assert!(matches(r"\bword\b", "a word here"));
        assert!(matches("^[^,]+$", "no commas"));
        assert!(matches("a{2,}", "baab"));
        assert!(matches("x{", "x{"));
        assert!(matches("^[-a-z]+$", "a-b"));
        assert!(matches("^[a\\-z]+$", "-"));
    }

    #[test]
    fn flags_and_display() {
        let re = JsRegex::new("^abc$", "i").expect("compiles");
        assert!(re.is_match("ABC"));
        assert_eq!(re.display(), "/^abc$/i");
        assert_eq!(JsRegex::new("a/b", "").expect("compiles").display(), "/a\\/b/");
        assert!(JsRegex::new("^b$", "m").expect("compiles").is_match("a\nb"));
    }

    #[test]
    fn invalid_patterns_are_errors() {
        for bad in ["(abc", "abc)", "*a", "[abc", "a{3,1}", r"(a)\1", "(?<=a)b"] {
            assert!(JsRegex::new(bad, "").is_err(), "{bad} should not compile");
        }
        assert!(JsRegex::new("a", "q").is_err());
    }

    #[test]
    fn long_inputs_run_in_linear_time_without_deep_recursion() {
        let text = "a".repeat(200_000);
        assert!(matches("^a*$", &text));
        assert!(matches("^.+$", &text));
        assert!(!matches("^(a|aa)*b$", &text));
        let pairs = "ab".repeat(50_000);
        let handle = std::thread::Builder::new()
            .stack_size(64 * 1024)
            .spawn(move || JsRegex::new("^(ab)+$", "").expect("compiles").is_match(&pairs))
            .expect("thread starts");
        assert!(handle.join().expect("no stack overflow"));
    }

    #[test]
    fn empty_loops_terminate() {
        assert!(matches("^(a*)*$", "aaa"));
        assert!(matches("^(?:)*x", "x"));
        assert!(!matches("^(a?)*$", "b"));
    }

    #[test]
    fn huge_repetitions_are_rejected() {
        assert!(JsRegex::new("a{1000000}", "").is_err());
        assert!(JsRegex::new("a{2,3}", "").is_ok());
    }
}
