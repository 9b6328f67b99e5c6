//! The gateway in front of the MMC agent. It runs the app's own agent
//! client and status rules (`medulla_imaging_status::api::mmc_agent`)
//! natively: only the HTTP layer differs, [`AgentHttp`] here in place of
//! the browser's fetch.

pub mod agent_config;
pub mod agent_http;
pub mod bodies;
pub mod checks;
pub mod metrics;
pub mod monitor;
pub mod problem;
pub mod rights;
pub mod router;
pub mod routes;
pub mod server;
pub mod sessions;
pub mod settings;
pub mod shared;
pub mod sign_in;
pub mod single_flight;
pub mod store;
pub mod throttle;

pub use agent_http::AgentHttp;
