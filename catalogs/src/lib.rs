//! The tab's texts, in gettext catalogs as Medulla's own modules keep them.
//!
//! - The English source texts are in the code, in calls to `tr("…")`,
//!   `trf("…{name}…", …)` and `trn("…{n}…", "…{n}…", n)`; [`extract`] reads
//!   them from the sources.
//! - `locale/imaging-status.pot` is their template, and each language is
//!   `locale/<ll_CC>/LC_MESSAGES/imaging-status.po` (the layout of
//!   Medulla's `web/modules/imaging/locale/`).
//! - The app's build script calls [`compile`]: it fails when the template is
//!   stale, a text lacks a translation, or a catalog keeps a text the code
//!   no longer has; otherwise it writes the translations as Rust, with each
//!   catalog's `Plural-Forms` turned into code. No catalog is read at run
//!   time.
//! - `cargo run -p catalogs -- update` rewrites the template and brings
//!   every catalog in line with it (new texts untranslated, gone texts
//!   dropped), as `xgettext` and `msgmerge` would.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

pub const DOMAIN: &str = "imaging-status";

/// A text of the code: its English source (and plural), and the files
/// that use it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    pub id: String,
    pub plural: Option<String>,
    pub files: BTreeSet<String>,
}

/// An entry of a catalog.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Entry {
    pub id: String,
    pub plural: Option<String>,
    pub strs: Vec<String>,
    pub fuzzy: bool,
}

/// One language's catalog.
#[derive(Debug)]
pub struct Catalog {
    /// The language, as the app names it (`fr` for `fr_FR`).
    pub code: String,
    pub path: PathBuf,
    pub header: String,
    pub nplurals: usize,
    pub plural: String,
    pub entries: Vec<Entry>,
}

// ---------------------------------------------------------------- extract

/// The texts the code passes to `tr`, `trf` and `trn`, in the order of
/// their first use (files by name). A call whose text is not a string
/// literal is an error: it could be neither extracted nor translated.
pub fn extract(src: &Path) -> Result<Vec<Msg>, String> {
    let mut files = Vec::new();
    rust_files(src, &mut files)?;
    files.sort();
    let root = src.parent().unwrap_or(src);
    let mut msgs: Vec<Msg> = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        let name = file.strip_prefix(root).unwrap_or(&file).to_string_lossy().replace('\\', "/");
        for (id, plural) in calls(&text).map_err(|e| format!("{name}: {e}"))? {
            match msgs.iter_mut().find(|m| m.id == id) {
                Some(m) if m.plural != plural => {
                    return Err(format!("{name}: {id:?} is used both with and without a plural"))
                }
                Some(m) => {
                    m.files.insert(name.clone());
                }
                None => msgs.push(Msg { id, plural, files: BTreeSet::from([name.clone()]) }),
            }
        }
    }
    Ok(msgs)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    for entry in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            rust_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

/// The texts of the translation calls in one Rust source.
pub fn calls(text: &str) -> Result<Vec<(String, Option<String>)>, String> {
    let b = text.as_bytes();
    let line = |at: usize| text[..at].matches('\n').count() + 1;
    let mut found = Vec::new();
    let (mut i, mut previous) = (0, String::new());
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => i = text[i..].find('\n').map_or(b.len(), |n| i + n),
            b'"' => i = skip_literal(b, i),
            b'\'' => i = char_literal(b, i),
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                let word = &text[start..i];
                if matches!(word, "r" | "br") && matches!(b.get(i), Some(b'#' | b'"')) {
                    i = skip_raw(text, i);
                    continue;
                }
                let wanted = match word {
                    "tr" | "trf" => 1,
                    "trn" => 2,
                    _ => 0,
                };
                let after = text[i..].trim_start();
                if wanted > 0 && previous != "fn" && after.starts_with('(') {
                    let open = b.len() - after.len();
                    let (texts, end) =
                        arguments(text, open, wanted).map_err(|e| format!("line {}: {word}: {e}", line(start)))?;
                    let mut texts = texts.into_iter();
                    found.push((texts.next().unwrap_or_default(), texts.next()));
                    i = end;
                }
                previous = word.to_string();
            }
            _ => i += 1,
        }
    }
    Ok(found)
}

