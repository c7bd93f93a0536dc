//! JavaScript regular expressions for `pattern` rules and fastest-validator's formats, run by
//! `regress` (ECMAScript syntax and semantics: backreferences, lookbehind, named groups,
//! unicode property escapes). Like V8 it backtracks, so a pattern that is exponential in
//! JavaScript (`^(a|aa)*b$`) is exponential here too. Text is matched by code point (as with
//! the `u` flag); without `u`, JavaScript would match astral characters as two UTF-16 units.

use regress::Regex;

#[derive(Debug, Clone)]
pub(crate) struct JsRegex {
    regex: Regex,
    /// `y`: a match must start at the beginning of the text (`test()` from `lastIndex` 0).
    sticky: bool,
    /// Rendered like `RegExp.prototype.toString()`: `/source/flags`.
    display: String,
}

impl JsRegex {
    /// `new RegExp(source, flags)`.
    pub(crate) fn new(source: &str, flags: &str) -> Result<Self, String> {
        for (i, flag) in flags.char_indices() {
            if !"dgimsuvy".contains(flag) {
                return Err(format!("invalid flag '{flag}'"));
            }
            if flags[..i].contains(flag) {
                return Err(format!("duplicate flag '{flag}'"));
            }
        }
        let matching: String = flags.chars().filter(|f| "imsuv".contains(*f)).collect();
        let regex = Regex::with_flags(source, matching.as_str()).map_err(|e| e.to_string())?;
        Ok(Self { regex, sticky: flags.contains('y'), display: format!("/{}/{flags}", display_source(source)) })
    }

    /// `/source/flags`.
    pub(crate) fn display(&self) -> &str {
        &self.display
    }

    /// `regex.test(text)`: a match anywhere in `text` (at its start when sticky).
    pub(crate) fn is_match(&self, text: &str) -> bool {
        match self.regex.find(text) {
            Some(found) => !self.sticky || found.start() == 0,
            None => false,
        }
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
        for bad in ["(abc", "abc)", "*a", "[abc", "a{3,1}"] {
            assert!(JsRegex::new(bad, "").is_err(), "{bad} should not compile");
        }
        assert!(JsRegex::new("a", "q").is_err());
        assert!(JsRegex::new("a", "ii").is_err());
    }

    #[test]
    fn javascript_constructs_beyond_the_basics() {
        assert!(matches(r"^(a+)-\1$", "aa-aa"));
        assert!(!matches(r"^(a+)-\1$", "aa-a"));
        assert!(matches(r"(?<=\$)\d+", "cost: $42"));
        assert!(!matches(r"(?<!\$)\b\d+", "$42"));
        assert!(matches(r"^(?<year>\d{4})-\k<year>$", "2024-2024"));
        assert!(JsRegex::new(r"^\p{Lu}+$", "u").expect("compiles").is_match("ÉCOLE"));
        assert!(!JsRegex::new("b", "y").expect("compiles").is_match("ab"));
        assert!(JsRegex::new("a", "gy").expect("compiles").is_match("ab"));
    }

    #[test]
    fn long_inputs_match_without_deep_recursion() {
        let text = "a".repeat(200_000);
        assert!(matches("^a*$", &text));
        assert!(matches("^.+$", &text));
        assert!(!matches("^a*b$", &text));
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

}
