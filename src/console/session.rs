//! Signing in to the console, and the CSRF token of its forms.
//!
//! The sign-in form takes a token of `DOMAIN_SCHEDULER_API_TOKENS` or
//! `DOMAIN_SCHEDULER_ADMIN_TOKENS` and keeps it in a cookie that scripts cannot read
//! (`HttpOnly`), that no other site's page sends (`SameSite=Strict`), limited to `/ui` and to
//! 12 hours (`Secure` as well when a proxy says the request came over https). Every request
//! resolves the cookie's token exactly as the API resolves a bearer token, so the console
//! shows a tenant what the API shows it, and nothing is stored on the server: any instance
//! behind a load balancer accepts the cookie, and removing a token from the settings ends its
//! sessions.
//!
//! Each form that changes something carries a CSRF token, HMAC-SHA256 of a fixed label keyed
//! with the session's token: another site can neither read it nor compute it.

use askama::Template;
use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use sha2::Sha256;

use super::page::{self, ConsoleError};
use crate::api::ApiState;
use crate::api::auth::Caller;

/// The session cookie: the hex of the signed-in token.
pub const COOKIE: &str = "ds_console";
const SESSION_HOURS: i64 = 12;
const CSRF_LABEL: &[u8] = b"domain-scheduler console csrf v1";

/// A signed-in caller of the console, with the CSRF token its forms carry.
pub struct Signed {
    pub caller: Caller,
    pub csrf: String,
}

impl Signed {
    /// Accepts an action's form only with the session's CSRF token.
    pub fn check_csrf(&self, form: Result<Form<CsrfForm>, FormRejection>) -> Result<(), ConsoleError> {
        use subtle::ConstantTimeEq;
        let Ok(Form(form)) = form else { return Err(ConsoleError::Csrf) };
        let presented = form.csrf.unwrap_or_default();
        let same: bool = presented.as_bytes().ct_eq(self.csrf.as_bytes()).into();
        if same && presented.len() == self.csrf.len() { Ok(()) } else { Err(ConsoleError::Csrf) }
    }

    /// The tenant the caller's queries are limited to (`None`: an admin sees every tenant).
    pub fn scope(&self) -> Option<uuid::Uuid> {
        self.caller.tenant_filter()
    }
}

/// The form of every action: only its CSRF token.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    pub csrf: Option<String>,
}

/// HMAC-SHA256 of `message` keyed with `key`, in hex.
fn hmac_hex(key: &[u8], message: &[u8]) -> Option<String> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).ok()?;
    mac.update(message);
    Some(hex::encode(mac.finalize().into_bytes()))
}

/// The token held by the session cookie, if any.
fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| cookie::Cookie::split_parse(value.to_owned()))
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == COOKIE)
        .and_then(|cookie| hex::decode(cookie.value()).ok())
        .and_then(|bytes| String::from_utf8(bytes).ok())
}

impl FromRequestParts<ApiState> for Signed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Signed, Response> {
        let signed = session_token(&parts.headers).and_then(|token| {
            let caller = Caller::of_token(&state.settings, &token)?;
            let csrf = hmac_hex(token.as_bytes(), CSRF_LABEL)?;
            Some(Signed { caller, csrf })
        });
        signed.ok_or_else(|| to_sign_in(parts))
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
    let behind_https = headers.get("x-forwarded-proto").is_some_and(|proto| proto.as_bytes() == b"https");
    let cookie = cookie::Cookie::build((COOKIE, hex::encode(token)))
        .path("/ui")
        .http_only(true)
        .same_site(cookie::SameSite::Strict)
        .secure(behind_https)
        .max_age(cookie::time::Duration::hours(SESSION_HOURS))
        .build();
    with_cookie(Redirect::to(next), &cookie)
}

/// Ends the session.
pub async fn sign_out(signed: Signed, form: Result<Form<CsrfForm>, FormRejection>) -> Response {
    if let Err(error) = signed.check_csrf(form) {
        return error.into_response();
    }
    let cookie = cookie::Cookie::build((COOKIE, ""))
        .path("/ui")
        .http_only(true)
        .same_site(cookie::SameSite::Strict)
        .max_age(cookie::time::Duration::ZERO)
        .build();
    with_cookie(Redirect::to("/ui/sign-in?notice=signed-out"), &cookie)
}

fn with_cookie(redirect: Redirect, cookie: &cookie::Cookie<'_>) -> Response {
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
    fn the_csrf_token_depends_on_the_session_token() {
        let a = hmac_hex(b"token-one", CSRF_LABEL).unwrap();
        assert_eq!(a.len(), 64);
        assert_ne!(a, hmac_hex(b"token-two", CSRF_LABEL).unwrap());
    }

    #[test]
    fn the_cookie_is_read_among_others() {
        let mut headers = HeaderMap::new();
        let value = format!("theme=dark; {COOKIE}={}; other=1", hex::encode("secret-token"));
        headers.insert(header::COOKIE, HeaderValue::from_str(&value).unwrap());
        assert_eq!(session_token(&headers).as_deref(), Some("secret-token"));
    }
}
