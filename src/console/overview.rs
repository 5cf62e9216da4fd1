//! The overview (`/ui`): domains by status and tenant, due now, in flight, completions per
//! minute and error kinds over the last hour, and (for an admin) the instances with their run in
//! progress and their last run. `/ui/overview/live` renders the same figures alone, for htmx to refresh them in
//! place.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::Utc;
use serde::Deserialize;

use super::page::{self, ConsoleError, Frame, Segment};
use super::session::Signed;
use crate::app_state::ApiState;
use crate::store::overview::{self, Overview};

/// Most tenants listed; the rest are summed in the cards above the table.
const TENANTS_SHOWN: usize = 50;
const CHART_WIDTH: u32 = 600;
const CHART_HEIGHT: u32 = 140;

#[derive(Debug, Default, Deserialize)]
pub struct OverviewQuery {
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "console/overview.html")]
struct OverviewPage {
    frame: Frame,
    view: OverviewView,
}

#[derive(Template)]
#[template(path = "console/overview_live.html")]
struct OverviewLive {
    frame: Frame,
    view: OverviewView,
}

struct OverviewView {
    total: String,
    all_href: String,
    cards: Vec<StatusCard>,
    due_now: String,
    due_later: String,
    in_flight_total: String,
    in_flight: Vec<InFlightRow>,
    chart: Chart,
    errors_total: String,
    error_kinds: Vec<ErrorKindRow>,
    instances: Vec<InstanceRow>,
    tenants: Vec<TenantRow>,
    tenants_cut: bool,
    tenants_shown: usize,
    generated_at: String,
    /// "Claiming paused ..." while an operator has paused claiming.
    paused: Option<String>,
}

struct StatusCard {
    status: &'static str,
    label: &'static str,
    count: String,
    share: String,
    href: String,
}

struct InFlightRow {
    instance: String,
    count: String,
}

struct Chart {
    width: u32,
    height: u32,
    bars: Vec<ChartBar>,
    peak: String,
    total: String,
}

struct ChartBar {
    x: String,
    y: String,
    w: String,
    h: String,
    label: String,
}

struct ErrorKindRow {
    stage: String,
    kind: String,
    /// The domains whose last error is of this kind.
    href: String,
    count: String,
    share: String,
}

struct InstanceRow {
    host: String,
    process: String,
    /// `1`, or how many processes the host ran (its restarts).
    processes: String,
    restarted: bool,
    /// Domains its run in progress holds; empty when none is in progress.
    in_progress: Option<String>,
    last_run: Option<LastRun>,
    runs: String,
}

struct LastRun {
    started: String,
    started_iso: String,
    started_ago: String,
    claimed: String,
    success_rate: String,
}

struct TenantRow {
    tenant: String,
    tenant_short: String,
    href: String,
    errors_href: String,
    total: String,
    segments: Vec<Segment>,
    pending: String,
    processing: String,
    completed: String,
    error: String,
    errors: u64,
}

/// The overview page.
pub async fn page(
    State(state): State<ApiState>,
    signed: Signed,
    query: Result<Query<OverviewQuery>, QueryRejection>,
) -> Result<Response, ConsoleError> {
    let notice = query.ok().and_then(|Query(q)| q.notice);
    let view = view(&state, &signed).await?;
    Ok(page::render(&OverviewPage { frame: Frame::new(&signed, "overview", notice.as_deref()), view }))
}

/// The overview's figures alone, refreshed by htmx every 15 seconds.
pub async fn live(State(state): State<ApiState>, signed: Signed) -> Result<Response, ConsoleError> {
    let view = view(&state, &signed).await?;
    Ok(page::render(&OverviewLive { frame: Frame::new(&signed, "overview", None), view }))
}

async fn view(state: &ApiState, signed: &Signed) -> Result<OverviewView, ConsoleError> {
    let now = Utc::now();
    let overview = overview::overview(&state.db, signed.scope(), now).await?;
    let mut view = OverviewView::new(overview, now);
    view.paused = crate::store::pause::current(&state.db).await?.map(|paused| {
        format!(
            "Claiming paused since {} by {}: no instance claims until it is resumed.",
            page::time(paused.since),
            paused.by
        )
    });
    Ok(view)
}

