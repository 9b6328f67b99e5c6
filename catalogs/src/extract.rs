//! Reading the texts to translate out of the Rust sources: the string
//! literals of `tr`, `trf` and `trn` calls.

use crate::Msg;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

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

pub(crate) fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
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
pub(crate) fn char_literal(b: &[u8], i: usize) -> usize {
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
pub(crate) fn skip_literal(b: &[u8], mut i: usize) -> usize {
    i += 1;
    while i < b.len() && b[i] != b'"' {
        i += if b[i] == b'\\' { 2 } else { 1 };
    }
    i + 1
}

/// Past a raw string whose `#…"` starts at `i`.
pub(crate) fn skip_raw(text: &str, i: usize) -> usize {
    let hashes = text[i..].bytes().take_while(|&c| c == b'#').count();
    let close = format!("\"{}", "#".repeat(hashes));
    let body = i + hashes + 1;
    text.get(body..).and_then(|rest| rest.find(&close)).map_or(text.len(), |end| body + end + close.len())
}

/// The first `wanted` string literals among a call's arguments, which open
/// at `open`, and where the scan stopped.
pub(crate) fn arguments(text: &str, open: usize, wanted: usize) -> Result<(Vec<String>, usize), String> {
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
pub(crate) fn literal(text: &str, start: usize) -> Result<(String, usize), String> {
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
