//! The API's contract as a client reads it: `/openapi.json` describes every parameter and body,
//! and every refusal, the router's own included, is the documented JSON error.

use crate::common;
use crate::on_both_backends;

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

async fn document(served: &Served) -> Value {
    reqwest::Client::new().get(served.url("/openapi.json")).send().await.unwrap().json().await.unwrap()
}

/// The schema `schema` points to, following a `$ref` into `components`.
fn resolve<'a>(document: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str().and_then(|r| r.strip_prefix("#/components/schemas/")) {
        Some(name) => &document["components"]["schemas"][name],
        None => schema,
    }
}

/// A submission none of whose inputs is a domain enqueues nothing and says why for each one.
async fn a_submission_with_no_valid_domain_is_refused_listing_each_input_and_its_reason(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let served = Served::in_process(&db.url, "127.0.0.1:9", TOKENS, &[]).await;
    let inputs = json!({"domains": ["not a domain", "localhost", "10.0.0.1"]});
    let (status, body) =
        as_tenant_a(reqwest::Client::new().post(served.url("/api/v1/domains")).json(&inputs)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "no_valid_domain", "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("domains"), "{body}");
    assert_eq!(
        body["error"]["rejected"],
        json!([
            {"input": "not a domain", "input_length": 12, "error": "invalid characters: a space at character 4 cannot appear in a domain", "code": "invalid_characters"},
            {"input": "localhost", "input_length": 9, "error": "localhost is not a public domain", "code": "localhost"},
            {"input": "10.0.0.1", "input_length": 8, "error": "IP addresses are not domains", "code": "ip_address"},
        ])
    );
    let (status, page) = as_tenant_a(reqwest::Client::new().get(served.url("/api/v1/domains"))).await;
    assert_eq!((status, &page["items"]), (StatusCode::OK, &json!([])), "nothing was written");
}

/// JSON Schema counts `2.0` as the integer 2: so does the API, and it still refuses `2.5`.
async fn a_whole_number_written_with_a_fraction_is_taken_as_that_number(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let served = Served::in_process(&db.url, "127.0.0.1:9", TOKENS, &[]).await;
    let submit = |body: Value| reqwest::Client::new().post(served.url("/api/v1/domains")).json(&body);
    let (status, body) =
        as_tenant_a(submit(json!({"domains": ["whole-number.com"], "max_pages": 2.0}))).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let (_, row) =
        as_tenant_a(reqwest::Client::new().get(served.url("/api/v1/domains/whole-number.com"))).await;
    assert_eq!(row["max_pages"], 2, "{row}");
    let (status, body) = as_tenant_a(submit(json!({"domains": ["half-number.com"], "max_pages": 2.5}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("max_pages"), "{body}");
}

on_both_backends!(
    a_submission_with_no_valid_domain_is_refused_listing_each_input_and_its_reason,
    a_whole_number_written_with_a_fraction_is_taken_as_that_number,
);

/// `status=` names no status: it is refused like any other unknown one, not read as "all".
#[tokio::test]
async fn an_empty_status_filter_is_refused() {
    let Some(db) = TestDb::create(Backend::Sqlite).await else { return };
    let served = Served::in_process(&db.url, "127.0.0.1:9", TOKENS, &[]).await;
    let (status, body) =
        as_tenant_a(reqwest::Client::new().get(served.url("/api/v1/domains?status=&limit=5"))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("status"), "{body}");
}

/// A domain in the path that does not decode to UTF-8 gets the JSON error, on every route that
/// takes one.
#[tokio::test]
async fn a_domain_path_that_is_not_utf8_gets_the_json_error() {
    let Some(db) = TestDb::create(Backend::Sqlite).await else { return };
    let served = Served::in_process(&db.url, "127.0.0.1:9", TOKENS, &[]).await;
    for request in [
        reqwest::Client::new().get(served.url("/api/v1/domains/%FF.com")),
        reqwest::Client::new().post(served.url("/api/v1/domains/%FF.com/retry")),
        reqwest::Client::new().get(served.url("/api/v1/domains/%FF.com/changes")),
    ] {
        let (status, body) = as_tenant_a(request).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_path")),
            "{body}"
        );
    }
}

#[tokio::test]
async fn listing_filters_are_optional_query_parameters() {
    let Some(db) = TestDb::create(Backend::Sqlite).await else { return };
    let served = Served::in_process(&db.url, "127.0.0.1:9", TOKENS, &[]).await;
    let document = document(&served).await;
    for (path, names) in [
        ("/api/v1/domains", &["status", "changed_since", "limit", "cursor"][..]),
        ("/api/v1/domains/{domain}/changes", &["limit", "cursor"][..]),
        ("/api/v1/scheduler/runs", &["limit"][..]),
    ] {
        let parameters = document["paths"][path]["get"]["parameters"].as_array().unwrap();
        for name in names {
            let parameter = parameters.iter().find(|p| p["name"] == *name).unwrap();
            assert_eq!(parameter["in"], "query", "{path} {name}: {parameter}");
            assert_ne!(parameter["required"], true, "{path} {name}: {parameter}");
        }
    }
    let status = &document["paths"]["/api/v1/domains"]["get"]["parameters"][0]["schema"];
    assert_eq!(
        resolve(&document, status)["enum"],
        json!(["pending", "processing", "completed", "error", "gone"])
    );
}

/// Every JSON body, asked or answered, is an object schema that names its fields (directly or
/// as the items of an array), never a bare `{"type": "object"}`.
#[tokio::test]
async fn every_json_body_has_a_schema_that_names_its_fields() {
    let Some(db) = TestDb::create(Backend::Sqlite).await else { return };
    let served =
        Served::in_process(&db.url, "127.0.0.1:9", TOKENS, &[("DOMAIN_SCHEDULER_API_MAX_DOMAINS", "75")])
            .await;
    let document = document(&served).await;
    let mut bodies = 0;
    for (path, operations) in document["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            let request = operation["requestBody"]["content"]["application/json"]["schema"].clone();
            let responses = operation["responses"].as_object().unwrap();
            let answers = responses.values().map(|r| r["content"]["application/json"]["schema"].clone());
            for schema in std::iter::once(request).chain(answers).filter(|s| !s.is_null()) {
                let mut schema = resolve(&document, &schema);
                if schema["type"] == "array" {
                    schema = resolve(&document, &schema["items"]);
                }
                // A body whose schema adds rules across fields (`allOf`: the object, then the
                // rule) names its fields in its first part.
                if let Some(first) = schema["allOf"].get(0) {
                    schema = resolve(&document, first);
                }
                let fields = schema["properties"].as_object().map_or(0, |p| p.len());
                assert!(fields > 0, "{method} {path}: a body without named fields: {schema}");
                bodies += 1;
            }
        }
    }
    assert!(bodies > 30, "only {bodies} JSON bodies documented");
    let row = &document["components"]["schemas"]["Domain"];
    for field in [
        "domain",
        "status",
        "title",
        "email_addresses",
        "tech_stack",
        "domain_metadata",
        "mx_hosts",
        "mail_provider",
        "spf",
        "dmarc_policy",
    ] {
        assert!(row["properties"].get(field).is_some(), "Domain has no {field}: {row}");
    }
    let policy = row["properties"]["dmarc_policy"].to_string();
    assert!(policy.contains("#/components/schemas/DmarcPolicy"), "dmarc_policy names its values: {policy}");
    assert_eq!(
        document["components"]["schemas"]["DmarcPolicy"]["enum"],
        json!(["none", "quarantine", "reject"]),
        "the DMARC policies a row may hold"
    );
    let submission = &document["components"]["schemas"]["SubmitDomains"]["properties"]["domains"];
    assert_eq!((submission["minItems"].as_u64(), submission["maxItems"].as_u64()), (Some(1), Some(75)));
    // A bulk action's filter: a criterion or `all`, never empty; no status it refuses.
    let filter = &document["components"]["schemas"]["DomainFilter"]["allOf"];
    let fields = &filter[0]["properties"];
    assert_eq!(fields["domains"]["maxItems"].as_u64(), Some(75), "{fields}");
    let statuses = fields["status"]["enum"].as_array().unwrap();
    assert!(
        statuses.contains(&Value::from("error")) && !statuses.contains(&Value::from("processing")),
        "{fields}"
    );
    assert!(
        fields["error_kind"]["enum"].as_array().unwrap().contains(&Value::from("dns_nxdomain")),
        "{fields}"
    );
    assert_eq!(filter[1]["anyOf"].as_array().map(Vec::len), Some(5), "{filter}");
    let error = &document["components"]["schemas"]["ErrorDetail"]["properties"];
    assert!(error.get("rejected").is_some(), "the error body documents its `rejected` list: {error}");
}

/// The document states what this instance accepts: while no callback secret is set,
/// `callback_url` can only be null, and a URL is refused as the document says; with a secret,
/// it is a URL and a submission carrying one is enqueued.
#[tokio::test]
async fn the_document_says_whether_this_instance_accepts_a_callback_url() {
    let Some(db) = TestDb::create(Backend::Sqlite).await else { return };
    let property = |document: &Value| {
        document["components"]["schemas"]["SubmitDomains"]["properties"]["callback_url"].clone()
    };
    let without = Served::in_process(&db.url, "127.0.0.1:9", TOKENS, &[]).await;
    assert_eq!(property(&document(&without).await)["type"], "null");
    let with_url =
        json!({"domains": ["callback-doc.com"], "callback_url": "https://receiver.example.com/hook"});
    let (status, body) =
        as_tenant_a(reqwest::Client::new().post(without.url("/api/v1/domains")).json(&with_url)).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("callbacks_disabled"))
    );
    let null_url = json!({"domains": ["callback-doc.com"], "callback_url": null});
    let (status, body) =
        as_tenant_a(reqwest::Client::new().post(without.url("/api/v1/domains")).json(&null_url)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    drop(without);

    let secret = [("DOMAIN_SCHEDULER_CALLBACK_SECRET", "a-callback-secret-of-32-characters!!")];
    let with = Served::in_process(&db.url, "127.0.0.1:9", TOKENS, &secret).await;
    let schema = property(&document(&with).await);
    assert_eq!(
        (schema["type"].clone(), schema["format"].clone()),
        (json!(["string", "null"]), json!("uri")),
        "{schema}"
    );
    let with_url =
        json!({"domains": ["callback-doc.org"], "callback_url": "https://receiver.example.com/hook"});
    let (status, body) =
        as_tenant_a(reqwest::Client::new().post(with.url("/api/v1/domains")).json(&with_url)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
}

/// Values of the forms the document gives for free-text parameters are accepted: a
/// `rescan_after` matching its pattern, an export format from its list and a `changed_since`
/// date-time; a changes cursor matching its pattern is read (the domain is then unknown).
#[tokio::test]
async fn values_of_the_documented_forms_are_accepted() {
    let Some(db) = TestDb::create(Backend::Sqlite).await else { return };
    let served = Served::in_process(&db.url, "127.0.0.1:9", TOKENS, &[]).await;
    let document = document(&served).await;
    let rescan = &document["components"]["schemas"]["SubmitDomains"]["properties"]["rescan_after"];
    assert_eq!(rescan["pattern"], "^(off|[1-9][0-9]{0,3}[mhdw])$");
    for value in ["off", "1m", "9999w", "30d", "12h"] {
        let body = json!({"domains": [format!("rescan-{value}.com")], "rescan_after": value});
        let (status, answer) =
            as_tenant_a(reqwest::Client::new().post(served.url("/api/v1/domains")).json(&body)).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{value}: {answer}");
    }
    let export = document["paths"]["/api/v1/domains/export"]["get"]["parameters"].as_array().unwrap();
    let format = export.iter().find(|p| p["name"] == "format").unwrap();
    assert_eq!(format["schema"]["enum"], json!(["csv", "ndjson", "jsonl"]), "{format}");
    let since = export.iter().find(|p| p["name"] == "changed_since").unwrap();
    assert_eq!(since["schema"]["format"], "date-time", "{since}");
    for query in ["format=csv", "format=ndjson", "format=jsonl", "changed_since=2026-11-30T00:00:00Z"] {
        let response = reqwest::Client::new()
            .get(served.url(&format!("/api/v1/domains/export?{query}")))
            .bearer_auth("token-of-tenant-a")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{query}");
    }
    let changes =
        document["paths"]["/api/v1/domains/{domain}/changes"]["get"]["parameters"].as_array().unwrap();
    let cursor = changes.iter().find(|p| p["name"] == "cursor").unwrap();
    assert_eq!(cursor["schema"]["pattern"], "^[0-9]{1,18}u?_[0-9]{1,18}$", "{cursor}");
    for value in ["999999999999999999_999999999999999999", "999999999999999999u_1", "0_0"] {
        let url = served.url(&format!("/api/v1/domains/unknown-domain.com/changes?cursor={value}"));
        let (status, body) = as_tenant_a(reqwest::Client::new().get(url)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{value}: {body}");
    }
}

/// A known route called with a method it does not have: 405, the `Allow` header and the JSON
/// error, on every route.
#[tokio::test]
async fn a_method_a_route_does_not_have_gets_405_with_the_json_error() {
    let Some(db) = TestDb::create(Backend::Sqlite).await else { return };
    let served = Served::in_process(&db.url, "127.0.0.1:9", TOKENS, &[]).await;
    for (method, path, allowed) in [
        (reqwest::Method::DELETE, "/api/v1/domains", "GET,HEAD,POST"),
        (reqwest::Method::PUT, "/healthz", "GET,HEAD"),
        (reqwest::Method::GET, "/api/v3/dev-tools/process-pending-domains", "POST"),
    ] {
        let request = reqwest::Client::new().request(method.clone(), served.url(path));
        let response = request.bearer_auth("token-of-tenant-a").send().await.unwrap();
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        let allow = response.headers()["allow"].to_str().unwrap().replace(' ', "");
        let mut allow: Vec<&str> = allow.split(',').collect();
        allow.sort_unstable();
        assert_eq!(allow.join(","), allowed, "{method} {path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "method_not_allowed", "{method} {path}: {body}");
        assert!(body["error"]["message"].as_str().unwrap().contains(method.as_str()), "{body}");
    }
}

/// A request target longer than any route needs: 414 and the JSON error.
#[tokio::test]
async fn a_request_target_too_long_gets_414_with_the_json_error() {
    let Some(db) = TestDb::create(Backend::Sqlite).await else { return };
    let served = Served::in_process(&db.url, "127.0.0.1:9", TOKENS, &[]).await;
    for path in [
        format!("/api/v1/domains/{}.com", "a".repeat(9000)),
        format!("/api/v1/domains?cursor={}", "b".repeat(20_000)),
    ] {
        let (status, body) = as_tenant_a(reqwest::Client::new().get(served.url(&path))).await;
        assert_eq!(status, StatusCode::URI_TOO_LONG, "{body}");
        assert_eq!(body["error"]["code"], "uri_too_long", "{body}");
    }
}
