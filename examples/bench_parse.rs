//! The yardstick of the drain benchmark: CPU time of a bare `scraper::Html::parse_document` of
//! the pages the farm serves to the first DOMAINS domains, inflated and decoded as a client gets
//! them, averaged over the domains (a page served to ten domains counts ten times).
//!
//! Usage: `bench_parse DOMAINS [REPS]`, with the same `FARM_*` settings as `bench_farm`. Prints
//! `PARSE_CPU_MS_PER_PAGE x` for scripts, then the same in words. `FARM_DUMP=DIR` also writes
//! each distinct page there as served (inflated, in its own charset).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::cast_possible_truncation)] // test and bench code: a panic is a failure report

#[allow(dead_code)] // The farm's server-side parts (robots, contact pages, pacing) go unused here.
#[path = "site_farm/mod.rs"]
mod site_farm;

use site_farm::FarmEnv;

/// Writes each distinct page as a client receives it (inflated, still in its charset), to read
/// the pages or to run other tools over them.
fn dump(catalogue: &site_farm::Catalogue, dir: &std::path::Path) {
    let _ = std::fs::create_dir_all(dir);
    for (index, _) in catalogue.distinct() {
        if let Some(page) = catalogue.pages.get(index) {
            let name = match &page.origin {
                site_farm::catalogue::Origin::Corpus(name) => format!("{index:05}-corpus-{name}"),
                site_farm::catalogue::Origin::Generated(platform) => {
                    format!("{index:05}-{}.html", platform.name())
                }
                site_farm::catalogue::Origin::Lorem => format!("{index:05}-lorem.html"),
            };
            let mut raw = Vec::new();
            let _ = std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&page.gzip[..]), &mut raw);
            let _ = std::fs::write(dir.join(name), raw);
        }
    }
}

/// CPU time of this thread, in seconds.
fn thread_cpu() -> f64 {
    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes only the timespec passed to it.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    now.tv_sec as f64 + now.tv_nsec as f64 / 1e9
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let domains: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(2000);
    let reps: usize = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(1).max(1);
    let catalogue = match FarmEnv::from_env(domains).and_then(|env| env.catalogue()) {
        Ok(catalogue) => catalogue,
        Err(message) => {
            eprintln!("bench_parse: {message}");
            std::process::exit(2);
        }
    };
    if let Some(dir) = std::env::var_os("FARM_DUMP") {
        dump(&catalogue, std::path::Path::new(&dir));
    }
    let pages: Vec<(String, usize)> = catalogue
        .distinct()
        .into_iter()
        .filter_map(|(index, count)| catalogue.pages.get(index).map(|page| (page.text(), count)))
        .collect();
    let (mut weighted, mut counted, mut total) = (0.0, 0usize, 0.0);
    for (text, count) in &pages {
        let started = thread_cpu();
        for _ in 0..reps {
            drop(std::hint::black_box(scraper::Html::parse_document(text)));
        }
        let each = (thread_cpu() - started) / reps as f64;
        weighted += each * *count as f64;
        counted += count;
        total += each;
    }
    let per_page = weighted / counted.max(1) as f64;
    println!("PARSE_CPU_MS_PER_PAGE {:.4}", per_page * 1000.0);
    println!(
        "bare parse of {counted} domains' pages ({} distinct, {reps} rep(s) each): {:.3} ms CPU per page, \
         {:.0} pages/s on one core; {:.1} s CPU in all",
        pages.len(),
        per_page * 1000.0,
        1.0 / per_page.max(1e-9),
        total * reps as f64
    );
    eprintln!("{}", catalogue.summary());
}
