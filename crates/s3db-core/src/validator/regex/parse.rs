//! Parser for JavaScript regular expression source text into a syntax tree.

/// Syntax tree of a pattern.
#[derive(Debug, Clone)]
pub(super) enum Node {
    Empty,
    Literal(char),
    AnyChar,
    Class(CharClass),
    LineStart,
    LineEnd,
    WordBoundary {
        expected: bool,
    },
    Concat(Vec<Node>),
    Alternation(Vec<Node>),
    /// Greediness is parsed but irrelevant: only "is there a match" is ever asked.
    Repeat {
        node: Box<Node>,
        min: u32,
        max: Option<u32>,
    },
    LookAhead {
        node: Box<Node>,
        negate: bool,
    },
}

#[derive(Debug, Clone)]
pub(super) struct CharClass {
    pub negated: bool,
    pub items: Vec<ClassItem>,
}

#[derive(Debug, Clone, Copy)]
pub(super) enum ClassItem {
    Range(char, char),
    Digit { negated: bool },
    Word { negated: bool },
    Space { negated: bool },
}

pub(super) struct Parser {
    chars: Vec<char>,
    pos: usize,
}

impl Parser {
    pub(super) fn new(source: &str) -> Self {
        Self { chars: source.chars().collect(), pos: 0 }
    }

    pub(super) fn parse(mut self) -> Result<Node, String> {
        let node = self.alternation()?;
        match self.peek() {
            None => Ok(node),
            Some(')') => Err("unmatched ')'".into()),
            Some(c) => Err(format!("unexpected '{c}'")),
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek();
        self.pos += usize::from(c.is_some());
        c
    }

    fn eat(&mut self, expected: char) -> bool {
        if self.peek() == Some(expected) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn alternation(&mut self) -> Result<Node, String> {
        let mut branches = vec![self.concat()?];
        while self.eat('|') {
            branches.push(self.concat()?);
        }
        Ok(if branches.len() == 1 { branches.pop().unwrap_or(Node::Empty) } else { Node::Alternation(branches) })
    }

    fn concat(&mut self) -> Result<Node, String> {
        let mut items = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            items.push(self.quantified()?);
        }
        Ok(match items.len() {
            0 => Node::Empty,
            1 => items.pop().unwrap_or(Node::Empty),
            _ => Node::Concat(items),
        })
    }

    fn quantified(&mut self) -> Result<Node, String> {
        let mut node = self.atom()?;
        while let Some((min, max)) = self.quantifier()? {
            // A trailing `?` makes the quantifier lazy, which cannot change whether a match exists.
            self.eat('?');
            node = Node::Repeat { node: Box::new(node), min, max };
        }
        Ok(node)
    }

    /// `*`, `+`, `?` or a well-formed `{n}`, `{n,}`, `{n,m}` at the cursor.
    fn quantifier(&mut self) -> Result<Option<(u32, Option<u32>)>, String> {
        let bounds = match self.peek() {
            Some('*') => (0, None),
            Some('+') => (1, None),
            Some('?') => (0, Some(1)),
            Some('{') => match self.braced_bounds() {
                Some((bounds, len)) => {
                    self.pos += len - 1;
                    bounds
                }
                None => return Ok(None),
            },
            _ => return Ok(None),
        };
        self.pos += 1;
        if let (min, Some(max)) = bounds {
            if max < min {
                return Err("numbers out of order in {} quantifier".into());
            }
        }
        Ok(Some(bounds))
    }

    /// Parses `{n}`, `{n,}` or `{n,m}` without consuming; returns bounds and length.
    fn braced_bounds(&self) -> Option<((u32, Option<u32>), usize)> {
        let rest = &self.chars[self.pos..];
        let close = rest.iter().position(|&c| c == '}')?;
        let inner: String = rest[1..close].iter().collect();
        let (min_text, max_text) = match inner.split_once(',') {
            Some((a, b)) => (a, Some(b)),
            None => (inner.as_str(), None),
        };
        let parse = |t: &str| -> Option<u32> {
            if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
                None
            } else {
                Some(t.parse::<u64>().ok()?.min(u64::from(u32::MAX)) as u32)
            }
        };
        let min = parse(min_text)?;
        let max = match max_text {
            None => Some(min),
            Some("") => None,
            Some(t) => Some(parse(t)?),
        };
        Some(((min, max), close + 1))
    }

    fn atom(&mut self) -> Result<Node, String> {
        let c = self.next().ok_or("unexpected end of pattern")?;
        match c {
            '.' => Ok(Node::AnyChar),
            '^' => Ok(Node::LineStart),
            '$' => Ok(Node::LineEnd),
            '(' => self.group(),
            '[' => self.class().map(Node::Class),
            '\\' => self.escape_atom(),
            '*' | '+' | '?' => Err("nothing to repeat".into()),
            '{' if self.braced_bounds_at(self.pos - 1) => Err("nothing to repeat".into()),
            other => Ok(Node::Literal(other)),
        }
    }

