//! The cost of the extraction against the cost of the bare HTML parse it is built on.
//!
//! `cargo bench --bench extract` (add `-- --warm-up-time 1 --measurement-time 5` for a quicker
//! run). For each input two functions: `extract` is what the fetcher does with a body (decode,
//! then `extract::extract`: parse and every field) and `parse` is `scraper::Html::parse_document`
//! of the same decoded text, the floor. Inputs:
//!
//! - `corpus`: the real pages of `../shared/corpus` (beside the repository), one iteration is
//!   every page once; skipped with a message when the corpus is absent;
//! - `page_50KB`, `page_250KB`, `page_1MB`: generated home pages (deterministic) of about that
//!   size.
//!
//! The time measured is the benchmark thread's CPU time, so that other work on a shared machine
//! does not count (`EXTRACT_BENCH_CLOCK=wall` measures wall-clock time instead). After
//! criterion's own report, a table of pages/s, MB/s (10^6 bytes) and the extract/parse ratio,
//! read back from criterion's estimates, and the same ratio measured in pairs of batches run back
//! to back (see [`paired`]), which the drift of a shared machine's speed does not skew.
//!
//! `EXTRACT_BENCH_DUMP=DIR` writes the generated pages to DIR as well.
//! `EXTRACT_BENCH_TECHNOLOGIES=PATH` detects technologies with that Wappalyzer-format collection
//! beside the built-in rules (`DOMAIN_SCHEDULER_TECHNOLOGIES`), to set its cost against theirs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::cast_possible_truncation)] // test and bench code: a panic is a failure report

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use std::time::Duration;

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{BatchSize, Criterion, SamplingMode, Throughput};
use domain_scheduler::extract::{Page, TechnologySources, extract, install_technologies};
use domain_scheduler::fetch::decode_html_owned;
use reqwest::header::HeaderMap;
use url::Url;

/// One input: its pages (raw bytes as fetched, the decoded text for the parse baseline, the
/// final URL).
struct Input {
    name: String,
    pages: Vec<(Vec<u8>, String, Url)>,
}

impl Input {
    fn bytes(&self) -> u64 {
        self.pages.iter().map(|(raw, ..)| raw.len() as u64).sum()
    }

    /// A copy of the raw pages, for an extraction to consume as the fetcher consumes a body.
    fn bodies(&self) -> Vec<Vec<u8>> {
        self.pages.iter().map(|(raw, ..)| raw.clone()).collect()
    }

    /// What the fetcher does with bodies it has read and owns: decode, then extract.
    fn extract(&self, bodies: Vec<Vec<u8>>) {
        let headers = HeaderMap::new();
        for (body, (_, _, url)) in bodies.into_iter().zip(&self.pages) {
            let html = decode_html_owned(body, None);
            black_box(extract(&Page { html: &html, headers: &headers, url }));
        }
    }
}

fn corpus_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"))
}

/// The corpus pages with their URLs, read the way `tests/it/extraction_corpus.rs` reads them.
fn corpus() -> Option<Input> {
    let dir = corpus_dir();
    let Ok(expected) = std::fs::read_to_string(dir.join("expected.jsonl")) else {
        eprintln!("corpus: {} not found, skipping the corpus group", dir.join("expected.jsonl").display());
        return None;
    };
    let mut pages = Vec::new();
    for line in expected.lines().filter(|l| !l.trim().is_empty()) {
        let record: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
        let page = record["page"].as_str().expect("page");
        let url = Url::parse(record["url"].as_str().expect("url")).expect("a URL");
        let raw = std::fs::read(dir.join("pages").join(page)).expect("a corpus page");
        let html = domain_scheduler::fetch::decode_html(&raw, None);
        pages.push((raw, html, url));
    }
    Some(Input { name: "corpus".into(), pages })
}

/// A small deterministic generator (a linear congruential one with a fixed seed).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> usize {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.next() % items.len()]
    }
}

const WORDS: [&str; 48] = [
    "the",
    "bakery",
    "fresh",
    "bread",
    "every",
    "morning",
    "we",
    "bake",
    "with",
    "organic",
    "flour",
    "and",
    "butter",
    "from",
    "local",
    "farms",
    "our",
    "team",
    "delivers",
    "across",
    "town",
    "order",
    "online",
    "pick",
    "up",
    "in",
    "store",
    "seasonal",
    "pastries",
    "cakes",
    "for",
    "weddings",
    "birthdays",
    "events",
    "open",
    "since",
    "family",
    "recipes",
    "sourdough",
    "croissant",
    "coffee",
    "tea",
    "lunch",
    "menu",
    "gluten-free",
    "vegan",
    "options",
    "available",
];

