//! The parsers of what the imaging server's shell commands print (`df`,
//! `free`, `/proc/uptime`), on any text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use medulla_imaging_status::domain::figures::{parse_df, parse_free, parse_uptime, split_uptime};

fuzz_target!(|text: &str| {
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    for fs in parse_df(&lines) {
        let _ = fs.used_percent();
    }
    let _ = parse_free(&lines);
    if let Some(seconds) = parse_uptime(text) {
        let _ = split_uptime(seconds);
    }
});
