//! Thompson-NFA compilation and simulation. Only "does a match exist" is ever asked
//! (`RegExp.prototype.test`), so the engine tracks sets of states instead of
//! backtracking: time is linear in the input and nothing recurses per input character.

use super::parse::{CharClass, ClassItem, Node};

/// Upper bound on compiled instructions (counted repetitions are expanded).
const MAX_PROGRAM_LEN: usize = 100_000;

#[derive(Debug, Clone)]
enum Inst {
    /// Consume one character.
    Char(char),
    Any,
    Class(CharClass),
    /// Continue at both targets without consuming input.
    Split(usize, usize),
    Jump(usize),
    Assert(Assertion),
    /// Continue at `next` when the body starting right after this instruction matches
    /// here (or, negated, does not); the body ends with its own `Match`.
    Look {
        negate: bool,
        next: usize,
    },
    Match,
}

#[derive(Debug, Clone, Copy)]
enum Assertion {
    LineStart,
    LineEnd,
    WordBoundary { expected: bool },
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Flags {
    pub ignore_case: bool,
    pub multiline: bool,
    pub dot_all: bool,
}

#[derive(Debug, Clone)]
pub(super) struct Program {
    insts: Vec<Inst>,
    /// Starts with `^` (without the `m` flag): only position 0 can start a match.
    anchored_start: bool,
    flags: Flags,
}

impl Program {
    pub(super) fn compile(root: &Node, flags: Flags) -> Result<Self, String> {
        let mut builder = Builder { insts: Vec::new() };
        builder.emit(root)?;
        builder.push(Inst::Match)?;
        let anchored_start = !flags.multiline && starts_with_line_start(root);
        Ok(Self { insts: builder.insts, anchored_start, flags })
    }

    /// A match anywhere in `input`.
    pub(super) fn is_match(&self, input: &[char]) -> bool {
        Simulation { program: self, input }.run(0, None)
    }
}

fn starts_with_line_start(node: &Node) -> bool {
    match node {
        Node::LineStart => true,
        Node::Concat(items) => items.first().is_some_and(starts_with_line_start),
        _ => false,
    }
}

struct Builder {
    insts: Vec<Inst>,
}

impl Builder {
    fn push(&mut self, inst: Inst) -> Result<usize, String> {
        if self.insts.len() >= MAX_PROGRAM_LEN {
            return Err("pattern is too large".into());
        }
        self.insts.push(inst);
        Ok(self.insts.len() - 1)
    }

    fn next_index(&self) -> usize {
        self.insts.len()
    }

    fn emit(&mut self, node: &Node) -> Result<(), String> {
        match node {
            Node::Empty => {}
            Node::Literal(c) => {
                self.push(Inst::Char(*c))?;
            }
            Node::AnyChar => {
                self.push(Inst::Any)?;
            }
            Node::Class(class) => {
                self.push(Inst::Class(class.clone()))?;
            }
            Node::LineStart => {
                self.push(Inst::Assert(Assertion::LineStart))?;
            }
            Node::LineEnd => {
                self.push(Inst::Assert(Assertion::LineEnd))?;
            }
            Node::WordBoundary { expected } => {
                self.push(Inst::Assert(Assertion::WordBoundary { expected: *expected }))?;
            }
            Node::Concat(items) => {
                for item in items {
                    self.emit(item)?;
                }
            }
            Node::Alternation(branches) => self.emit_alternation(branches)?,
            Node::Repeat { node, min, max } => self.emit_repeat(node, *min, *max)?,
            Node::LookAhead { node, negate } => {
                let look = self.push(Inst::Look { negate: *negate, next: 0 })?;
                self.emit(node)?;
                self.push(Inst::Match)?;
                let next = self.next_index();
                self.insts[look] = Inst::Look { negate: *negate, next };
            }
        }
        Ok(())
    }

    fn emit_alternation(&mut self, branches: &[Node]) -> Result<(), String> {
        let mut exits = Vec::new();
        for (index, branch) in branches.iter().enumerate() {
            if index + 1 == branches.len() {
                self.emit(branch)?;
                break;
            }
            let split = self.push(Inst::Split(0, 0))?;
            self.emit(branch)?;
            exits.push(self.push(Inst::Jump(0))?);
            let next_branch = self.next_index();
            self.insts[split] = Inst::Split(split + 1, next_branch);
        }
        let end = self.next_index();
        for exit in exits {
            self.insts[exit] = Inst::Jump(end);
        }
        Ok(())
    }

    /// `min` mandatory copies, then a loop (`max` unbounded) or `max - min` optional copies.
    fn emit_repeat(&mut self, node: &Node, min: u32, max: Option<u32>) -> Result<(), String> {
        let optional_copies = max.map(|max| max - min);
        if min as usize > MAX_PROGRAM_LEN || optional_copies.is_some_and(|n| n as usize > MAX_PROGRAM_LEN) {
            return Err("pattern is too large".into());
        }
        for _ in 0..min {
            self.emit(node)?;
        }
        match optional_copies {
            None => {
                let split = self.push(Inst::Split(0, 0))?;
                self.emit(node)?;
                self.push(Inst::Jump(split))?;
                let exit = self.next_index();
                self.insts[split] = Inst::Split(split + 1, exit);
            }
            Some(copies) => {
                let mut splits = Vec::new();
                for _ in 0..copies {
                    splits.push(self.push(Inst::Split(0, 0))?);
                    self.emit(node)?;
                }
                let exit = self.next_index();
                for split in splits {
                    self.insts[split] = Inst::Split(split + 1, exit);
                }
            }
        }
        Ok(())
    }
}

/// Set of instruction indices with O(1) insert, membership and clear.
struct StateSet {
    dense: Vec<usize>,
    sparse: Vec<usize>,
}

impl StateSet {
    fn new(capacity: usize) -> Self {
        Self { dense: Vec::with_capacity(capacity), sparse: vec![0; capacity] }
    }

