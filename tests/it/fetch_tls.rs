//! Certificates: an operator's extra root makes its CA's certificates trusted; a file that
//! cannot give one stops start-up; an expired, untrusted or wrong-host certificate each ends in
//! its own kind; the http fallback keeps the certificate problem on the row; and an http:// that
//! redirects back to https:// ends the domain at once instead of on every attempt.

use crate::common;
use crate::on_both_backends;

use std::time::Duration;

use common::cli::stderr;
use common::db::Backend;
use common::farm::{Farm, Site, plain_page};
use common::scenario::Scenario;
use common::tls::{TestCa, TlsFront};
use domain_scheduler::config::Scheme;
use domain_scheduler::domain_name::DomainName;
use domain_scheduler::failure::Kind;
use domain_scheduler::fetch::{DnsSettings, FetchSettings, WebClient};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

fn settings(
    front: &TlsFront,
    schemes: Vec<Scheme>,
    extra_roots: Vec<CertificateDer<'static>>,
) -> FetchSettings {
    FetchSettings {
        timeout: Duration::from_secs(3),
        max_bytes: 5 * 1024 * 1024,
        schemes,
        connect_to: Some(front.connect_to()),
        allow_private_networks: false,
        user_agent: "domain-scheduler/test".into(),
        respect_robots: false,
        per_host_concurrency: 2,
        per_ip_concurrency: 8,
        dns: DnsSettings { servers: vec!["127.0.0.1:9".parse().unwrap()], ..DnsSettings::default() },
        diagnostic_dir: None,
        default_phone_region: None,
        extra_roots,
        technologies: Vec::new(),
        builtin_technologies: true,
    }
}

fn roots(ca: &TestCa) -> Vec<CertificateDer<'static>> {
    CertificateDer::pem_slice_iter(ca.pem().as_bytes()).collect::<Result<_, _>>().unwrap()
}

