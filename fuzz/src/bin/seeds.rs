//! Writes the seed corpus of each fuzz target into `<dir>/<target>/`: the
//! golden XML-RPC fixtures, the texts they carry, `config.json`, and every
//! example of the REST contract. `cargo +nightly run --bin seeds -- DIR`.

use medulla_imaging_status::api::xmlrpc::{decode_response, Response, Value};
use std::path::{Path, PathBuf};

fn main() {
    let out = PathBuf::from(std::env::args().nth(1).expect("usage: seeds DIR"));
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let write = |target: &str, name: &str, bytes: &[u8]| {
        let dir = out.join(target);
        std::fs::create_dir_all(&dir).expect("seed directory");
        std::fs::write(dir.join(name), bytes).expect("seed written");
    };

    let mut fixtures: Vec<_> = std::fs::read_dir(root.join("tests/fixtures/xmlrpc"))
        .expect("tests/fixtures/xmlrpc")
        .map(|e| e.expect("fixture").path())
        .collect();
    fixtures.sort();
    for path in fixtures {
        let name = path.file_name().and_then(|n| n.to_str()).expect("name").to_string();
        let body = std::fs::read(&path).expect("fixture read");
        write("xmlrpc", &name, &body);
        write("agent_answers", &name, &body);
        if let Ok(Response::Success(value)) = decode_response(&body) {
            let mut texts = Vec::new();
            strings(&value, &mut texts);
            for (i, text) in texts.iter().enumerate() {
                write("figures", &format!("{name}.{i}.txt"), text.as_bytes());
            }
        }
    }

    write("config", "config.json", &std::fs::read(root.join("public/config.json")).expect("public/config.json"));

    let contract: serde_json::Value =
        serde_yaml::from_str(&std::fs::read_to_string(root.join("public/openapi.yaml")).expect("openapi.yaml"))
            .expect("openapi.yaml is YAML");
    let mut examples = Vec::new();
    collect_examples(&contract, &mut examples);
    for (i, example) in examples.iter().enumerate() {
        write("rest", &format!("example-{i}.json"), example.to_string().as_bytes());
    }
}

/// Every text in `value`, and every array of texts joined by new lines (as
/// the agent sends the lines of `df` and `free`).
fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Str(s) => out.push(s.clone()),
        Value::Array(items) => {
            let lines: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
            if lines.len() > 1 {
                out.push(lines.join("\n"));
            }
            items.iter().for_each(|v| strings(v, out));
        }
        Value::Struct(fields) => fields.iter().for_each(|(_, v)| strings(v, out)),
        _ => {}
    }
}

/// The `value` of every `examples` entry anywhere in the contract.
fn collect_examples(node: &serde_json::Value, out: &mut Vec<serde_json::Value>) {
    match node {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::Object(examples)) = map.get("examples") {
                out.extend(examples.values().filter_map(|e| e.get("value").cloned()));
            }
            map.values().for_each(|v| collect_examples(v, out));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_examples(v, out)),
        _ => {}
    }
}
