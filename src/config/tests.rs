//! The checks of `config.json`: every key, every wrong value named.

use super::*;

#[test]
fn agent_credentials_only_for_an_agent_on_the_loopback() {
    let with = |url: &str, auth: bool| Config {
        agent_url: url.into(),
        agent_basic_auth: auth.then(|| BasicAuth { login: "mmc".into(), password: "s3cr3t".into() }),
        ..Config::default()
    };
    for url in
        ["http://127.0.0.1:8080/mmc-agent/", "https://localhost/mmc-agent/", "http://[::1]:7080/", "http://127.8.0.1/"]
    {
        assert_eq!(check_agent_credentials(&with(url, true)), Ok(()), "{url}");
    }
    for url in [
        "https://medulla.example.org/mmc-agent/",
        "https://10.0.0.5:7080/",
        "http://localhost.example.org/",
        "http://127.0.0.1.example.org/",
        "https://user@example.org/",
        "/mmc-agent/",
    ] {
        let e = check_agent_credentials(&with(url, true)).expect_err(url);
        assert_eq!(e.key.as_deref(), Some("agent_basic_auth"));
        assert_eq!(check_agent_credentials(&with(url, false)), Ok(()), "no credentials, no question");
    }
}

#[test]
fn idle_sign_out_is_in_minutes_and_0_means_never() {
    let idle = |text: &str| parse_config(text).map(|c| c.idle_sign_out_seconds);
    assert_eq!(idle("{}"), Ok(1800));
    assert_eq!(idle(r#"{"idle_sign_out_minutes": 0}"#), Ok(0));
    assert_eq!(idle(r#"{"idle_sign_out_minutes": 5}"#), Ok(300));
    assert_eq!(idle(r#"{"idle_sign_out_minutes": 0.05}"#), Ok(3));
    for bad in ["-1", "1441", "\"30\"", "true"] {
        let e = parse_config(&format!(r#"{{"idle_sign_out_minutes": {bad}}}"#)).expect_err(bad);
        assert_eq!(e.key.as_deref(), Some("idle_sign_out_minutes"), "{bad}");
    }
}

#[test]
fn image_store_limits_in_gb_and_percent() {
    let limits = |text: &str| parse_config(text).map(|c| c.image_store);
    assert_eq!(limits("{}"), Ok(StoreLimits { warn_below_gb: 20, warn_below_percent: 10, floor_gb: 5 }));
    let set = r#"{"min_free_image_store_gb": 50, "min_free_image_store_percent": 0, "image_store_floor_gb": 8}"#;
    assert_eq!(limits(set), Ok(StoreLimits { warn_below_gb: 50, warn_below_percent: 0, floor_gb: 8 }));
    for (bad, key) in [
        (r#"{"min_free_image_store_gb": -1}"#, "min_free_image_store_gb"),
        (r#"{"min_free_image_store_percent": 101}"#, "min_free_image_store_percent"),
        (r#"{"image_store_floor_gb": "5"}"#, "image_store_floor_gb"),
    ] {
        let e = parse_config(bad).expect_err(bad);
        assert_eq!(e.key.as_deref(), Some(key), "{bad}");
    }
    let e = parse_config(r#"{"min_free_image_store_percent": 2.5}"#).expect_err("a fraction");
    assert_eq!(e.problem, "expected a whole number of percent from 0 to 100, found 2.5");
}

#[test]
fn empty_object_gives_the_documented_defaults() {
    let c = parse_config("{}").expect("valid");
    assert_eq!(c, Config::default());
    assert_eq!(c.agent_url, "/mmc-agent/");
    assert_eq!(c.rest_url, "api/v1/");
    assert_eq!(c.transport, Transport::MmcAgent);
    assert_eq!((c.poll_seconds, c.request_timeout_seconds), (30, 10));
    assert_eq!(c.language, LanguageSetting::Auto);
}

#[test]
fn every_key_is_read_and_an_unknown_key_is_refused() {
    let c = parse_config(
        r#"{"transport": "mmc-agent", "agent_url": "https://medulla.example.org:7080/",
            "agent_basic_auth": {"login": "mmc", "password": "s3cr3t"},
            "poll_seconds": 15, "request_timeout_seconds": 4,
            "console_url": "https://medulla.example.org/mmc", "language": "es_ES",
            "console_routes": {"deploy": "x.php?e={entity}"},
            "embed_allowed_origins": ["https://Medulla.example.org/", "http://127.0.0.1:8080"]}"#,
    )
    .expect("valid");
    assert_eq!(c.agent_url, "https://medulla.example.org:7080/");
    assert_eq!(c.agent_basic_auth, Some(BasicAuth { login: "mmc".into(), password: "s3cr3t".into() }));
    assert_eq!((c.poll_seconds, c.request_timeout_seconds), (15, 4));
    assert_eq!(c.language, LanguageSetting::Fixed(crate::i18n::Lang::from_tag("es").unwrap()));
    assert_eq!(
        c.console_page(&c.console_routes.deploy, &entity("UUID2", "General > Public")),
        "https://medulla.example.org/mmc/x.php?e=UUID2"
    );
    assert_eq!(c.console_routes.master, ConsoleRoutes::default().master);
    assert_eq!(c.embed_allowed_origins, ["https://medulla.example.org", "http://127.0.0.1:8080"]);
    for (text, key) in [
        (r#"{"pol_seconds": 30}"#, "pol_seconds"),
        (r#"{"console_routes": {"deplo": "x"}}"#, "console_routes.deplo"),
        (r#"{"agent_basic_auth": {"login": "mmc", "password": "x", "realm": "y"}}"#, "agent_basic_auth.realm"),
    ] {
        let e = parse_config(text).expect_err(text);
        assert_eq!(e.key.as_deref(), Some(key), "{text}");
        assert!(e.problem.starts_with("not a key of config.json (unknown field"), "{}", e.problem);
    }
}

#[test]
fn rest_transport_and_its_url() {
    let c = parse_config(r#"{"transport": "rest", "rest_url": "https://gw.example.org/api/v1"}"#).expect("valid");
    assert_eq!(c.transport, Transport::Rest);
    assert_eq!(c.rest_url, "https://gw.example.org/api/v1");
}

#[test]
fn null_means_default() {
    let c = parse_config(r#"{"agent_basic_auth": null, "poll_seconds": null}"#).expect("valid");
    assert_eq!(c.agent_basic_auth, None);
    assert_eq!(c.poll_seconds, 30);
}

#[test]
fn urls_are_paths_or_http() {
    let c = parse_config(
        r#"{"agent_url": "https://medulla.example.org:7080/", "rest_url": "../api/v1/", "console_url": "HTTP://10.0.0.1/mmc/"}"#,
    )
    .expect("valid");
    assert_eq!(c.agent_url, "https://medulla.example.org:7080/");
    assert_eq!(c.console_url, "HTTP://10.0.0.1/mmc/");
}

#[test]
fn wrong_values_name_the_file_the_key_and_what_was_expected() {
    let cases = [
        (r#"{"transport": "soap"}"#, "transport"),
        (r#"{"poll_seconds": "30"}"#, "poll_seconds"),
        (r#"{"poll_seconds": 0}"#, "poll_seconds"),
        (r#"{"poll_seconds": 2.5}"#, "poll_seconds"),
        (r#"{"request_timeout_seconds": -1}"#, "request_timeout_seconds"),
        (r#"{"agent_url": ""}"#, "agent_url"),
        (r#"{"rest_url": 1}"#, "rest_url"),
        (r#"{"agent_basic_auth": {"login": "mmc"}}"#, "agent_basic_auth"),
        (r#"{"language": "de"}"#, "language"),
        (r#"{"console_routes": {"deploy": 3}}"#, "console_routes.deploy"),
        (r#"{"embed_allowed_origins": "*"}"#, "embed_allowed_origins"),
        (r#"{"embed_allowed_origins": ["*"]}"#, "embed_allowed_origins"),
        (r#"{"embed_allowed_origins": ["https://x.org/console"]}"#, "embed_allowed_origins"),
        // Only paths and http(s) URLs: never a script or data URL.
        (r#"{"console_url": "javascript:alert(1)//"}"#, "console_url"),
        (r#"{"console_url": "JavaScript:alert(1)"}"#, "console_url"),
        (r#"{"agent_url": "data:text/xml,<x/>"}"#, "agent_url"),
        (r#"{"rest_url": "//evil.example.org/api/"}"#, "rest_url"),
        (r#"{"console_url": "mmc:/"}"#, "console_url"),
        (r#"{"rest_url": "\\\\evil.example.org/api/"}"#, "rest_url"),
        (r#"{"console_url": "https:///mmc/"}"#, "console_url"),
        (r#"{"agent_url": "/mmc agent/"}"#, "agent_url"),
    ];
    for (text, key) in cases {
        let e = parse_config(text).expect_err(text);
        assert_eq!(e.key.as_deref(), Some(key), "{text}");
        let shown = e.to_string();
        assert!(shown.starts_with("config.json, key \""), "{shown}");
        assert!(shown.contains("expected"), "{shown}");
    }
}

#[test]
fn a_broken_file_is_named() {
    for text in ["", "{", "[1]", "<html>404</html>"] {
        let e = parse_config(text).expect_err(text);
        assert_eq!(e.key, None);
        assert!(e.to_string().starts_with("config.json: "));
    }
}

fn entity(uuid: &str, completename: &str) -> crate::domain::Entity {
    crate::domain::Entity { uuid: uuid.into(), name: uuid.into(), completename: completename.into(), level: 0 }
}

#[test]
fn entity_ids_are_encoded_in_console_links() {
    let c = Config::default();
    assert_eq!(
        c.console_page(&c.console_routes.master, &entity("UUID 1&x", "x")),
        "/mmc/main.php?module=imaging&submod=manage&action=master&location=UUID%201%26x"
    );
}

#[test]
fn default_routes_open_the_pages_that_do_what_the_buttons_say() {
    let c = Config::default();
    let public = entity("UUID2", "General > Public");
    assert_eq!(
        c.console_page(&c.console_routes.deploy, &public),
        "/mmc/main.php?module=base&submod=computers&action=index&restreint=1\
         &entity_id=2&entity_completename=General%20%3E%20Public"
    );
    assert_eq!(
        c.console_page(&c.console_routes.multicast, &public),
        "/mmc/main.php?module=imaging&submod=manage&action=index&location=UUID2"
    );
    assert_eq!(
        c.console_page(&c.console_routes.master, &public),
        "/mmc/main.php?module=imaging&submod=manage&action=master&location=UUID2"
    );
}

#[test]
fn the_fetched_file_is_read_or_its_failure_said() {
    let page = |url: &str| format!("https://medulla.example.org/imaging-status/{url}");
    let fetched = |status: u16, body: &str| Ok((status, body.as_bytes().to_vec()));
    let config = config_from(fetched(200, r#"{"transport": "rest", "rest_url": "api/v1/"}"#), page).expect("read");
    assert_eq!(config.rest_url, "https://medulla.example.org/imaging-status/api/v1/");
    let error = |fetched| config_from(fetched, page).expect_err("refused");
    assert_eq!(error(fetched(404, "")), "config.json: could not be fetched (HTTP 404)");
    assert_eq!(error(Err("timed out".into())), "config.json: could not be fetched (timed out)");
    assert_eq!(error(Ok((200, vec![0xff, 0xfe]))), "config.json: not UTF-8 text");
    assert!(error(fetched(200, r#"{"polling": 5}"#)).contains("polling"));
}
