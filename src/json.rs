//! JSON as the tab needs it: `config.json`, the REST gateway's answers and
//! the host page's messages read into a [`Json`] value, small objects
//! written. A reader of its own rather than serde's, whose generic code
//! was a twentieth of the wasm. Strict RFC 8259: any deviation is an error
//! saying where; nesting is bounded, so no input exhausts the stack.

use std::fmt;

/// The deepest nesting of arrays and objects read.
pub const MAX_DEPTH: usize = 64;

#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    /// As written, read as a whole number or as a float when asked
    /// ([`Json::as_u64`], [`Json::as_f64`]): no precision lost on the way.
    Number(String),
    String(String),
    Array(Vec<Json>),
    /// Members in their order; a repeated key: the first one counts.
    Object(Vec<(String, Json)>),
}

/// Reads a JSON text.
pub fn parse(text: &str) -> Result<Json, String> {
    let mut p = Parser { text, at: 0 };
    let value = p.value(0)?;
    p.blank();
    if p.at < text.len() {
        return Err(p.error("the end"));
    }
    Ok(value)
}

/// Reads a JSON body, which must be UTF-8.
pub fn parse_bytes(body: &[u8]) -> Result<Json, String> {
    parse(std::str::from_utf8(body).map_err(|_| "not UTF-8".to_string())?)
}

impl Json {
    /// The member `key` of an object.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Json::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// A whole number written without fraction or exponent, 0 or more.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Json::Number(n) => n.parse().ok(),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Json::Number(n) => crate::number::parse_decimal(n),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Json]> {
        match self {
            Json::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        *self == Json::Null
    }
}

impl From<&str> for Json {
    fn from(s: &str) -> Self {
        Json::String(s.to_string())
    }
}

impl From<String> for Json {
    fn from(s: String) -> Self {
        Json::String(s)
    }
}

impl From<i64> for Json {
    fn from(n: i64) -> Self {
        Json::Number(n.to_string())
    }
}

impl<T: Into<Json>> From<Option<T>> for Json {
    fn from(v: Option<T>) -> Self {
        v.map_or(Json::Null, Into::into)
    }
}

/// An object of `members`, to write.
pub fn object<const N: usize>(members: [(&str, Json); N]) -> Json {
    Json::Object(members.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

/// Compact JSON text.
impl fmt::Display for Json {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Json::Null => f.write_str("null"),
            Json::Bool(b) => write!(f, "{b}"),
            Json::Number(n) => f.write_str(n),
            Json::String(s) => write_string(f, s),
            Json::Array(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Json::Object(members) => {
                f.write_str("{")?;
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write_string(f, k)?;
                    write!(f, ":{v}")?;
                }
                f.write_str("}")
            }
        }
    }
}

fn write_string(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_str("\"")?;
    for c in s.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            c if c < ' ' => write!(f, "\\u{:04x}", c as u32)?,
            c => write!(f, "{c}")?,
        }
    }
    f.write_str("\"")
}

struct Parser<'a> {
    text: &'a str,
    at: usize,
}

