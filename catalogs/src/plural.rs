//! A catalog's `Plural-Forms` expression, turned into Rust.

/// A gettext plural expression (C syntax, over `n`) as a Rust expression
/// of type `u64`, `n` being a `u64`.
pub fn plural_to_rust(expr: &str) -> Result<String, String> {
    let tokens = tokenize(expr)?;
    let mut p = Parser { tokens, at: 0 };
    let out = p.ternary()?;
    if p.at != p.tokens.len() {
        return Err(format!("unexpected {:?}", p.tokens[p.at]));
    }
    Ok(out)
}

pub(crate) fn tokenize(expr: &str) -> Result<Vec<String>, String> {
    let mut tokens = Vec::new();
    let b = expr.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() || c == b';' {
            i += 1;
        } else if c.is_ascii_digit() {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            tokens.push(expr[start..i].to_string());
        } else {
            let two = expr.get(i..i + 2).unwrap_or("");
            let op = if ["==", "!=", "<=", ">=", "&&", "||"].contains(&two) { two } else { &expr[i..i + 1] };
            if !(["n", "?", ":", "(", ")", "<", ">", "%", "+", "-", "*", "/", "!"].contains(&op) || op.len() == 2) {
                return Err(format!("unexpected {op:?}"));
            }
            tokens.push(op.to_string());
            i += op.len();
        }
    }
    Ok(tokens)
}

pub(crate) struct Parser {
    tokens: Vec<String>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.at).map(String::as_str)
    }

    fn eat(&mut self, t: &str) -> bool {
        let hit = self.peek() == Some(t);
        self.at += usize::from(hit);
        hit
    }

    fn ternary(&mut self) -> Result<String, String> {
        let cond = self.binary(0)?;
        if !self.eat("?") {
            return Ok(cond);
        }
        let yes = self.ternary()?;
        if !self.eat(":") {
            return Err("expected ':'".into());
        }
        let no = self.ternary()?;
        Ok(format!("(if {cond} != 0 {{ {yes} }} else {{ {no} }})"))
    }

    /// Binary operators by level of precedence, loosest first.
    fn binary(&mut self, level: usize) -> Result<String, String> {
        const LEVELS: [&[&str]; 6] =
            [&["||"], &["&&"], &["==", "!="], &["<", ">", "<=", ">="], &["+", "-"], &["*", "/", "%"]];
        if level == LEVELS.len() {
            return self.unary();
        }
        let mut left = self.binary(level + 1)?;
        while let Some(op) = self.peek().filter(|t| LEVELS[level].contains(t)).map(str::to_string) {
            self.at += 1;
            let right = self.binary(level + 1)?;
            left = match op.as_str() {
                "||" | "&&" => format!("u64::from({left} != 0 {op} {right} != 0)"),
                "+" | "*" => format!("{left}.wrapping{}({right})", if op == "+" { "_add" } else { "_mul" }),
                "-" => format!("{left}.wrapping_sub({right})"),
                "/" | "%" => format!("{left}.checked_{}({right}).unwrap_or(0)", if op == "/" { "div" } else { "rem" }),
                _ => format!("u64::from({left} {op} {right})"),
            };
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<String, String> {
        if self.eat("!") {
            return Ok(format!("u64::from({} == 0)", self.unary()?));
        }
        match self.peek().map(str::to_string) {
            Some(t) if t == "(" => {
                self.at += 1;
                let inner = self.ternary()?;
                if !self.eat(")") {
                    return Err("expected ')'".into());
                }
                Ok(format!("({inner})"))
            }
            Some(t) if t == "n" => {
                self.at += 1;
                Ok("n".into())
            }
            Some(t) if t.bytes().all(|c| c.is_ascii_digit()) => {
                self.at += 1;
                Ok(format!("{t}u64"))
            }
            other => Err(format!("unexpected {other:?}")),
        }
    }
}
