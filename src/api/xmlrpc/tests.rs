//! Golden responses written by Python's `xmlrpc.client` (see
//! `tests/fixtures/make_golden.py`), plus malformed ones.

use super::*;

macro_rules! golden {
    ($name:literal) => {
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/xmlrpc/", $name, ".xml"))
    };
}

fn ok(body: &[u8]) -> Value {
    match decode_response(body) {
        Ok(Response::Success(v)) => v,
        other => panic!("expected a value, got {other:?}"),
    }
}

#[test]
fn empty_struct_with_only_whitespace_inside() {
    assert_eq!(ok(golden!("global_status_empty")), Value::Struct(vec![]));
}

#[test]
fn global_status_struct_with_nested_arrays_and_structs() {
    let v = ok(golden!("global_status_available"));
    // After the agent's clean-up step: numbers as strings.
    assert_eq!(v.get("space_available"), Some(&Value::Array(vec![Value::str("85"), Value::str("75153")])));
    assert_eq!(v.get("uptime").and_then(Value::as_str), Some("350735.47 234388.90\n"));
    let disk = v.get("disk_info").and_then(Value::as_array).expect("disk_info");
    assert_eq!(disk.len(), 6);
    let short = v.get("short_status").expect("short_status");
    assert_eq!(short.get("total"), Some(&Value::str("42")));
    assert_eq!(short.get("total").and_then(Value::as_i64), Some(42));
}

#[test]
fn nil_true_and_numbers() {
    assert_eq!(ok(golden!("nil")), Value::Nil);
    assert_eq!(ok(golden!("true")), Value::Bool(true));
    assert_eq!(
        ok(golden!("numbers")),
        Value::Array(vec![
            Value::Int(2_147_483_647),
            Value::Int(-5),
            Value::Double(0.5),
            Value::Double(1e-7),
            Value::Double(3.0),
        ])
    );
}

#[test]
fn escaped_and_accented_strings() {
    let v = ok(golden!("locations"));
    let public = &v.as_array().expect("array")[1];
    assert_eq!(public.get("comments").and_then(Value::as_str), Some("Écoles & <lycées>"));
    assert_eq!(public.get("completename").and_then(Value::as_str), Some("General > Public"));
}

#[test]
fn a_fault_element_is_a_fault() {
    assert_eq!(
        decode_response(golden!("fault_element")),
        Ok(Response::Fault { code: 8003, message: "Authentication needed".into() })
    );
}

/// The agent writes its own faults as a normal answer (see
/// `mmc_agent::failure_in`): the codec reads a struct.
#[test]
fn the_agents_fault_8003_is_a_normal_answer() {
    let v = ok(golden!("fault_8003"));
    assert_eq!(v.get("faultCode"), Some(&Value::Int(8003)));
}

#[test]
fn numbers_and_flags_sent_as_strings() {
    let v = ok(golden!("string_numbers"));
    let field = |k: &str| v.get(k).expect(k);
    assert_eq!(field("level").as_i64(), Some(2));
    assert_eq!(field("total").as_i64(), Some(42));
    assert_eq!(field("negative").as_i64(), Some(-1));
    // `"0"` is false: Python's truthiness of the string would say true.
    assert_eq!(field("is_recursive"), &Value::str("0"));
    assert_eq!(field("is_recursive").as_flag(), Some(false));
    assert!(field("is_recursive").truthy(), "truthiness is the wrong rule for flags");
    assert_eq!(Value::str("1").as_flag(), Some(true));
    assert_eq!(field("flag").as_flag(), Some(true));
    assert_eq!(field("missing").as_flag(), Some(false));
    assert_eq!(field("ratio").as_f64(), Some(0.5));
    for not_a_flag in [Value::str(""), Value::str("yes"), Value::str("NaN"), Value::Struct(vec![])] {
        assert_eq!(not_a_flag.as_flag(), None, "{not_a_flag:?}");
    }
}

#[test]
fn latin1_body_from_an_old_agent() {
    let v = ok(golden!("latin1"));
    assert_eq!(v.get("name").and_then(Value::as_str), Some("Général - école"));
}