/// Sentences with the numbers real pages carry: phones, and digits that are not phones.
const NUMBER_SENTENCES: [&str; 8] = [
    "Call us on +44 20 7946 0000 or drop by the shop.",
    "Questions? Phone 020 7946 0018, Monday to Saturday.",
    "Company number 08123456, VAT GB 123 4567 89.",
    "Prices from £ 1 250 for a wedding cake of 120 portions.",
    "Serving the town 1998-2024, open 7:00-19:00.",
    "Orders placed before 2024-03-12 ship the same week.",
    "Our wholesale line: +44 (0)161 496 0123.",
    "Write to orders@bakery-example.co.uk for catering.",
];

fn sentence(rng: &mut Lcg) -> String {
    let count = 8 + rng.next() % 14;
    let mut words: Vec<&str> = (0..count).map(|_| rng.pick(&WORDS)).collect();
    let first = words[0];
    let capital = first[..1].to_ascii_uppercase() + &first[1..];
    words[0] = "";
    format!("{capital}{}.", words.join(" "))
}

/// A home page of about `target` bytes: head metadata, icons, versioned scripts and styles, a
/// header with a logo and navigation, articles of text with a few contacts and numbers, a
/// footer with social profiles and a JSON-LD organisation.
fn generated_page(target: usize) -> String {
    let mut rng = Lcg(0x5eed_1234_abcd_0042);
    let mut html = String::with_capacity(target + 8192);
    html.push_str(
        r#"<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Harbour Street Bakery | Fresh bread, cakes and coffee</title>
<meta name="description" content="Family bakery on Harbour Street since 1998: sourdough, pastries, celebration cakes and coffee.">
<meta name="generator" content="WordPress 6.4.2">
<meta name="robots" content="index, follow, max-image-preview:large">
<meta property="og:type" content="website">
<meta property="og:title" content="Harbour Street Bakery">
<meta property="og:description" content="Fresh bread, cakes and coffee every morning.">
<meta property="og:url" content="https://www.harbour-bakery.co.uk/">
<meta property="og:image" content="https://www.harbour-bakery.co.uk/wp-content/uploads/2024/01/shopfront.jpg">
<meta property="og:locale" content="en_GB">
<meta property="og:site_name" content="Harbour Street Bakery">
<meta name="twitter:card" content="summary_large_image">
<meta name="twitter:site" content="@harbourbakery">
<link rel="canonical" href="https://www.harbour-bakery.co.uk/">
<link rel="icon" href="/wp-content/uploads/2024/01/cropped-icon-32x32.png" sizes="32x32">
<link rel="icon" href="/wp-content/uploads/2024/01/cropped-icon-192x192.png" sizes="192x192">
<link rel="apple-touch-icon" href="/wp-content/uploads/2024/01/cropped-icon-180x180.png">
<link rel="preconnect" href="https://fonts.gstatic.com" crossorigin>
<link rel="stylesheet" href="https://fonts.googleapis.com/css2?family=Lora:wght@400;700&display=swap">
<link rel="stylesheet" id="wp-block-library-css" href="/wp-includes/css/dist/block-library/style.min.css?ver=6.4.2" media="all">
<link rel="stylesheet" id="elementor-frontend-css" href="/wp-content/plugins/elementor/assets/css/frontend.min.css?ver=3.18.3" media="all">
<link rel="stylesheet" id="woocommerce-general-css" href="/wp-content/plugins/woocommerce/assets/css/woocommerce.css?ver=8.4.0" media="all">
<script src="/wp-includes/js/jquery/jquery.min.js?ver=3.7.1" id="jquery-core-js"></script>
<script src="/wp-includes/js/jquery/jquery-migrate.min.js?ver=3.4.1" id="jquery-migrate-js"></script>
<script src="/wp-content/plugins/contact-form-7/includes/js/index.js?ver=5.8.4" id="contact-form-7-js"></script>
<script async src="https://www.googletagmanager.com/gtag/js?id=G-ABCDEF1234"></script>
<script>window.dataLayer = window.dataLayer || []; function gtag(){dataLayer.push(arguments);} gtag('js', new Date()); gtag('config', 'G-ABCDEF1234');</script>
<style>.site-header{display:flex;align-items:center}.elementor-section{padding:2rem 0}.entry-content p{margin:0 0 1em}</style>
<script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"WebSite","@id":"https://www.harbour-bakery.co.uk/#website","url":"https://www.harbour-bakery.co.uk/","name":"Harbour Street Bakery","publisher":{"@id":"https://www.harbour-bakery.co.uk/#organization"}},{"@type":"Organization","@id":"https://www.harbour-bakery.co.uk/#organization","name":"Harbour Street Bakery Ltd","url":"https://www.harbour-bakery.co.uk/","logo":{"@type":"ImageObject","url":"https://www.harbour-bakery.co.uk/wp-content/uploads/2024/01/logo.png","width":320,"height":96},"sameAs":["https://www.facebook.com/harbourbakery","https://twitter.com/harbourbakery","https://www.instagram.com/harbourbakery/"]}]}</script>
</head>
<body class="home page-template-default page page-id-7 wp-custom-logo elementor-default elementor-kit-5">
<div id="page" class="site">
<header id="masthead" class="site-header" role="banner">
<div class="site-branding"><a href="/" class="custom-logo-link" rel="home"><img width="320" height="96" src="/wp-content/uploads/2024/01/logo.png" class="custom-logo" alt="Harbour Street Bakery" decoding="async"></a></div>
<nav id="site-navigation" class="main-navigation" aria-label="Main menu"><ul id="primary-menu" class="menu">
"#,
    );
    for (n, item) in [
        "Home",
        "Bread",
        "Cakes",
        "Pastries",
        "Coffee",
        "Catering",
        "Wholesale",
        "Blog",
        "About us",
        "Contact",
    ]
    .iter()
    .enumerate()
    {
        let slug = item.to_ascii_lowercase().replace(' ', "-");
        html.push_str(&format!(
            "<li id=\"menu-item-{n}\" class=\"menu-item menu-item-type-post_type\"><a href=\"/{slug}/\">{item}</a></li>\n"
        ));
    }
    html.push_str("</ul></nav>\n</header>\n<main id=\"main\" class=\"site-main\">\n");
    const FOOTER_ROOM: usize = 2_600;
    let mut n: u32 = 0;
    while html.len() + FOOTER_ROOM < target {
        html.push_str(&format!(
            "<article id=\"post-{n}\" class=\"post-{n} post type-post status-publish format-standard has-post-thumbnail \
             category-news\">\n<header class=\"entry-header\"><h2 class=\"entry-title\"><a href=\"/{n}/story-{n}/\" \
             rel=\"bookmark\">{}</a></h2><div class=\"entry-meta\"><time class=\"entry-date published\" \
             datetime=\"2024-03-{:02}T08:00:00+00:00\">{} March 2024</time></div></header>\n<div \
             class=\"entry-content elementor-widget-container\">\n<img src=\"/wp-content/uploads/2024/03/story-{n}-768x512.jpg\" \
             alt=\"\" width=\"768\" height=\"512\" loading=\"lazy\">\n",
            sentence(&mut rng).trim_end_matches('.'),
            1 + n % 28,
            1 + n % 28,
        ));
        for _ in 0..(2 + rng.next() % 3) {
            html.push_str("<p>");
            for s in 0..(3 + rng.next() % 4) {
                if s > 0 {
                    html.push(' ');
                }
                html.push_str(&sentence(&mut rng));
            }
            if rng.next().is_multiple_of(4) {
                html.push(' ');
                html.push_str(rng.pick(&NUMBER_SENTENCES));
            }
            if rng.next().is_multiple_of(6) {
                html.push_str(" <strong>Visit the <a href=\"/shop/\">shop</a> today.</strong>");
            }
            html.push_str("</p>\n");
        }
        if n.is_multiple_of(5) {
            html.push_str(
                "<p class=\"contact-line\">Questions about this? <a href=\"mailto:hello@harbour-bakery.co.uk?subject=Story\">E-mail us</a> \
                 or <a href=\"tel:+442079460000\">call +44 20 7946 0000</a>.</p>\n",
            );
        }
        html.push_str(&format!(
            "<p><a class=\"more-link\" href=\"/{n}/story-{n}/#more\">Continue reading<span class=\"screen-reader-text\"> story {n}</span></a></p>\n</div>\n</article>\n"
        ));
        n += 1;
    }
    html.push_str(
        r#"</main>
<footer id="colophon" class="site-footer">
<div class="footer-widgets"><section class="widget widget_text"><h3 class="widget-title">Find us</h3>
<p>Harbour Street Bakery, 12 Harbour Street, London SE10 9NF<br>Telephone: <a href="tel:+44-20-7946-0000">020 7946 0000</a><br>
E-mail: <a href="mailto:hello@harbour-bakery.co.uk">hello@harbour-bakery.co.uk</a></p></section>
<section class="widget widget_social"><h3 class="widget-title">Follow us</h3><ul class="social-links">
<li><a href="https://www.facebook.com/harbourbakery" target="_blank" rel="noopener">Facebook</a></li>
<li><a href="https://twitter.com/harbourbakery" target="_blank" rel="noopener">Twitter</a></li>
<li><a href="https://www.instagram.com/harbourbakery/" target="_blank" rel="noopener">Instagram</a></li>
<li><a href="https://www.linkedin.com/company/harbour-street-bakery" target="_blank" rel="noopener">LinkedIn</a></li>
<li><a href="https://www.youtube.com/@harbourbakery" target="_blank" rel="noopener">YouTube</a></li>
<li><a href="https://www.facebook.com/sharer/sharer.php?u=https%3A%2F%2Fwww.harbour-bakery.co.uk%2F">Share</a></li>
</ul></section></div>
<div class="site-info"><a href="/privacy-policy/">Privacy policy</a> | <a href="/imprint/">Imprint</a> | &copy; 1998-2024 Harbour Street Bakery Ltd, company number 08123456</div>
</footer>
</div>
<script src="/wp-content/plugins/elementor/assets/js/frontend.min.js?ver=3.18.3" id="elementor-frontend-js"></script>
<script src="/wp-content/plugins/woocommerce/assets/js/frontend/woocommerce.min.js?ver=8.4.0" id="woocommerce-js"></script>
<script>var elementorFrontendConfig = {"environmentMode":{"edit":false,"wpPreview":false},"version":"3.18.3","urls":{"assets":"\/wp-content\/plugins\/elementor\/assets\/"}};</script>
</body>
</html>
"#,
    );
    html
}

