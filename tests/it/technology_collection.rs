//! Detection with a real Wappalyzer-format collection on the saved corpus pages
//! (`../shared/corpus`): at least 5.5 technologies per page on average, and every detection of
//! the built-in rules kept. The collection is fetched at test time by `.ci/fingerprints` (it is
//! GPL-3.0: never committed); the test needs its folder in `DS_FINGERPRINTS`:
//!
//! ```sh
//! DS_FINGERPRINTS=$(.ci/fingerprints) cargo test --all-features --test it -- --ignored --nocapture technology_collection::
//! ```
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_possible_truncation,
    clippy::cast_precision_loss
)] // test and bench code: a panic is a failure report

use crate::common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

fn pages() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/pages");
    let mut pages: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    pages.sort();
    pages
}

/// `extract` of every page, one object each, with `settings`.
fn extract(pages: &[PathBuf], settings: &[(&str, &str)]) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let mut command = common::cli::command("sqlite://unused.db", dir.path());
    command.arg("extract").args(pages).args(["--domain", "example.org"]).envs(settings.iter().copied());
    let out = command.output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", common::cli::stderr(&out));
    String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn names(row: &Value) -> BTreeSet<String> {
    row["technologies"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap().to_owned()).collect()
}

#[test]
#[ignore = "needs a Wappalyzer-format collection fetched at test time: DS_FINGERPRINTS=$(.ci/fingerprints), and ../shared/corpus"]
fn the_real_collection_finds_at_least_five_and_a_half_technologies_per_corpus_page_keeping_every_built_in_one()
 {
    let collection = std::env::var("DS_FINGERPRINTS").expect("DS_FINGERPRINTS names the collection's folder");
    let pages = pages();
    assert!(pages.len() >= 50, "{} corpus pages", pages.len());
    let builtin = extract(&pages, &[]);
    let both = extract(&pages, &[("DOMAIN_SCHEDULER_TECHNOLOGIES", collection.as_str())]);
    let mut lost = Vec::new();
    for ((page, alone), merged) in pages.iter().zip(&builtin).zip(&both) {
        let (alone, merged) = (names(alone), names(merged));
        eprintln!("{}: {} built-in, {} with the collection", page.display(), alone.len(), merged.len());
        lost.extend(alone.difference(&merged).map(|name| format!("{}: {name}", page.display())));
    }
    let per_page =
        |rows: &[Value]| rows.iter().map(|r| names(r).len()).sum::<usize>() as f64 / rows.len() as f64;
    eprintln!(
        "technologies per page: {:.2} built-in, {:.2} with the collection",
        per_page(&builtin),
        per_page(&both)
    );
    assert!(lost.is_empty(), "built-in detections lost: {lost:#?}");
    assert!(per_page(&both) >= 5.5, "{:.2} technologies per page", per_page(&both));
}
