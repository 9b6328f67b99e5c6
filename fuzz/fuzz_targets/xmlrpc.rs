//! The XML-RPC decoder on any body: a typed error, never a panic, a trap or
//! an endless loop.
#![no_main]

use libfuzzer_sys::fuzz_target;
use medulla_imaging_status::api::xmlrpc::decode_response;

fuzz_target!(|body: &[u8]| {
    let _ = decode_response(body);
});
