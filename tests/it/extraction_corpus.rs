//! The extraction over the 93 real pages of `../shared/corpus`, scored the way the corpus's
//! `score.py` scores them, with a floor per field that may only rise (a ratchet).

use std::collections::BTreeMap;
use std::path::PathBuf;

use domain_scheduler::extract::{Page, extract};

/// Accuracy floors reached so far; raise them when the extraction gets better.
const FLOORS: [(&str, f64); 5] =
    [("title", 1.0), ("description", 1.0), ("language", 1.0), ("canonical_url", 1.0), ("logo_url", 1.0)];

fn corpus() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"))
}

fn as_text(value: &str) -> String {
    let folded: String = value
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .map(|c| match c {
            '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{201b}' | '\u{2032}' => '\'',
            '\u{201c}' | '\u{201d}' | '\u{201e}' | '\u{201f}' | '\u{2033}' => '"',
            other => other,
        })
        .collect();
    for ending in [" ...", "...", " ..", "..", " \u{2026}", "\u{2026}"] {
        if let Some(stem) = folded.strip_suffix(ending) {
            return format!("{stem}...");
        }
    }
    folded
}

fn as_url(value: &str, base: &url::Url) -> String {
    match base.join(value.trim()) {
        Ok(mut url) => {
            url.set_fragment(None);
            url.to_string()
        }
        Err(_) => value.trim().to_owned(),
    }
}

fn same(field: &str, expected: &str, got: Option<&str>, base: &url::Url) -> bool {
    let Some(got) = got else { return false };
    match field {
        "title" | "description" => as_text(expected) == as_text(got),
        "language" => {
            expected.split(['-', '_']).next().map(str::to_lowercase)
                == got.split(['-', '_']).next().map(str::to_lowercase)
        }
        _ => as_url(expected, base) == as_url(got, base),
    }
}

#[test]
#[cfg_attr(ds_no_corpus, ignore = "needs the corpus of real pages at ../shared/corpus")]
fn every_field_stays_at_or_above_its_floor_on_the_real_pages() {
    let expected = std::fs::read_to_string(corpus().join("expected.jsonl"))
        .expect("../shared/corpus/expected.jsonl (the corpus sits beside the repository)");
    let mut tally: BTreeMap<String, (u32, u32)> = BTreeMap::new();
    let mut misses = Vec::new();
    let headers = reqwest::header::HeaderMap::new();
    for line in expected.lines() {
        let record: serde_json::Value = serde_json::from_str(line).unwrap();
        let page = record["page"].as_str().unwrap();
        let url = url::Url::parse(record["url"].as_str().unwrap()).unwrap();
        let bytes = std::fs::read(corpus().join("pages").join(page)).unwrap();
        let html = domain_scheduler::fetch::decode_html(&bytes, None);
        let metadata =
            serde_json::to_value(extract(&Page { html: &html, headers: &headers, url: &url })).unwrap();
        for (field, value) in record["fields"].as_object().unwrap() {
            let entry = tally.entry(field.clone()).or_default();
            entry.1 += 1;
            if same(field, value.as_str().unwrap_or_default(), metadata[field].as_str(), &url) {
                entry.0 += 1;
            } else {
                misses.push(format!("{page} {field}: expected {value}, got {}", metadata[field]));
            }
        }
    }
    let mut table = String::from("field          matched   accuracy\n");
    for (field, (hit, all)) in &tally {
        table
            .push_str(&format!("{field:<14} {hit:>3}/{all:<3}   {:.3}\n", f64::from(*hit) / f64::from(*all)));
    }
    eprintln!("{table}{}", misses.join("\n"));
    for (field, floor) in FLOORS {
        let (hit, all) = tally.get(field).copied().unwrap_or((0, 1));
        let accuracy = f64::from(hit) / f64::from(all);
        assert!(accuracy >= floor, "{field}: accuracy {accuracy:.3} fell below its floor {floor}\n{table}");
    }
}
