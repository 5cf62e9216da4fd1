//! What a submission with a callback URL is refused for, on the API and on the command line:
//! a service that cannot sign callbacks, and a URL the service would not send to. Nothing is
//! written either way.

use crate::common;
use crate::on_both_backends;

use common::db::Backend;
use common::scenario::{Scenario, printed};
use common::server::Served;
use reqwest::StatusCode;
use serde_json::{Value, json};

const TOKENS: &str = "token-of-tenant-a=0000000a-0000-4000-8000-00000000000a";
const WITH_SECRET: (&str, &str) = ("DOMAIN_SCHEDULER_CALLBACK_SECRET", "a-test-callback-signing-key");

async fn submit(served: &Served, callback_url: &str) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .post(served.url("/api/v1/domains"))
        .bearer_auth("token-of-tenant-a")
        .json(&json!({"domains": ["shop-one.com"], "callback_url": callback_url}))
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn a_callback_is_refused_while_no_callback_secret_is_set(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    let served = Served::start(&scenario.db.url, &scenario.farm.connect_to(), TOKENS, &[]).await;
    let (status, body) = submit(&served, "https://hooks.example.com/done").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "callbacks_disabled");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("callback_url") && message.contains("DOMAIN_SCHEDULER_CALLBACK_SECRET"),
        "{body}"
    );

    let out = scenario
        .command(&["add", "shop-one.com", "--callback-url", "https://hooks.example.com/done"])
        .output();
    let out = out.unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", printed(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("DOMAIN_SCHEDULER_CALLBACK_SECRET"),
        "{}",
        printed(&out)
    );
    assert_eq!(scenario.counts()["pending"], 0, "nothing was written");
}

async fn a_callback_url_that_is_not_http_or_https_is_refused(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    let served = Served::start(&scenario.db.url, &scenario.farm.connect_to(), TOKENS, &[WITH_SECRET]).await;
    for url in ["ftp://hooks.example.com/done", "file:///etc/passwd", "/relative/hook"] {
        let (status, body) = submit(&served, url).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {body}");
        assert!(body["error"]["message"].as_str().is_some_and(|m| m.starts_with("callback_url")), "{body}");
    }
    let out = scenario
        .command(&["add", "shop-one.com", "--callback-url", "ftp://hooks.example.com/done"])
        .env(WITH_SECRET.0, WITH_SECRET.1)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", printed(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("only http and https"), "{}", printed(&out));
    assert_eq!(scenario.counts()["pending"], 0, "nothing was written");
}

async fn a_callback_to_a_loopback_private_or_link_local_address_is_refused_at_submission(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    let served = Served::start(&scenario.db.url, &scenario.farm.connect_to(), TOKENS, &[WITH_SECRET]).await;
    for (url, refusal) in [
        ("http://127.0.0.1:9/hook", "127.0.0.1 is not a public address"),
        ("http://10.0.0.1/hook", "10.0.0.1 is not a public address"),
        ("http://169.254.169.254/latest/meta-data", "169.254.169.254 is not a public address"),
        ("http://[::1]:9/hook", "::1 is not a public address"),
        ("http://localhost:9/hook", "localhost resolves to"),
    ] {
        let (status, body) = submit(&served, url).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {body}");
        assert_eq!(body["error"]["code"], "blocked_address", "{url}: {body}");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.starts_with("callback_url") && message.contains(refusal), "{url}: {body}");
    }

    let refused = scenario.run(
        &["add", "shop-one.com", "--callback-url", "http://169.254.169.254/latest/meta-data"],
        &[WITH_SECRET],
    );
    assert_eq!(refused.status.code(), Some(2), "{}", printed(&refused));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("--callback-url") && stderr.contains("blocked address"), "{stderr}");
    assert_eq!(scenario.counts()["pending"], 0, "nothing was written");

    // The operator who allows private networks may name one.
    let allowed = scenario.run(
        &["add", "shop-one.com", "--callback-url", "http://127.0.0.1:9/hook"],
        &[WITH_SECRET, ("DOMAIN_SCHEDULER_ALLOW_PRIVATE_NETWORKS", "true")],
    );
    assert_eq!(allowed.status.code(), Some(0), "{}", printed(&allowed));
    assert_eq!(scenario.row("shop-one.com")["domain"], "shop-one.com");
}

async fn credentials_in_a_refused_callback_url_are_not_echoed_by_the_command_line(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    for url in
        ["http://hook-user:hook-s3cret@10.0.0.1/hook", "ftp://hook-user:hook-s3cret@hooks.example.com/"]
    {
        let out = scenario.run(&["add", "shop-one.com", "--callback-url", url], &[WITH_SECRET]);
        assert_eq!(out.status.code(), Some(2), "{}", printed(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("***@") && !stderr.contains("hook-s3cret"), "{stderr}");
    }
}

on_both_backends!(
    a_callback_to_a_loopback_private_or_link_local_address_is_refused_at_submission,
    credentials_in_a_refused_callback_url_are_not_echoed_by_the_command_line,
    a_callback_is_refused_while_no_callback_secret_is_set,
    a_callback_url_that_is_not_http_or_https_is_refused,
);