    fn insert(&mut self, pc: usize) -> bool {
        let slot = self.sparse[pc];
        if slot < self.dense.len() && self.dense[slot] == pc {
            return false;
        }
        self.sparse[pc] = self.dense.len();
        self.dense.push(pc);
        true
    }

    fn clear(&mut self) {
        self.dense.clear();
    }
}

struct Simulation<'a> {
    program: &'a Program,
    input: &'a [char],
}

impl Simulation<'_> {
    /// Whether the program from `entry` matches: starting exactly at `anchored_at`
    /// (lookahead bodies), or at any position when `None`.
    fn run(&self, entry: usize, anchored_at: Option<usize>) -> bool {
        let len = self.program.insts.len();
        let (mut current, mut next) = (StateSet::new(len), StateSet::new(len));
        let mut stack = Vec::new();
        let first = anchored_at.unwrap_or(0);
        let restarts = anchored_at.is_none() && !self.program.anchored_start;
        for pos in first..=self.input.len() {
            if (pos == first || restarts) && self.add_closure(&mut current, &mut stack, entry, pos) {
                return true;
            }
            if pos == self.input.len() || (current.dense.is_empty() && !restarts) {
                return false;
            }
            next.clear();
            for &pc in &current.dense {
                if self.consumes(&self.program.insts[pc], self.input[pos])
                    && self.add_closure(&mut next, &mut stack, pc + 1, pos + 1)
                {
                    return true;
                }
            }
            std::mem::swap(&mut current, &mut next);
        }
        false
    }

    /// Adds `pc` and every state reachable from it without consuming input at `pos`;
    /// true as soon as `Match` is reachable.
    fn add_closure(&self, set: &mut StateSet, stack: &mut Vec<usize>, pc: usize, pos: usize) -> bool {
        stack.clear();
        stack.push(pc);
        while let Some(pc) = stack.pop() {
            if !set.insert(pc) {
                continue;
            }
            match &self.program.insts[pc] {
                Inst::Match => return true,
                Inst::Jump(target) => stack.push(*target),
                Inst::Split(first, second) => {
                    stack.push(*second);
                    stack.push(*first);
                }
                Inst::Assert(assertion) => {
                    if self.holds(*assertion, pos) {
                        stack.push(pc + 1);
                    }
                }
                Inst::Look { negate, next } => {
                    if self.run(pc + 1, Some(pos)) != *negate {
                        stack.push(*next);
                    }
                }
                Inst::Char(_) | Inst::Any | Inst::Class(_) => {}
            }
        }
        false
    }

    fn consumes(&self, inst: &Inst, c: char) -> bool {
        let flags = self.program.flags;
        match inst {
            Inst::Char(expected) => c == *expected || (flags.ignore_case && fold_case(c) == fold_case(*expected)),
            Inst::Any => flags.dot_all || !is_line_terminator(c),
            Inst::Class(class) => class_matches(class, c, flags.ignore_case),
            _ => false,
        }
    }

    fn holds(&self, assertion: Assertion, pos: usize) -> bool {
        let multiline = self.program.flags.multiline;
        match assertion {
            Assertion::LineStart => pos == 0 || (multiline && is_line_terminator(self.input[pos - 1])),
            Assertion::LineEnd => pos == self.input.len() || (multiline && is_line_terminator(self.input[pos])),
            Assertion::WordBoundary { expected } => {
                let before = pos > 0 && is_word_char(self.input[pos - 1]);
                let after = pos < self.input.len() && is_word_char(self.input[pos]);
                (before != after) == expected
            }
        }
    }
}

fn class_matches(class: &CharClass, c: char, ignore_case: bool) -> bool {
    let hit = |ch: char| class.items.iter().any(|item| item_matches(*item, ch));
    let found = hit(c) || (ignore_case && (hit(fold_case(c)) || hit(upper_case(c))));
    found != class.negated
}

fn item_matches(item: ClassItem, c: char) -> bool {
    match item {
        ClassItem::Range(lo, hi) => lo <= c && c <= hi,
        ClassItem::Digit { negated } => c.is_ascii_digit() != negated,
        ClassItem::Word { negated } => is_word_char(c) != negated,
        ClassItem::Space { negated } => super::super::js::is_js_whitespace(c) != negated,
    }
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn is_line_terminator(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}')
}

fn fold_case(c: char) -> char {
    single_char(c.to_lowercase()).unwrap_or(c)
}

fn upper_case(c: char) -> char {
    single_char(c.to_uppercase()).unwrap_or(c)
}

/// The only character of a case mapping, if it maps to exactly one.
fn single_char(mut chars: impl Iterator<Item = char>) -> Option<char> {
    match (chars.next(), chars.next()) {
        (Some(c), None) => Some(c),
        _ => None,
    }
}
