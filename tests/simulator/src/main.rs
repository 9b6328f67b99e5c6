//! `medulla-sim [--port N] [--dist DIR] [--session-timeout SECONDS] [--entities N] [--servers N]`

use medulla_sim::{
    start, Options, AGENT_LOGIN, AGENT_PASSWORD, SCOPED_LOGIN, SCOPED_PASSWORD, USER_LOGIN, USER_PASSWORD,
};
use std::time::Duration;

const USAGE: &str =
    "usage: medulla-sim [--port N] [--dist DIR] [--session-timeout SECONDS] [--connect-timeout SECONDS] [--entities N] [--servers N] [--transport T] [--base-path P] [--rest-upstream URL]
  --port N                 listen on 127.0.0.1:N (default 8080; 0 picks a free port)
  --dist DIR               the built app (default dist)
  --session-timeout S      idle seconds before a session expires (default 900)
  --connect-timeout S      seconds getGlobalStatus waits for an imaging server
                           whose host is down, as the agent does (default 30)
  --entities N             add N entities under General > Public
  --servers N              N of those with an imaging server of their own
  --transport T            what the served config.json asks the app to use:
                           mmc-agent (XML-RPC, default) or rest (the REST contract,
                           served by the gateway at --rest-upstream)
  --base-path P            serve the tab, its config.json and REST API under P
                           (/imaging-status/, as behind an Apache Alias; default /)
  --rest-upstream URL      pass the tab's api/v1/ to this REST gateway
                           (medulla-imaging-gateway), as Apache does in production";

fn usage(problem: &str) -> ! {
    eprintln!("medulla-sim: {problem}\n{USAGE}");
    std::process::exit(2)
}

#[tokio::main]
async fn main() {
    let mut options = Options { port: 8080, ..Options::default() };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| usage(&format!("{flag} needs a value")));
        let number = |v: String| v.parse::<u64>().unwrap_or_else(|_| usage(&format!("{flag}: {v:?} is not a number")));
        match flag.as_str() {
            "--port" => {
                options.port = u16::try_from(number(value())).unwrap_or_else(|_| usage("--port: from 0 to 65535"))
            }
            "--dist" => options.dist = value().into(),
            "--session-timeout" => options.session_timeout = Duration::from_secs(number(value())),
            "--connect-timeout" => options.connect_timeout = Duration::from_secs(number(value())),
            "--entities" => options.extra_entities = number(value()) as usize,
            "--servers" => options.extra_servers = number(value()) as usize,
            "--base-path" => options.base_path = value(),
            "--rest-upstream" => options.rest_upstream = Some(value()),
            "--transport" => match value().as_str() {
                t @ ("mmc-agent" | "rest") => options.transport = t.into(),
                other => usage(&format!("--transport: {other:?} is neither mmc-agent nor rest")),
            },
            "-h" | "--help" => {
                println!("{USAGE}");
                return;
            }
            other => usage(&format!("unknown argument {other}")),
        }
    }
    if options.transport == "rest" && options.rest_upstream.is_none() {
        usage("--transport rest needs --rest-upstream (the gateway: scripts/demo.sh --transport rest starts one)");
    }
    if !options.dist.join("index.html").exists() {
        usage(&format!("{} has no index.html: build the app first (trunk build --release)", options.dist.display()));
    }
    let running = match start(options).await {
        Ok(r) => r,
        Err(e) => usage(&format!("cannot listen: {e}")),
    };
    let url = running.url();
    let transport = running.sim.transport();
    println!("Medulla Imaging Status on the simulated Medulla: {url} (transport: {transport})");
    println!("  embedded in a console-like page: {url}_sim/host.html");
    println!(
        "  sign in as {USER_LOGIN} / {USER_PASSWORD} (or {SCOPED_LOGIN} / {SCOPED_PASSWORD}: Public and Library only)"
    );
    if transport == "mmc-agent" {
        println!(
            "  (the agent's own Basic credentials, {AGENT_LOGIN} / {AGENT_PASSWORD}, are in the served config.json)"
        );
    }
    println!("  drive it: curl -X POST {url}_sim/control -H 'content-type: application/json' -d '{{\"entity\":\"UUID2\",\"status\":\"offline\"}}'");
    println!("  stop it with Ctrl-C");
    let _ = tokio::signal::ctrl_c().await;
}
