//! The previous service's routes, as its clients call them: the real server on a free port, a
//! real database on each backend and the site farm.

mod common;

use common::db::{Backend, TestDb};
use common::server::Served;
use reqwest::StatusCode;
use serde_json::{Value, json};

const TOKENS: &str = "token-of-tenant-a=0000000a-0000-4000-8000-00000000000a";

async fn as_tenant_a(request: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let response = request.bearer_auth("token-of-tenant-a").send().await.unwrap();
    let status = response.status();
    (status, response.json::<Value>().await.unwrap_or(Value::Null))
}

/// A scan whose `base_url` is not a domain is refused with the documented error, listing the
/// input and its reason.
async fn a_scan_of_something_that_is_not_a_domain_lists_it_with_its_reason(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let served = Served::start(&db.url, "127.0.0.1:9", TOKENS, &[]).await;
    let scan = reqwest::Client::new()
        .post(served.url("/api/v3/modernized_page_scraper/scan"))
        .json(&json!({"base_url": "http://192.168.1.10/admin"}));
    let (status, body) = as_tenant_a(scan).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "no_valid_domain", "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("base_url"), "{body}");
    assert_eq!(
        body["error"]["rejected"],
        json!([{"input": "http://192.168.1.10/admin", "error": "IP addresses are not domains", "code": "ip_address"}])
    );
}

on_both_backends!(a_scan_of_something_that_is_not_a_domain_lists_it_with_its_reason);
