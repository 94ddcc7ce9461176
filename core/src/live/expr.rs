//! A small expression language over channels: `+ - * /`, unary `-`, parentheses, decimal
//! numbers and channel names. Expressions compile to postfix code evaluated on a row.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::{Error, Result};

/// Longest expression accepted, in bytes (bounds the evaluation stack).
pub const MAX_EXPR_LEN: usize = 512;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Const(f64),
    Chan(usize),
    Neg,
    Add,
    Sub,
    Mul,
    Div,
}

/// A compiled expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    code: Vec<Op>,
    depth: usize,
}

impl Expr {
    /// Compile `src`; `resolve` maps a channel name to its index in the rows evaluated.
    pub fn parse(src: &str, resolve: &dyn Fn(&str) -> Option<usize>) -> Result<Expr> {
        if src.len() > MAX_EXPR_LEN {
            return Err(Error::Config(format!(
                "expression longer than {MAX_EXPR_LEN} bytes"
            )));
        }
        let mut p = ExprParser {
            src: src.as_bytes(),
            at: 0,
            code: Vec::new(),
            resolve,
        };
        p.sum()?;
        p.space();
        if p.at < p.src.len() {
            return Err(p.error("an operator or the end"));
        }
        let mut depth = 0usize;
        let mut max = 0;
        for op in &p.code {
            match op {
                Op::Const(_) | Op::Chan(_) => depth += 1,
                Op::Neg => {}
                _ => depth = depth.saturating_sub(1),
            }
            max = max.max(depth);
        }
        Ok(Expr {
            code: p.code,
            depth: max,
        })
    }

    /// The largest channel index read, if any.
    pub fn max_channel(&self) -> Option<usize> {
        self.code
            .iter()
            .filter_map(|op| match op {
                Op::Chan(i) => Some(*i),
                _ => None,
            })
            .max()
    }

    /// Evaluate on `row` (a channel past its end reads NaN); `stack` is scratch space.
    pub fn eval(&self, row: &[f64], stack: &mut Vec<f64>) -> f64 {
        stack.clear();
        stack.reserve(self.depth);
        for op in &self.code {
            let v = match *op {
                Op::Const(v) => v,
                Op::Chan(i) => row.get(i).copied().unwrap_or(f64::NAN),
                Op::Neg => -stack.pop().unwrap_or(f64::NAN),
                bin => {
                    let b = stack.pop().unwrap_or(f64::NAN);
                    let a = stack.pop().unwrap_or(f64::NAN);
                    match bin {
                        Op::Add => a + b,
                        Op::Sub => a - b,
                        Op::Mul => a * b,
                        _ => a / b,
                    }
                }
            };
            stack.push(v);
        }
        stack.pop().unwrap_or(f64::NAN)
    }
}

struct ExprParser<'a> {
    src: &'a [u8],
    at: usize,
    code: Vec<Op>,
    resolve: &'a dyn Fn(&str) -> Option<usize>,
}

