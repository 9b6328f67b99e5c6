//! The translations written as Rust for the app's build.

use crate::{plural_to_rust, Catalog, Msg};
use std::fmt::Write as _;

/// The translations as Rust: the languages, each one's plural rule, and
/// a lookup from an English text to its translations.
pub fn rust(msgs: &[Msg], catalogs: &[Catalog]) -> Result<String, String> {
    let mut out = String::from("// Generated from locale/ by the catalogs crate (build.rs): do not edit.\n\n");
    let codes: Vec<&str> = std::iter::once("en").chain(catalogs.iter().map(|c| c.code.as_str())).collect();
    let _ = writeln!(out, "/// The languages: English (the code's own), then one per catalog.\npub const CODES: [&str; {}] = {codes:?};\n", codes.len());
    out.push_str("/// Which form of a plural text `n` takes in the language `lang`.\n#[allow(unused_parens)]\nfn plural_form(lang: usize, n: u64) -> usize {\n    let form = match lang {\n");
    for (i, c) in catalogs.iter().enumerate() {
        let _ = writeln!(out, "        {} => {},", i + 1, plural_to_rust(&c.plural)?);
    }
    out.push_str("        _ => u64::from(n != 1),\n    };\n    usize::try_from(form).unwrap_or(0)\n}\n\n");
    out.push_str("/// The translations of an English text (its forms), one per catalog.\n");
    let _ = writeln!(
        out,
        "fn translations(en: &str) -> Option<[&'static [&'static str]; {}]> {{\n    Some(match en {{",
        catalogs.len()
    );
    for m in msgs {
        let forms: Vec<String> = catalogs
            .iter()
            .map(|c| {
                let e = c.entries.iter().find(|e| e.id == m.id).map(|e| e.strs.clone()).unwrap_or_default();
                format!("&{e:?}")
            })
            .collect();
        let _ = writeln!(out, "        {:?} => [{}],", m.id, forms.join(", "));
    }
    out.push_str("        _ => return None,\n    })\n}\n");
    Ok(out)
}
