//! Signing in to the console, signing out, and the CSRF token of its forms.
//!
//! The sign-in form takes a token of `DOMAIN_SCHEDULER_API_TOKENS` or
//! `DOMAIN_SCHEDULER_ADMIN_TOKENS` and starts a session: a cookie signed by the server
//! ([`super::cookie`]) that names the token by a keyed fingerprint, never holds the token or
//! anything it could be recovered from, and ends after 12 hours on the server's clock. The
//! cookie is `HttpOnly` (no script reads it), `SameSite=Strict` (no other site's page sends it),
//! limited to `/ui`, and `Secure` when `DOMAIN_SCHEDULER_PUBLIC_URL` is https or a proxy says
//! the request came over https.
//!
//! The signing key is one random secret in the database (`console_keys`), so every instance
//! sharing it accepts a session another started, with no setting to add. Signing out records
//! the session's nonce in `console_revocations`, which every instance checks: the cookie is
//! refused everywhere from then on, even if a copy of it was kept. Removing a token from the
//! settings ends its sessions, since no configured token has their fingerprint any more.
//!
//! Each form that changes something carries the session's CSRF token, HMAC-SHA256 of its nonce
//! keyed with the signing key: another site can neither read it nor compute it.

use askama::Template;
use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;

use super::cookie::{self, SESSION_HOURS, SessionCookie};
use super::page::{self, ConsoleError, Frame, Notice, short_id};
use crate::app_state::ApiState;
use crate::caller::Caller;
use crate::config::Settings;
use crate::store::console_sessions;

/// The session cookie's name.
pub const COOKIE: &str = "ds_console";

/// A signed-in caller of the console, with the CSRF token its forms carry.
pub struct Signed {
    pub caller: Caller,
    pub csrf: String,
    session: SessionCookie,
}

impl Signed {
    /// Accepts an action's form only with the session's CSRF token.
    pub fn check_csrf(&self, form: Result<Form<CsrfForm>, FormRejection>) -> Result<(), ConsoleError> {
        let Ok(Form(form)) = form else { return Err(ConsoleError::Csrf) };
        self.check_token(form.csrf.as_deref())
    }

    /// Accepts a form whose CSRF field is `presented` only when it is the session's token.
    pub fn check_token(&self, presented: Option<&str>) -> Result<(), ConsoleError> {
        use subtle::ConstantTimeEq;
        let presented = presented.unwrap_or_default();
        let same: bool = presented.as_bytes().ct_eq(self.csrf.as_bytes()).into();
        if same && presented.len() == self.csrf.len() { Ok(()) } else { Err(ConsoleError::Csrf) }
    }

    /// The tenant the caller's queries are limited to (`None`: an admin sees every tenant).
    pub fn scope(&self) -> Option<uuid::Uuid> {
        self.caller.tenant_filter()
    }
}

/// The frame of a signed-in page shows who its session is signed in as and carries the
/// session's CSRF token. Written here rather than beside [`Frame`]: the session renders through
/// `page` (its sign-in page, its errors), and `page` importing the session back would tie the
/// two in a circle.
impl Frame {
    pub fn new(signed: &Signed, nav: &'static str, notice: Option<&str>) -> Frame {
        let (who, who_title) = match signed.caller {
            Caller::Admin => ("Admin".to_owned(), "an admin token: every tenant".to_owned()),
            Caller::Tenant(tenant) => (format!("Tenant {}", short_id(tenant)), format!("tenant {tenant}")),
        };
        Frame {
            who,
            who_title,
            is_admin: signed.caller == Caller::Admin,
            csrf: signed.csrf.clone(),
            nav,
            notice: notice.and_then(Notice::from_code),
            search: String::new(),
            version: page::VERSION,
        }
    }
}

/// The form of every action: only its CSRF token.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    pub csrf: Option<String>,
}

