//! The readers of the REST gateway's JSON, and of its times, on any body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use medulla_imaging_status::api::rest::*;
use medulla_imaging_status::domain::Timestamp;

fuzz_target!(|body: &[u8]| {
    let _ = entities_from(body);
    let _ = report_from(body, 1_795_597_507_000);
    let _ = report_for(body, "UUID3", i64::MAX);
    let _ = report_from(body, i64::MIN);
    let _ = activity_from(body);
    let _ = sync_outcome_from(body);
    let _ = overview_from(body, 1_795_597_507_000);
    let _ = overview_from(body, i64::MIN);
    // A history, and what the tab computes from it.
    if let Ok(view) = history_from(body) {
        let _ = (view.availability(7), view.availability(30), view.last_days(7), view.time_to_floor(5e9));
    }
    for (_, summary) in summaries_from(body).unwrap_or_default() {
        let _ = (summary.availability.share(), summary.trend.and_then(|t| t.time_to(5e9)));
    }
    if let Ok(text) = std::str::from_utf8(body) {
        let _ = Timestamp::rfc3339_ms(text);
        let _ = Timestamp::http_date_ms(text);
    }
});