fn generated(name: &str, target: usize) -> Input {
    let html = generated_page(target);
    let url = Url::parse("https://www.harbour-bakery.co.uk/").expect("a URL");
    Input { name: name.into(), pages: vec![(html.clone().into_bytes(), html, url)] }
}

/// CPU time of the calling thread (criterion runs the routine on it): on a machine shared with
/// other work, the time spent waiting for a core does not count.
struct ThreadCpuTime;

fn thread_cpu_time() -> Duration {
    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `now` is a valid `timespec` for the call to write.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    assert_eq!(status, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

/// Wall-clock time since the first call, for [`paired`] under `EXTRACT_BENCH_CLOCK=wall`.
fn wall_clock() -> Duration {
    static ORIGIN: std::sync::LazyLock<std::time::Instant> =
        std::sync::LazyLock::new(std::time::Instant::now);
    ORIGIN.elapsed()
}

impl Measurement for ThreadCpuTime {
    type Intermediate = Duration;
    type Value = Duration;

    fn start(&self) -> Duration {
        thread_cpu_time()
    }
    fn end(&self, started: Duration) -> Duration {
        thread_cpu_time().saturating_sub(started)
    }
    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }
    fn zero(&self) -> Duration {
        Duration::ZERO
    }
    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        static WALL_TIME: WallTime = WallTime;
        WALL_TIME.formatter()
    }
}