/// The value of the session cookie, if the request has one.
fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| ::cookie::Cookie::split_parse(value.to_owned()))
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == COOKIE)
        .map(|cookie| cookie.value().to_owned())
}

/// The caller whose token has `fingerprint` under `key`: every configured token is looked at,
/// so the time taken does not tell which one matched.
fn caller_of(settings: &Settings, key: &[u8], fingerprint: &str) -> Option<Caller> {
    let mut found = None;
    for token in settings.api.admin_tokens.each() {
        if cookie::fingerprint(key, token).is_some_and(|f| cookie::same_fingerprint(&f, fingerprint)) {
            found = Some(Caller::Admin);
        }
    }
    for (token, tenant) in settings.api.tokens.each() {
        if cookie::fingerprint(key, token).is_some_and(|f| cookie::same_fingerprint(&f, fingerprint)) {
            found = found.or(Some(Caller::Tenant(tenant)));
        }
    }
    found
}

/// The session of the request: signed with the key, not expired, its token still configured
/// and not signed out. `Ok(None)`: no valid session.
async fn session_of(parts: &Parts, state: &ApiState) -> Result<Option<Signed>, ConsoleError> {
    let Some(value) = session_cookie(&parts.headers) else { return Ok(None) };
    let key = console_sessions::signing_key(&state.db).await?;
    let Some(session) = SessionCookie::decode(&value, &key, Utc::now()) else { return Ok(None) };
    let Some(caller) = caller_of(&state.settings, &key, &session.fingerprint) else { return Ok(None) };
    if console_sessions::is_revoked(&state.db, &session.nonce).await? {
        return Ok(None);
    }
    let csrf = session.csrf(&key).ok_or(ConsoleError::Internal)?;
    Ok(Some(Signed { caller, csrf, session }))
}

impl FromRequestParts<ApiState> for Signed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Signed, Response> {
        match session_of(parts, state).await {
            Ok(Some(signed)) => Ok(signed),
            Ok(None) => Err(to_sign_in(parts)),
            Err(error) => Err(error.into_response()),
        }
    }
}

/// Where a request without a valid session goes: the sign-in page, back here afterwards.
fn to_sign_in(parts: &Parts) -> Response {
    if parts.headers.contains_key("hx-request") {
        // htmx refreshing part of a page: have it load the sign-in page as a whole.
        return (StatusCode::UNAUTHORIZED, [("hx-redirect", "/ui/sign-in")]).into_response();
    }
    if parts.method != Method::GET {
        return Redirect::to("/ui/sign-in").into_response();
    }
    let here = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/ui");
    let query = url::form_urlencoded::Serializer::new(String::new()).append_pair("next", here).finish();
    Redirect::to(&format!("/ui/sign-in?{query}")).into_response()
}

/// Only a console path may be the place to go after signing in: never another site.
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(path) if path.starts_with("/ui") && !path.contains("//") && !path.contains('\\') => path,
        _ => "/ui",
    }
}

#[derive(Template)]
#[template(path = "console/sign_in.html")]
struct SignInPage<'a> {
    problem: Option<&'a str>,
    notice: Option<&'a str>,
    next: &'a str,
    version: &'static str,
}

#[derive(Debug, Deserialize)]
pub struct SignInQuery {
    next: Option<String>,
    notice: Option<String>,
}

/// The sign-in form.
pub async fn sign_in_form(query: Result<Query<SignInQuery>, QueryRejection>) -> Response {
    let query = query.ok().map(|Query(q)| q);
    let next = safe_next(query.as_ref().and_then(|q| q.next.as_deref()));
    let notice = match query.as_ref().and_then(|q| q.notice.as_deref()) {
        Some("signed-out") => Some("You are signed out."),
        _ => None,
    };
    page::render(&SignInPage { problem: None, notice, next, version: page::VERSION })
}

#[derive(Debug, Deserialize)]
pub struct SignInForm {
    token: String,
    next: Option<String>,
}

