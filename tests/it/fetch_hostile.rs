//! Hostile sites and internal addresses: each costs a bounded amount and ends in its error
//! kind, never a hang, a panic or a connection to an address inside the network.

use crate::common;

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

use common::farm::{Farm, Site, plain_page};
use common::tls::TlsFront;
use domain_scheduler::config::Scheme;
use domain_scheduler::domain_name::DomainName;
use domain_scheduler::failure::Kind;
use domain_scheduler::fetch::{DnsSettings, FetchSettings, WebClient};

fn settings(farm: Option<&Farm>) -> FetchSettings {
    FetchSettings {
        timeout: Duration::from_secs(3),
        max_bytes: 5 * 1024 * 1024,
        schemes: vec![Scheme::Http],
        connect_to: farm.map(Farm::connect_to),
        allow_private_networks: false,
        user_agent: "domain-scheduler/test".into(),
        respect_robots: true,
        per_host_concurrency: 2,
        per_ip_concurrency: 8,
        // No test here may ask the machine's own name server: names go to a closed local port.
        dns: DnsSettings { servers: vec!["127.0.0.1:9".parse().unwrap()], ..DnsSettings::default() },
        diagnostic_dir: None,
        default_phone_region: None,
        extra_roots: Vec::new(),
        technologies: Vec::new(),
        builtin_technologies: true,
    }
}

async fn kind_of(fetcher: &WebClient, domain: &str) -> Result<String, Kind> {
    match fetcher.home_page(&DomainName::parse(domain).unwrap()).await {
        Ok(page) => Ok(page.html),
        Err(failure) => Err(failure.kind),
    }
}

/// The largest resident set size this process has had so far (the kernel's high-water mark, so
/// a peak between two samples counts), in MiB.
fn rss_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap_or(0)
        / 1024
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_and_silent_sites_end_in_timeout() {
    let farm = Farm::start().await;
    farm.add("silent-site.com", Site::Hang);
    farm.add("slowloris-site.com", Site::Slowloris);
    let fetcher = WebClient::new(settings(Some(&farm))).unwrap();
    assert_eq!(kind_of(&fetcher, "silent-site.com").await.err(), Some(Kind::Timeout));
    assert_eq!(kind_of(&fetcher, "slowloris-site.com").await.err(), Some(Kind::Timeout));
}

/// Set by [`huge_endless_and_bomb_bodies_end_in_too_large_with_bounded_memory`] for the probe
/// it runs in a process of its own.
const MEMORY_PROBE: &str = "DS_TEST_MEMORY_PROBE";

