//! One fetcher: fetch a domain's home page (and contact pages when allowed), extract its
//! metadata off the async workers, and hand the result to the persister or the failure to the
//! error recorder. It never writes to the database.

use std::time::Instant;

use ractor::{Actor, ActorProcessingErr, ActorRef};
use tracing::Instrument;

use super::messages::{Downstream, ErrorRecorderMsg, FetcherMsg, FetcherPoolMsg, PersisterMsg, WorkItem};
use crate::extract::{self, Page};
use crate::failure::{Failure, Kind, Stage};
use crate::fetch::{FetchedPage, WebClient, fetch_span, record_result};
use crate::pressure::{Pressure, Shortage};

pub struct Fetcher;

pub struct FetcherArgs {
    pub index: usize,
    pub web: WebClient,
    pub pressure: Pressure,
    pub pool: ActorRef<FetcherPoolMsg>,
    pub downstream: Downstream,
    pub diagnostic_dir: Option<std::path::PathBuf>,
    pub extraction: extract::ExtractionThreads,
}

impl Actor for Fetcher {
    type Msg = FetcherMsg;
    type State = FetcherArgs;
    type Arguments = FetcherArgs;

    async fn pre_start(
        &self,
        _myself: ActorRef<Self::Msg>,
        args: FetcherArgs,
    ) -> Result<FetcherArgs, ActorProcessingErr> {
        Ok(args)
    }

    async fn handle(
        &self,
        _myself: ActorRef<Self::Msg>,
        msg: FetcherMsg,
        state: &mut FetcherArgs,
    ) -> Result<(), ActorProcessingErr> {
        let FetcherMsg::Process(item) = msg;
        #[cfg(feature = "failpoints")]
        fail_point_entry(item.domain.as_str());
        let result = process(state, &item).await;
        match result {
            Err(failure) if failure.is_local() => {
                state.pressure.report(Shortage::LocalResources, &failure.message);
                state.downstream.error_recorder().cast(ErrorRecorderMsg::HandBack { item, failure })?
            }
            Ok(metadata) => {
                state.pressure.relieved(Shortage::LocalResources);
                state
                    .downstream
                    .persister()
                    .cast(PersisterMsg::Persist { item, metadata: Box::new(metadata) })?
            }
            Err(failure) => {
                state.pressure.relieved(Shortage::LocalResources);
                state.downstream.error_recorder().cast(ErrorRecorderMsg::Record { item, failure })?
            }
        }
        state.pool.cast(FetcherPoolMsg::Ready(state.index))?;
        Ok(())
    }
}

/// `fetcher-entry`: `panic` panics on every domain; `return(a.com,b.com)` panics on those
/// domains only.
#[cfg(feature = "failpoints")]
fn fail_point_entry(domain: &str) {
    if let Some(argument) = fail::eval("fetcher-entry", |argument| argument) {
        let targeted = argument.as_deref().is_none_or(|list| list.split(',').any(|d| d.trim() == domain));
        if targeted {
            panic!("fail point fetcher-entry on {domain}");
        }
    }
}