    fn braced_bounds_at(&mut self, pos: usize) -> bool {
        let saved = self.pos;
        self.pos = pos;
        let found = self.braced_bounds().is_some();
        self.pos = saved;
        found
    }

    fn group(&mut self) -> Result<Node, String> {
        let look = if self.eat('?') {
            match self.next() {
                Some(':') => None,
                Some('=') => Some(false),
                Some('!') => Some(true),
                Some('<') if matches!(self.peek(), Some('=') | Some('!')) => {
                    return Err("lookbehind is not supported".into())
                }
                Some('<') => {
                    while let Some(c) = self.next() {
                        if c == '>' {
                            break;
                        }
                    }
                    None
                }
                _ => return Err("invalid group".into()),
            }
        } else {
            None
        };
        let inner = self.alternation()?;
        if !self.eat(')') {
            return Err("unterminated group".into());
        }
        Ok(match look {
            Some(negate) => Node::LookAhead { node: Box::new(inner), negate },
            None => inner,
        })
    }

    fn escape_atom(&mut self) -> Result<Node, String> {
        let c = self.next().ok_or("\\ at end of pattern")?;
        let class = |item| Node::Class(CharClass { negated: false, items: vec![item] });
        Ok(match c {
            'd' => class(ClassItem::Digit { negated: false }),
            'D' => class(ClassItem::Digit { negated: true }),
            'w' => class(ClassItem::Word { negated: false }),
            'W' => class(ClassItem::Word { negated: true }),
            's' => class(ClassItem::Space { negated: false }),
            'S' => class(ClassItem::Space { negated: true }),
            'b' => Node::WordBoundary { expected: true },
            'B' => Node::WordBoundary { expected: false },
            '1'..='9' => return Err("backreferences are not supported".into()),
            'p' | 'P' if self.peek() == Some('{') => return Err("unicode property escapes are not supported".into()),
            other => Node::Literal(self.escaped_char(other)?),
        })
    }

    /// The character an escape like `\n`, `\x41` or `\.` stands for.
    fn escaped_char(&mut self, c: char) -> Result<char, String> {
        Ok(match c {
            't' => '\t',
            'n' => '\n',
            'r' => '\r',
            'f' => '\u{c}',
            'v' => '\u{b}',
            '0' => '\0',
            'x' => self.hex_char(2).unwrap_or('x'),
            'u' => self.hex_char(4).unwrap_or('u'),
            'c' => match self.peek() {
                Some(l) if l.is_ascii_alphabetic() => {
                    self.pos += 1;
                    char::from((l as u8) % 32)
                }
                _ => '\\',
            },
            other => other,
        })
    }

    fn hex_char(&mut self, digits: usize) -> Option<char> {
        let text: String = self.chars.get(self.pos..self.pos + digits)?.iter().collect();
        let code = u32::from_str_radix(&text, 16).ok()?;
        self.pos += digits;
        char::from_u32(code)
    }

    fn class(&mut self) -> Result<CharClass, String> {
        let negated = self.eat('^');
        let mut items = Vec::new();
        loop {
            let c = self.next().ok_or("unterminated character class")?;
            if c == ']' {
                break;
            }
            let start = match self.class_atom(c)? {
                ClassAtom::Char(ch) => ch,
                ClassAtom::Set(item) => {
                    items.push(item);
                    continue;
                }
            };
            let is_range = self.peek() == Some('-') && self.chars.get(self.pos + 1).is_some_and(|&n| n != ']');
            if !is_range {
                items.push(ClassItem::Range(start, start));
                continue;
            }
            self.pos += 1;
            let end_raw = self.next().ok_or("unterminated character class")?;
            match self.class_atom(end_raw)? {
                ClassAtom::Char(end) if end >= start => items.push(ClassItem::Range(start, end)),
                ClassAtom::Char(_) => return Err("range out of order in character class".into()),
                ClassAtom::Set(item) => {
                    items.push(ClassItem::Range(start, start));
                    items.push(ClassItem::Range('-', '-'));
                    items.push(item);
                }
            }
        }
        Ok(CharClass { negated, items })
    }

    fn class_atom(&mut self, c: char) -> Result<ClassAtom, String> {
        if c != '\\' {
            return Ok(ClassAtom::Char(c));
        }
        let e = self.next().ok_or("\\ at end of pattern")?;
        Ok(match e {
            'd' => ClassAtom::Set(ClassItem::Digit { negated: false }),
            'D' => ClassAtom::Set(ClassItem::Digit { negated: true }),
            'w' => ClassAtom::Set(ClassItem::Word { negated: false }),
            'W' => ClassAtom::Set(ClassItem::Word { negated: true }),
            's' => ClassAtom::Set(ClassItem::Space { negated: false }),
            'S' => ClassAtom::Set(ClassItem::Space { negated: true }),
            'b' => ClassAtom::Char('\u{8}'),
            other => ClassAtom::Char(self.escaped_char(other)?),
        })
    }
}

enum ClassAtom {
    Char(char),
    Set(ClassItem),
}