/// Checks the token and, when it is known, starts the session.
pub async fn sign_in(
    State(state): State<ApiState>,
    headers: HeaderMap,
    form: Result<Form<SignInForm>, FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return ConsoleError::BadRequest("The sign-in form was incomplete.".into()).into_response();
    };
    let token = form.token.trim();
    let next = safe_next(form.next.as_deref());
    if Caller::of_token(&state.settings, token).is_none() {
        tracing::info!("console sign-in refused: unknown token");
        let page = SignInPage {
            problem: Some("That token is not known to this service."),
            notice: None,
            next,
            version: page::VERSION,
        };
        return (StatusCode::UNAUTHORIZED, page::render(&page)).into_response();
    }
    let now = Utc::now();
    let key = match console_sessions::signing_key(&state.db).await {
        Ok(key) => key,
        Err(error) => return ConsoleError::from(error).into_response(),
    };
    let Some(value) = SessionCookie::start(&key, token, now).and_then(|session| session.encode(&key)) else {
        return ConsoleError::Internal.into_response();
    };
    let cookie = ::cookie::Cookie::build((COOKIE, value))
        .path("/ui")
        .http_only(true)
        .same_site(::cookie::SameSite::Strict)
        .secure(over_https(&state.settings, &headers))
        .max_age(::cookie::time::Duration::hours(SESSION_HOURS))
        .build();
    with_cookie(Redirect::to(next), &cookie)
}

/// Whether the browser reaches the console over https: the public URL says so, or the proxy in
/// front does (`X-Forwarded-Proto: https`).
fn over_https(settings: &Settings, headers: &HeaderMap) -> bool {
    let public = settings.callbacks.public_url.as_ref().is_some_and(|url| url.scheme() == "https");
    public || headers.get("x-forwarded-proto").is_some_and(|proto| proto.as_bytes() == b"https")
}

/// Ends the session on every instance: its nonce is refused from now on.
pub async fn sign_out(
    State(state): State<ApiState>,
    signed: Signed,
    headers: HeaderMap,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Response {
    if let Err(error) = signed.check_csrf(form) {
        return error.into_response();
    }
    if let Err(error) =
        console_sessions::revoke(&state.db, &signed.session.nonce, signed.session.expires_at()).await
    {
        // The session must not outlive a sign-out that seemed to work: say it failed.
        return ConsoleError::from(error).into_response();
    }
    let cookie = ::cookie::Cookie::build((COOKIE, ""))
        .path("/ui")
        .http_only(true)
        .same_site(::cookie::SameSite::Strict)
        .secure(over_https(&state.settings, &headers))
        .max_age(::cookie::time::Duration::ZERO)
        .build();
    with_cookie(Redirect::to("/ui/sign-in?notice=signed-out"), &cookie)
}

fn with_cookie(redirect: Redirect, cookie: &::cookie::Cookie<'_>) -> Response {
    let mut response = redirect.into_response();
    match HeaderValue::from_str(&cookie.to_string()) {
        Ok(value) => {
            response.headers_mut().insert(header::SET_COOKIE, value);
            response
        }
        Err(_) => ConsoleError::Internal.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_sign_in_only_console_paths_are_followed() {
        assert_eq!(safe_next(Some("/ui/batches?before=x")), "/ui/batches?before=x");
        assert_eq!(safe_next(Some("https://evil.example/ui")), "/ui");
        assert_eq!(safe_next(Some("//evil.example")), "/ui");
        assert_eq!(safe_next(Some("/ui//evil.example")), "/ui");
        assert_eq!(safe_next(None), "/ui");
    }

    #[test]
    fn the_cookie_is_read_among_others() {
        let mut headers = HeaderMap::new();
        let value = format!("theme=dark; {COOKIE}=abc.1.def.0; other=1");
        headers.insert(header::COOKIE, HeaderValue::from_str(&value).unwrap());
        assert_eq!(session_cookie(&headers).as_deref(), Some("abc.1.def.0"));
    }
}
