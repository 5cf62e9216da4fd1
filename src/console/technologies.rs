//! Technologies (`/ui/technologies`): how many of the tenant's domains each technology is on,
//! by their latest scan, most first (an admin sees every tenant's), as
//! `GET /api/v1/technologies` answers. Each opens the list of the domains it is on.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use super::page::{self, ConsoleError, Frame};
use super::session::Signed;
use crate::app_state::ApiState;

#[derive(Template)]
#[template(path = "console/technologies.html")]
struct TechnologiesPage {
    frame: Frame,
    rows: Vec<Row>,
}

struct Row {
    name: String,
    /// The domain list filtered by this technology.
    href: String,
    domains: String,
    /// The bar's length: this technology's domains against the most any has, 0 to 100.
    share: String,
}

pub async fn page(State(state): State<ApiState>, signed: Signed) -> Result<Response, ConsoleError> {
    let counts = crate::store::technologies::counts(&state.db, signed.scope()).await?;
    let most = counts.first().map_or(1, |(_, n)| (*n).max(1));
    let rows = counts
        .into_iter()
        .map(|(name, domains)| Row {
            href: format!(
                "/ui/domains?{}",
                url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("technology", &name)
                    .finish()
            ),
            name,
            domains: page::count(domains.max(0) as u64),
            share: format!("{:.2}", (domains as f64 * 100.0 / most as f64).clamp(0.0, 100.0)),
        })
        .collect();
    let frame = Frame::new(&signed, "technologies", None);
    Ok(page::render(&TechnologiesPage { frame, rows }))
}
