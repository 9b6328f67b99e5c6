//! `cargo run -p catalogs -- update`: the template drawn again from the
//! code, and every catalog brought in line with it.

use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    match std::env::args().nth(1).as_deref() {
        Some("update") => match catalogs::update(&root) {
            Ok(written) => {
                for path in written {
                    println!("wrote {}", path.display());
                }
            }
            Err(e) => {
                eprintln!("catalogs: {e}");
                std::process::exit(1);
            }
        },
        Some("check") => match catalogs::compile(&root) {
            Ok(_) => println!("the template and every catalog match the code"),
            Err(e) => {
                eprintln!("catalogs: {e}");
                std::process::exit(1);
            }
        },
        _ => {
            eprintln!("usage: cargo run -p catalogs -- update|check");
            std::process::exit(2);
        }
    }
}