impl ExprParser<'_> {
    fn space(&mut self) {
        while self.src.get(self.at).is_some_and(u8::is_ascii_whitespace) {
            self.at += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.space();
        self.src.get(self.at).copied()
    }

    fn error(&self, expected: &str) -> Error {
        let found = match self.src.get(self.at) {
            Some(&b) => format!("'{}'", char::from(b)),
            None => String::from("the end"),
        };
        Error::Config(format!(
            "expression at column {}: expected {expected}, found {found}",
            self.at + 1
        ))
    }

    fn sum(&mut self) -> Result<()> {
        self.product()?;
        while let Some(c @ (b'+' | b'-')) = self.peek() {
            self.at += 1;
            self.product()?;
            self.code.push(if c == b'+' { Op::Add } else { Op::Sub });
        }
        Ok(())
    }

    fn product(&mut self) -> Result<()> {
        self.unary(0)?;
        while let Some(c @ (b'*' | b'/')) = self.peek() {
            self.at += 1;
            self.unary(0)?;
            self.code.push(if c == b'*' { Op::Mul } else { Op::Div });
        }
        Ok(())
    }

    fn unary(&mut self, nesting: usize) -> Result<()> {
        if nesting > 64 {
            return Err(self.error("fewer nested signs or parentheses"));
        }
        match self.peek() {
            Some(b'-') => {
                self.at += 1;
                self.unary(nesting + 1)?;
                self.code.push(Op::Neg);
            }
            Some(b'+') => {
                self.at += 1;
                self.unary(nesting + 1)?;
            }
            Some(b'(') => {
                self.at += 1;
                // The length bound keeps the recursion shallow.
                self.sum()?;
                if self.peek() != Some(b')') {
                    return Err(self.error("')'"));
                }
                self.at += 1;
            }
            Some(c) if c.is_ascii_digit() || c == b'.' => {
                let start = self.at;
                while self.src.get(self.at).is_some_and(|&b| {
                    b.is_ascii_digit()
                        || b == b'.'
                        || b == b'e'
                        || b == b'E'
                        || ((b == b'-' || b == b'+')
                            && matches!(self.src.get(self.at - 1), Some(b'e' | b'E')))
                }) {
                    self.at += 1;
                }
                let text = core::str::from_utf8(&self.src[start..self.at]).unwrap_or("");
                let v = text.parse::<f64>().map_err(|_| {
                    self.at = start;
                    self.error("a number")
                })?;
                self.code.push(Op::Const(v));
            }
            Some(c) if c.is_ascii_alphabetic() || c == b'_' => {
                let start = self.at;
                while self
                    .src
                    .get(self.at)
                    .is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
                {
                    self.at += 1;
                }
                let name = core::str::from_utf8(&self.src[start..self.at]).unwrap_or("");
                let Some(i) = (self.resolve)(name) else {
                    return Err(Error::Config(format!(
                        "expression at column {}: no channel named '{name}'",
                        start + 1
                    )));
                };
                self.code.push(Op::Chan(i));
            }
            _ => return Err(self.error("a number, a channel name, '-' or '('")),
        }
        Ok(())
    }
}

/// A comparison operator of an [`Alert`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    /// `>`
    Greater,
    /// `>=`
    GreaterEq,
    /// `<`
    Less,
    /// `<=`
    LessEq,
    /// `==`
    Equal,
    /// `!=`
    NotEqual,
}

/// A condition `LEFT OP RIGHT` on a row, counted on each false → true change.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// The text it was parsed from.
    pub text: String,
    left: Expr,
    op: Compare,
    right: Expr,
    active: bool,
    events: u64,
    samples: u64,
}

impl Alert {
    /// Parse `LEFT OP RIGHT` with OP one of `> >= < <= == !=`.
    pub fn parse(src: &str, resolve: &dyn Fn(&str) -> Option<usize>) -> Result<Alert> {
        const OPS: [(&str, Compare); 6] = [
            (">=", Compare::GreaterEq),
            ("<=", Compare::LessEq),
            ("==", Compare::Equal),
            ("!=", Compare::NotEqual),
            (">", Compare::Greater),
            ("<", Compare::Less),
        ];
        let found = OPS
            .iter()
            .filter_map(|&(s, op)| src.find(s).map(|at| (at, s.len(), op)))
            .min_by_key(|&(at, len, _)| (at, usize::MAX - len));
        let Some((at, len, op)) = found else {
            return Err(Error::Config(format!(
                "alert '{src}' has no comparison (> >= < <= == !=)"
            )));
        };
        let left = Expr::parse(&src[..at], resolve)?;
        let right = Expr::parse(&src[at + len..], resolve)?;
        Ok(Alert {
            text: src.into(),
            left,
            op,
            right,
            active: false,
            events: 0,
            samples: 0,
        })
    }

    /// Test a row; true when the condition just became true (an event).
    pub fn update(&mut self, row: &[f64], stack: &mut Vec<f64>) -> bool {
        let a = self.left.eval(row, stack);
        let b = self.right.eval(row, stack);
        let hit = match self.op {
            Compare::Greater => a > b,
            Compare::GreaterEq => a >= b,
            Compare::Less => a < b,
            Compare::LessEq => a <= b,
            Compare::Equal => a == b,
            Compare::NotEqual => a != b,
        };
        let event = hit && !self.active;
        self.active = hit;
        self.samples += u64::from(hit);
        self.events += u64::from(event);
        event
    }

    /// False → true changes so far.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// Rows on which the condition held.
    pub fn samples(&self) -> u64 {
        self.samples
    }

    /// The largest channel index read, if any.
    pub fn max_channel(&self) -> Option<usize> {
        self.left.max_channel().max(self.right.max_channel())
    }
}
