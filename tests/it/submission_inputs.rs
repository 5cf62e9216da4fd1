//! What a submission says about its inputs, on the API and on the command line: a huge refused
//! input is echoed by its first 256 characters and its length, never whole; a name that may read
//! as another (UTS #39: `аpple.com` with a Cyrillic `а`) is accepted with a warning and flagged
//! `confusable` on its row, or refused when the operator says so.

use crate::common;
use crate::on_both_backends;

use common::db::Backend;
use common::scenario::{Scenario, printed};
use common::server::Served;
use reqwest::StatusCode;
use serde_json::{Value, json};

const TOKENS: &str = "token-of-tenant-a=0000000a-0000-4000-8000-00000000000a";
const TENANT_A: &str = "0000000a-0000-4000-8000-00000000000a";
const REFUSE_CONFUSABLE: (&str, &str) = ("DOMAIN_SCHEDULER_REFUSE_CONFUSABLE", "true");
/// `аpple.com` with a Cyrillic `а` (U+0430).
const CYRILLIC_APPLE: &str = "\u{430}pple.com";
const CYRILLIC_APPLE_STORED: &str = "xn--pple-43d.com";

async fn submit(served: &Served, domains: &[&str]) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .post(served.url("/api/v1/domains"))
        .bearer_auth("token-of-tenant-a")
        .json(&json!({ "domains": domains }))
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn row(served: &Served, domain: &str) -> Value {
    let response = reqwest::Client::new()
        .get(served.url(&format!("/api/v1/domains/{domain}")))
        .bearer_auth("token-of-tenant-a")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn a_huge_refused_input_is_echoed_by_its_first_256_characters_and_its_length(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    let served = scenario.serve(TOKENS, &[]).await;
    let huge = "a".repeat(900_000);
    let (status, body) = submit(&served, &[&huge, "shop-one.com"]).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let rejected = &body["rejected"][0];
    assert_eq!(rejected["input"], format!("{}…", "a".repeat(256)), "{rejected}");
    assert_eq!(rejected["input_length"], 900_000);
    assert_eq!(rejected["code"], "too_long");
    assert!(body.to_string().len() < 2_000, "the answer is {} bytes long", body.to_string().len());

    // With no valid input the refusal is the error's `rejected`, cut the same way.
    let (status, body) = submit(&served, &[&huge]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["rejected"][0]["input_length"], 900_000);
    assert!(body.to_string().len() < 2_000, "the answer is {} bytes long", body.to_string().len());
    // A short one is echoed whole, with its length.
    let (_, body) = submit(&served, &["not a domain", "shop-one.com"]).await;
    assert_eq!(body["rejected"][0]["input"], "not a domain");
    assert_eq!(body["rejected"][0]["input_length"], 12);

    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), format!("{huge}\nshop-two.com\n")).unwrap();
    let out = scenario.command(&["add", "--file", file.path().to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", printed(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.len() < 2_000, "stderr is {} bytes long", stderr.len());
    assert!(stderr.contains(&format!("\"{}\"… (900000 characters) rejected", "a".repeat(256))), "{stderr}");
    assert_eq!(scenario.row("shop-two.com")["domain"], "shop-two.com", "the valid line is still written");
}

async fn a_mixed_script_name_is_accepted_with_a_warning_and_flagged_confusable(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    let served = scenario.serve(TOKENS, &[]).await;
    let (status, body) = submit(&served, &[CYRILLIC_APPLE, "apple.com", "bücher.de", "пример.рф"]).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let warnings = body["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "only the mixed-script name is warned about: {body}");
    assert_eq!(warnings[0]["domain"], CYRILLIC_APPLE_STORED);
    assert_eq!(warnings[0]["unicode"], CYRILLIC_APPLE);
    assert_eq!(warnings[0]["code"], "confusable");
    assert!(warnings[0]["message"].as_str().unwrap().contains("Cyrillic and Latin"), "{body}");

    assert_eq!(row(&served, CYRILLIC_APPLE_STORED).await["confusable"], true);
    for plain in ["apple.com", "bücher.de", "пример.рф"] {
        assert_eq!(row(&served, plain).await["confusable"], false, "{plain}");
    }
    assert_eq!(scenario.row(CYRILLIC_APPLE)["confusable"], true, "`show` has the flag");
    let export = scenario.command(&["export", "--format", "jsonl", "--tenant", TENANT_A]).output().unwrap();
    let flagged: Vec<String> = String::from_utf8_lossy(&export.stdout)
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .filter(|row| row["confusable"] == true)
        .map(|row| row["domain"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(flagged, [CYRILLIC_APPLE_STORED], "{}", printed(&export));

    // `раураӏ.com`, wholly Cyrillic, reads as `paypal.com`.
    let whole_script = "\u{440}\u{430}\u{443}\u{440}\u{430}\u{4cf}.com";
    let out = scenario.command(&["add", whole_script]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "a warning is no refusal: {}", printed(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("accepted with a warning") && stderr.contains("paypal"), "{stderr}");
    assert_eq!(scenario.row(whole_script)["confusable"], true);
}

async fn a_confusable_name_is_refused_when_the_setting_says_so(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    let served = scenario.serve(TOKENS, &[REFUSE_CONFUSABLE]).await;
    let (status, body) = submit(&served, &[CYRILLIC_APPLE, "bücher.de"]).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body["accepted"], json!(["xn--bcher-kva.de"]));
    assert_eq!(body["warnings"], json!([]));
    assert_eq!(body["rejected"][0]["input"], CYRILLIC_APPLE);
    assert_eq!(body["rejected"][0]["code"], "confusable");

    let out = scenario.run(&["add", CYRILLIC_APPLE], &[REFUSE_CONFUSABLE]);
    assert_eq!(out.status.code(), Some(2), "{}", printed(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("rejected"), "{}", printed(&out));
    let show = scenario.command(&["show", CYRILLIC_APPLE]).output().unwrap();
    assert_eq!(show.status.code(), Some(1), "the refused name was never written: {}", printed(&show));
}

on_both_backends!(
    a_huge_refused_input_is_echoed_by_its_first_256_characters_and_its_length,
    a_mixed_script_name_is_accepted_with_a_warning_and_flagged_confusable,
    a_confusable_name_is_refused_when_the_setting_says_so,
);