async fn process(state: &FetcherArgs, item: &WorkItem) -> Result<entity::Metadata, Failure> {
    let name = &item.domain;
    // The visit's connections close when it ends, at the end of this function.
    let visit = state.web.visit()?;
    // What the DNS says about the domain's mail is asked while the home page loads; it is
    // dropped, unanswered, when the visit fails.
    let mut mail = {
        let (web, domain) = (state.web.clone(), name.as_str().to_owned());
        let span = tracing::info_span!(parent: &item.span, "mail_records");
        AbortOnDrop(tokio::spawn(async move { web.mail_records(&domain).await }.instrument(span)))
    };
    let started = Instant::now();
    let first_scheme = state.web.settings().schemes.first().map_or("https", |scheme| scheme.as_str());
    let home_span = fetch_span(&item.span, &name.home_page(first_scheme));
    let page = visit.home_page_waiting(name, wait_budget(state, item)).instrument(home_span.clone()).await;
    let fetch_seconds = started.elapsed().as_secs_f64();
    metrics::histogram!(crate::prometheus::FETCH_DURATION).record(fetch_seconds);
    record_result(&home_span, &page);
    drop(home_span);
    let page = page?;

    // The records were asked while the page loaded; the name servers among them can tell a
    // parked name before its contact pages are visited. A failed look-up leaves its fields null
    // and never fails the domain.
    let records = (&mut mail.0).await.ok().flatten();
    let redirects_to = name.moved_to(&page.final_url);
    let parking_provider = extract::parking_provider(&page.html, redirects_to.as_deref()).or_else(|| {
        records.as_ref().and_then(|r| r.ns.as_deref()).and_then(extract::parking::parked_by_nameservers)
    });
    // A lander's contact pages are the provider's: none is visited.
    let contact_pages = if parking_provider.is_some() { 0 } else { (item.max_pages.max(1) - 1) as usize };
    let (page, mut metadata, links) = extract_off_runtime(state, item, page, contact_pages).await?;
    metadata.http_status = Some(i32::from(page.status));
    metadata.final_url = Some(page.final_url.to_string());
    metadata.tls_problem = page.tls_problem.as_ref().map(|problem| problem.kind.as_str().to_owned());
    metadata.redirects_to = redirects_to;
    if let Some(provider) = parking_provider {
        // The lander's addresses, phones and profiles are the provider's, not the owner's.
        metadata.parked = true;
        metadata.parking_provider = Some(provider.to_owned());
        metadata.email_addresses.clear();
        metadata.phone_numbers.clear();
        metadata.social = entity::SocialProfiles::default();
    }

    for link in links {
        let span = fetch_span(&item.span, link.as_str());
        let contact = visit.page(&link).instrument(span.clone()).await;
        record_result(&span, &contact);
        let contact = match contact {
            Ok(contact) => contact,
            // A shortage of our own would leave the domain with fewer contacts than it shows:
            // hand it back whole instead.
            Err(failure) if failure.is_local() => return Err(failure),
            Err(_) => continue,
        };
        if let Ok((_, found, _)) = extract_off_runtime(state, item, contact, 0).await {
            extract::merge_contacts(&mut metadata, &found);
        }
    }
    if let Some(object) = metadata.domain_metadata.as_object_mut() {
        object.insert("http_status".into(), page.status.into());
        object.insert("final_url".into(), page.final_url.as_str().into());
        object.insert(
            "timings".into(),
            serde_json::json!({"fetch_ms": (fetch_seconds * 1000.0).round(), "total_ms": crate::limits::millis(started.elapsed())}),
        );
        // https:// was refused and the page came over http://: the row says so.
        if let Some(problem) = &page.tls_problem {
            object.insert(
                "tls_problem".into(),
                serde_json::json!({"kind": problem.kind.as_str(), "message": problem.message}),
            );
        }
    }
    if let Some(records) = &records {
        extract::mail::fill(name.as_str(), records, &mut metadata);
        extract::technologies_from_records(records, &mut metadata);
    }
    Ok(metadata)
}

/// How long a `Retry-After` may hold this domain's visit: what its lease leaves once the home
/// page asked again and every contact page are given their whole deadline, so the result still
/// arrives under the lease.
fn wait_budget(state: &FetcherArgs, item: &WorkItem) -> std::time::Duration {
    let fetches = state.web.settings().timeout.saturating_mul(item.max_pages.max(1) as u32 + 1);
    item.lease_ends.saturating_duration_since(Instant::now()).saturating_sub(fetches)
}

/// A spawned task that ends when its handle is dropped.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Extraction is CPU work: it runs on the extraction threads, one per core, so the async
/// workers keep serving sockets and pages in flight wait as bytes rather than as parsed
/// documents. The page moves there and back instead of being copied. A panic inside the
/// extraction is an `extract/parse` failure of this domain, not of the actor.
async fn extract_off_runtime(
    state: &FetcherArgs,
    item: &WorkItem,
    page: FetchedPage,
    contact_links: usize,
) -> Result<(FetchedPage, entity::Metadata, Vec<url::Url>), Failure> {
    let span = tracing::info_span!(parent: &item.span, "extract");
    let options = state.web.settings().extract_options();
    let joined = state
        .extraction
        .run(move || {
            let _entered = span.enter();
            let document = Page { html: &page.html, headers: &page.headers, url: &page.final_url };
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                extract::extract_with_options(&document, &options, contact_links)
            }));
            (page, result)
        })
        .await;
    match joined {
        Ok((page, Ok((metadata, links)))) => Ok((page, metadata, links)),
        Ok((page, Err(panic))) => {
            let reason = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic".into());
            let failure = Failure::new(Stage::Extract, Kind::Parse, format!("extraction failed: {reason}"));
            if let Some(dir) = &state.diagnostic_dir {
                save_diagnostic(dir, item.domain.as_str(), &page.html, &failure);
            }
            Err(failure)
        }
        Err(extract::Lost) => Err(Failure::new(
            Stage::Extract,
            Kind::Parse,
            "extraction task failed: no extraction thread answered",
        )),
    }
}

/// Keeps the page and the error of a failed extraction for a developer to replay with
/// `domain-scheduler extract`.
fn save_diagnostic(dir: &std::path::Path, domain: &str, html: &str, failure: &Failure) {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S");
    let base = dir.join(format!("{domain}-{stamp}"));
    let written = std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(base.with_extension("html"), html))
        .and_then(|()| std::fs::write(base.with_extension("error.txt"), failure.to_string()));
    if let Err(error) = written {
        tracing::warn!(%error, dir = %dir.display(), "cannot save the diagnostic page");
    }
}