/// Past a `'x'` character literal, or past the `'` of a lifetime.
fn char_literal(b: &[u8], i: usize) -> usize {
    match (b.get(i + 1), b.get(i + 2)) {
        (Some(b'\\'), Some(_)) => i + 3 + b[i + 3..].iter().position(|&c| c == b'\'').map_or(0, |p| p + 1),
        (Some(_), Some(b'\'')) => i + 3,
        _ => {
            // A character of several bytes, or a lifetime.
            let rest = &b[i + 1..];
            let len = std::str::from_utf8(&rest[..rest.len().min(4)])
                .map_or(1, |s| s.chars().next().map_or(1, char::len_utf8));
            if rest.get(len) == Some(&b'\'') {
                i + 2 + len
            } else {
                i + 1
            }
        }
    }
}

/// Past the string literal that opens at `i`, whatever its escapes.
fn skip_literal(b: &[u8], mut i: usize) -> usize {
    i += 1;
    while i < b.len() && b[i] != b'"' {
        i += if b[i] == b'\\' { 2 } else { 1 };
    }
    i + 1
}

/// Past a raw string whose `#…"` starts at `i`.
fn skip_raw(text: &str, i: usize) -> usize {
    let hashes = text[i..].bytes().take_while(|&c| c == b'#').count();
    let close = format!("\"{}", "#".repeat(hashes));
    let body = i + hashes + 1;
    text.get(body..).and_then(|rest| rest.find(&close)).map_or(text.len(), |end| body + end + close.len())
}

/// The first `wanted` string literals among a call's arguments, which open
/// at `open`, and where the scan stopped.
fn arguments(text: &str, open: usize, wanted: usize) -> Result<(Vec<String>, usize), String> {
    let b = text.as_bytes();
    let (mut i, mut depth, mut texts) = (open + 1, 0usize, Vec::new());
    while i < b.len() {
        match b[i] {
            b'"' if depth == 0 => {
                let (s, end) = literal(text, i)?;
                texts.push(s);
                i = end;
                if texts.len() == wanted {
                    return Ok((texts, i));
                }
            }
            b'"' => i = skip_literal(b, i),
            b'(' | b'[' | b'{' => {
                depth += 1;
                i += 1;
            }
            b')' | b']' | b'}' if depth == 0 => break,
            b')' | b']' | b'}' => {
                depth -= 1;
                i += 1;
            }
            _ => i += 1,
        }
    }
    Err(format!("expected {wanted} string literal(s) as the text to translate"))
}

/// The Rust string literal that opens at `start`, and the index past it.
fn literal(text: &str, start: usize) -> Result<(String, usize), String> {
    let mut out = String::new();
    let mut chars = text[start + 1..].char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((out, start + 1 + i + 1)),
            '\\' => match chars.next().map(|(_, c)| c) {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('0') => out.push('\0'),
                Some(c @ ('\\' | '"' | '\'')) => out.push(c),
                Some('\n') => {
                    let rest = chars.as_str();
                    let skip = rest.len() - rest.trim_start().len();
                    for _ in rest[..skip].chars() {
                        chars.next();
                    }
                }
                Some('u') => {
                    let rest = chars.as_str();
                    let close = rest.find('}').ok_or("unterminated \\u{…}")?;
                    let hex = rest.get(1..close).ok_or("bad \\u{…}")?;
                    let c = u32::from_str_radix(hex, 16).ok().and_then(char::from_u32).ok_or("bad \\u{…}")?;
                    out.push(c);
                    for _ in rest[..=close].chars() {
                        chars.next();
                    }
                }
                other => return Err(format!("unsupported escape \\{}", other.unwrap_or(' '))),
            },
            c => out.push(c),
        }
    }
    Err("unterminated string".into())
}

