//! Name resolution through the service's own resolver, against the tests' DNS server: each way a
//! name can fail is its own kind, permanent or worth a retry; a silent name server costs the DNS
//! time-out × attempts, not the fetch deadline; answers are cached and identical look-ups merged;
//! every answer goes through the address guard.

use crate::common;
use crate::on_both_backends;

use std::net::IpAddr;
use std::time::{Duration, Instant};

use common::db::Backend;
use common::dns::{Behaviour, DnsServer};
use common::scenario::Scenario;
use domain_scheduler::config::Scheme;
use domain_scheduler::domain_name::DomainName;
use domain_scheduler::failure::{Failure, Kind};
use domain_scheduler::fetch::{Dns, DnsFailure, DnsSettings, FetchSettings, WebClient};
use futures::StreamExt;

fn dns_settings(server: &DnsServer) -> DnsSettings {
    DnsSettings {
        servers: vec![server.addr],
        timeout: Duration::from_millis(300),
        attempts: 2,
        cache_size: 1000,
    }
}

fn fetch_settings(server: &DnsServer, allow_private: bool) -> FetchSettings {
    FetchSettings {
        timeout: Duration::from_secs(20),
        max_bytes: 1024 * 1024,
        schemes: vec![Scheme::Https, Scheme::Http],
        connect_to: None,
        allow_private_networks: allow_private,
        user_agent: "domain-scheduler/test".into(),
        respect_robots: false,
        per_host_concurrency: 2,
        per_ip_concurrency: 8,
        dns: dns_settings(server),
        diagnostic_dir: None,
        default_phone_region: None,
        extra_roots: Vec::new(),
        technologies: Vec::new(),
        builtin_technologies: true,
    }
}

