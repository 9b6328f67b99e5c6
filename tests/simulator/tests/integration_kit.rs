//! The integration kit's `apply.sh` on a console laid out as Medulla's
//! (the shapes of `web/modules/imaging/infoPackage.inc.php` and
//! `manage/localSidebar.php`): the page and its sidebar entry go in once,
//! at the right place, however often it runs; `--remove` gives the files
//! back as they were.

use std::path::{Path, PathBuf};
use std::process::Command;

const INFO_PACKAGE: &str = r#"<?php
$mod = new Module("imaging");
$submod = new SubModule("manage");
$page = new Page("index", _T("Server status", "imaging"));
$submod->addPage($page);

$mod->addSubmod($submod);
$MMCApp = & MMCApp::getInstance();
$MMCApp->addModule($mod);
$submod = & $base->getSubmod('computers');
$mod->addSubmod($submod);
?>
"#;

const SIDEBAR: &str = r#"<?php
$sidemenu= new SideMenu();
$sidemenu->addSideMenuItem(
    new SideMenuItem(_T("Imaging server status","imaging"), "imaging", "manage", "index")
);
$sidemenu->addSideMenuItem(
    new SideMenuItem(_T("Manage masters","imaging"), "imaging", "manage", "master")
);
"#;

fn console() -> PathBuf {
    let web =
        std::env::temp_dir().join(format!("medulla-kit-{}-{:?}", std::process::id(), std::thread::current().id()));
    let manage = web.join("modules/imaging/manage");
    std::fs::create_dir_all(&manage).expect("console laid out");
    std::fs::write(web.join("modules/imaging/infoPackage.inc.php"), INFO_PACKAGE).expect("written");
    std::fs::write(manage.join("localSidebar.php"), SIDEBAR).expect("written");
    web
}

fn apply(web: &Path, args: &[&str]) -> std::process::Output {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../integration/medulla/apply.sh");
    Command::new("sh").arg(script).args(args).env("MMC_WEB", web).output().expect("apply.sh ran")
}

fn read(web: &Path, file: &str) -> String {
    std::fs::read_to_string(web.join("modules/imaging").join(file)).expect("read")
}

#[test]
fn apply_adds_the_page_once_and_remove_takes_it_out() {
    let web = console();
    for _ in 0..2 {
        let out = apply(&web, &[]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let info = read(&web, "infoPackage.inc.php");
    assert_eq!(info.matches(r#"new Page("imaging_status""#).count(), 1, "{info}");
    let page = info.find(r#"new Page("imaging_status""#).expect("page");
    let manage_added = info.find("$mod->addSubmod($submod);").expect("anchor");
    assert!(page < manage_added, "registered in the manage submodule: {info}");
    let sidebar = read(&web, "manage/localSidebar.php");
    assert_eq!(sidebar.matches(r#""manage", "imaging_status")"#).count(), 1, "{sidebar}");
    let entry = sidebar.find("imaging_status").expect("entry");
    assert!(sidebar.find(r#""index")"#).expect("status") < entry && entry < sidebar.find("master").expect("masters"));
    assert!(read(&web, "manage/imaging_status.php").contains("get_token($login)"));

    let out = apply(&web, &["--remove"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(read(&web, "infoPackage.inc.php"), INFO_PACKAGE);
    assert_eq!(read(&web, "manage/localSidebar.php"), SIDEBAR);
    assert!(!web.join("modules/imaging/manage/imaging_status.php").exists());
    let _ = std::fs::remove_dir_all(&web);
}

#[test]
fn a_file_of_another_shape_is_left_untouched() {
    let web = console();
    std::fs::write(web.join("modules/imaging/manage/localSidebar.php"), "<?php\n// rewritten\n").expect("written");
    let out = apply(&web, &[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not have the expected shape"));
    assert_eq!(read(&web, "manage/localSidebar.php"), "<?php\n// rewritten\n");
    assert_eq!(read(&web, "infoPackage.inc.php"), INFO_PACKAGE, "nothing changed");
    assert!(!web.join("modules/imaging/manage/imaging_status.php").exists());
    let _ = std::fs::remove_dir_all(&web);
}

/// The packaged Apache configuration sends the production headers the
/// simulator sends (and that every browser test holds the tab to), answers
/// only over TLS, and proxies the gateway alone: no agent, no credentials.
#[test]
fn the_apache_configuration_sends_the_tested_headers_and_proxies_only_the_gateway() {
    let conf = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../packaging/apache-medulla-imaging-status.conf"));
    let header = |name: &str| {
        let prefix = format!("Header always set {name} \"");
        conf.lines().find_map(|l| l.trim().strip_prefix(prefix.as_str())?.strip_suffix('"').map(str::to_string))
    };
    assert_eq!(header("Content-Security-Policy"), Some(medulla_sim::headers::content_security_policy(&[])));
    assert_eq!(header("X-Content-Type-Options").as_deref(), Some("nosniff"));
    assert_eq!(header("Referrer-Policy").as_deref(), Some("same-origin"));
    let directives: Vec<&str> = conf.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect();
    let proxied: Vec<&str> = directives
        .iter()
        .filter(|l| l.starts_with("ProxyPass ") || l.starts_with("ProxyPassReverse "))
        .copied()
        .collect();
    assert!(!proxied.is_empty() && proxied.iter().all(|l| l.contains(" http://127.0.0.1:7081/api/")), "{proxied:?}");
    for never in ["Authorization", "SSLProxy", "mmc-agent", ":7080"] {
        assert!(!directives.iter().any(|l| l.contains(never)), "{never} in the Apache configuration");
    }
    assert!(directives.contains(&"Require expr %{HTTPS} == 'on'"), "TLS only");
}