// ---------------------------------------------------------------- catalogs

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
fn quoted(s: &str) -> Result<String, String> {
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

fn po_string(s: &str) -> String {
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

/// The `{name}` placeholders of a text.
pub fn placeholders(s: &str) -> BTreeSet<&str> {
    s.split('{').skip(1).filter_map(|p| p.split_once('}').map(|(name, _)| name)).collect()
}

// ---------------------------------------------------------------- write

fn write_entry(
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

// ---------------------------------------------------------------- check

/// What keeps the catalogs from being compiled: each problem in words.
pub fn problems(msgs: &[Msg], catalogs: &[Catalog]) -> Vec<String> {
    let mut found = Vec::new();
    let known: BTreeMap<&str, &Msg> = msgs.iter().map(|m| (m.id.as_str(), m)).collect();
    for c in catalogs {
        let name = c.path.display();
        if let Err(e) = plural_to_rust(&c.plural) {
            found.push(format!("{name}: Plural-Forms: {e}"));
        }
        for e in &c.entries {
            match known.get(e.id.as_str()) {
                None => found.push(format!("{name}: {:?} is no longer in the code", e.id)),
                Some(m) if m.plural != e.plural => {
                    found.push(format!("{name}: {:?}: its plural differs from the code's", e.id))
                }
                _ => {}
            }
        }
        for m in msgs {
            let Some(e) = c.entries.iter().find(|e| e.id == m.id) else {
                found.push(format!("{name}: no translation of {:?}", m.id));
                continue;
            };
            let forms = if m.plural.is_some() { c.nplurals } else { 1 };
            if e.fuzzy || e.strs.len() != forms || e.strs.iter().any(String::is_empty) {
                found.push(format!("{name}: {:?} is untranslated, fuzzy, or lacks plural forms", m.id));
                continue;
            }
            let mut allowed = placeholders(&m.id);
            allowed.extend(m.plural.as_deref().map(placeholders).unwrap_or_default());
            for s in &e.strs {
                let used = placeholders(s);
                let bad = if m.plural.is_some() { !used.is_subset(&allowed) } else { used != allowed };
                if bad {
                    found.push(format!("{name}: {:?}: the translation's {{placeholders}} differ: {s:?}", m.id));
                }
            }
        }
    }
    found
}

// ---------------------------------------------------------------- plural

/// A gettext plural expression (C syntax, over `n`) as a Rust expression
/// of type `u64`, `n` being a `u64`.
pub fn plural_to_rust(expr: &str) -> Result<String, String> {
    let tokens = tokenize(expr)?;
    let mut p = Parser { tokens, at: 0 };
    let out = p.ternary()?;
    if p.at != p.tokens.len() {
        return Err(format!("unexpected {:?}", p.tokens[p.at]));
    }
    Ok(out)
}

fn tokenize(expr: &str) -> Result<Vec<String>, String> {
    let mut tokens = Vec::new();
    let b = expr.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() || c == b';' {
            i += 1;
        } else if c.is_ascii_digit() {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            tokens.push(expr[start..i].to_string());
        } else {
            let two = expr.get(i..i + 2).unwrap_or("");
            let op = if ["==", "!=", "<=", ">=", "&&", "||"].contains(&two) { two } else { &expr[i..i + 1] };
            if !(["n", "?", ":", "(", ")", "<", ">", "%", "+", "-", "*", "/", "!"].contains(&op) || op.len() == 2) {
                return Err(format!("unexpected {op:?}"));
            }
            tokens.push(op.to_string());
            i += op.len();
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<String>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.at).map(String::as_str)
    }

    fn eat(&mut self, t: &str) -> bool {
        let hit = self.peek() == Some(t);
        self.at += usize::from(hit);
        hit
    }

    fn ternary(&mut self) -> Result<String, String> {
        let cond = self.binary(0)?;
        if !self.eat("?") {
            return Ok(cond);
        }
        let yes = self.ternary()?;
        if !self.eat(":") {
            return Err("expected ':'".into());
        }
        let no = self.ternary()?;
        Ok(format!("(if {cond} != 0 {{ {yes} }} else {{ {no} }})"))
    }

    /// Binary operators by level of precedence, loosest first.
    fn binary(&mut self, level: usize) -> Result<String, String> {
        const LEVELS: [&[&str]; 6] =
            [&["||"], &["&&"], &["==", "!="], &["<", ">", "<=", ">="], &["+", "-"], &["*", "/", "%"]];
        if level == LEVELS.len() {
            return self.unary();
        }
        let mut left = self.binary(level + 1)?;
        while let Some(op) = self.peek().filter(|t| LEVELS[level].contains(t)).map(str::to_string) {
            self.at += 1;
            let right = self.binary(level + 1)?;
            left = match op.as_str() {
                "||" | "&&" => format!("u64::from({left} != 0 {op} {right} != 0)"),
                "+" | "*" => format!("{left}.wrapping{}({right})", if op == "+" { "_add" } else { "_mul" }),
                "-" => format!("{left}.wrapping_sub({right})"),
                "/" | "%" => format!("{left}.checked_{}({right}).unwrap_or(0)", if op == "/" { "div" } else { "rem" }),
                _ => format!("u64::from({left} {op} {right})"),
            };
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<String, String> {
        if self.eat("!") {
            return Ok(format!("u64::from({} == 0)", self.unary()?));
        }
        match self.peek().map(str::to_string) {
            Some(t) if t == "(" => {
                self.at += 1;
                let inner = self.ternary()?;
                if !self.eat(")") {
                    return Err("expected ')'".into());
                }
                Ok(format!("({inner})"))
            }
            Some(t) if t == "n" => {
                self.at += 1;
                Ok("n".into())
            }
            Some(t) if t.bytes().all(|c| c.is_ascii_digit()) => {
                self.at += 1;
                Ok(format!("{t}u64"))
            }
            other => Err(format!("unexpected {other:?}")),
        }
    }
}

// ---------------------------------------------------------------- compile

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

/// For the app's build script: the texts of `root/src`, checked against
/// the template and catalogs of `root/locale`, as Rust. The error lists
/// every problem and how to go on.
pub fn compile(root: &Path) -> Result<String, String> {
    let msgs = extract(&root.join("src"))?;
    let catalogs = load(&root.join("locale"))?;
    let mut found = problems(&msgs, &catalogs);
    let pot = root.join("locale").join(format!("{DOMAIN}.pot"));
    if std::fs::read_to_string(&pot).ok().as_deref() != Some(template(&msgs).as_str()) {
        found.insert(0, format!("{} does not match the code's texts", pot.display()));
    }
    if !found.is_empty() {
        return Err(format!(
            "the translations are not complete:\n  {}\n\
             Run `cargo run -p catalogs -- update` to bring the template and catalogs in line with the code, \
             then translate the empty msgstr entries.",
            found.join("\n  ")
        ));
    }
    rust(&msgs, &catalogs)
}

/// `cargo run -p catalogs -- update`: rewrites the template and the
/// catalogs of `root`. Returns what it wrote.
pub fn update(root: &Path) -> Result<Vec<PathBuf>, String> {
    let msgs = extract(&root.join("src"))?;
    let pot = root.join("locale").join(format!("{DOMAIN}.pot"));
    std::fs::write(&pot, template(&msgs)).map_err(|e| format!("{}: {e}", pot.display()))?;
    let mut written = vec![pot];
    for c in load(&root.join("locale"))? {
        std::fs::write(&c.path, merged(&msgs, &c)).map_err(|e| format!("{}: {e}", c.path.display()))?;
        written.push(c.path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests;
