//! A running service with two tenants' domains in known states, and a signed-in console
//! session spoken to over plain HTTP: what the console tests and the browser tests start from.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::farm::{Farm, Site, plain_page, wordpress_page};
use super::server::Served;

pub const TENANT_A: &str = "0000000a-0000-4000-8000-00000000000a";
pub const TENANT_B: &str = "0000000b-0000-4000-8000-00000000000b";
pub const TOKEN_A: &str = "token-of-tenant-a";
pub const TOKEN_B: &str = "token-of-tenant-b";
pub const ADMIN_TOKEN: &str = "token-of-the-operator";
pub const TOKENS: &str = "token-of-tenant-a=0000000a-0000-4000-8000-00000000000a,token-of-tenant-b=0000000b-0000-4000-8000-00000000000b";

/// The service and what is known to be in it.
pub struct Scene {
    pub farm: Farm,
    pub served: Served,
    /// Tenant A's batch: `shop-one.com` and `plain-site.org` completed, `broken-site.com` in
    /// `error` (its site answers 404).
    pub batch_a: String,
    pub shop_id: String,
    pub broken_id: String,
    /// Tenant B's batch: `tenant-b-site.com`, completed.
    pub batch_b: String,
    pub b_site_id: String,
}

/// `request` with `pairs` as an HTML form's body.
pub fn form(request: reqwest::RequestBuilder, pairs: &[(&str, &str)]) -> reqwest::RequestBuilder {
    let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
    request.header("content-type", "application/x-www-form-urlencoded").body(body)
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// A call of the JSON API with `token`.
pub async fn api(request: reqwest::RequestBuilder, token: &str) -> (StatusCode, Value) {
    let response = request.bearer_auth(token).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Submits `domains` for the tenant of `token` and waits until the batch is complete.
pub async fn submit_and_wait(served: &Served, token: &str, domains: &[&str]) -> String {
    let request = client().post(served.url("/api/v1/domains")).json(&json!({ "domains": domains }));
    let (status, body) = api(request, token).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let batch = body["batch_id"].as_str().unwrap().to_owned();
    let progress_url = served.url(&format!("/api/v1/batches/{batch}"));
    let what = format!("batch {batch} to complete");
    super::wait::wait_for(&what, Duration::from_secs(30), async || {
        let (_, progress) = api(client().get(&progress_url), token).await;
        if progress["status"] == "complete" { Ok(()) } else { Err(progress) }
    })
    .await;
    batch
}

/// The row of `domain` as the API shows it to `token`.
pub async fn domain_row(served: &Served, token: &str, domain: &str) -> Value {
    let (status, row) = api(client().get(served.url(&format!("/api/v1/domains/{domain}"))), token).await;
    assert_eq!(status, StatusCode::OK, "{row}");
    row
}

impl Scene {
    /// Starts the service on `database_url` (one run slot, an hour between ticks) and fills it.
    pub async fn start(database_url: &str) -> Scene {
        let farm = Farm::start().await;
        farm.add("shop-one.com", Site::Html(wordpress_page("shop-one.com")));
        farm.add("plain-site.org", Site::Html(plain_page("Plain")));
        farm.add("broken-site.com", Site::Status(404));
        farm.add("tenant-b-site.com", Site::Html(plain_page("B")));
        farm.add("slow-site.com", Site::Slow(Duration::from_secs(60), plain_page("Slow")));
        farm.add("slow-site-2.com", Site::Slow(Duration::from_secs(60), plain_page("Slow too")));
        for i in 0..3 {
            farm.add(&format!("waiting-{i}.com"), Site::Html(plain_page("Waiting")));
        }
        let served = Served::start(
            database_url,
            &farm.connect_to(),
            TOKENS,
            &[
                ("DOMAIN_SCHEDULER_ADMIN_TOKENS", ADMIN_TOKEN),
                ("DOMAIN_SCHEDULER_FETCH_TIMEOUT_SECONDS", "90"),
                ("DOMAIN_SCHEDULER_MAX_INSTANCES", "1"),
                // One fetcher and claims of one domain, so two slow sites can fill the pool.
                ("DOMAIN_SCHEDULER_FETCHER_POOL_SIZE", "1"),
                ("DOMAIN_SCHEDULER_BATCH_SIZE", "1"),
            ],
        )
        .await;
        let batch_a =
            submit_and_wait(&served, TOKEN_A, &["shop-one.com", "plain-site.org", "broken-site.com"]).await;
        let batch_b = submit_and_wait(&served, TOKEN_B, &["tenant-b-site.com"]).await;
        let id = |row: Value| row["id"].as_str().unwrap().to_owned();
        let shop_id = id(domain_row(&served, TOKEN_A, "shop-one.com").await);
        let broken = domain_row(&served, TOKEN_A, "broken-site.com").await;
        assert_eq!(broken["status"], "error", "{broken}");
        let broken_id = id(broken);
        let b_site_id = id(domain_row(&served, TOKEN_B, "tenant-b-site.com").await);
        Scene { farm, served, batch_a, shop_id, broken_id, batch_b, b_site_id }
    }

    /// Fills the one fetcher and its queue with two slow sites while the run that claimed them
    /// still claims: what is submitted or retried afterwards stays `pending`.
    pub async fn hold_the_run_slot(&self) {
        let request = client()
            .post(self.served.url("/api/v1/domains"))
            .json(&json!({"domains": ["slow-site.com", "slow-site-2.com"]}));
        let (status, body) = api(request, TOKEN_A).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        crate::common::wait::wait_until("both slow sites to be claimed", Duration::from_secs(20), || async {
            let first = domain_row(&self.served, TOKEN_A, "slow-site.com").await;
            let second = domain_row(&self.served, TOKEN_A, "slow-site-2.com").await;
            first["status"] == "processing" && second["status"] == "processing"
        })
        .await;
    }

    /// Submits the `waiting-N.com` domains as tenant A while the run slot is held: they stay
    /// `pending`. Returns their batch.
    pub async fn waiting_batch(&self) -> String {
        let domains: Vec<String> = (0..3).map(|i| format!("waiting-{i}.com")).collect();
        let request = client().post(self.served.url("/api/v1/domains")).json(&json!({ "domains": domains }));
        let (status, body) = api(request, TOKEN_A).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        body["batch_id"].as_str().unwrap().to_owned()
    }
}

/// A console session over plain HTTP: the cookie the sign-in set and the page's CSRF token.
pub struct Session {
    pub base: String,
    pub cookie: String,
    pub csrf: String,
}

/// A page: its status, where it redirects and its HTML.
pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub html: String,
}

async fn page(response: reqwest::Response) -> Page {
    let status = response.status();
    let location = response.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_owned);
    Page { status, location, html: response.text().await.unwrap() }
}