fn name(domain: &str) -> DomainName {
    DomainName::parse(domain).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_extra_root_makes_the_certificates_of_its_ca_trusted() {
    let farm = Farm::start().await;
    farm.add("internal-ca.com", Site::Html(plain_page("behind the proxy")));
    let ca = TestCa::new();
    let front = TlsFront::serving(farm.addr(), ca.issue(&["internal-ca.com"])).await;

    let platform_only = WebClient::new(settings(&front, vec![Scheme::Https], Vec::new())).unwrap();
    let failure = platform_only.home_page(&name("internal-ca.com")).await.unwrap_err();
    assert_eq!(failure.kind, Kind::TlsUntrusted, "{failure}");

    let trusting = WebClient::new(settings(&front, vec![Scheme::Https], roots(&ca))).unwrap();
    let page = trusting.home_page(&name("internal-ca.com")).await.unwrap();
    assert_eq!(page.final_url.as_str(), "https://internal-ca.com/");
    assert!(page.html.contains("behind the proxy"));
    assert_eq!(page.tls_problem, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_untrusted_and_wrong_host_certificates_each_end_in_their_own_permanent_kind() {
    let farm = Farm::start().await;
    let ca = TestCa::new();
    let expired = TlsFront::serving(farm.addr(), ca.issue_expired(&["expired.com"])).await;
    let wrong_host = TlsFront::serving(farm.addr(), ca.issue(&["another-host.net"])).await;
    let self_signed = TlsFront::start(farm.addr(), &["self-signed.com"]).await;
    for (front, domain, kind) in [
        (&expired, "expired.com", Kind::TlsExpired),
        (&wrong_host, "wrong-host.com", Kind::TlsWrongHost),
        (&self_signed, "self-signed.com", Kind::TlsUntrusted),
    ] {
        farm.add(domain, Site::Html(plain_page(domain)));
        let https_only = WebClient::new(settings(front, vec![Scheme::Https], roots(&ca))).unwrap();
        let failure = https_only.home_page(&name(domain)).await.unwrap_err();
        assert_eq!(failure.kind, kind, "{domain}: {failure}");
        assert!(failure.permanent, "{domain}: the same certificate meets every attempt");
        assert_eq!(farm.requests(domain), 0, "{domain}: nothing was served over the refused TLS");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_certificate_falls_back_to_http_and_the_page_keeps_the_problem() {
    let farm = Farm::start().await;
    farm.add("expired-but-up.com", Site::Html(plain_page("still here")));
    let ca = TestCa::new();
    let front = TlsFront::serving(farm.addr(), ca.issue_expired(&["expired-but-up.com"])).await;
    let web = WebClient::new(settings(&front, vec![Scheme::Https, Scheme::Http], roots(&ca))).unwrap();
    let page = web.home_page(&name("expired-but-up.com")).await.unwrap();
    assert_eq!(page.final_url.as_str(), "http://expired-but-up.com/");
    let problem = page.tls_problem.expect("the certificate problem is kept");
    assert_eq!(problem.kind, Kind::TlsExpired, "{problem}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http_redirect_back_to_https_ends_in_the_certificate_kind_without_a_loop() {
    let farm = Farm::start().await;
    farm.add("https-only.com", Site::RedirectTo("https://https-only.com/".into()));
    let ca = TestCa::new();
    let front = TlsFront::serving(farm.addr(), ca.issue(&["another-host.net"])).await;
    let web = WebClient::new(settings(&front, vec![Scheme::Https, Scheme::Http], roots(&ca))).unwrap();
    let failure = web.home_page(&name("https-only.com")).await.unwrap_err();
    assert_eq!(failure.kind, Kind::TlsWrongHost, "{failure}");
    assert!(failure.permanent, "not retried: the redirect would lead back to the same certificate");
    assert_eq!(farm.requests("https-only.com"), 1, "one request over http, which redirected");
}

fn pem_file(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn an_extra_roots_file_that_is_missing_or_holds_no_certificate_stops_start_up_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-ca.pem").display().to_string();
    let empty = pem_file(&dir, "not-a-ca.pem", "this is no certificate\n");
    for file in [missing, empty] {
        let out = common::cli::command("sqlite::memory:", dir.path())
            .env("DOMAIN_SCHEDULER_FETCH_EXTRA_ROOTS", &file)
            .arg("status")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{file}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("DOMAIN_SCHEDULER_FETCH_EXTRA_ROOTS") && stderr(&out).contains(&file),
            "{file}: {}",
            stderr(&out)
        );
    }
}

async fn a_drain_keeps_the_certificate_problem_and_ends_an_https_only_site_at_once(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    scenario.farm.add("trusted-ca.com", Site::Html(plain_page("trusted")));
    scenario.farm.add("http-fallback.com", Site::Html(plain_page("over http")));
    scenario.farm.add("back-to-https.com", Site::RedirectTo("https://back-to-https.com/".into()));
    let ca = TestCa::new();
    let dir = tempfile::tempdir().unwrap();
    let roots = pem_file(&dir, "ca.pem", ca.pem());
    let front = TlsFront::serving(scenario.farm.addr(), ca.issue(&["trusted-ca.com"])).await;
    scenario.add(&["trusted-ca.com", "http-fallback.com", "back-to-https.com"]);
    let out = scenario.run(
        &["run-once", "--drain"],
        &[
            ("DOMAIN_SCHEDULER_FETCH_CONNECT_TO", &front.connect_to()),
            ("DOMAIN_SCHEDULER_FETCH_SCHEMES", "https,http"),
            ("DOMAIN_SCHEDULER_FETCH_EXTRA_ROOTS", &roots),
            ("DOMAIN_SCHEDULER_RETRY_BASE_SECONDS", "1"),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let trusted = scenario.row("trusted-ca.com");
    assert_eq!(trusted["status"], "completed", "{trusted}");
    assert_eq!(trusted["final_url"], "https://trusted-ca.com/", "{trusted}");
    assert!(trusted["domain_metadata"].get("tls_problem").is_none(), "{trusted}");

    let fallback = scenario.row("http-fallback.com");
    assert_eq!(fallback["status"], "completed", "{fallback}");
    assert_eq!(fallback["final_url"], "http://http-fallback.com/", "{fallback}");
    assert_eq!(fallback["domain_metadata"]["tls_problem"]["kind"], "tls_wrong_host", "{fallback}");

    let export = scenario.run(&["export", "--format", "jsonl"], &[]);
    assert_eq!(export.status.code(), Some(0), "{}", stderr(&export));
    let exported: Vec<serde_json::Value> =
        String::from_utf8_lossy(&export.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let line = exported.iter().find(|row| row["domain"] == "http-fallback.com").expect("exported");
    assert_eq!(line["domain_metadata"]["tls_problem"]["kind"], "tls_wrong_host", "{line}");

    let back = scenario.row("back-to-https.com");
    assert_eq!(back["status"], "error", "{back}");
    assert_eq!(scenario.error_kinds("back-to-https.com").await, vec!["fetch/tls_wrong_host"]);
    assert_eq!(scenario.farm.requests("back-to-https.com"), 1, "one attempt, one http request");

    let log = stderr(&out);
    assert!(
        !log.contains("failed to verify TLS certificate"),
        "the verifier's own ERROR lines are off: {log}"
    );
    for domain in ["http-fallback.com", "back-to-https.com"] {
        let warnings = log.lines().filter(|l| l.contains("WARN") && l.contains(domain)).count();
        assert_eq!(warnings, 1, "one WARN of the service's own for {domain}: {log}");
    }
}

on_both_backends!(a_drain_keeps_the_certificate_problem_and_ends_an_https_only_site_at_once);
