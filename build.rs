//! The translations, compiled in: `catalogs::compile` checks the template
//! and every catalog of `locale/` against the texts of `src/`, and writes
//! them as Rust (see `src/i18n.rs`). The build stops on a missing
//! translation or a stale catalog.

fn main() {
    let root = std::path::PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=locale");
    println!("cargo:rerun-if-changed=build.rs");
    match catalogs::compile(&root) {
        Ok(rust) => {
            let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("catalogs.rs");
            std::fs::write(out, rust).expect("writing catalogs.rs");
        }
        Err(problems) => {
            eprintln!("{problems}");
            std::process::exit(1);
        }
    }
}
