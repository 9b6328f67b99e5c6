//! XML-RPC codec: builds `<methodCall>` documents and reads
//! `<methodResponse>` documents as the MMC agent (Python's `xmlrpc.client`)
//! writes them. No I/O, so it is tested natively; every failure is a typed
//! error, never a panic.

use std::fmt;

/// The deepest nesting of values read. The agent's answers nest five or six
/// levels; a hostile one nesting thousands would exhaust the wasm stack (a
/// trap, not a panic: the tab would freeze).
pub const MAX_DEPTH: usize = 32;
/// Elements around [`MAX_DEPTH`] values: three per value (`value`, `array`,
/// `data`), and the envelope.
const MAX_ELEMENT_DEPTH: usize = 3 * MAX_DEPTH + 8;
/// The most XML nodes read from one answer (5,000 entities take about
/// 200,000): bounds the memory a hostile answer can take.
pub const MAX_NODES: u32 = 1_000_000;

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
            Value::Str(s) => s.trim().parse().ok().filter(|d: &f64| d.is_finite()),
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
        Value::Double(d) => out.push_str(&format!("<double>{d:?}</double>")),
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
/// UTF-8 (very old agents).
pub fn decode_response(body: &[u8]) -> Result<Response, DecodeError> {
    let text = match std::str::from_utf8(body) {
        Ok(text) => text.to_string(),
        Err(_) => body.iter().map(|&b| b as char).collect(),
    };
    // The XML declaration may name an encoding the parser does not know; the
    // text is already decoded, so it is dropped.
    let text = match text.trim_start().strip_prefix("<?xml") {
        Some(rest) => rest.split_once("?>").map_or("", |(_, r)| r),
        None => text.as_str(),
    };
    if text.trim().is_empty() {
        return Err(bad("empty response"));
    }
    // The XML parser itself recurses once per element: the depth is checked
    // before it runs.
    if element_depth_exceeds(text, MAX_ELEMENT_DEPTH) {
        return Err(bad(format!("values nested deeper than {MAX_DEPTH} levels: refused")));
    }
    let options = roxmltree::ParsingOptions { nodes_limit: MAX_NODES, ..roxmltree::ParsingOptions::default() };
    let doc = roxmltree::Document::parse_with_options(text, options).map_err(|e| match e {
        roxmltree::Error::NodesLimitReached => bad(format!("more than {MAX_NODES} XML nodes: refused")),
        e => bad(format!("not XML: {e}")),
    })?;
    let root = doc.root_element();
    if root.tag_name().name() != "methodResponse" {
        return Err(bad(format!("expected <methodResponse>, found <{}>", root.tag_name().name())));
    }
    let first = child_elements(root).next().ok_or_else(|| bad("empty <methodResponse>"))?;
    match first.tag_name().name() {
        "params" => {
            let param = only_child(first, "param")?;
            let value = only_child(param, "value")?;
            Ok(Response::Success(decode_value(value, 0)?))
        }
        "fault" => {
            let fault = decode_value(only_child(first, "value")?, 0)?;
            let code = fault.get("faultCode").and_then(Value::as_i64);
            let message = fault.get("faultString").and_then(Value::as_str);
            match (code, message) {
                (Some(code), Some(message)) => Ok(Response::Fault { code, message: message.to_string() }),
                _ => Err(bad("fault without faultCode and faultString")),
            }
        }
        other => Err(bad(format!("unexpected <{other}> in <methodResponse>"))),
    }
}

/// Whether elements nest deeper than `limit` in `text`: a linear scan of
/// the tags, comments, CDATA and processing instructions skipped. Not a
/// parser: a document it passes is then parsed for real.
fn element_depth_exceeds(text: &str, limit: usize) -> bool {
    fn skip_to<'a>(rest: &'a str, end: &str) -> &'a str {
        rest.find(end).map_or("", |i| &rest[i + end.len()..])
    }
    let mut depth = 0usize;
    let mut rest = text;
    while let Some(at) = rest.find('<') {
        rest = &rest[at..];
        if rest.starts_with("<![CDATA[") {
            rest = skip_to(rest, "]]>");
        } else if rest.starts_with("<!--") {
            rest = skip_to(rest, "-->");
        } else if rest.starts_with("<?") || rest.starts_with("<!") {
            rest = skip_to(rest, ">");
        } else if rest.starts_with("</") {
            depth = depth.saturating_sub(1);
            rest = skip_to(rest, ">");
        } else {
            let tag_end = rest.find('>').unwrap_or(rest.len());
            if !rest[..tag_end].ends_with('/') {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            rest = rest.get(tag_end + 1..).unwrap_or("");
        }
    }
    false
}

type Node<'a> = roxmltree::Node<'a, 'a>;

fn child_elements<'a>(node: Node<'a>) -> impl Iterator<Item = Node<'a>> {
    node.children().filter(|n| n.is_element())
}

fn only_child<'a>(node: Node<'a>, name: &str) -> Result<Node<'a>, DecodeError> {
    child_elements(node)
        .find(|n| n.tag_name().name() == name)
        .ok_or_else(|| bad(format!("<{}> without <{name}>", node.tag_name().name())))
}

/// All the text inside an element (entities and CDATA resolved).
fn text_of(node: Node) -> String {
    node.children().filter(|n| n.is_text()).filter_map(|n| n.text()).collect()
}

fn decode_value(value: Node, depth: usize) -> Result<Value, DecodeError> {
    if depth >= MAX_DEPTH {
        return Err(bad(format!("values nested deeper than {MAX_DEPTH} levels: refused")));
    }
    let Some(typed) = child_elements(value).next() else {
        // A bare <value>text</value> is a string.
        return Ok(Value::Str(text_of(value)));
    };
    let text = || text_of(typed);
    let number =
        |t: String| -> Result<i64, DecodeError> { t.trim().parse().map_err(|_| bad(format!("bad integer {t:?}"))) };
    Ok(match typed.tag_name().name() {
        "int" | "i4" | "i8" | "i2" | "i1" => Value::Int(number(text())?),
        "boolean" => match text().trim() {
            "1" | "true" => Value::Bool(true),
            "0" | "false" => Value::Bool(false),
            t => return Err(bad(format!("bad boolean {t:?}"))),
        },
        "string" => Value::Str(text()),
        "double" | "float" => {
            let t = text();
            let d: f64 = t.trim().parse().map_err(|_| bad(format!("bad double {t:?}")))?;
            if !d.is_finite() {
                return Err(bad(format!("bad double {t:?}: not a finite number")));
            }
            Value::Double(d)
        }
        "dateTime.iso8601" => Value::DateTime(text().trim().to_string()),
        "base64" => Value::Base64(text().trim().to_string()),
        "nil" => Value::Nil,
        "array" => {
            let data = only_child(typed, "data")?;
            Value::Array(child_elements(data).map(|v| decode_value(v, depth + 1)).collect::<Result<_, _>>()?)
        }
        "struct" => {
            let mut members = Vec::new();
            for member in child_elements(typed) {
                let name = text_of(only_child(member, "name")?);
                let v = decode_value(only_child(member, "value")?, depth + 1)?;
                members.push((name, v));
            }
            Value::Struct(members)
        }
        other => return Err(bad(format!("unknown XML-RPC type <{other}>"))),
    })
}

#[cfg(test)]
mod tests;
