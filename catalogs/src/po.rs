//! Gettext catalogs: reading `.po` files, writing the template and merged
//! catalogs as `xgettext` and `msgmerge` would.

use crate::{placeholders, Catalog, Entry, Msg, DOMAIN};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Every catalog under `locale/`, by language code.
pub fn load(locale: &Path) -> Result<Vec<Catalog>, String> {
    let mut catalogs = Vec::new();
    let dirs = std::fs::read_dir(locale).map_err(|e| format!("{}: {e}", locale.display()))?;
    for dir in dirs {
        let dir = dir.map_err(|e| e.to_string())?.path();
        let path = dir.join("LC_MESSAGES").join(format!("{DOMAIN}.po"));
        if !dir.is_dir() {
            continue;
        }
        let name = dir.file_name().unwrap_or_default().to_string_lossy().to_string();
        let code = name.split(['_', '-', '.', '@']).next().unwrap_or_default().to_ascii_lowercase();
        if code.len() < 2 || !code.bytes().all(|c| c.is_ascii_lowercase()) || code == "en" {
            return Err(format!("{}: not a language other than English (ll_CC)", dir.display()));
        }
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut catalog = parse_po(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        catalog.code = code;
        catalog.path = path;
        catalogs.push(catalog);
    }
    catalogs.sort_by(|a, b| a.code.cmp(&b.code));
    if let Some(w) = catalogs.windows(2).find(|w| w[0].code == w[1].code) {
        return Err(format!("two catalogs for the language {:?}", w[0].code));
    }
    Ok(catalogs)
}

/// A `.po` file: its header and entries (`#~` obsolete ones left out).
pub fn parse_po(text: &str) -> Result<Catalog, String> {
    #[derive(PartialEq)]
    enum Field {
        None,
        Id,
        Plural,
        Str(usize),
    }
    let mut entries: Vec<Entry> = Vec::new();
    let (mut current, mut field, mut fuzzy_next) = (None::<Entry>, Field::None, false);
    let finish = |current: &mut Option<Entry>, entries: &mut Vec<Entry>| {
        if let Some(e) = current.take() {
            entries.push(e);
        }
    };
    for (n, raw) in text.lines().enumerate() {
        let at = |e: &str| format!("line {}: {e}", n + 1);
        let line = raw.trim();
        if line.is_empty() || line.starts_with("#~") {
            continue;
        }
        if let Some(flags) = line.strip_prefix("#,") {
            fuzzy_next |= flags.split(',').any(|f| f.trim() == "fuzzy");
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let (keyword, rest) = match line.find(' ') {
            Some(s) if !line.starts_with('"') => (&line[..s], line[s..].trim()),
            _ => ("", line),
        };
        let value = quoted(rest).map_err(|e| at(&e))?;
        match keyword {
            "msgid" => {
                finish(&mut current, &mut entries);
                current = Some(Entry { id: value, fuzzy: std::mem::take(&mut fuzzy_next), ..Entry::default() });
                field = Field::Id;
            }
            "msgctxt" => return Err(at("msgctxt is not used by this tab")),
            "msgid_plural" => {
                current.as_mut().ok_or_else(|| at("msgid_plural before msgid"))?.plural = Some(value);
                field = Field::Plural;
            }
            k if k == "msgstr" || k.starts_with("msgstr[") => {
                let e = current.as_mut().ok_or_else(|| at("msgstr before msgid"))?;
                let index = match k.strip_prefix("msgstr[").and_then(|r| r.strip_suffix(']')) {
                    Some(i) => i.parse().map_err(|_| at("bad msgstr index"))?,
                    None => 0,
                };
                if index != e.strs.len() {
                    return Err(at("msgstr forms out of order"));
                }
                e.strs.push(value);
                field = Field::Str(index);
            }
            "" => {
                let e = current.as_mut().ok_or_else(|| at("text outside an entry"))?;
                match field {
                    Field::Id => e.id.push_str(&value),
                    Field::Plural => e.plural.get_or_insert_with(String::new).push_str(&value),
                    Field::Str(i) => e.strs[i].push_str(&value),
                    Field::None => return Err(at("text outside an entry")),
                }
            }
            other => return Err(at(&format!("unknown keyword {other}"))),
        }
    }
    finish(&mut current, &mut entries);
    let header = match entries.first() {
        Some(e) if e.id.is_empty() => entries.remove(0).strs.concat(),
        _ => return Err("no header entry (msgid \"\")".into()),
    };
    let forms = header.lines().find_map(|l| l.strip_prefix("Plural-Forms:")).ok_or("the header has no Plural-Forms")?;
    let part = |name: &str| {
        forms
            .split(';')
            .find_map(|p| p.trim().strip_prefix(name).map(|v| v.trim().to_string()))
            .ok_or(format!("Plural-Forms lacks {name}"))
    };
    let nplurals = part("nplurals=")?.parse().map_err(|_| "bad nplurals".to_string())?;
    let plural = part("plural=")?;
    if !(1..=6).contains(&nplurals) {
        return Err("nplurals must be 1 to 6".into());
    }
    Ok(Catalog { code: String::new(), path: PathBuf::new(), header, nplurals, plural, entries })
}

/// The text of a `"…"` line of a catalog.
pub(crate) fn quoted(s: &str) -> Result<String, String> {
    let inner = s.strip_prefix('"').and_then(|s| s.strip_suffix('"')).ok_or("expected a quoted string")?;
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(c @ ('\\' | '"')) => out.push(c),
                _ => return Err("unsupported escape".into()),
            },
            '"' => return Err("unescaped quote".into()),
            c => out.push(c),
        }
    }
    Ok(out)
}