/// The peak resident set of a process says what one fetcher costs only when nothing else ran in
/// it: this test runs [`bounded_memory_probe`] in this test binary started again, alone.
#[test]
fn huge_endless_and_bomb_bodies_end_in_too_large_with_bounded_memory() {
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "fetch_hostile::bounded_memory_probe",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(MEMORY_PROBE, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success() && stdout.contains("1 passed"), "the probe: {stdout}\n{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a probe run alone in a process of its own by huge_endless_and_bomb_bodies_end_in_too_large_with_bounded_memory"]
async fn bounded_memory_probe() {
    assert!(
        std::env::var_os(MEMORY_PROBE).is_some(),
        "run through huge_endless_and_bomb_bodies_end_in_too_large_with_bounded_memory: sharing a \
         process with other tests, the peak resident set measures them too"
    );
    let farm = Farm::start().await;
    farm.add("huge-site.com", Site::Huge(50 * 1024 * 1024));
    farm.add("bomb-site.com", Site::GzipBomb);
    farm.add("endless-site.com", Site::EndlessChunked);
    let fetcher =
        WebClient::new(FetchSettings { timeout: Duration::from_secs(20), ..settings(Some(&farm)) }).unwrap();
    let before = rss_mib();
    for domain in ["huge-site.com", "bomb-site.com", "endless-site.com"] {
        assert_eq!(kind_of(&fetcher, domain).await.err(), Some(Kind::TooLarge), "{domain}");
        let rss = rss_mib();
        eprintln!("{domain}: peak RSS {rss} MiB (before: {before} MiB)");
        assert!(rss < 200, "{domain}: RSS {rss} MiB");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirect_loops_long_chains_and_odd_schemes_end_in_redirect() {
    let farm = Farm::start().await;
    farm.add("loop-site.com", Site::RedirectLoop);
    farm.add("chain-site.com", Site::RedirectChain(20, plain_page("far")));
    farm.add("short-chain.com", Site::RedirectChain(5, plain_page("near")));
    farm.add("file-site.com", Site::RedirectTo("file:///etc/passwd".into()));
    farm.add("gopher-site.com", Site::RedirectTo("gopher://example.com/".into()));
    let fetcher = WebClient::new(settings(Some(&farm))).unwrap();
    for domain in ["loop-site.com", "chain-site.com", "file-site.com", "gopher-site.com"] {
        assert_eq!(kind_of(&fetcher, domain).await.err(), Some(Kind::Redirect), "{domain}");
    }
    assert!(kind_of(&fetcher, "short-chain.com").await.unwrap().contains("near"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_answers_end_in_not_html() {
    let farm = Farm::start().await;
    farm.add("octet-site.com", Site::Bytes("application/octet-stream", vec![0; 100]));
    farm.add("image-site.com", Site::Bytes("image/png", b"\x89PNG\r\n\x1a\n".to_vec()));
    farm.add("pdf-site.com", Site::Bytes("application/pdf", b"%PDF-1.7\n".to_vec()));
    let fetcher = WebClient::new(settings(Some(&farm))).unwrap();
    for domain in ["octet-site.com", "image-site.com", "pdf-site.com"] {
        assert_eq!(kind_of(&fetcher, domain).await.err(), Some(Kind::NotHtml), "{domain}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_encodings_and_markup_are_decoded_not_fatal() {
    let farm = Farm::start().await;
    farm.add(
        "bad-utf8.com",
        Site::Bytes("text/html; charset=utf-8", b"<title>caf\xe9 \xff</title>".to_vec()),
    );
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain("<title>h\u{e9}llo</title>".encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    farm.add("utf16-site.com", Site::Bytes("text/html", utf16));
    farm.add(
        "meta-charset.com",
        Site::Bytes("text/html", b"<meta charset=\"windows-1252\"><title>na\xefve</title>".to_vec()),
    );
    farm.add("nul-site.com", Site::Bytes("text/html", b"<title>a\0b</title>".to_vec()));
    let nested =
        format!("<html><body>{}deep{}</body></html>", "<div>".repeat(100_000), "</div>".repeat(100_000));
    farm.add("nested-site.com", Site::Html(nested));
    farm.add(
        "long-line.com",
        Site::Html(format!("<html><title>one line</title>{}</html>", "x".repeat(1 << 20))),
    );
    let fetcher = WebClient::new(settings(Some(&farm))).unwrap();
    assert!(kind_of(&fetcher, "bad-utf8.com").await.unwrap().contains("caf\u{fffd} \u{fffd}"));
    assert!(kind_of(&fetcher, "utf16-site.com").await.unwrap().contains("h\u{e9}llo"));
    assert!(kind_of(&fetcher, "meta-charset.com").await.unwrap().contains("na\u{ef}ve"));
    for domain in ["nul-site.com", "nested-site.com", "long-line.com"] {
        let html = kind_of(&fetcher, domain).await.unwrap();
        let url = url::Url::parse(&format!("https://{domain}/")).unwrap();
        // A thread of the default 2 MiB stack, as the blocking pool gives the extraction.
        let metadata = std::thread::spawn(move || {
            let headers = reqwest::header::HeaderMap::new();
            let page = domain_scheduler::extract::Page { html: &html, headers: &headers, url: &url };
            domain_scheduler::extract::extract(&page)
        })
        .join()
        .expect("extraction never panics");
        if domain == "long-line.com" {
            assert_eq!(metadata.title.as_deref(), Some("one line"));
        }
    }
}

fn resolving(names: &[(&str, &str)]) -> HashMap<String, Vec<IpAddr>> {
    names.iter().map(|(name, ip)| (name.to_string(), vec![ip.parse().unwrap()])).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_that_resolve_inside_the_network_are_never_connected() {
    let farm = Farm::start().await;
    let port = farm.connect_to().rsplit(':').next().unwrap().to_owned();
    // Public-looking names answering loopback, private, metadata and mapped addresses.
    let overrides = resolving(&[
        ("rebind-loopback.com", "127.0.0.1"),
        ("rebind-private.com", "10.1.2.3"),
        ("rebind-metadata.com", "169.254.169.254"),
        ("rebind-v6.com", "::1"),
        ("rebind-mapped.com", "::ffff:127.0.0.1"),
        ("rebind-cgnat.com", "100.64.0.1"),
    ]);
    let fetcher = WebClient::with_resolver_overrides(settings(None), overrides).unwrap();
    for domain in [
        "rebind-loopback.com",
        "rebind-private.com",
        "rebind-metadata.com",
        "rebind-v6.com",
        "rebind-mapped.com",
        "rebind-cgnat.com",
    ] {
        farm.add(domain, Site::Html(plain_page("internal")));
        assert_eq!(kind_of(&fetcher, domain).await.err(), Some(Kind::BlockedAddress), "{domain}");
        assert_eq!(farm.requests(domain), 0, "{domain}: no request reached the farm");
    }
    let _ = port;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_to_internal_addresses_are_refused_on_every_hop() {
    let farm = Farm::start().await;
    let port = farm.connect_to().rsplit(':').next().unwrap().to_owned();
    farm.add("redirect-loopback.com", Site::RedirectTo(format!("http://127.0.0.1:{port}/")));
    farm.add("redirect-private.com", Site::RedirectTo("http://10.0.0.1/".into()));
    farm.add("redirect-metadata.com", Site::RedirectTo("http://169.254.169.254/latest/meta-data/".into()));
    farm.add("redirect-v6.com", Site::RedirectTo(format!("http://[::ffff:127.0.0.1]:{port}/")));
    let fetcher = WebClient::new(settings(Some(&farm))).unwrap();
    for domain in
        ["redirect-loopback.com", "redirect-private.com", "redirect-metadata.com", "redirect-v6.com"]
    {
        assert_eq!(kind_of(&fetcher, domain).await.err(), Some(Kind::BlockedAddress), "{domain}");
    }
    assert_eq!(farm.requests(""), 0, "the loopback target (no Host name) was never asked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_that_cannot_be_reached_falls_back_to_http() {
    let farm = Farm::start().await;
    farm.add("plain-http.com", Site::Html(plain_page("over http")));
    let fetcher =
        WebClient::new(FetchSettings { schemes: vec![Scheme::Https, Scheme::Http], ..settings(Some(&farm)) })
            .unwrap();
    let page = fetcher.home_page(&DomainName::parse("plain-http.com").unwrap()).await.unwrap();
    assert_eq!(page.final_url.as_str(), "http://plain-http.com/");
    let https_only =
        WebClient::new(FetchSettings { schemes: vec![Scheme::Https], ..settings(Some(&farm)) }).unwrap();
    let failure = https_only.home_page(&DomainName::parse("plain-http.com").unwrap()).await.unwrap_err();
    assert_eq!(failure.kind, Kind::TlsHandshake, "{failure}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn untrusted_certificates_end_in_tls_untrusted_then_fall_back_to_http() {
    let farm = Farm::start().await;
    farm.add("self-signed.com", Site::Html(plain_page("self signed")));
    farm.add("wrong-name.com", Site::Html(plain_page("wrong name")));
    let self_signed = TlsFront::start(farm.addr(), &["self-signed.com"]).await;
    let wrong_name = TlsFront::start(farm.addr(), &["another-host.net"]).await;
    for (front, domain) in [(&self_signed, "self-signed.com"), (&wrong_name, "wrong-name.com")] {
        let over = |schemes: Vec<Scheme>| {
            WebClient::new(FetchSettings { schemes, connect_to: Some(front.connect_to()), ..settings(None) })
                .unwrap()
        };
        let name = DomainName::parse(domain).unwrap();
        let failure = over(vec![Scheme::Https]).home_page(&name).await.unwrap_err();
        // Both are self-signed: the issuer is refused before the name is looked at.
        assert_eq!(failure.kind, Kind::TlsUntrusted, "{domain}: {failure}");
        assert_eq!(farm.requests(domain), 0, "{domain}: nothing was served over the refused TLS");
        let page = over(vec![Scheme::Https, Scheme::Http]).home_page(&name).await.unwrap();
        assert_eq!(page.final_url.as_str(), format!("http://{domain}/"));
        assert_eq!(farm.requests(domain), 1, "{domain}: fetched once, over http");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn domains_sharing_one_address_get_at_most_its_limit_of_requests_at_once() {
    for limit in [3, 12] {
        let farm = Farm::start().await;
        let names: Vec<String> = (0..12).map(|i| format!("shared-{i}.com")).collect();
        for name in &names {
            farm.add(name, Site::Slow(Duration::from_millis(300), plain_page(name)));
        }
        let fetcher = WebClient::new(FetchSettings {
            per_ip_concurrency: limit,
            respect_robots: false,
            ..settings(Some(&farm))
        })
        .unwrap();
        let pages = futures::future::join_all(names.iter().map(|name| kind_of(&fetcher, name))).await;
        assert!(pages.iter().all(Result::is_ok), "waiting for a slot is not a time-out: {pages:?}");
        assert_eq!(farm.peak_in_flight(), limit, "twelve domains on one address, limit {limit}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn robots_txt_is_honoured_unless_the_operator_turns_it_off() {
    let farm = Farm::start().await;
    farm.add("private-garden.com", Site::Html(plain_page("keep out")));
    farm.robots(
        "private-garden.com",
        "User-agent: domain-scheduler\nDisallow: /\n\nUser-agent: *\nAllow: /\n",
    );
    farm.add("open-garden.com", Site::Html(plain_page("welcome")));
    farm.robots("open-garden.com", "User-agent: *\nDisallow: /private/\n");
    let fetcher = WebClient::new(settings(Some(&farm))).unwrap();
    let failure = fetcher.home_page(&DomainName::parse("private-garden.com").unwrap()).await.unwrap_err();
    assert_eq!((failure.kind, failure.permanent), (Kind::RobotsDisallowed, true), "{failure}");
    assert_eq!(farm.requests("private-garden.com"), 0, "the home page was not requested");
    assert!(kind_of(&fetcher, "open-garden.com").await.unwrap().contains("welcome"));
    let impolite = WebClient::new(FetchSettings { respect_robots: false, ..settings(Some(&farm)) }).unwrap();
    assert!(kind_of(&impolite, "private-garden.com").await.unwrap().contains("keep out"));
}