fn bench_input<M: Measurement>(c: &mut Criterion<M>, input: &Input) {
    let mut group = c.benchmark_group(&input.name);
    group.throughput(Throughput::Bytes(input.bytes()));
    if input.bytes() > 500_000 {
        // Long iterations: fewer samples, each of the same number of iterations.
        group.sample_size(10).sampling_mode(SamplingMode::Flat);
    }
    group.bench_function("extract", |b| {
        // The copy of the bodies is made outside the measurement.
        let size = if input.pages.len() > 1 { BatchSize::PerIteration } else { BatchSize::SmallInput };
        b.iter_batched(|| input.bodies(), |bodies| input.extract(bodies), size)
    });
    group.bench_function("parse", |b| b.iter(|| parse_all(input)));
    group.finish();
}

/// Where criterion writes its estimates, found the way criterion finds it.
fn criterion_home() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(target).join("criterion");
    }
    let metadata = std::env::var_os("CARGO").and_then(|cargo| {
        std::process::Command::new(cargo)
            .args(["metadata", "--format-version", "1", "--no-deps"])
            .output()
            .ok()
    });
    metadata
        .and_then(|out| serde_json::from_slice::<serde_json::Value>(&out.stdout).ok())
        .and_then(|m| m["target_directory"].as_str().map(|t| Path::new(t).join("criterion")))
        .unwrap_or_else(|| PathBuf::from("target/criterion"))
}

