//! Decimal numbers read from text (the agent's strings, XML-RPC doubles,
//! JSON numbers, uptimes): by the browser's own `Number()` in the tab,
//! whose reader is there anyway (Rust's would add its tables, some 10 KB,
//! to the wasm), by Rust's elsewhere. The same grammar either way: a sign,
//! digits with a point, an exponent; never `inf`, `NaN` or hexadecimal.

/// A finite number written in decimal.
pub fn parse_decimal(text: &str) -> Option<f64> {
    let allowed = |b: u8| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E');
    if !text.bytes().any(|b| b.is_ascii_digit()) || !text.bytes().all(allowed) {
        return None;
    }
    #[cfg(target_arch = "wasm32")]
    let n = <js_sys::Number as std::str::FromStr>::from_str(text).ok()?.value_of();
    #[cfg(not(target_arch = "wasm32"))]
    let n = text.parse::<f64>().ok()?;
    n.is_finite().then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_numbers_only() {
        for (text, n) in
            [("0", 0.0), ("-2.5e3", -2500.0), ("350735.47", 350_735.47), (".5", 0.5), ("1.", 1.0), ("+1", 1.0)]
        {
            assert_eq!(parse_decimal(text), Some(n), "{text}");
        }
        for text in ["", " 1", "inf", "NaN", "infinity", "0x10", "1e", "-", ".", "1.2.3", "1e400", "1,5"] {
            assert_eq!(parse_decimal(text), None, "{text}");
        }
    }
}
