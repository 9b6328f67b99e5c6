//! XML-RPC codec: builds `<methodCall>` documents and reads
//! `<methodResponse>` documents as the MMC agent (Python's `xmlrpc.client`)
//! writes them. No I/O, so it is tested natively; every failure is a typed
//! error, never a panic.

use std::fmt;

/// The deepest nesting of values read. The agent's answers nest five or six
/// levels; a hostile one nesting thousands would exhaust the wasm stack (a
/// trap, not a panic: the tab would freeze).
pub const MAX_DEPTH: usize = 32;

/// An XML-RPC value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Int(i64),
    Bool(bool),
    Str(String),
    Double(f64),
    /// `dateTime.iso8601`, kept as sent.
    DateTime(String),
    /// `base64`, kept as sent.
    Base64(String),
    Array(Vec<Value>),
    Struct(Vec<(String, Value)>),
    Nil,
}

/// A decoded `<methodResponse>`.
#[derive(Clone, Debug, PartialEq)]
pub enum Response {
    Success(Value),
    Fault { code: i64, message: String },
}

/// Why a response body could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError(pub String);

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn bad(what: impl Into<String>) -> DecodeError {
    DecodeError(what.into())
}

impl Value {
    pub fn str(s: &str) -> Self {
        Value::Str(s.to_string())
    }

    /// Its XML-RPC type, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Int(_) => "int",
            Value::Bool(_) => "boolean",
            Value::Str(_) => "string",
            Value::Double(_) => "double",
            Value::DateTime(_) => "dateTime.iso8601",
            Value::Base64(_) => "base64",
            Value::Array(_) => "array",
            Value::Struct(_) => "struct",
            Value::Nil => "nil",
        }
    }

    /// A member of a struct.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Struct(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// An integer, also when sent as a boolean, a whole double or a string
    /// of digits (the agent is not consistent).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Bool(b) => Some(*b as i64),
            Value::Double(d) if d.fract() == 0.0 && d.abs() < 9e15 => Some(*d as i64),
            Value::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Double(d) => Some(*d),
            Value::Str(s) => crate::number::parse_decimal(s.trim()),
            other => other.as_i64().map(|i| i as f64),
        }
    }

    /// A flag sent as a boolean or a number: the agent's clean-up step
    /// (`xmlrpcCleanup`, agent/mmc/support/mmctools.py) sends every integer
    /// as a string, so `is_recursive` is `"0"` or `"1"`, and `"0"` is false
    /// (Python's truthiness of the string would say true). `None` when it is
    /// neither.
    pub fn as_flag(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            other => other.as_f64().filter(|n| n.is_finite()).map(|n| n != 0.0),
        }
    }

    /// Python truthiness, as the console reads the agent's booleans.
    pub fn truthy(&self) -> bool {
        match self {
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Double(d) => *d != 0.0,
            Value::Str(s) | Value::DateTime(s) | Value::Base64(s) => !s.is_empty(),
            Value::Array(a) => !a.is_empty(),
            Value::Struct(m) => !m.is_empty(),
            Value::Nil => false,
        }
    }
}

/// Builds a `<methodCall>` document.
pub fn encode_call(method: &str, params: &[Value]) -> String {
    let mut out = String::from("<?xml version=\"1.0\"?>\n<methodCall>\n<methodName>");
    escape_into(&mut out, method);
    out.push_str("</methodName>\n<params>\n");
    for p in params {
        out.push_str("<param>");
        encode_value(&mut out, p);
        out.push_str("</param>\n");
    }
    out.push_str("</params>\n</methodCall>\n");
    out
}

fn encode_value(out: &mut String, value: &Value) {
    out.push_str("<value>");
    match value {
        Value::Int(i) => out.push_str(&format!("<int>{i}</int>")),
        Value::Bool(b) => out.push_str(if *b { "<boolean>1</boolean>" } else { "<boolean>0</boolean>" }),
        Value::Str(s) => {
            out.push_str("<string>");
            escape_into(out, s);
            out.push_str("</string>");
        }
        Value::Double(d) => out.push_str(&format!("<double>{}</double>", number_text(*d))),
        Value::DateTime(s) => {
            out.push_str("<dateTime.iso8601>");
            escape_into(out, s);
            out.push_str("</dateTime.iso8601>");
        }
        Value::Base64(s) => {
            out.push_str("<base64>");
            escape_into(out, s);
            out.push_str("</base64>");
        }
        Value::Array(items) => {
            out.push_str("<array><data>\n");
            for item in items {
                encode_value(out, item);
                out.push('\n');
            }
            out.push_str("</data></array>");
        }
        Value::Struct(members) => {
            out.push_str("<struct>\n");
            for (name, v) in members {
                out.push_str("<member><name>");
                escape_into(out, name);
                out.push_str("</name>");
                encode_value(out, v);
                out.push_str("</member>\n");
            }
            out.push_str("</struct>");
        }
        Value::Nil => out.push_str("<nil/>"),
    }
    out.push_str("</value>");
}