/// Seconds per iteration as criterion reports it (the slope, else the mean), if it ran in this
/// process (not left over from an earlier run).
fn seconds(home: &Path, group: &str, function: &str, since: SystemTime) -> Option<f64> {
    let path = home.join(group).join(function).join("new").join("estimates.json");
    if std::fs::metadata(&path).and_then(|m| m.modified()).ok()? < since {
        return None;
    }
    let estimates: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    let estimate = match &estimates["slope"] {
        serde_json::Value::Null => &estimates["mean"],
        slope => slope,
    };
    estimate["point_estimate"].as_f64().map(|ns| ns / 1e9)
}

/// The extract/parse ratio measured in pairs. Criterion measures all of `extract`, then all of
/// `parse`, seconds apart; on a virtual machine whose speed drifts with its neighbours' load,
/// the ratio of two such figures moves widely from one run to the next. Here each round times
/// a batch of extractions and a batch of parses back to back (which goes first alternates), in
/// the clock the benchmark uses, and the result is the median and quartiles of the rounds'
/// ratios.
struct Paired {
    median: f64,
    lower_quartile: f64,
    upper_quartile: f64,
    rounds: usize,
}

fn paired(input: &Input, clock: fn() -> Duration) -> Paired {
    // As in the criterion benchmarks, the bodies the extraction consumes are copied outside the
    // measurement: each iteration is timed alone, its copy made just before, as a body just
    // read from the network is.
    let extract = |batch: usize| {
        let mut spent = Duration::ZERO;
        for _ in 0..batch {
            let bodies = input.bodies();
            let started = clock();
            input.extract(bodies);
            spent += clock() - started;
        }
        spent.as_secs_f64()
    };
    let parse = |batch: usize| {
        let mut spent = Duration::ZERO;
        for _ in 0..batch {
            let started = clock();
            parse_all(input);
            spent += clock() - started;
        }
        spent.as_secs_f64()
    };
    // Batches of about 20 ms, rounds for about 4 s in all.
    let once = extract(1).max(1e-6);
    let batch = ((0.02 / once).ceil() as usize).max(1);
    let rounds = ((4.0 / (2.0 * once * batch as f64)) as usize).clamp(9, 201);
    let mut ratios: Vec<f64> = (0..rounds)
        .map(|round| {
            if round % 2 == 0 {
                let e = extract(batch);
                e / parse(batch)
            } else {
                let p = parse(batch);
                extract(batch) / p
            }
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    let at = |q: f64| ratios[((ratios.len() - 1) as f64 * q).round() as usize];
    Paired { median: at(0.5), lower_quartile: at(0.25), upper_quartile: at(0.75), rounds }
}

fn summary(inputs: &[Input], since: SystemTime, clock: &str, read_clock: fn() -> Duration) {
    let home = criterion_home();
    println!(
        "\nRates from criterion's estimates ({clock}), and the extract/parse ratio measured in pairs (median of the rounds [quartiles]):\n\n| input | bytes | extract pages/s | extract MB/s | parse pages/s | parse MB/s | extract/parse | paired extract/parse |\n| --- | --: | --: | --: | --: | --: | --: | --: |"
    );
    for input in inputs {
        let (Some(extract), Some(parse)) =
            (seconds(&home, &input.name, "extract", since), seconds(&home, &input.name, "parse", since))
        else {
            continue;
        };
        let pages = input.pages.len() as f64;
        let mb = input.bytes() as f64 / 1e6;
        let pairs = paired(input, read_clock);
        println!(
            "| {} | {} | {:.0} | {:.1} | {:.0} | {:.1} | {:.2} | {:.2} [{:.2}–{:.2}], {} rounds |",
            input.name,
            input.bytes(),
            pages / extract,
            mb / extract,
            pages / parse,
            mb / parse,
            extract / parse,
            pairs.median,
            pairs.lower_quartile,
            pairs.upper_quartile,
            pairs.rounds,
        );
    }
}

/// Every page of `input` extracted once, as the `extract` benchmark does it (the copy of the
/// bodies included: profilers see it apart).
fn extract_all(input: &Input) {
    input.extract(input.bodies());
}

/// Every page of `input` parsed once, as the `parse` benchmark does it.
fn parse_all(input: &Input) {
    for (_, html, _) in &input.pages {
        black_box(scraper::Html::parse_document(html));
    }
}

#[inline(never)]
fn profile_extract(input: &Input, n: usize) {
    (0..n).for_each(|_| extract_all(input));
}

#[inline(never)]
fn profile_parse(input: &Input, n: usize) {
    (0..n).for_each(|_| parse_all(input));
}

/// `EXTRACT_BENCH_PROFILE=INPUT:N`: no criterion, but one extraction and one parse of INPUT to
/// warm up, then N of each in `profile_extract` and `profile_parse`; for profilers, e.g.
/// `valgrind --tool=callgrind --collect-atstart=no --toggle-collect='extract::profile_*'`.
fn profile(inputs: &[Input], spec: &str) {
    let (name, n) = spec.split_once(':').unwrap_or((spec, "10"));
    let n: usize = n.parse().expect("EXTRACT_BENCH_PROFILE=INPUT:N");
    let input = inputs.iter().find(|i| i.name == name).expect("EXTRACT_BENCH_PROFILE names an input");
    extract_all(input);
    parse_all(input);
    let started = std::time::Instant::now();
    profile_extract(input, n);
    let extracting = started.elapsed();
    profile_parse(input, n);
    let parsing = started.elapsed() - extracting;
    eprintln!("{name}: {n} extractions in {extracting:?}, {n} parses in {parsing:?}");
}

fn main() {
    let started = SystemTime::now();
    // Thread CPU time unless EXTRACT_BENCH_CLOCK=wall.
    let wall = std::env::var("EXTRACT_BENCH_CLOCK").is_ok_and(|clock| clock == "wall");
    eprintln!(
        "measuring {} (EXTRACT_BENCH_CLOCK=wall|cpu)",
        if wall { "wall-clock time" } else { "the benchmark thread's CPU time" }
    );
    let mut inputs: Vec<Input> = corpus().into_iter().collect();
    inputs.push(generated("page_50KB", 50_000));
    inputs.push(generated("page_250KB", 250_000));
    inputs.push(generated("page_1MB", 1_000_000));
    // EXTRACT_BENCH_DUMP=DIR writes the generated pages there, to look at or to feed to
    // `domain-scheduler extract`.
    if let Some(dir) = std::env::var_os("EXTRACT_BENCH_DUMP") {
        for input in inputs.iter().filter(|i| i.name != "corpus") {
            let path = Path::new(&dir).join(format!("{}.html", input.name));
            std::fs::write(&path, &input.pages[0].0).expect("a writable EXTRACT_BENCH_DUMP directory");
        }
    }
    // EXTRACT_BENCH_TECHNOLOGIES=PATH[:PATH...]: detection with these Wappalyzer-format files
    // beside the built-in rules, as DOMAIN_SCHEDULER_TECHNOLOGIES gives the service.
    if let Some(paths) = std::env::var_os("EXTRACT_BENCH_TECHNOLOGIES") {
        let paths: Vec<PathBuf> = std::env::split_paths(&paths).collect();
        let loading = std::time::Instant::now();
        let (sources, _) = TechnologySources::load(&paths, true).expect("readable fingerprint files");
        eprintln!("technology fingerprints read in {:?}", loading.elapsed());
        install_technologies(sources);
    }
    if let Ok(spec) = std::env::var("EXTRACT_BENCH_PROFILE") {
        return profile(&inputs, &spec);
    }
    if wall {
        let mut criterion = Criterion::default().configure_from_args();
        inputs.iter().for_each(|input| bench_input(&mut criterion, input));
        criterion.final_summary();
    } else {
        let mut criterion = Criterion::default().with_measurement(ThreadCpuTime).configure_from_args();
        inputs.iter().for_each(|input| bench_input(&mut criterion, input));
        criterion.final_summary();
    }
    if wall {
        summary(&inputs, started, "wall-clock time", wall_clock);
    } else {
        summary(&inputs, started, "thread CPU time", thread_cpu_time);
    }
}