#[test]
fn date_tuples_arrive_as_integer_arrays() {
    let v = ok(golden!("logs"));
    let logs = v.as_array().expect("[count, logs]")[1].as_array().expect("logs");
    let ts = logs[0].get("timestamp").and_then(Value::as_array).expect("timestamp");
    assert_eq!(ts.len(), 9);
    // A date is a time tuple of plain integers, not cleaned again.
    assert_eq!(ts[0], Value::Int(2026));
    assert_eq!(logs[1].get("imaging_log_level"), Some(&Value::Bool(false)));
    assert_eq!(logs[0].get("id"), Some(&Value::str("12")));
}

#[test]
fn bare_values_i4_i8_and_other_spellings() {
    let body = br#"<?xml version="1.0"?><methodResponse><params><param><value><array><data>
        <value>bare text</value><value></value><value><i4>7</i4></value><value><i8>-9000000000</i8></value>
        <value><string/></value><value><boolean>0</boolean></value>
        <value><dateTime.iso8601>20261125T09:05:07</dateTime.iso8601></value>
        <value><base64>aGk=</base64></value><value><string><![CDATA[a<b]]></string></value>
        </data></array></value></param></params></methodResponse>"#;
    assert_eq!(
        ok(body),
        Value::Array(vec![
            Value::str("bare text"),
            Value::str(""),
            Value::Int(7),
            Value::Int(-9_000_000_000),
            Value::str(""),
            Value::Bool(false),
            Value::DateTime("20261125T09:05:07".into()),
            Value::Base64("aGk=".into()),
            Value::str("a<b"),
        ])
    );
}

#[test]
fn malformed_bodies_are_typed_errors() {
    let cases: &[&[u8]] = &[
        b"",
        b"   ",
        b"<html><body>502 Bad Gateway</body></html>",
        b"<methodResponse><params><param><value><int>12",
        b"<methodResponse></methodResponse>",
        b"<methodResponse><params></params></methodResponse>",
        b"<methodResponse><params><param><value><int>x</int></value></param></params></methodResponse>",
        b"<methodResponse><params><param><value><boolean>2</boolean></value></param></params></methodResponse>",
        b"<methodResponse><params><param><value><blob/></value></param></params></methodResponse>",
        b"<methodResponse><params><param><value><struct><member><name>a</name></member></struct></value></param></params></methodResponse>",
        b"<methodResponse><fault><value><struct></struct></value></fault></methodResponse>",
        b"\xff\xfe<\x00m\x00",
        b"{\"json\": true}",
    ];
    for body in cases {
        assert!(decode_response(body).is_err(), "accepted {:?}", String::from_utf8_lossy(body));
    }
}

#[test]
fn encoded_call_escapes_and_round_trips_through_the_decoder() {
    let params = [
        Value::str("a&b<c>"),
        Value::Int(-1),
        Value::Bool(true),
        Value::Array(vec![Value::Nil, Value::Double(0.25)]),
        Value::Struct(vec![("k".into(), Value::str("v"))]),
    ];
    let call = encode_call("imaging.getLogs4Location", &params);
    assert!(call.contains("<methodName>imaging.getLogs4Location</methodName>"));
    assert!(call.contains("<string>a&amp;b&lt;c&gt;</string>"));
    // Each param, found by an independent parser, read back as a response.
    let text = call.trim_start_matches("<?xml version=\"1.0\"?>");
    let doc = roxmltree::Document::parse(text).expect("xml");
    let values: Vec<Value> = doc
        .descendants()
        .filter(|n| n.has_tag_name("param"))
        .map(|p| {
            let param = &text[p.range()];
            ok(format!("<methodResponse><params>{param}</params></methodResponse>").as_bytes())
        })
        .collect();
    assert_eq!(values, params);
}

/// A string XML cannot carry whole still makes a well-formed call: a
/// carriage return survives as a reference, the other controls become
/// U+FFFD (regression: a password holding U+000F made the agent reject the
/// whole call, fault 8002, found by schemathesis through the gateway).
#[test]
fn an_encoded_call_is_well_formed_whatever_its_strings_hold() {
    let call = encode_call("base.ldapAuth", &[Value::str("a\u{f}b\rc\td\u{0}\u{ffff}")]);
    let doc = roxmltree::Document::parse(call.trim_start_matches("<?xml version=\"1.0\"?>")).expect("well-formed");
    let text = doc.descendants().find(|n| n.has_tag_name("string")).and_then(|n| n.text()).unwrap_or_default();
    assert_eq!(text, "a\u{fffd}b\rc\td\u{fffd}\u{fffd}");
}

