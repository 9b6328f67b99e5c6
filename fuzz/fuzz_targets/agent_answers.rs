//! Every reader of the MMC agent's answers, on whatever the decoder makes
//! of any body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use medulla_imaging_status::api::mmc_agent::*;
use medulla_imaging_status::api::xmlrpc::{decode_response, Response};

fuzz_target!(|body: &[u8]| {
    let Ok(Response::Success(v)) = decode_response(body) else { return };
    let _ = failure_in(&v);
    let _ = entities_from(&v);
    let _ = parent_path_from(&v);
    let _ = server_config_from(&v);
    let _ = figures_from(&v);
    let _ = relays_from(&v);
    let _ = activity_from(&v);
    let _ = sync_outcome_from(&v);
});
