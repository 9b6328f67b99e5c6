//! XML-RPC codec: builds `<methodCall>` documents and reads
//! `<methodResponse>` documents as the MMC agent (Python's `xmlrpc.client`)
//! writes them. No I/O, so it is tested natively; every failure is a typed
//! error, never a panic.

use quick_xml::events::Event;
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
/// UTF-8 (very old agents). Read as it comes, by quick-xml's pull reader (no
/// tree is built: an answer takes the memory of its values, bounded by the
/// size of the body).
pub fn decode_response(body: &[u8]) -> Result<Response, DecodeError> {
    let text = match std::str::from_utf8(body) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => std::borrow::Cow::Owned(body.iter().map(|&b| b as char).collect()),
    };
    let text = text.trim_start_matches('\u{feff}');
    if text.trim().is_empty() {
        return Err(bad("empty response"));
    }
    let mut xml = Reader::new(text);
    match xml.element()? {
        Token::Open { name, empty: false } if name == "methodResponse" => {}
        Token::Open { name, .. } => return Err(bad(format!("expected <methodResponse>, found <{name}>"))),
        _ => return Err(bad("not XML: no <methodResponse>")),
    }
    let response = match xml.element()? {
        Token::Open { name, empty: false } if name == "params" => {
            xml.open("param")?;
            xml.open("value")?;
            let value = xml.value(0)?;
            xml.close("param")?;
            xml.close("params")?;
            Response::Success(value)
        }
        Token::Open { name, empty: false } if name == "fault" => {
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
        Token::Close(name) if name == "methodResponse" => return Err(bad("empty <methodResponse>")),
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
enum Token {
    /// `<name ...>`, or `<name .../>` (`empty`); attributes are skipped.
    Open {
        name: String,
        empty: bool,
    },
    Close(String),
    /// Text (CDATA included), references resolved and line ends made `\n`.
    Text(String),
    End,
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Token::Open { name, .. } => write!(f, "<{name}>"),
            Token::Close(name) => write!(f, "</{name}>"),
            Token::Text(_) => f.write_str("text"),
            Token::End => f.write_str("the end"),
        }
    }
}

/// The XML that XML-RPC uses, read by quick-xml: elements and text;
/// comments and processing instructions (the XML declaration) skipped; a
/// document type declaration refused, and no entity but XML's five and
/// character references expanded (so no "billion laughs").
struct Reader<'a> {
    xml: quick_xml::Reader<&'a [u8]>,
    /// An event read past the end of a text, given next.
    pending: Option<Event<'a>>,
}

fn not_xml(e: impl fmt::Display) -> DecodeError {
    bad(format!("not XML: {e}"))
}

fn name_of(name: quick_xml::name::QName) -> String {
    name.as_ref().to_string()
}

impl<'a> Reader<'a> {
    fn new(text: &'a str) -> Self {
        Self { xml: quick_xml::Reader::from_str(text), pending: None }
    }

    fn event(&mut self) -> Result<Event<'a>, DecodeError> {
        match self.pending.take() {
            Some(event) => Ok(event),
            None => self.xml.read_event().map_err(not_xml),
        }
    }

    fn token(&mut self) -> Result<Token, DecodeError> {
        loop {
            return Ok(match self.event()? {
                Event::Start(e) => Token::Open { name: name_of(e.name()), empty: false },
                Event::Empty(e) => Token::Open { name: name_of(e.name()), empty: true },
                Event::End(e) => Token::Close(name_of(e.name())),
                Event::Eof => Token::End,
                Event::DocType(_) => return Err(bad("a document type declaration: refused")),
                Event::Comment(_) | Event::Decl(_) | Event::PI(_) => continue,
                text @ (Event::Text(_) | Event::CData(_) | Event::GeneralRef(_)) => {
                    self.pending = Some(text);
                    Token::Text(self.text()?)
                }
            });
        }
    }

    /// Text up to the next tag, with the CDATA sections, references,
    /// comments and processing instructions inside it.
    fn text(&mut self) -> Result<String, DecodeError> {
        let mut out = String::new();
        loop {
            match self.event()? {
                Event::Text(t) => out.push_str(&t.xml10_content()),
                Event::CData(t) => out.push_str(&t.xml10_content()),
                Event::GeneralRef(r) => {
                    let name: &str = &r;
                    let resolved = match r.resolve_char_ref() {
                        Ok(Some(c)) => Some(c.to_string()),
                        Ok(None) => quick_xml::escape::resolve_predefined_entity(name).map(String::from),
                        Err(_) => None,
                    };
                    let resolved = resolved.ok_or_else(|| bad(format!("not XML: unknown reference &{name};")))?;
                    out.push_str(&resolved);
                }
                Event::Comment(_) | Event::PI(_) => {}
                other => {
                    self.pending = Some(other);
                    return Ok(out);
                }
            }
        }
    }

    /// The next element tag, or the end: text between elements may only
    /// be white space.
    fn element(&mut self) -> Result<Token, DecodeError> {
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
                Token::Close(name) if name == "value" => return Ok(Value::Str(text)),
                Token::Open { name, empty } if text.trim().is_empty() => {
                    let value = self.typed(&name, empty, depth)?;
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
                            Token::Open { name, empty: true } if name == "value" => {
                                items.push(Value::Str(String::new()))
                            }
                            Token::Open { name, empty: false } if name == "value" => items.push(self.value(depth + 1)?),
                            Token::Close(name) if name == "data" => break,
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
                            Token::Open { name, empty: false } if name == "member" => {
                                let name_empty = self.open("name")?;
                                let key = self.text_of("name", name_empty)?;
                                let value = match self.open("value")? {
                                    true => Value::Str(String::new()),
                                    false => self.value(depth + 1)?,
                                };
                                self.close("member")?;
                                members.push((key, value));
                            }
                            Token::Close(name) if name == "struct" => break,
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

#[cfg(test)]
mod tests;
