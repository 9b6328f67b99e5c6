//! XML-RPC codec: builds `<methodCall>` documents and reads
//! `<methodResponse>` documents as the MMC agent (Python's `xmlrpc.client`)
//! writes them. No I/O, so it is tested natively; every failure is a typed
//! error, never a panic.

mod decode;

pub use decode::decode_response;

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

#[cfg(test)]
mod tests;
