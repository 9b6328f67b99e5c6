//! End-to-end tests: the built app (`dist/`) against the simulated Medulla,
//! in real headless Chromium driven through chromedriver.

#![cfg(not(target_arch = "wasm32"))]

mod a11y;
mod actions;
mod config;
mod embed;
mod failures;
mod harness;
mod history;
mod languages;
mod overview;
mod package;
mod package_apache;
mod production;
mod real_agent;
mod session;
mod soak;
mod statuses;
mod switching;
