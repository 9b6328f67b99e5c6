//! Reading `<methodResponse>` documents: quick-xml's pull reader under our
//! depth limit, no DTD, only XML's own entities.

use super::*;
use quick_xml::events::Event;
use std::borrow::Cow;

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
enum Token<'a> {
    /// `<name ...>`, or `<name .../>` (`empty`); attributes are skipped.
    Open {
        name: Name,
        empty: bool,
    },
    Close(Name),
    /// Text (CDATA included), references resolved and line ends made `\n`:
    /// the document's own bytes when it is one plain run (the white space
    /// between elements, most values), not a copy.
    Text(Cow<'a, str>),
    End,
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

/// An element's name: XML-RPC's own are not copied (a list of 5,000
/// entities has some 200,000 of them), any other is.
type Name = Cow<'static, str>;

const XMLRPC_NAMES: [&str; 22] = [
    "value",
    "member",
    "name",
    "string",
    "struct",
    "array",
    "data",
    "int",
    "i4",
    "i8",
    "i2",
    "i1",
    "boolean",
    "double",
    "float",
    "dateTime.iso8601",
    "base64",
    "nil",
    "param",
    "params",
    "methodResponse",
    "fault",
];

fn name_of(name: quick_xml::name::QName) -> Name {
    let name = name.as_ref();
    match XMLRPC_NAMES.iter().find(|known| **known == name) {
        Some(known) => Name::Borrowed(known),
        None => Name::Owned(name.to_string()),
    }
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

    fn token(&mut self) -> Result<Token<'a>, DecodeError> {
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
    fn text(&mut self) -> Result<Cow<'a, str>, DecodeError> {
        let mut out = Cow::Borrowed("");
        loop {
            match self.event()? {
                Event::Text(t) => {
                    // Its own bytes, unless its line ends had to be made `\n`.
                    let normalized = match t.xml10_content() {
                        Cow::Owned(text) => Some(text),
                        Cow::Borrowed(_) => None,
                    };
                    let part = normalized.map_or_else(|| t.into_inner(), Cow::Owned);
                    if out.is_empty() {
                        out = part;
                    } else {
                        out.to_mut().push_str(&part);
                    }
                }
                Event::CData(t) => out.to_mut().push_str(&t.xml10_content()),
                Event::GeneralRef(r) => {
                    let name: &str = &r;
                    let resolved = match r.resolve_char_ref() {
                        Ok(Some(c)) => Some(c.to_string()),
                        Ok(None) => quick_xml::escape::resolve_predefined_entity(name).map(String::from),
                        Err(_) => None,
                    };
                    let resolved = resolved.ok_or_else(|| bad(format!("not XML: unknown reference &{name};")))?;
                    out.to_mut().push_str(&resolved);
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