async fn failure_of(web: &WebClient, domain: &str) -> Failure {
    web.home_page(&DomainName::parse(domain).unwrap()).await.expect_err("the name gives no page")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_that_does_not_exist_is_a_permanent_dns_nxdomain_asked_once() {
    let server = DnsServer::start().await;
    server.set("no-such-name.com", Behaviour::NxDomain);
    let web = WebClient::new(fetch_settings(&server, false)).unwrap();
    let failure = failure_of(&web, "no-such-name.com").await;
    assert_eq!(failure.kind, Kind::DnsNxdomain, "{failure:?}");
    assert!(failure.permanent, "a name that does not exist is not retried");
    let asked = server.queries("no-such-name.com");
    assert!((1..=2).contains(&asked), "one A and one AAAA query at most, not one per scheme: {asked}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_without_an_address_record_is_a_permanent_dns_no_address() {
    let server = DnsServer::start().await;
    server.set("mail-only.com", Behaviour::NoAddress);
    let web = WebClient::new(fetch_settings(&server, false)).unwrap();
    let failure = failure_of(&web, "mail-only.com").await;
    assert_eq!(failure.kind, Kind::DnsNoAddress, "{failure:?}");
    assert!(failure.permanent);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_or_refusing_name_server_is_a_dns_servfail_worth_a_retry() {
    let server = DnsServer::start().await;
    server.set("servfail.com", Behaviour::ServFail);
    server.set("refused.com", Behaviour::Refused);
    let web = WebClient::new(fetch_settings(&server, false)).unwrap();
    for domain in ["servfail.com", "refused.com"] {
        let failure = failure_of(&web, domain).await;
        assert_eq!(failure.kind, Kind::DnsServfail, "{domain}: {failure:?}");
        assert!(!failure.permanent, "{domain}: a failing name server may answer next time");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_name_server_costs_the_dns_time_out_times_attempts_not_the_fetch_deadline() {
    let server = DnsServer::start().await;
    server.set("silent.com", Behaviour::Silent);
    let web = WebClient::new(fetch_settings(&server, false)).unwrap();
    let started = Instant::now();
    let failure = failure_of(&web, "silent.com").await;
    let waited = started.elapsed();
    assert_eq!(failure.kind, Kind::DnsTimeout, "{failure:?}");
    assert!(!failure.permanent);
    // 300 ms × 2 attempts (plus the look-up's margin), far below the fetch deadline of 20 s.
    assert!(waited < Duration::from_secs(5), "waited {waited:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resolved_answers_inside_the_network_are_refused_by_the_address_guard() {
    let server = DnsServer::start().await;
    server.answer("rebind-private.com", "10.1.2.3");
    server.answer("rebind-loopback.com", "127.0.0.1");
    server.set("rebind-cname.com", Behaviour::Cname("metadata.internal-host.com".into()));
    server.answer("metadata.internal-host.com", "169.254.169.254");
    server.set("rebind-v6.com", Behaviour::Answer(vec!["::1".parse().unwrap()]));
    let web = WebClient::new(fetch_settings(&server, false)).unwrap();
    for domain in ["rebind-private.com", "rebind-loopback.com", "rebind-cname.com", "rebind-v6.com"] {
        let failure = failure_of(&web, domain).await;
        assert_eq!(failure.kind, Kind::BlockedAddress, "{domain}: {failure:?}");
        assert!(failure.permanent);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_visit_of_a_name_asks_the_name_server_nothing() {
    let server = DnsServer::start().await;
    // Loopback with private networks allowed: nothing listens on ports 80 and 443 there, so the
    // visit fails to connect, after the name has been resolved.
    server.answer("cached-name.com", "127.0.0.1");
    let web = WebClient::new(fetch_settings(&server, true)).unwrap();
    let first = failure_of(&web, "cached-name.com").await;
    assert_eq!(first.kind, Kind::Connect, "{first:?}");
    let after_first = server.queries("cached-name.com");
    assert!(
        (1..=2).contains(&after_first),
        "the per-address bound and the connector share one resolution: {after_first}"
    );
    failure_of(&web, "cached-name.com").await;
    assert_eq!(server.queries("cached-name.com"), after_first, "the second visit is answered by the cache");
}

/// A name just resolved is not asked again, however full the cache is: the visit that follows a
/// look-up ahead finds its answer even after thousands of other names went through the cache.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_just_resolved_is_not_asked_again_when_the_cache_is_full() {
    let server = DnsServer::start().await;
    let names: Vec<String> = (0..2000).map(|n| format!("many-{n}.com")).collect();
    for name in &names {
        server.answer(name, "192.0.2.10");
    }
    let dns = Dns::new(&DnsSettings { cache_size: 500, ..dns_settings(&server) }).unwrap();
    // Each name is resolved ahead, then asked again by its visit while later names come in.
    let mut previous: Option<&String> = None;
    for name in &names {
        dns.addresses(name).await.unwrap();
        if let Some(before) = previous {
            dns.addresses(before).await.unwrap();
        }
        previous = Some(name);
    }
    let asked_twice: Vec<&String> = names.iter().filter(|name| server.queries(name) > 1).collect();
    assert!(
        asked_twice.is_empty(),
        "{} names asked again, first {:?}",
        asked_twice.len(),
        asked_twice.first()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identical_look_ups_in_flight_are_merged_into_one_query() {
    let server = DnsServer::start().await;
    server.set(
        "slow-name.com",
        Behaviour::Slow(Duration::from_millis(200), vec!["192.0.2.7".parse().unwrap()]),
    );
    let dns = Dns::new(&dns_settings(&server)).unwrap();
    let lookups = (0..20).map(|_| dns.addresses("slow-name.com"));
    for answer in futures::future::join_all(lookups).await {
        assert_eq!(answer.unwrap().to_vec(), vec!["192.0.2.7".parse::<IpAddr>().unwrap()]);
    }
    assert!(
        server.queries("slow-name.com") <= 2,
        "one A and one AAAA query: {}",
        server.queries("slow-name.com")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cname_chains_several_addresses_and_ipv6_only_names_resolve() {
    let server = DnsServer::start().await;
    server.set("www.brand.com", Behaviour::Cname("edge.cdn-host.com".into()));
    server.set("edge.cdn-host.com", Behaviour::Cname("edge-7.cdn-host.com".into()));
    server.set(
        "edge-7.cdn-host.com",
        Behaviour::Answer(vec!["192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap()]),
    );
    server.set("v6-only.com", Behaviour::Answer(vec!["2001:db8::7".parse().unwrap()]));
    let dns = Dns::new(&dns_settings(&server)).unwrap();
    let mut chained = dns.addresses("www.brand.com").await.unwrap().to_vec();
    chained.sort();
    assert_eq!(chained, vec!["192.0.2.1".parse::<IpAddr>().unwrap(), "192.0.2.2".parse().unwrap()]);
    assert_eq!(
        dns.addresses("v6-only.com").await.unwrap().to_vec(),
        vec!["2001:db8::7".parse::<IpAddr>().unwrap()]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_a_thousand_distinct_names_at_the_default_pool_resolves_without_a_local_failure() {
    let server = DnsServer::start().await;
    for n in 0..1000 {
        server.answer(&format!("burst-{n}.com"), "192.0.2.9");
    }
    // The default settings, and as many look-ups at once as the default pool of 64 fetchers
    // makes (the per-address bound and the connector of each share one).
    let dns = Dns::new(&DnsSettings { servers: vec![server.addr], ..DnsSettings::default() }).unwrap();
    let names: Vec<String> = (0..1000).map(|n| format!("burst-{n}.com")).collect();
    let answers: Vec<_> = futures::stream::iter(names.iter().map(|name| dns.addresses(name)))
        .buffer_unordered(64)
        .collect()
        .await;
    let failed: Vec<&DnsFailure> = answers.iter().filter_map(|answer| answer.as_ref().err()).collect();
    assert!(failed.is_empty(), "{} of 1,000 failed, first: {:?}", failed.len(), failed.first());
}

/// Every way a name can fail, end to end: `add`, then `run-once --drain` resolving through the
/// tests' DNS server instead of `connect_to`; each domain ends with its kind, the permanent ones
/// in `error` after one attempt, the others back to `pending` for a later attempt.
async fn each_dns_failure_ends_the_domain_as_its_kind_says(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    let server = DnsServer::start().await;
    server.set("gone-name.com", Behaviour::NxDomain);
    server.set("mail-only-name.com", Behaviour::NoAddress);
    server.set("failing-server.com", Behaviour::ServFail);
    server.set("silent-server.com", Behaviour::Silent);
    server.answer("inside-name.com", "10.0.0.1");
    // Names that do resolve, each its own way, to an address the guard refuses: the kind says
    // the name was resolved (and checked), not that it failed.
    server
        .set("slow-name.com", Behaviour::Slow(Duration::from_millis(150), vec!["10.0.0.2".parse().unwrap()]));
    server.set("alias-name.com", Behaviour::Cname("alias-target.net".into()));
    server.set("alias-target.net", Behaviour::Cname("final-target.net".into()));
    server.answer("final-target.net", "192.168.7.7");
    server.answer("ipv6-only-name.com", "fd00::7");
    let domains = [
        "gone-name.com",
        "mail-only-name.com",
        "failing-server.com",
        "silent-server.com",
        "inside-name.com",
        "slow-name.com",
        "alias-name.com",
        "ipv6-only-name.com",
    ];
    scenario.add(&domains);
    let mut command = scenario.command(&["run-once", "--drain"]);
    command
        .env_remove("DOMAIN_SCHEDULER_FETCH_CONNECT_TO")
        .env("DOMAIN_SCHEDULER_DNS_SERVERS", server.server())
        .env("DOMAIN_SCHEDULER_DNS_TIMEOUT_MS", "300")
        .env("DOMAIN_SCHEDULER_DNS_ATTEMPTS", "2")
        .env("DOMAIN_SCHEDULER_FETCH_TIMEOUT_SECONDS", "20");
    let started = Instant::now();
    let output = command.output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "the silent name cost the DNS bound, not the fetch deadline"
    );
    for (domain, status, kind) in [
        ("gone-name.com", "error", "fetch/dns_nxdomain"),
        ("mail-only-name.com", "error", "fetch/dns_no_address"),
        ("failing-server.com", "pending", "fetch/dns_servfail"),
        ("silent-server.com", "pending", "fetch/dns_timeout"),
        ("inside-name.com", "error", "fetch/blocked_address"),
        ("slow-name.com", "error", "fetch/blocked_address"),
        ("alias-name.com", "error", "fetch/blocked_address"),
        ("ipv6-only-name.com", "error", "fetch/blocked_address"),
    ] {
        let row = scenario.row(domain);
        assert_eq!(row["status"], status, "{domain}: {row}");
        assert_eq!(row["attempts"], 1, "{domain}: one attempt so far");
        assert_eq!(scenario.error_kinds(domain).await, vec![kind.to_owned()], "{domain}");
        assert!(row["last_error"].as_str().unwrap().starts_with(kind), "{domain}: {row}");
    }
}

/// A silent name server delays only its own domain. With one fetcher, whose share of claims is
/// two domains, the two silent names claimed first neither hold the fetcher nor the claims: the
/// domains behind them are claimed and visited while their look-ups wait, so their outcomes are
/// recorded first; and each silent domain's visit then takes its look-up's failure without
/// asking again.
async fn a_silent_name_keeps_no_fetcher_from_the_domains_behind_it(backend: Backend) {
    use sea_orm::{EntityTrait, QueryOrder};
    let Some(scenario) = Scenario::start(backend).await else { return };
    let server = DnsServer::start().await;
    let silent = ["silent-first.com", "silent-second.com"];
    for name in silent {
        server.set(name, Behaviour::Silent);
    }
    let behind: Vec<String> = (0..5).map(|n| format!("behind-{n}.com")).collect();
    for (n, name) in behind.iter().enumerate() {
        server.answer(name, &format!("10.0.0.{}", n + 1));
    }
    scenario.add(&silent);
    scenario.add(&behind);
    let mut command = scenario.command(&["run-once", "--drain"]);
    command
        .env_remove("DOMAIN_SCHEDULER_FETCH_CONNECT_TO")
        .env("DOMAIN_SCHEDULER_DNS_SERVERS", server.server())
        .env("DOMAIN_SCHEDULER_DNS_TIMEOUT_MS", "1000")
        .env("DOMAIN_SCHEDULER_DNS_ATTEMPTS", "2")
        .env("DOMAIN_SCHEDULER_FETCHER_POOL_SIZE", "1");
    let output = command.output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let db = scenario.db.connect().await;
    let recorded = entity::domain_errors::Entity::find()
        .order_by_asc(entity::domain_errors::Column::Id)
        .all(&db)
        .await
        .unwrap();
    let domains = entity::domains::Entity::find().all(&db).await.unwrap();
    let name_of = |id| domains.iter().find(|d| d.id == id).map(|d| d.domain.clone()).unwrap();
    let order: Vec<(String, String)> =
        recorded.iter().map(|e| (name_of(e.domain_id), e.kind.clone())).collect();
    assert_eq!(order.len(), 7, "{order:?}");
    assert!(order[..5].iter().all(|(_, kind)| kind == "blocked_address"), "{order:?}");
    assert!(
        order[5..].iter().all(|(name, kind)| name.starts_with("silent-") && kind == "dns_timeout"),
        "{order:?}"
    );
    // What one look-up of a silent name costs under the same settings ...
    server.set("silent-baseline.com", Behaviour::Silent);
    let settings = DnsSettings { timeout: Duration::from_millis(1000), attempts: 2, ..dns_settings(&server) };
    let _ = Dns::new(&settings).unwrap().addresses("silent-baseline.com").await;
    // ... is all each silent domain cost: its visit took the failure of the look-up ahead.
    let one_look_up = server.queries("silent-baseline.com");
    for name in silent {
        let asked = server.queries(name);
        assert!(asked <= one_look_up, "{name}: asked {asked} times, one look-up asks {one_look_up}");
    }
    let _ = db.close().await;
}

on_both_backends!(
    each_dns_failure_ends_the_domain_as_its_kind_says,
    a_silent_name_keeps_no_fetcher_from_the_domains_behind_it,
);