/// The `attribute` of every element of `html` matching `css`.
pub fn attributes(html: &str, css: &str, attribute: &str) -> Vec<String> {
    let document = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse(css).unwrap();
    document.select(&selector).filter_map(|e| e.value().attr(attribute)).map(str::to_owned).collect()
}

/// The text of every element of `html` matching `css`.
pub fn texts(html: &str, css: &str) -> Vec<String> {
    let document = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse(css).unwrap();
    document.select(&selector).map(|e| e.text().collect::<String>().trim().to_owned()).collect()
}

/// The CSRF token of the first form of `html`.
pub fn csrf_of(html: &str) -> Option<String> {
    let document = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse(r#"input[name="csrf"]"#).unwrap();
    document.select(&selector).next().and_then(|input| input.value().attr("value")).map(str::to_owned)
}

impl Session {
    /// Signs in with `token` through the sign-in form.
    pub async fn sign_in(served: &Served, token: &str) -> Session {
        let request = form(client().post(served.url("/ui/sign-in")), &[("token", token), ("next", "/ui")]);
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "sign-in with a known token redirects");
        let set_cookie = response.headers().get("set-cookie").unwrap().to_str().unwrap().to_owned();
        let cookie = set_cookie.split(';').next().unwrap().to_owned();
        let mut session = Session { base: served.base.clone(), cookie, csrf: String::new() };
        let overview = session.get("/ui").await;
        assert_eq!(overview.status, StatusCode::OK);
        session.csrf = csrf_of(&overview.html).expect("the overview carries a CSRF token");
        session
    }

    /// The same cookie and CSRF token, sent to another instance.
    pub fn at(&self, served: &Served) -> Session {
        Session { base: served.base.clone(), cookie: self.cookie.clone(), csrf: self.csrf.clone() }
    }

    /// Whether the session is refused: a page answers with the way to the sign-in form.
    pub async fn is_refused(&self) -> bool {
        let page = self.get("/ui").await;
        page.status == StatusCode::SEE_OTHER
            && page.location.as_deref().is_some_and(|to| to.starts_with("/ui/sign-in"))
    }

    pub async fn get(&self, path: &str) -> Page {
        page(
            client().get(format!("{}{path}", self.base)).header("cookie", &self.cookie).send().await.unwrap(),
        )
        .await
    }

    /// Posts a form of `pairs` as they are (a CSRF token only if they hold one).
    pub async fn post_form(&self, path: &str, pairs: &[(&str, &str)]) -> Page {
        let request =
            form(client().post(format!("{}{path}", self.base)).header("cookie", &self.cookie), pairs);
        page(request.send().await.unwrap()).await
    }

    /// Posts an action's form, with the session's CSRF token or without any.
    pub async fn post(&self, path: &str, with_csrf: bool) -> Page {
        let pairs: Vec<(&str, &str)> =
            if with_csrf { vec![("csrf", self.csrf.as_str())] } else { Vec::new() };
        let request =
            form(client().post(format!("{}{path}", self.base)).header("cookie", &self.cookie), &pairs);
        page(request.send().await.unwrap()).await
    }
}
