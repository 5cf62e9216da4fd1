//! The farm's accuracy: the extraction of the pages the farm serves to the first DOMAINS
//! domains, scored against what each generated page states (its brand's phone number and
//! e-mail address, `site_farm::catalogue::Truth`). Real corpus pages state no contacts to
//! score: they are left out here and scored by `tests/it/extraction_corpus.rs`.
//!
//! Usage: `farm_accuracy [DOMAINS]` (default 10000), with the same `FARM_*` settings as
//! `bench_farm`. Each distinct page is extracted once through `extract`, as the service does,
//! and counts for every domain it is served to. Prints `PHONE_ACCURACY x` and
//! `EMAIL_ACCURACY x` for scripts, then the first misses.
//!
//! `farm_accuracy --truth [DOMAINS]` prints instead what each domain's generated page states,
//! as `name phone email` lines (tab-separated), for `benches/drain.sh` to score the rows a drain
//! stored.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::cast_possible_truncation)] // test and bench code: a panic is a failure report

#[allow(dead_code)] // The farm's server-side parts (robots, contact pages, pacing) go unused here.
#[path = "site_farm/mod.rs"]
mod site_farm;

use domain_scheduler::extract::{Page, extract};
use site_farm::FarmEnv;

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let truth_only = args.first().is_some_and(|a| a == "--truth");
    if truth_only {
        args.remove(0);
    }
    let domains: usize = args.first().and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let catalogue = match FarmEnv::from_env(domains).and_then(|env| env.catalogue()) {
        Ok(catalogue) => catalogue,
        Err(message) => {
            eprintln!("farm_accuracy: {message}");
            std::process::exit(2);
        }
    };
    if truth_only {
        for (domain, &index) in catalogue.assignment.iter().enumerate() {
            if let Some(truth) = &catalogue.pages[index as usize].truth {
                println!("site-{domain}.bench-farm.com\t{}\t{}", truth.phone, truth.email);
            }
        }
        return;
    }
    // The first domain each distinct page is served to names it, as the farm would.
    let mut first_domain = vec![usize::MAX; catalogue.pages.len()];
    for (domain, &index) in catalogue.assignment.iter().enumerate() {
        let first = &mut first_domain[index as usize];
        *first = (*first).min(domain);
    }
    let headers = reqwest::header::HeaderMap::new();
    let (mut scored, mut phones_right, mut emails_right) = (0usize, 0usize, 0usize);
    let mut misses = Vec::new();
    for (index, count) in catalogue.distinct() {
        let page = &catalogue.pages[index];
        let Some(truth) = &page.truth else { continue };
        let url = url::Url::parse(&format!("https://site-{}.bench-farm.com/", first_domain[index])).unwrap();
        let html = page.text();
        let metadata = extract(&Page { html: &html, headers: &headers, url: &url });
        scored += count;
        if metadata.phone_numbers == [truth.phone.clone()] {
            phones_right += count;
        } else {
            misses.push(format!(
                "page {index} ({count} domains): phones {:?}, expected [{}]",
                metadata.phone_numbers, truth.phone
            ));
        }
        if metadata.email_addresses == [truth.email.clone()] {
            emails_right += count;
        } else {
            misses.push(format!(
                "page {index} ({count} domains): e-mails {:?}, expected [{}]",
                metadata.email_addresses, truth.email
            ));
        }
    }
    let share = |right: usize| right as f64 / scored.max(1) as f64;
    println!("PHONE_ACCURACY {:.4}", share(phones_right));
    println!("EMAIL_ACCURACY {:.4}", share(emails_right));
    println!(
        "{scored} of {domains} domains served a generated page: phone {phones_right} right, e-mail {emails_right} right; \
         {} misses",
        misses.len()
    );
    for miss in misses.iter().take(20) {
        println!("  {miss}");
    }
}
