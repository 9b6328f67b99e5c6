//! End-to-end tests: the built app (`dist/`) against the simulated Medulla,
//! in real headless Chromium driven through chromedriver.

#![cfg(not(target_arch = "wasm32"))]

mod actions;
mod config;
mod failures;
mod harness;
mod session;
mod statuses;
mod switching;