/// A double as text: the browser's own formatting in the tab (Rust's would
/// add its float formatting code to the wasm), Rust's elsewhere.
fn number_text(d: f64) -> String {
    #[cfg(target_arch = "wasm32")]
    return js_sys::Number::from(d).to_string_with_radix(10).map(String::from).unwrap_or_default();
    #[cfg(not(target_arch = "wasm32"))]
    return format!("{d:?}");
}

/// Text as XML 1.0 carries it: markup escaped, a carriage return as a
/// reference (a parser would read a raw one as a line feed), and the
/// characters XML cannot carry at all (other controls, U+FFFE, U+FFFF) as
/// U+FFFD, so that the call stays well-formed: a password holding one is
/// then simply refused, where the agent would reject the whole call.
fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
}

/// Reads a `<methodResponse>` body: UTF-8, or Latin-1 when the bytes are not
/// UTF-8 (very old agents). Read as it comes (no tree is built: an answer
/// takes the memory of its values, bounded by the size of the body).
pub fn decode_response(body: &[u8]) -> Result<Response, DecodeError> {
    let text = match std::str::from_utf8(body) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => std::borrow::Cow::Owned(body.iter().map(|&b| b as char).collect()),
    };
    let text = text.trim_start_matches('\u{feff}');
    if text.trim().is_empty() {
        return Err(bad("empty response"));
    }
    let mut xml = Reader { rest: text };
    match xml.element()? {
        Token::Open { name: "methodResponse", empty: false } => {}
        Token::Open { name, .. } => return Err(bad(format!("expected <methodResponse>, found <{name}>"))),
        _ => return Err(bad("not XML: no <methodResponse>")),
    }
    let response = match xml.element()? {
        Token::Open { name: "params", empty: false } => {
            xml.open("param")?;
            xml.open("value")?;
            let value = xml.value(0)?;
            xml.close("param")?;
            xml.close("params")?;
            Response::Success(value)
        }
        Token::Open { name: "fault", empty: false } => {
            xml.open("value")?;
            let fault = xml.value(0)?;
            xml.close("fault")?;
            let code = fault.get("faultCode").and_then(Value::as_i64);
            let message = fault.get("faultString").and_then(Value::as_str);
            match (code, message) {
                (Some(code), Some(message)) => Response::Fault { code, message: message.to_string() },
                _ => return Err(bad("fault without faultCode and faultString")),
            }
        }
        Token::Close("methodResponse") => return Err(bad("empty <methodResponse>")),
        token => return Err(bad(format!("unexpected {token} in <methodResponse>"))),
    };
    xml.close("methodResponse")?;
    match xml.element()? {
        Token::End => Ok(response),
        token => Err(bad(format!("unexpected {token} after </methodResponse>"))),
    }
}

/// What the reader meets next.
#[derive(Debug, PartialEq)]
enum Token<'a> {
    /// `<name ...>`, or `<name .../>` (`empty`); attributes are skipped.
    Open {
        name: &'a str,
        empty: bool,
    },
    Close(&'a str),
    /// Text (CDATA included), references resolved and line ends made `\n`.
    Text(String),
    End,
}

impl fmt::Display for Token<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Token::Open { name, .. } => write!(f, "<{name}>"),
            Token::Close(name) => write!(f, "</{name}>"),
            Token::Text(_) => f.write_str("text"),
            Token::End => f.write_str("the end"),
        }
    }
}

/// A pull reader of the XML that XML-RPC uses: elements and text; comments
/// and processing instructions (the XML declaration) skipped; a document
/// type declaration refused (no entity of its own is ever expanded).
struct Reader<'a> {
    rest: &'a str,
}

/// What follows `end` in `text`.
fn after<'a>(text: &'a str, end: &str, what: &str) -> Result<&'a str, DecodeError> {
    text.find(end).map(|i| &text[i + end.len()..]).ok_or_else(|| bad(format!("not XML: unclosed {what}")))
}

