//! The catalogs crate on small sources and catalogs: extraction, reading,
//! merging, the checks and the plural rules.

use super::*;

#[test]
fn the_texts_of_translation_calls() {
    let code = r##"
        // lang.tr("a comment is not a text")
        fn tr(self, en: &'static str) -> &'static str { en }
        let a = lang.tr("Deploy an image");
        let b = tr(lang, "Sign \"in\"\u{a0}now");
        let c = lang.trf("Within {timeout} seconds.", &[("timeout", &t)]);
        let d = lang.trn("{n} master", "{n} masters", n);
        let e = r#"tr("inside a raw string")"#;
        let f = b'"'; let g = '\''; let h = 'é';
        let i = lang.tr(
            "over two \
             lines",
        );
    "##;
    let found = calls(code).expect("calls");
    let ids: Vec<(&str, Option<&str>)> = found.iter().map(|(a, b)| (a.as_str(), b.as_deref())).collect();
    assert_eq!(
        ids,
        [
            ("Deploy an image", None),
            ("Sign \"in\"\u{a0}now", None),
            ("Within {timeout} seconds.", None),
            ("{n} master", Some("{n} masters")),
            ("over two lines", None),
        ]
    );
}

#[test]
fn a_text_that_is_not_a_literal_is_refused() {
    let e = calls("let a = lang.tr(text);\n").expect_err("not a literal");
    assert!(e.contains("line 1: tr"), "{e}");
}

const FR: &str = r#"# comment
msgid ""
msgstr ""
"Language: fr_FR\n"
"Plural-Forms: nplurals=2; plural=(n > 1);\n"

#: src/ui/app.rs
msgid "Sign in"
msgstr "Se connecter"

#, fuzzy
msgid "Signed out"
msgstr "Déconnecté"

#, python-brace-format
msgid "{n} master"
msgid_plural "{n} masters"
msgstr[0] "{n} master"
msgstr[1] "{n} "
"masters"

#~ msgid "Gone"
#~ msgstr "Parti"
"#;

fn msg(id: &str, plural: Option<&str>) -> Msg {
    Msg { id: id.into(), plural: plural.map(Into::into), files: BTreeSet::from(["src/ui/app.rs".to_string()]) }
}

#[test]
fn a_catalog_is_read_whole() {
    let c = parse_po(FR).expect("catalog");
    assert_eq!((c.nplurals, c.plural.as_str()), (2, "(n > 1)"));
    assert_eq!(c.entries.len(), 3);
    assert!(c.entries[1].fuzzy);
    assert_eq!(c.entries[2].plural.as_deref(), Some("{n} masters"));
    assert_eq!(c.entries[2].strs, ["{n} master", "{n} masters"]);
    for bad in [
        "msgid \"a\"\nmsgstr \"b\"\n",
        "msgid \"\"\nmsgstr \"\"\n",
        "msgid \"\"\nmsgstr \"Plural-Forms: nplurals=2; plural=n>1;\\n\"\nmsgctxt \"x\"\n",
    ] {
        assert!(parse_po(bad).is_err(), "{bad}");
    }
}

#[test]
fn every_gap_is_a_problem() {
    let mut c = parse_po(FR).expect("catalog");
    c.path = PathBuf::from("fr.po");
    let msgs =
        [msg("Sign in", None), msg("Signed out", None), msg("{n} master", Some("{n} masters")), msg("New", None)];
    let found = problems(&msgs, &[c]);
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(found[0].contains("\"Signed out\" is untranslated, fuzzy"));
    assert!(found[1].contains("no translation of \"New\""));

    let mut c = parse_po(FR).expect("catalog");
    c.entries[0].strs[0] = "Se connecter {qui}".into();
    let found = problems(&msgs[..3], &[c]);
    assert!(found.iter().any(|p| p.contains("placeholders")), "{found:#?}");
    let c = parse_po(FR).expect("catalog");
    let found = problems(&msgs[2..3], &[c]);
    assert!(found.iter().any(|p| p.contains("\"Sign in\" is no longer in the code")), "{found:#?}");
}

#[test]
fn a_merge_keeps_translations_adds_and_drops() {
    let c = parse_po(FR).expect("catalog");
    let msgs = [msg("{n} master", Some("{n} masters")), msg("New {x}", None)];
    let text = merged(&msgs, &c);
    let again = parse_po(&text).expect("merged catalog");
    assert_eq!(again.header, c.header);
    assert_eq!(again.entries.len(), 2);
    assert_eq!(again.entries[0].strs, ["{n} master", "{n} masters"]);
    assert_eq!(again.entries[1].strs, [""]);
    assert!(text.contains("#: src/ui/app.rs\n#, python-brace-format\nmsgid \"New {x}\""), "{text}");
    assert!(!text.contains("Sign in"));
}

#[test]
fn plural_rules_become_rust() {
    assert_eq!(plural_to_rust("(n > 1)").unwrap(), "(u64::from(n > 1u64))");
    assert_eq!(plural_to_rust("n != 1").unwrap(), "u64::from(n != 1u64)");
    assert_eq!(plural_to_rust("0").unwrap(), "0u64");
    let ru = "(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2)";
    let rust = plural_to_rust(ru).unwrap();
    assert!(rust.starts_with("((if u64::from(u64::from(n.checked_rem(10u64).unwrap_or(0) == 1u64) != 0 && "), "{rust}");
    for bad in ["n >", "(n > 1", "x > 1", "n = 1", "n ? 1"] {
        assert!(plural_to_rust(bad).is_err(), "{bad}");
    }
}

/// A new language is a new catalog and nothing else: `compile` takes any
/// `locale/<ll_CC>/` it finds, whatever its plural rule.
#[test]
fn a_new_language_is_one_more_catalog() {
    let root = std::env::temp_dir().join(format!("catalogs-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(root.join("src/a.rs"), "fn f() { lang.tr(\"Offline\"); lang.trn(\"{n} day\", \"{n} days\", n); }")
        .unwrap();
    let msgs = extract(&root.join("src")).unwrap();
    std::fs::create_dir_all(root.join("locale")).unwrap();
    std::fs::write(root.join("locale/imaging-status.pot"), template(&msgs)).unwrap();
    let catalog = |dir: &str, forms: &str, body: &str| {
        let path = root.join("locale").join(dir).join("LC_MESSAGES");
        std::fs::create_dir_all(&path).unwrap();
        let header = format!("msgid \"\"\nmsgstr \"\"\n\"Plural-Forms: {forms}\\n\"\n\n");
        std::fs::write(path.join("imaging-status.po"), header + body).unwrap();
    };
    catalog(
        "de_DE",
        "nplurals=2; plural=(n != 1);",
        "msgid \"Offline\"\nmsgstr \"Offline\"\n\nmsgid \"{n} day\"\nmsgid_plural \"{n} days\"\nmsgstr[0] \"{n} Tag\"\nmsgstr[1] \"{n} Tage\"\n",
    );
    let ru = "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);";
    catalog("ru_RU", ru, "msgid \"Offline\"\nmsgstr \"Не в сети\"\n\nmsgid \"{n} day\"\nmsgid_plural \"{n} days\"\nmsgstr[0] \"{n} день\"\nmsgstr[1] \"{n} дня\"\nmsgstr[2] \"{n} дней\"\n");
    let rust = compile(&root).expect("complete catalogs compile");
    assert!(rust.contains("pub const CODES: [&str; 3] = [\"en\", \"de\", \"ru\"];"), "{rust}");
    assert!(
        rust.contains("\"{n} day\" => [&[\"{n} Tag\", \"{n} Tage\"], &[\"{n} день\", \"{n} дня\", \"{n} дней\"]]"),
        "{rust}"
    );

    // One form short in Russian: the build stops, saying which.
    catalog("ru_RU", ru, "msgid \"Offline\"\nmsgstr \"Не в сети\"\n\nmsgid \"{n} day\"\nmsgid_plural \"{n} days\"\nmsgstr[0] \"{n} день\"\nmsgstr[1] \"{n} дня\"\n");
    let e = compile(&root).expect_err("incomplete");
    assert!(e.contains("ru_RU") && e.contains("lacks plural forms"), "{e}");
    let _ = std::fs::remove_dir_all(&root);
}