fn nested_arrays(depth: usize) -> String {
    let open = "<value><array><data>".repeat(depth);
    let close = "</data></array></value>".repeat(depth);
    format!("<methodResponse><params><param>{open}<value><int>1</int></value>{close}</param></params></methodResponse>")
}

/// Regression: thousands of nested arrays (tens of KB) exhausted the wasm
/// stack, freezing the tab on "Checking". Refused past a depth limit.
#[test]
fn deep_nesting_is_refused_not_a_stack_overflow() {
    assert!(decode_response(nested_arrays(MAX_DEPTH - 2).as_bytes()).is_ok());
    let Err(DecodeError(why)) = decode_response(nested_arrays(5_000).as_bytes()) else { panic!("accepted") };
    assert!(why.contains("nested deeper than 32 levels"), "{why}");
    // Just past the limit, found by the decoder rather than the pre-scan.
    let Err(DecodeError(why)) = decode_response(nested_arrays(MAX_DEPTH + 1).as_bytes()) else { panic!("accepted") };
    assert!(why.contains("nested deeper than 32 levels"), "{why}");
    // CDATA and comments holding `<` do not count as elements.
    let text = format!("<![CDATA[{}]]><!-- {} -->", "<a".repeat(500), "<b".repeat(500));
    let body = format!(
        "<methodResponse><params><param><value><string>{text}</string></value></param></params></methodResponse>"
    );
    assert!(decode_response(body.as_bytes()).is_ok());
}

/// No tree is built: a list of 50,000 entities (as large as the answers
/// the tab reads get) is read value by value.
#[test]
fn a_large_list_is_read() {
    let entity = "<value><struct><member><name>uuid</name><value><string>UUID1</string></value></member>\
        <member><name>completename</name><value><string>General &gt; Public</string></value></member></struct></value>";
    let body = format!(
        "<methodResponse><params><param><value><array><data>{}</data></array></value></param></params></methodResponse>",
        entity.repeat(50_000)
    );
    let v = ok(body.as_bytes());
    let items = v.as_array().expect("array");
    assert_eq!(items.len(), 50_000);
    assert_eq!(items[49_999].get("completename").and_then(Value::as_str), Some("General > Public"));
}

/// XML's own entities are never expanded: a document type declaration
/// (the "billion laughs" attack lives there) is refused; references are
/// the five entities and characters, line ends are made `\n` except a
/// `&#13;`, comments and processing instructions are skipped anywhere.
#[test]
fn only_the_xml_that_xml_rpc_needs() {
    let doctype = br#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><methodResponse><params><param><value>&lol;</value></param></params></methodResponse>"#;
    assert!(decode_response(doctype).is_err());
    let body = "<?xml version='1.0' encoding='ISO-8859-1'?>\r\n<!-- agent -->\r\n<methodResponse><params><param>\
        <value a=\"x>y\"><string>a\r\nb\rc&#13;&#x41;&#66;<!-- c --><?pi x?>&quot;&apos;</string></value>\
        </param></params></methodResponse>\n";
    assert_eq!(ok(body.as_bytes()), Value::str("a\nb\nc\rAB\"'"));
    for bad in ["&nope;", "& x", "&#0;", "&#xD800;"] {
        let body = format!("<methodResponse><params><param><value>{bad}</value></param></params></methodResponse>");
        assert!(decode_response(body.as_bytes()).is_err(), "{bad}");
    }
    let trailing = "<methodResponse><params><param><value>1</value></param></params></methodResponse><x/>";
    assert!(decode_response(trailing.as_bytes()).is_err());
}

#[test]
fn numbers_are_finite() {
    for text in ["inf", "NaN", "-infinity", "1e400"] {
        let body = format!(
            "<methodResponse><params><param><value><double>{text}</double></value></param></params></methodResponse>"
        );
        assert!(decode_response(body.as_bytes()).is_err(), "{text}");
        assert_eq!(Value::str(text).as_f64(), None, "{text}");
    }
}