impl<'a> Reader<'a> {
    fn token(&mut self) -> Result<Token<'a>, DecodeError> {
        loop {
            let rest = self.rest;
            if rest.is_empty() {
                return Ok(Token::End);
            } else if let Some(inside) = rest.strip_prefix("<!--") {
                self.rest = after(inside, "-->", "comment")?;
            } else if let Some(inside) = rest.strip_prefix("<?") {
                self.rest = after(inside, "?>", "processing instruction")?;
            } else if !rest.starts_with('<') || rest.starts_with("<![CDATA[") {
                return self.text();
            } else if rest.starts_with("<!") {
                return Err(bad("a document type declaration: refused"));
            } else if let Some(inside) = rest.strip_prefix("</") {
                let end = inside.find('>').ok_or_else(|| bad("not XML: unclosed tag"))?;
                self.rest = &inside[end + 1..];
                return Ok(Token::Close(inside[..end].trim_end()));
            } else {
                return self.open_tag();
            }
        }
    }

    /// `<name attributes...>` or `<name .../>`; a `>` inside a quoted
    /// attribute value does not end it.
    fn open_tag(&mut self) -> Result<Token<'a>, DecodeError> {
        let inside = &self.rest[1..];
        let name_end = inside.find(|c: char| c.is_whitespace() || c == '>' || c == '/').unwrap_or(inside.len());
        let name = &inside[..name_end];
        if name.is_empty() {
            return Err(bad("not XML: a tag without a name"));
        }
        let mut quote = None;
        for (i, c) in inside.char_indices().filter(|(i, _)| *i >= name_end) {
            match (quote, c) {
                (None, '"' | '\'') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (None, '>') => {
                    self.rest = &inside[i + 1..];
                    return Ok(Token::Open { name, empty: inside[..i].ends_with('/') });
                }
                _ => {}
            }
        }
        Err(bad("not XML: unclosed tag"))
    }

    /// Text up to the next tag, with the CDATA sections, comments and
    /// processing instructions inside it.
    fn text(&mut self) -> Result<Token<'a>, DecodeError> {
        let mut out = String::new();
        loop {
            let rest = self.rest;
            if let Some(inside) = rest.strip_prefix("<![CDATA[") {
                let end = inside.find("]]>").ok_or_else(|| bad("not XML: unclosed CDATA section"))?;
                push_line_ends(&mut out, &inside[..end]);
                self.rest = &inside[end + 3..];
            } else if let Some(inside) = rest.strip_prefix("<!--") {
                self.rest = after(inside, "-->", "comment")?;
            } else if let Some(inside) = rest.strip_prefix("<?") {
                self.rest = after(inside, "?>", "processing instruction")?;
            } else if rest.is_empty() || rest.starts_with('<') {
                return Ok(Token::Text(out));
            } else {
                let end = rest.find('<').unwrap_or(rest.len());
                unescape_into(&mut out, &rest[..end])?;
                self.rest = &rest[end..];
            }
        }
    }

    /// The next element tag, or the end: text between elements may only
    /// be white space.
    fn element(&mut self) -> Result<Token<'a>, DecodeError> {
        loop {
            match self.token()? {
                Token::Text(t) if t.trim().is_empty() => {}
                Token::Text(_) => return Err(bad("not XML-RPC: text where an element was expected")),
                token => return Ok(token),
            }
        }
    }

    fn open(&mut self, name: &str) -> Result<bool, DecodeError> {
        match self.element()? {
            Token::Open { name: found, empty } if found == name => Ok(empty),
            token => Err(bad(format!("expected <{name}>, found {token}"))),
        }
    }

    fn close(&mut self, name: &str) -> Result<(), DecodeError> {
        match self.element()? {
            Token::Close(found) if found == name => Ok(()),
            token => Err(bad(format!("expected </{name}>, found {token}"))),
        }
    }

    /// The text of element `name` (opened, `empty` or not), up to its end.
    fn text_of(&mut self, name: &str, empty: bool) -> Result<String, DecodeError> {
        let mut text = String::new();
        if empty {
            return Ok(text);
        }
        loop {
            match self.token()? {
                Token::Text(t) => text.push_str(&t),
                Token::Close(found) if found == name => return Ok(text),
                token => return Err(bad(format!("expected text in <{name}>, found {token}"))),
            }
        }
    }

    /// A value, its `<value>` opened: a typed element, or bare text (a
    /// string); `depth` values enclose it.
    fn value(&mut self, depth: usize) -> Result<Value, DecodeError> {
        if depth >= MAX_DEPTH {
            return Err(bad(format!("values nested deeper than {MAX_DEPTH} levels: refused")));
        }
        let mut text = String::new();
        loop {
            match self.token()? {
                Token::Text(t) => text.push_str(&t),
                Token::Close("value") => return Ok(Value::Str(text)),
                Token::Open { name, empty } if text.trim().is_empty() => {
                    let value = self.typed(name, empty, depth)?;
                    self.close("value")?;
                    return Ok(value);
                }
                token => return Err(bad(format!("unexpected {token} in <value>"))),
            }
        }
    }

    /// A `<value>`'s typed content, its element `name` opened.
    fn typed(&mut self, name: &str, empty: bool, depth: usize) -> Result<Value, DecodeError> {
        let number = |t: String| -> Result<i64, DecodeError> {
            t.trim().parse().map_err(|_| bad(format!("bad integer \"{t}\"")))
        };
        Ok(match name {
            "int" | "i4" | "i8" | "i2" | "i1" => Value::Int(number(self.text_of(name, empty)?)?),
            "boolean" => match self.text_of(name, empty)?.trim() {
                "1" | "true" => Value::Bool(true),
                "0" | "false" => Value::Bool(false),
                t => return Err(bad(format!("bad boolean \"{t}\""))),
            },
            "string" => Value::Str(self.text_of(name, empty)?),
            "double" | "float" => {
                let t = self.text_of(name, empty)?;
                let d = crate::number::parse_decimal(t.trim());
                let d = d.ok_or_else(|| bad(format!("bad double \"{t}\": not a finite decimal number")))?;
                Value::Double(d)
            }
            "dateTime.iso8601" => Value::DateTime(self.text_of(name, empty)?.trim().to_string()),
            "base64" => Value::Base64(self.text_of(name, empty)?.trim().to_string()),
            "nil" => {
                if !empty {
                    self.close("nil")?;
                }
                Value::Nil
            }
            "array" => {
                let mut items = Vec::new();
                if !empty && !self.open("data")? {
                    loop {
                        match self.element()? {
                            Token::Open { name: "value", empty: true } => items.push(Value::Str(String::new())),
                            Token::Open { name: "value", empty: false } => items.push(self.value(depth + 1)?),
                            Token::Close("data") => break,
                            token => return Err(bad(format!("unexpected {token} in <data>"))),
                        }
                    }
                }
                if !empty {
                    self.close("array")?;
                }
                Value::Array(items)
            }
            "struct" => {
                let mut members = Vec::new();
                if !empty {
                    loop {
                        match self.element()? {
                            Token::Open { name: "member", empty: false } => {
                                let name_empty = self.open("name")?;
                                let key = self.text_of("name", name_empty)?;
                                let value = match self.open("value")? {
                                    true => Value::Str(String::new()),
                                    false => self.value(depth + 1)?,
                                };
                                self.close("member")?;
                                members.push((key, value));
                            }
                            Token::Close("struct") => break,
                            token => return Err(bad(format!("unexpected {token} in <struct>"))),
                        }
                    }
                }
                Value::Struct(members)
            }
            other => return Err(bad(format!("unknown XML-RPC type <{other}>"))),
        })
    }
}

/// `raw`, its line ends (`\r\n`, `\r`) made `\n` as XML reads them.
fn push_line_ends(out: &mut String, raw: &str) {
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' {
            chars.next_if_eq(&'\n');
            out.push('\n');
        } else {
            out.push(c);
        }
    }
}

/// Character data: line ends made `\n`, then the five entities and the
/// character references resolved; any other `&` is an error.
fn unescape_into(out: &mut String, raw: &str) -> Result<(), DecodeError> {
    let mut parts = raw.split('&');
    push_line_ends(out, parts.next().unwrap_or_default());
    for part in parts {
        let (reference, rest) = part.split_once(';').ok_or_else(|| bad("not XML: a bare &"))?;
        let code = |digits: &str, radix| u32::from_str_radix(digits, radix).ok().and_then(char::from_u32);
        let c = match reference {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            r => match r.strip_prefix("#x").or_else(|| r.strip_prefix("#X")) {
                Some(hex) => code(hex, 16),
                None => r.strip_prefix('#').and_then(|d| code(d, 10)),
            },
        };
        out.push(c.filter(|&c| c != '\0').ok_or_else(|| bad(format!("not XML: unknown reference &{reference};")))?);
        push_line_ends(out, rest);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
