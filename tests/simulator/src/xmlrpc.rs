//! XML-RPC as the MMC agent writes it: byte for byte what Python's
//! `xmlrpc.client.dumps(..., methodresponse=1, allow_none=True)` produces
//! (checked against the golden files in `tests/fixtures/xmlrpc`).

/// A value the simulated agent sends or receives.
#[derive(Clone, Debug, PartialEq)]
pub enum V {
    Nil,
    Bool(bool),
    Int(i64),
    Double(f64),
    Str(String),
    Array(Vec<V>),
    Struct(Vec<(String, V)>),
}

impl V {
    pub fn s(text: impl Into<String>) -> V {
        V::Str(text.into())
    }

    pub fn obj(members: &[(&str, V)]) -> V {
        V::Struct(members.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            V::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            V::Int(i) => Some(*i),
            V::Str(s) => s.parse().ok(),
            _ => None,
        }
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Python's `repr` of a float, for the values the simulator sends.
fn python_float(d: f64) -> String {
    if d.is_finite() && d.fract() == 0.0 && d.abs() < 1e16 {
        format!("{d:.1}")
    } else {
        format!("{d}")
    }
}

fn dump(out: &mut String, v: &V) {
    match v {
        V::Nil => out.push_str("<value><nil/></value>"),
        V::Bool(b) => out.push_str(&format!("<value><boolean>{}</boolean></value>\n", *b as u8)),
        V::Int(i) => out.push_str(&format!("<value><int>{i}</int></value>\n")),
        V::Double(d) => out.push_str(&format!("<value><double>{}</double></value>\n", python_float(*d))),
        V::Str(s) => out.push_str(&format!("<value><string>{}</string></value>\n", escape(s))),
        V::Array(items) => {
            out.push_str("<value><array><data>\n");
            items.iter().for_each(|i| dump(out, i));
            out.push_str("</data></array></value>\n");
        }
        V::Struct(members) => {
            out.push_str("<value><struct>\n");
            for (k, v) in members {
                out.push_str(&format!("<member>\n<name>{}</name>\n", escape(k)));
                dump(out, v);
                out.push_str("</member>\n");
            }
            out.push_str("</struct></value>\n");
        }
    }
}

pub fn response(v: &V) -> String {
    let mut out = String::from("<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n");
    dump(&mut out, v);
    out.push_str("</param>\n</params>\n</methodResponse>\n");
    out
}

/// One of the agent's own faults (8003, 8004, 8005, 401), as it really
/// sends them: `_cbRender` (agent/mmc/agent.py) passes `(Fault(...),)` to
/// `xmlrpc.client.dumps`, which writes an exception inside a tuple as a
/// struct of its attributes, in a normal answer.
pub fn fault(code: i64, message: &str) -> String {
    response(&V::obj(&[("faultCode", V::Int(code)), ("faultString", V::s(message))]))
}

/// A function that raised, as the agent answers it (`_ebRender`, agent/mmc/
/// agent.py): `faultString` is the method and its arguments, `faultCode`
/// the exception's type and message.
pub fn exception(method: &str, params: &[V], kind: &str, message: &str) -> String {
    let args: Vec<String> = params.iter().map(python_repr).collect();
    let args = if args.len() == 1 { format!("({},)", args[0]) } else { format!("({})", args.join(", ")) };
    let traceback = format!(
        "Traceback (most recent call last):\n  File \"/usr/lib/python3/dist-packages/mmc/agent.py\", line 1250, in _runInThread\n{kind}: {message}\n"
    );
    response(&V::obj(&[
        ("faultString", V::s(format!("{method} {args}"))),
        ("faultCode", V::s(format!("<class '{kind}'>: {message}"))),
        ("faultTraceback", V::s(traceback)),
    ]))
}

/// Python's `repr` of an argument, for the values the app sends.
fn python_repr(v: &V) -> String {
    match v {
        V::Str(s) => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        V::Int(i) => i.to_string(),
        V::Bool(b) => if *b { "True" } else { "False" }.into(),
        V::Nil => "None".into(),
        V::Double(d) => python_float(*d),
        V::Array(items) => format!("[{}]", items.iter().map(python_repr).collect::<Vec<_>>().join(", ")),
        V::Struct(members) => format!(
            "{{{}}}",
            members.iter().map(|(k, v)| format!("'{k}': {}", python_repr(v))).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// Reads a `<methodCall>`: the method name and its parameters.
pub fn parse_call(body: &str) -> Result<(String, Vec<V>), String> {
    let body = match body.trim_start().strip_prefix("<?xml") {
        Some(rest) => rest.split_once("?>").map_or("", |(_, r)| r),
        None => body,
    };
    let doc = roxmltree::Document::parse(body).map_err(|e| e.to_string())?;
    let root = doc.root_element();
    if !root.has_tag_name("methodCall") {
        return Err("not a methodCall".into());
    }
    let name = root
        .children()
        .find(|n| n.has_tag_name("methodName"))
        .and_then(|n| n.text())
        .ok_or("no methodName")?
        .trim()
        .to_string();
    let params = match root.children().find(|n| n.has_tag_name("params")) {
        Some(params) => params
            .children()
            .filter(|n| n.has_tag_name("param"))
            .map(|p| p.children().find(|n| n.has_tag_name("value")).ok_or("param without value").and_then(read))
            .collect::<Result<_, _>>()?,
        None => Vec::new(),
    };
    Ok((name, params))
}

fn read(value: roxmltree::Node) -> Result<V, &'static str> {
    let text = |n: roxmltree::Node| n.children().filter_map(|c| c.text()).collect::<String>();
    let Some(typed) = value.children().find(|n| n.is_element()) else {
        return Ok(V::Str(text(value)));
    };
    Ok(match typed.tag_name().name() {
        "int" | "i4" | "i8" => V::Int(text(typed).trim().parse().map_err(|_| "bad int")?),
        "boolean" => V::Bool(text(typed).trim() == "1"),
        "double" => V::Double(text(typed).trim().parse().map_err(|_| "bad double")?),
        "string" => V::Str(text(typed)),
        "nil" => V::Nil,
        "array" => V::Array(
            typed
                .children()
                .find(|n| n.has_tag_name("data"))
                .ok_or("array without data")?
                .children()
                .filter(|n| n.is_element())
                .map(read)
                .collect::<Result<_, _>>()?,
        ),
        "struct" => V::Struct(
            typed
                .children()
                .filter(|n| n.has_tag_name("member"))
                .map(|m| {
                    let name = m.children().find(|n| n.has_tag_name("name")).map(text).ok_or("member without name")?;
                    let v = m.children().find(|n| n.has_tag_name("value")).ok_or("member without value")?;
                    Ok((name, read(v)?))
                })
                .collect::<Result<_, &'static str>>()?,
        ),
        _ => return Err("unknown type"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn golden(name: &str) -> String {
        let path = format!("{}/../fixtures/xmlrpc/{name}.xml", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn byte_compatible_with_python() {
        assert_eq!(response(&V::Struct(vec![])), golden("global_status_empty"));
        assert_eq!(response(&V::Nil), golden("nil"));
        assert_eq!(response(&V::Bool(true)), golden("true"));
        assert_eq!(fault(8003, "Authentification nécessaire : imaging.getGlobalStatus"), golden("fault_8003"));
        assert_eq!(response(&V::Array(vec![V::s("UUID2"), V::s("UUID0")])), golden("parent_path"));
        let locations = V::Array(vec![
            V::obj(&[
                ("uuid", V::s("UUID0")),
                ("name", V::s("General")),
                ("completename", V::s("General")),
                ("comments", V::s("")),
                ("level", V::Int(0)),
            ]),
            V::obj(&[
                ("uuid", V::s("UUID2")),
                ("name", V::s("Public")),
                ("completename", V::s("General > Public")),
                ("comments", V::s("Écoles & <lycées>")),
                ("level", V::Int(1)),
            ]),
        ]);
        assert_eq!(response(&crate::world::cleanup(locations)), golden("locations"));
        let message =
            "Impossible de sérialiser la sortie : cannot marshal <class 'twisted.python.failure.Failure'> objects";
        assert_eq!(fault(8005, message), golden("fault_8005"));
        let raised = exception(
            "imaging.getGlobalStatus",
            &[V::s("UUID4")],
            "sqlalchemy.exc.OperationalError",
            "(2006, 'MySQL server has gone away')",
        );
        assert_eq!(raised, golden("exception"));
        let cleaned = crate::world::cleanup(V::obj(&[
            ("is_recursive", V::Int(0)),
            ("level", V::Int(2)),
            ("total", V::Int(42)),
            ("negative", V::Int(-1)),
            ("flag", V::Bool(true)),
            ("missing", V::Nil),
            ("ratio", V::Double(0.5)),
        ]));
        assert_eq!(response(&cleaned), golden("string_numbers"));
        let numbers = V::Array(vec![V::Int(2_147_483_647), V::Int(-5), V::Double(0.5)]);
        assert!(golden("numbers").starts_with(&response(&numbers)[..response(&numbers).find("</data>").unwrap_or(0)]));
    }

    #[test]
    fn reads_the_apps_calls() {
        let call =
            "<?xml version=\"1.0\"?>\n<methodCall>\n<methodName>imaging.getLogs4Location</methodName>\n<params>\n\
            <param><value><string>UUID2</string></value></param>\n<param><value><int>0</int></value></param>\n\
            <param><value>bare</value></param>\n</params>\n</methodCall>\n";
        let (name, params) = parse_call(call).expect("call");
        assert_eq!(name, "imaging.getLogs4Location");
        assert_eq!(params, vec![V::s("UUID2"), V::Int(0), V::s("bare")]);
        assert!(parse_call("<html/>").is_err());
        assert!(parse_call("garbage").is_err());
    }
}