pub(crate) fn po_string(s: &str) -> String {
    let mut out = String::from('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub(crate) fn write_entry(
    out: &mut String,
    files: Option<&BTreeSet<String>>,
    id: &str,
    plural: Option<&str>,
    strs: &[String],
    fuzzy: bool,
) {
    if let Some(files) = files {
        let _ = writeln!(out, "#: {}", files.iter().cloned().collect::<Vec<_>>().join(" "));
    }
    let mut flags = Vec::new();
    if fuzzy {
        flags.push("fuzzy");
    }
    if !placeholders(id).is_empty() || plural.is_some_and(|p| !placeholders(p).is_empty()) {
        flags.push("python-brace-format");
    }
    if !flags.is_empty() {
        let _ = writeln!(out, "#, {}", flags.join(", "));
    }
    let _ = writeln!(out, "msgid {}", po_string(id));
    match plural {
        Some(p) => {
            let _ = writeln!(out, "msgid_plural {}", po_string(p));
            for (i, s) in strs.iter().enumerate() {
                let _ = writeln!(out, "msgstr[{i}] {}", po_string(s));
            }
        }
        None => {
            let _ = writeln!(out, "msgstr {}", po_string(strs.first().map_or("", String::as_str)));
        }
    }
    out.push('\n');
}

/// The template of the texts.
pub fn template(msgs: &[Msg]) -> String {
    let mut out = String::from(
        "# The texts of Medulla Imaging Status, drawn from its code.\n\
         # Do not edit: `cargo run -p catalogs -- update` rewrites it.\n\
         msgid \"\"\n\
         msgstr \"\"\n\
         \"Project-Id-Version: medulla-imaging-status\\n\"\n\
         \"MIME-Version: 1.0\\n\"\n\
         \"Content-Type: text/plain; charset=UTF-8\\n\"\n\
         \"Content-Transfer-Encoding: 8bit\\n\"\n\
         \"Plural-Forms: nplurals=INTEGER; plural=EXPRESSION;\\n\"\n\n",
    );
    for m in msgs {
        let strs = vec![String::new(); if m.plural.is_some() { 2 } else { 1 }];
        write_entry(&mut out, Some(&m.files), &m.id, m.plural.as_deref(), &strs, false);
    }
    out
}

/// A catalog brought in line with the texts: their order and files, its
/// translations kept, new texts untranslated, gone texts dropped.
pub fn merged(msgs: &[Msg], catalog: &Catalog) -> String {
    let mut out = String::from("msgid \"\"\nmsgstr \"\"\n");
    for line in catalog.header.split_inclusive('\n') {
        let _ = writeln!(out, "{}", po_string(line));
    }
    out.push('\n');
    for m in msgs {
        let old = catalog.entries.iter().find(|e| e.id == m.id && e.plural == m.plural);
        let forms = if m.plural.is_some() { catalog.nplurals } else { 1 };
        let mut strs = old.map(|e| e.strs.clone()).unwrap_or_default();
        strs.resize(forms, String::new());
        write_entry(&mut out, Some(&m.files), &m.id, m.plural.as_deref(), &strs, old.is_some_and(|e| e.fuzzy));
    }
    out
}
