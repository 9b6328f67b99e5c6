//! `config.json` on any text: a config error naming the key, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use medulla_imaging_status::config::parse_config;
use medulla_imaging_status::domain::Entity;

fuzz_target!(|text: &str| {
    if let Ok(config) = parse_config(text) {
        let entity = Entity { uuid: "UUID2".into(), name: "Public".into(), completename: "General > Public".into(), level: 1 };
        let _ = config.console_page(&config.console_routes.deploy, &entity);
    }
});
