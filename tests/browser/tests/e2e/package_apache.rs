//! The package as installed on a Medulla server: Debian's Apache with the
//! packaged configuration (TLS, HTTP/2 where `mod_http2` is loaded, the
//! production headers) in front of the unpacked package's gateway and tab.

use crate::harness::*;
use crate::package::{get, root, start_packaged_gateway};
use serde_json::Value;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Apache (Debian's `apache2`, as on a Medulla server) with the packaged
/// configuration, in a TLS virtual host and a plain one, its paths pointed
/// at the unpacked package and the gateway's port at the packaged gateway.
/// Stopped with its process group when dropped.
/// Its TLS port (the console's virtual host), its plain one, and a TLS
/// port that stands for the MMC agent (`/mmc-agent/` passed to the
/// simulated agent), with a certificate like Medulla's: self-signed, its
/// own CA, for another host name than 127.0.0.1.
struct Apache {
    tls: u16,
    plain: u16,
    agent: u16,
    _group: ProcessGroup,
    _process: tokio::process::Child,
}

/// The self-signed certificate (and its key) of the gateway's test fixtures.
fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../gateway/tests/fixtures").join(name)
}

fn ports() -> (u16, u16, u16) {
    (free_port(), free_port(), free_port())
}

async fn start_apache(
    root: &std::path::Path,
    dir: &std::path::Path,
    gateway: &str,
    sim_port: u16,
    (tls, plain, agent): (u16, u16, u16),
) -> Apache {
    let apache = PathBuf::from("/usr/sbin/apache2");
    assert!(apache.exists(), "{} is missing: run scripts/setup.sh", apache.display());
    let (cert, key) = (fixture("agent-cert.pem"), fixture("agent-key.pem"));
    let packaged = std::fs::read_to_string(root.join("etc/apache2/conf-available/medulla-imaging-status.conf"))
        .expect("the packaged Apache configuration");
    let gateway_authority = gateway.trim_start_matches("http://");
    let site = packaged
        .replace(" /usr/share/medulla-imaging-status", &format!(" {}/usr/share/medulla-imaging-status", root.display()))
        .replace(" /etc/medulla-imaging-status", &format!(" {}/etc/medulla-imaging-status", root.display()))
        .replace("127.0.0.1:7081", gateway_authority)
        // Violations reported to the simulator, as every browser test's are.
        .replace("form-action 'self'\"", "form-action 'self'; report-uri /_sim/csp-report\"");
    assert!(
        site.contains(gateway_authority) && site.contains("report-uri"),
        "the configuration changed shape:\n{site}"
    );
    std::fs::write(dir.join("site.conf"), site).expect("site.conf written");
    let modules = "/usr/lib/apache2/modules";
    let load: String =
        ["mpm_event", "authz_core", "alias", "dir", "mime", "headers", "proxy", "proxy_http", "socache_shmcb", "ssl"]
            .iter()
            .chain(&["rewrite", "filter", "deflate", "http2"])
            .map(|m| format!("LoadModule {m}_module {modules}/mod_{m}.so\n"))
            .collect();
    // Debian's own mime.conf (types, encodings, languages: .br is Breton
    // there) and deflate.conf (compression on the fly, which must leave the
    // precompressed assets alone).
    let debian = "Include /etc/apache2/mods-available/mime.conf\nInclude /etc/apache2/mods-available/deflate.conf\n";
    let d = dir.display();
    let httpd = format!(
        "ServerRoot {d}\nPidFile {d}/httpd.pid\nErrorLog {d}/error.log\nLogLevel warn\nServerName 127.0.0.1\n\
         {user}{load}{debian}Listen 127.0.0.1:{tls}\nListen 127.0.0.1:{plain}\nListen 127.0.0.1:{agent}\n\
         <Directory />\n    Require all denied\n</Directory>\n\
         <VirtualHost 127.0.0.1:{tls}>\n    SSLEngine on\n    SSLCertificateFile {cert}\n    SSLCertificateKeyFile {key}\n</VirtualHost>\n\
         <VirtualHost 127.0.0.1:{plain}>\n</VirtualHost>\n\
         <VirtualHost 127.0.0.1:{agent}>\n    SSLEngine on\n    SSLCertificateFile {cert}\n    SSLCertificateKeyFile {key}\n\
         \x20   ProxyPass /mmc-agent/ http://127.0.0.1:{sim_port}/mmc-agent/\n</VirtualHost>\n\
         ProxyPass /_sim/csp-report http://127.0.0.1:{sim_port}/_sim/csp-report\n\
         Include {d}/site.conf\n",
        user = if std::env::var("USER").as_deref() == Ok("root") { "User www-data\nGroup www-data\n" } else { "" },
        cert = cert.display(),
        key = key.display(),
    );
    let conf = dir.join("httpd.conf");
    std::fs::write(&conf, httpd).expect("httpd.conf written");
    let checked = std::process::Command::new(&apache).arg("-t").arg("-f").arg(&conf).output().expect("apache2 -t");
    assert!(checked.status.success(), "apache2 -t: {}", String::from_utf8_lossy(&checked.stderr));
    let process = tokio::process::Command::new(&apache)
        .args(["-DFOREGROUND", "-f"])
        .arg(&conf)
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .expect("apache2 started");
    let group = ProcessGroup(process.id());
    let started = Instant::now();
    while tokio::net::TcpStream::connect(("127.0.0.1", tls)).await.is_err() {
        let log = std::fs::read_to_string(dir.join("error.log")).unwrap_or_default();
        assert!(started.elapsed() < Duration::from_secs(10), "Apache did not listen on {tls}:\n{log}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Apache { tls, plain, agent, _group: group, _process: process }
}

fn head(url: &str) -> String {
    get(url, "").0
}

/// The HTTP version `curl` ends up speaking to `url` when it offers
/// HTTP/2 (`2`, or `1.1`).
fn version_spoken(url: &str) -> String {
    let out = std::process::Command::new("curl")
        .args(["-sk", "--http2", "-o", "/dev/null", "-w", "%{http_version}", url])
        .output()
        .expect("curl");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The package as installed on a Medulla server: Apache in front, TLS only,
/// the gateway alone proxied, the production headers, and the tab working
/// in the browser through all of it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_the_package_behind_apache_over_tls() {
    let root = root();
    let (sim_port, ports) = (free_port(), ports());
    // The gateway reaches the agent over TLS, trusting it by its certificate.
    let agent = (format!("https://127.0.0.1:{}/mmc-agent/", ports.2), fixture("agent-cert.pem"));
    let (_gateway, url, dir) = start_packaged_gateway(&root, sim_port, Some(agent)).await;
    let b = open_with(Transport::Rest, |o| {
        o.port = sim_port;
        o.rest_upstream = Some(url.clone());
    })
    .await;
    let apache = start_apache(&root, &dir, &url, sim_port, ports).await;
    let tab = format!("https://127.0.0.1:{}/imaging-status/", apache.tls);

    let page = head(&tab);
    assert!(page.starts_with("http/1.1 200"), "{page}");
    // HTTP/2 over TLS (the packaged `Protocols h2 http/1.1`), HTTP/1.1 in
    // plain HTTP.
    assert_eq!(version_spoken(&tab), "2", "the tab over TLS");
    assert_eq!(version_spoken(&format!("{tab}api/v1/entities")), "2", "its API over TLS");
    assert_eq!(version_spoken(&format!("http://127.0.0.1:{}/imaging-status/", apache.plain)), "1.1");
    for header in [
        "content-security-policy: default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'",
        "x-content-type-options: nosniff",
        "referrer-policy: same-origin",
        "cache-control: no-cache",
    ] {
        assert!(page.contains(header), "{header} missing:\n{page}");
    }
    // Every built asset, as each browser accepts it: the precompressed
    // file's own bytes (never compressed twice), its type, cached a year,
    // and varying by Accept-Encoding for the caches in between.
    let www = root.join("usr/share/medulla-imaging-status/www");
    let built: Vec<String> = std::fs::read_dir(&www)
        .expect("www")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| [".wasm", ".js", ".css"].iter().any(|ext| n.ends_with(ext)))
        .collect();
    assert_eq!(built.len(), 4, "the wasm, its JS, the bootstrap and the CSS: {built:?}");
    for name in &built {
        let plain = std::fs::read(www.join(name)).expect("the asset");
        let kind = match name.rsplit('.').next() {
            Some("wasm") => "application/wasm",
            Some("js") => "text/javascript",
            _ => "text/css",
        };
        for (accept, encoding, file) in [
            ("gzip, deflate, br, zstd", Some("br"), format!("{name}.br")),
            ("br", Some("br"), format!("{name}.br")),
            ("gzip, deflate", Some("gzip"), format!("{name}.gz")),
            ("br;q=0, GZIP", Some("gzip"), format!("{name}.gz")),
            ("gzip;q=0.0, br;q=0", None, name.clone()),
            ("identity", None, name.clone()),
            ("", None, name.clone()),
        ] {
            let (headers, body) = get(&format!("{tab}{name}"), accept);
            let said = format!("{name}, Accept-Encoding {accept:?}:\n{headers}");
            assert!(headers.starts_with("http/1.1 200"), "{said}");
            assert!(headers.contains(&format!("content-type: {kind}")), "{said}");
            assert!(headers.contains("cache-control: public, max-age=31536000, immutable"), "{said}");
            assert!(headers.contains("vary: accept-encoding"), "{said}");
            assert!(headers.contains("content-security-policy: default-src 'none'"), "{said}");
            assert!(headers.contains("x-content-type-options: nosniff"), "{said}");
            assert!(!headers.contains("content-language"), "{said}");
            match encoding {
                Some(e) => assert!(headers.contains(&format!("content-encoding: {e}\r\n")), "{said}"),
                None => assert!(!headers.contains("content-encoding"), "{said}"),
            }
            assert!(body == std::fs::read(www.join(&file)).expect("the file sent"), "{said}: not {file}");
            if encoding.is_some() {
                assert!(body.len() * 2 < plain.len() || plain.len() < 2_000, "{said}: {file} is hardly smaller");
            }
        }
        // What is shipped compressed is the asset itself.
        let unbrotli =
            std::process::Command::new("brotli").args(["-d", "-c"]).arg(www.join(format!("{name}.br"))).output();
        assert_eq!(unbrotli.expect("brotli -d").stdout, plain, "{name}.br");
        let ungzip = std::process::Command::new("gzip").args(["-d", "-c"]).arg(www.join(format!("{name}.gz"))).output();
        assert_eq!(ungzip.expect("gzip -d").stdout, plain, "{name}.gz");
    }
    assert!(head(&format!("{tab}config.json")).contains("cache-control: no-cache"));
    let api = head(&format!("{tab}api/v1/entities"));
    assert!(api.starts_with("http/1.1 401") && api.contains("application/problem+json"), "{api}");
    for refused in [
        format!("http://127.0.0.1:{}/imaging-status/", apache.plain),
        format!("http://127.0.0.1:{}/imaging-status/api/v1/entities", apache.plain),
    ] {
        assert!(head(&refused).starts_with("http/1.1 403"), "plain HTTP must be refused: {refused}");
    }
    for unexposed in ["mmc-agent/", "metrics", "healthz", "api/v1/entities"] {
        let answer = head(&format!("https://127.0.0.1:{}/{unexposed}", apache.tls));
        assert!(!answer.starts_with("http/1.1 2") && !answer.starts_with("http/1.1 401"), "/{unexposed}: {answer}");
    }

    // A gateway that trusts another certificate does not talk to the agent.
    let wrong = (format!("https://127.0.0.1:{}/mmc-agent/", apache.agent), fixture("other-cert.pem"));
    let (_other, other_url, other_dir) = start_packaged_gateway(&root, sim_port, Some(wrong)).await;
    let body = format!(r#"{{"login": "{}", "password": "{}"}}"#, medulla_sim::USER_LOGIN, medulla_sim::USER_PASSWORD);
    let refused = std::process::Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "content-type: application/json", "-d", &body])
        .arg(format!("{other_url}/api/v1/sessions"))
        .output()
        .expect("curl");
    assert_eq!(String::from_utf8_lossy(&refused.stdout), "502", "an agent with another certificate is refused");
    let _ = std::fs::remove_dir_all(other_dir);

    b.c.goto(&format!("{tab}?entity=UUID3")).await.expect("opened");
    b.sign_in_as(medulla_sim::USER_LOGIN, medulla_sim::USER_PASSWORD).await;
    b.wait_status("available").await;
    // The browser too: the page, its assets and the API, all in HTTP/2
    // (what came from its cache has no protocol).
    let protocols = "return [...performance.getEntriesByType('navigation'), \
        ...performance.getEntriesByType('resource')].map(e => e.nextHopProtocol).filter(p => p)";
    let protocols = b.c.execute(protocols, vec![]).await.expect("protocols read");
    let protocols: Vec<&str> = protocols.as_array().expect("a list").iter().filter_map(Value::as_str).collect();
    assert!(protocols.len() >= 3 && protocols.iter().all(|p| *p == "h2"), "{protocols:?}");
    let cookies = b.c.get_all_cookies().await.expect("cookies");
    let session = cookies.iter().find(|c| c.name() == "medulla_imaging_gateway").expect("the gateway's cookie");
    assert_eq!(
        (session.path(), session.secure(), session.http_only()),
        (Some("/imaging-status/"), Some(true), Some(true))
    );
    b.c.goto(&format!("{tab}?entity=UUID0")).await.expect("opened");
    b.wait_status("offline").await;
    b.close().await;
    let _ = std::fs::remove_dir_all(dir);
}
