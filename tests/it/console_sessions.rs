//! Console sessions over HTTP, both backends: the cookie is signed by the server and names no
//! token, its expiry is the server's, signing out revokes it on every instance sharing the
//! database, and a token removed from an instance's settings ends its sessions there.

use crate::common;
use crate::on_both_backends;

use chrono::Utc;
use common::console::{ADMIN_TOKEN, Scene, Session, TOKEN_A, TOKEN_B, form};
use common::db::{Backend, TestDb};
use common::server::Served;
use domain_scheduler::console::cookie::{SESSION_HOURS, SessionCookie, fingerprint};
use reqwest::StatusCode;

fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// A second instance on the same database, knowing the admin token and tenant B's only, and
/// served to browsers at an https public URL.
async fn second_instance(db: &TestDb, scene: &Scene) -> Served {
    let b_only = format!("{TOKEN_B}={}", common::console::TENANT_B);
    Served::start(
        &db.url,
        &scene.farm.connect_to(),
        &b_only,
        &[
            ("DOMAIN_SCHEDULER_ADMIN_TOKENS", ADMIN_TOKEN),
            ("DOMAIN_SCHEDULER_PUBLIC_URL", "https://console.example.com"),
        ],
    )
    .await
}

async fn a_signed_out_session_is_refused_by_every_instance(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let scene = Scene::start(&db.url).await;
    let other = second_instance(&db, &scene).await;

    let admin = Session::sign_in(&scene.served, ADMIN_TOKEN).await;
    let kept = Session::sign_in(&scene.served, ADMIN_TOKEN).await;
    let tenant_a = Session::sign_in(&scene.served, TOKEN_A).await;
    assert_ne!(admin.cookie, kept.cookie, "each sign-in is a session of its own");
    assert_eq!(admin.at(&other).get("/ui").await.status, StatusCode::OK, "any instance accepts the session");
    assert!(tenant_a.at(&other).is_refused().await, "a token this instance does not know ends its sessions");
    assert!(!tenant_a.is_refused().await);

    // Signing out on the second instance, with a copy of the cookie kept.
    let signed_out = admin.at(&other).post("/ui/sign-out", true).await;
    assert_eq!(signed_out.status, StatusCode::SEE_OTHER);
    assert_eq!(signed_out.location.as_deref(), Some("/ui/sign-in?notice=signed-out"));
    assert!(admin.at(&other).is_refused().await, "refused where it signed out");
    assert!(admin.is_refused().await, "refused by the instance that started it");
    let action = admin.post(&format!("/ui/domains/{}/retry", scene.broken_id), true).await;
    assert_eq!(action.status, StatusCode::SEE_OTHER, "no action either");
    assert!(!kept.is_refused().await, "another session of the same token goes on");
    assert_eq!(kept.at(&other).get("/ui").await.status, StatusCode::OK);

    // The second instance is reached over https: its cookie is Secure.
    let signed = form(client().post(other.url("/ui/sign-in")), &[("token", TOKEN_B)]).send().await.unwrap();
    let cookie = signed.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.contains("Secure"), "{cookie}");
}

async fn a_cookie_the_server_did_not_sign_or_that_expired_is_refused(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let scene = Scene::start(&db.url).await;
    let signed = Session::sign_in(&scene.served, TOKEN_A).await;
    let connection = db.connect().await;
    let key = domain_scheduler::store::console_sessions::signing_key(&connection).await.unwrap();
    let now = Utc::now();
    let with = |value: String| Session { cookie: format!("ds_console={value}"), ..signed.at(&scene.served) };
    let session = |expires: i64| SessionCookie {
        fingerprint: fingerprint(&key, TOKEN_A).unwrap(),
        expires,
        nonce: "0123456789abcdef0123456789abcdef".into(),
    };

    let fresh = session((now + chrono::Duration::hours(1)).timestamp());
    assert!(
        !with(fresh.encode(&key).unwrap()).is_refused().await,
        "a cookie signed with the key is accepted"
    );
    let expired = session(now.timestamp() - 1);
    assert!(with(expired.encode(&key).unwrap()).is_refused().await, "expired on the server's clock");
    let too_long = session((now + chrono::Duration::hours(SESSION_HOURS + 1)).timestamp());
    assert!(with(too_long.encode(&key).unwrap()).is_refused().await, "no session lasts past 12 hours");
    assert!(with(fresh.encode(b"a key of someone else").unwrap()).is_refused().await, "signed elsewhere");
    assert!(with(hex::encode(TOKEN_A)).is_refused().await, "the token itself is no session");
    let tampered = fresh.encode(&key).unwrap().replacen(
        &fresh.expires.to_string(),
        &(fresh.expires + 60).to_string(),
        1,
    );
    assert!(with(tampered).is_refused().await, "a changed cookie");
}

on_both_backends!(
    a_signed_out_session_is_refused_by_every_instance,
    a_cookie_the_server_did_not_sign_or_that_expired_is_refused,
);