impl OverviewView {
    fn new(overview: Overview, now: chrono::DateTime<Utc>) -> OverviewView {
        let counts = &overview.counts;
        let total = counts.total();
        let cards = [
            ("pending", "Pending", counts.pending),
            ("processing", "Processing", counts.processing),
            ("completed", "Completed", counts.completed),
            ("error", "Error", counts.error),
            ("gone", "Gone", counts.gone),
        ]
        .into_iter()
        .map(|(status, label, n)| StatusCard {
            status,
            label,
            count: page::count(n),
            share: format!("{} of all", page::percent(n, total)),
            href: format!("/ui/domains?status={status}"),
        })
        .collect();
        let in_flight_total = overview.in_flight.iter().map(|(_, n)| n).sum();
        let errors_total: u64 = overview.error_kinds.iter().map(|k| k.count).sum();
        let error_kinds = overview
            .error_kinds
            .iter()
            .map(|kind| ErrorKindRow {
                href: super::search::error_kind_href(&kind.kind),
                stage: kind.stage.clone(),
                kind: kind.kind.clone(),
                count: page::count(kind.count),
                share: format!("{:.2}", kind.count as f64 * 100.0 / errors_total.max(1) as f64),
            })
            .collect();
        let instances = overview
            .instances
            .iter()
            .map(|seen| InstanceRow {
                host: seen.host.clone(),
                process: seen.process.clone(),
                processes: page::count(seen.processes),
                restarted: seen.processes > 1,
                in_progress: (seen.in_flight > 0).then(|| {
                    format!(
                        "{} {}",
                        page::count(seen.in_flight),
                        page::plural(seen.in_flight, "domain", "domains")
                    )
                }),
                last_run: seen.last_run.as_ref().map(|run| LastRun {
                    started: page::time(run.started_at),
                    started_iso: page::iso(run.started_at),
                    started_ago: page::ago(run.started_at, now),
                    claimed: page::count(run.domains_claimed.max(0) as u64),
                    success_rate: format!("{:.0} %", run.success_rate * 100.0),
                }),
                runs: page::count(seen.runs),
            })
            .collect();
        let tenants_cut = overview.by_tenant.len() > TENANTS_SHOWN;
        let tenants = overview.by_tenant.iter().take(TENANTS_SHOWN).map(|(tenant, counts)| TenantRow {
            tenant: tenant.to_string(),
            tenant_short: page::short_id(*tenant),
            href: format!("/ui/domains?tenant={tenant}"),
            errors_href: format!("/ui/domains?tenant={tenant}&status=error"),
            total: page::count(counts.total()),
            segments: page::segments(counts),
            pending: page::count(counts.pending),
            processing: page::count(counts.processing),
            completed: page::count(counts.completed),
            error: page::count(counts.error),
            errors: counts.error,
        });
        OverviewView {
            total: page::count(total),
            all_href: "/ui/domains".into(),
            cards,
            due_now: page::count(overview.due_now),
            due_later: page::count(counts.pending.saturating_sub(overview.due_now)),
            in_flight_total: page::count(in_flight_total),
            in_flight: overview
                .in_flight
                .iter()
                .map(|(instance, n)| InFlightRow { instance: instance.clone(), count: page::count(*n) })
                .collect(),
            chart: Chart::new(&overview.completed_per_minute),
            errors_total: format!(
                "{} {}",
                page::count(errors_total),
                page::plural(errors_total, "failure", "failures")
            ),
            error_kinds,
            instances,
            tenants: tenants.collect(),
            tenants_cut,
            tenants_shown: TENANTS_SHOWN,
            generated_at: page::time(now),
            paused: None,
        }
    }
}

impl Chart {
    /// One bar per minute, scaled to the busiest minute.
    fn new(per_minute: &[u64]) -> Chart {
        let peak = per_minute.iter().copied().max().unwrap_or(0);
        let slot = CHART_WIDTH as f64 / per_minute.len().max(1) as f64;
        let minutes = per_minute.len();
        let bars = per_minute
            .iter()
            .enumerate()
            .map(|(i, &n)| {
                let h = if peak == 0 { 0.0 } else { n as f64 / peak as f64 * (CHART_HEIGHT as f64 - 4.0) };
                // A minute with completions stays visible however busy the peak.
                let h = if n > 0 { h.max(2.0) } else { 0.0 };
                let ago = minutes - 1 - i;
                let when = if ago == 0 { "this minute".to_owned() } else { format!("{ago} min ago") };
                ChartBar {
                    x: format!("{:.2}", i as f64 * slot + 1.0),
                    y: format!("{:.2}", CHART_HEIGHT as f64 - h),
                    w: format!("{:.2}", (slot - 2.0).max(1.0)),
                    h: format!("{h:.2}"),
                    label: format!("{}: {} completed", when, page::count(n)),
                }
            })
            .collect();
        Chart {
            width: CHART_WIDTH,
            height: CHART_HEIGHT,
            bars,
            peak: page::count(peak),
            total: page::count(per_minute.iter().sum()),
        }
    }
}