impl Parser<'_> {
    fn error(&self, expected: &str) -> String {
        match self.text[self.at..].chars().next() {
            Some(c) => format!("expected {expected} at byte {}, found '{c}'", self.at),
            None => format!("expected {expected}, found the end"),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn blank(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn eat(&mut self, word: &str) -> bool {
        let found = self.text[self.at..].starts_with(word);
        if found {
            self.at += word.len();
        }
        found
    }

    fn value(&mut self, depth: usize) -> Result<Json, String> {
        self.blank();
        if depth > MAX_DEPTH {
            return Err(format!("nested deeper than {MAX_DEPTH} levels"));
        }
        match self.peek() {
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => self.string().map(Json::String),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ if self.eat("true") => Ok(Json::Bool(true)),
            _ if self.eat("false") => Ok(Json::Bool(false)),
            _ if self.eat("null") => Ok(Json::Null),
            _ => Err(self.error("a value")),
        }
    }

    fn array(&mut self, depth: usize) -> Result<Json, String> {
        self.at += 1;
        let mut items = Vec::new();
        self.blank();
        if self.eat("]") {
            return Ok(Json::Array(items));
        }
        loop {
            items.push(self.value(depth + 1)?);
            self.blank();
            if self.eat("]") {
                return Ok(Json::Array(items));
            }
            if !self.eat(",") {
                return Err(self.error("',' or ']'"));
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Json, String> {
        self.at += 1;
        let mut members: Vec<(String, Json)> = Vec::new();
        self.blank();
        if self.eat("}") {
            return Ok(Json::Object(members));
        }
        loop {
            self.blank();
            if self.peek() != Some(b'"') {
                return Err(self.error("a member name"));
            }
            let key = self.string()?;
            self.blank();
            if !self.eat(":") {
                return Err(self.error("':'"));
            }
            let value = self.value(depth + 1)?;
            members.push((key, value));
            self.blank();
            if self.eat("}") {
                return Ok(Json::Object(members));
            }
            if !self.eat(",") {
                return Err(self.error("',' or '}'"));
            }
        }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    fn number(&mut self) -> Result<Json, String> {
        let start = self.at;
        let digits = |p: &mut Self| {
            let from = p.at;
            while matches!(p.peek(), Some(b'0'..=b'9')) {
                p.at += 1;
            }
            p.at > from
        };
        self.eat("-");
        if !self.eat("0") && !digits(self) {
            return Err(self.error("a digit"));
        }
        if self.eat(".") && !digits(self) {
            return Err(self.error("a digit"));
        }
        if self.eat("e") || self.eat("E") {
            let _ = self.eat("+") || self.eat("-");
            if !digits(self) {
                return Err(self.error("a digit"));
            }
        }
        Ok(Json::Number(self.text[start..self.at].to_string()))
    }

    fn string(&mut self) -> Result<String, String> {
        self.at += 1;
        let mut out = String::new();
        loop {
            let rest = &self.text[self.at..];
            let end = rest.find(['"', '\\']).ok_or_else(|| "unterminated string".to_string())?;
            if rest[..end].chars().any(|c| c < ' ') {
                return Err(format!("a control character in a string near byte {}", self.at));
            }
            out.push_str(&rest[..end]);
            self.at += end + 1;
            if rest.as_bytes()[end] == b'"' {
                return Ok(out);
            }
            let escape = self.peek().ok_or_else(|| "unterminated string".to_string())?;
            self.at += 1;
            out.push(match escape {
                b'"' => '"',
                b'\\' => '\\',
                b'/' => '/',
                b'b' => '\u{8}',
                b'f' => '\u{c}',
                b'n' => '\n',
                b'r' => '\r',
                b't' => '\t',
                b'u' => self.unicode_escape()?,
                _ => return Err(format!("a bad escape near byte {}", self.at)),
            });
        }
    }

    /// After `\u`: four hex digits; a surrogate pair taken whole, a lone
    /// surrogate refused (as serde_json does).
    fn unicode_escape(&mut self) -> Result<char, String> {
        let hex = |p: &mut Self| -> Result<u32, String> {
            let digits = p.text.get(p.at..p.at + 4).filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()));
            let digits = digits.ok_or_else(|| format!("a bad \\u escape near byte {}", p.at))?;
            p.at += 4;
            u32::from_str_radix(digits, 16).map_err(|_| format!("a bad \\u escape near byte {}", p.at))
        };
        let first = hex(self)?;
        let c = if (0xD800..0xDC00).contains(&first) && self.eat("\\u") {
            let second = hex(self)?;
            (0xDC00..0xE000).contains(&second).then(|| 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))
        } else {
            Some(first)
        };
        c.and_then(char::from_u32).ok_or_else(|| format!("a lone surrogate near byte {}", self.at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_serde_json_reads() {
        let text = r#" {"a": [1, -2.5e3, 0, true, false, null], "b": "é\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00x",
            "c": {}, "d": [], "a": "second"} "#;
        let mine = parse(text).expect("valid");
        let theirs: serde_json::Value = serde_json::from_str(text).expect("valid");
        assert_eq!(mine.get("b").and_then(Json::as_str), Some("é\"\\/\u{8}\u{c}\n\r\té😀x"));
        assert_eq!(theirs["b"].as_str(), Some("é\"\\/\u{8}\u{c}\n\r\té😀x"));
        let a = mine.get("a").and_then(Json::as_array).expect("first a");
        assert_eq!((a[0].as_u64(), a[1].as_f64(), a[1].as_u64()), (Some(1), Some(-2500.0), None));
        assert_eq!((a[3].as_bool(), a[5].is_null()), (Some(true), true));
        // Written back and read by serde_json: the same value.
        let again: serde_json::Value = serde_json::from_str(&mine.to_string()).expect("written JSON");
        assert_eq!(again["b"], theirs["b"]);
        assert_eq!(again["c"], theirs["c"]);
    }

    #[test]
    fn anything_else_is_an_error_never_a_panic() {
        for bad in [
            "",
            " ",
            "{",
            "[1,]",
            "{\"a\" 1}",
            "{a: 1}",
            "01",
            "1.",
            "-",
            "1e",
            ".5",
            "+1",
            "\"a",
            "\"\\x\"",
            "\"\\u12\"",
            "\"\\u+123\"",
            "\"\\ud800x\"",
            "\"\\udc00\"",
            "\"\\ud800\\u0041\"",
            "\"a\u{1}\"",
            "nul",
            "truex",
            "[1] 2",
            "'a'",
            "NaN",
            "Infinity",
        ] {
            assert!(parse(bad).is_err(), "accepted {bad:?}");
        }
        let deep = "[".repeat(10_000);
        assert!(parse(&deep).expect_err("refused").contains("nested deeper"));
        assert!(parse_bytes(b"\xff").is_err());
        assert_eq!(parse("1e400").expect("a number").as_f64(), None, "not finite");
    }

    #[test]
    fn writes_escaped_compact_json() {
        let v = object([
            ("type", "status".into()),
            ("n", 3.into()),
            ("x", Json::from(None::<&str>)),
            ("s", "a\"\n\u{1}".into()),
        ]);
        assert_eq!(v.to_string(), r#"{"type":"status","n":3,"x":null,"s":"a\"\n\u0001"}"#);
    }
}
