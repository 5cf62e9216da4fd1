//! Tells the test suite what this machine lacks, so that a test needing it is reported as
//! *ignored* with its reason instead of passing without having run.
//!
//! Each missing piece sets one `cfg` that tests name in `#[cfg_attr(cfg, ignore = "why")]`:
//! - `ds_no_postgres`: `TEST_POSTGRES_URL` is not set (the PostgreSQL half of every database test);
//! - `ds_no_pg_binaries`: no PostgreSQL server binaries (`initdb`) for the tests that start and
//!   stop a server of their own (`PG_BIN`, else `/usr/lib/postgresql/*/bin`);
//! - `ds_no_corpus`: no `../shared/corpus` beside the repository (the real saved pages);
//! - `ds_no_browser`: no `chromium` and `chromedriver` (the console's browser tests).
//!
//! `.ci/run` sets `DS_REQUIRE_FULL_SUITE=1`: there a missing piece stops the build with its name,
//! so CI can never go green on a suite that skipped part of itself.

use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let corpus = manifest.join("../shared/corpus");
    println!("cargo::rerun-if-env-changed=TEST_POSTGRES_URL");
    println!("cargo::rerun-if-env-changed=PG_BIN");
    println!("cargo::rerun-if-env-changed=DS_REQUIRE_FULL_SUITE");
    watch(&corpus);
    watch(Path::new("/usr/lib/postgresql"));
    watch(Path::new("/usr/bin/chromium"));
    watch(Path::new("/usr/bin/chromedriver"));
    println!("cargo::rerun-if-changed=build.rs");

    let missing = [
        (
            "ds_no_postgres",
            "TEST_POSTGRES_URL (a PostgreSQL server)",
            std::env::var_os("TEST_POSTGRES_URL").is_none(),
        ),
        ("ds_no_pg_binaries", "PostgreSQL's server binaries (initdb)", !has_pg_binaries()),
        ("ds_no_corpus", "the corpus at ../shared/corpus", !corpus.join("expected.jsonl").is_file()),
        (
            "ds_no_browser",
            "chromium and chromedriver",
            !(Path::new("/usr/bin/chromium").exists() && Path::new("/usr/bin/chromedriver").exists()),
        ),
    ];
    let require = std::env::var("DS_REQUIRE_FULL_SUITE").is_ok_and(|v| v == "1");
    for (cfg, what, absent) in missing {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
        if absent {
            if require {
                panic!("DS_REQUIRE_FULL_SUITE=1 but {what} is missing: the full test suite cannot run");
            }
            println!("cargo::rustc-cfg={cfg}");
        }
    }
}

fn has_pg_binaries() -> bool {
    if let Some(dir) = std::env::var_os("PG_BIN") {
        return Path::new(&dir).join("initdb").exists();
    }
    std::fs::read_dir("/usr/lib/postgresql")
        .map(|dirs| dirs.filter_map(Result::ok).any(|d| d.path().join("bin/initdb").exists()))
        .unwrap_or(false)
}

/// Runs this script again when `path` changes, or when it appears: a path that does not exist
/// would make Cargo run the script (and rebuild the crate) on every build, so its nearest
/// existing folder is watched instead.
fn watch(path: &Path) {
    let watched = path.ancestors().find(|p| p.exists()).unwrap_or(path);
    println!("cargo::rerun-if-changed={}", watched.display());
}
