//! A real browser for the console tests: Debian's `chromium`, headless, driven through
//! `chromedriver` (WebDriver) with fantoccini.
//!
//! Without chromium or chromedriver the browser tests are reported as ignored (build.rs) with a
//! message saying how to install them; under `CONSOLE_BROWSER_TESTS=require` (.ci/run) a missing
//! browser fails the test.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

/// Where screenshots go: `console-screenshots/` in the target directory.
pub fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().unwrap().join("console-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

impl Browser {
    /// A headless chromium with a fresh profile, or `None` when it is not installed (and not
    /// required).
    pub async fn start() -> Option<Browser> {
        let missing: Vec<&str> =
            [CHROMIUM, CHROMEDRIVER].into_iter().filter(|p| !Path::new(p).exists()).collect();
        if !missing.is_empty() {
            let message = format!(
                "browser tests need Debian's chromium and chromium-driver ({} missing): \
                 apt-get install -y chromium chromium-driver",
                missing.join(", ")
            );
            if std::env::var("CONSOLE_BROWSER_TESTS").as_deref() == Ok("require") {
                panic!("CONSOLE_BROWSER_TESTS=require, but {message}");
            }
            eprintln!("skipped: {message}");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let profile = tempfile::tempdir().unwrap();
        let capabilities = serde_json::json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                // The machine has no network beyond loopback: no background fetches, no sync.
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-quic", "--no-first-run", "--disable-extensions", "--hide-scrollbars",
                    "--force-device-scale-factor=1", "--lang=en-GB",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            },
        });
        let capabilities = capabilities.as_object().cloned().unwrap_or_default();
        let webdriver = format!("http://127.0.0.1:{port}");
        let client =
            super::wait::wait_for("chromedriver to start chromium", Duration::from_secs(20), async || {
                let connector = hyper_util::client::legacy::connect::HttpConnector::new();
                ClientBuilder::new(connector).capabilities(capabilities.clone()).connect(&webdriver).await
            })
            .await;
        client.set_window_size(1280, 900).await.unwrap();
        Some(Browser { client, driver, _profile: profile })
    }

    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.unwrap();
    }

    /// The text of the first element matching `css`.
    pub async fn text(&self, css: &str) -> String {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"))
            .text()
            .await
            .unwrap()
    }

    pub async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"))
            .click()
            .await
            .unwrap();
    }

    /// Waits until an element matches `css` (after a navigation).
    pub async fn wait_for(&self, css: &str) {
        self.client
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css} never appeared: {e}"));
    }

    /// Saves the whole page, laid out `width` CSS pixels wide, as `NAME.png` among the
    /// screenshots. A headless window cannot grow past its screen, so the page is measured and
    /// the viewport emulated at that size through chromedriver's DevTools endpoint.
    pub async fn screenshot(&self, name: &str, width: u32) {
        let emulate = |height: u64| Cdp {
            cmd: "Emulation.setDeviceMetricsOverride",
            params: serde_json::json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600}),
        };
        self.client.issue_cmd(emulate(900)).await.unwrap();
        let height = self
            .client
            .execute("return Math.ceil(document.documentElement.scrollHeight);", vec![])
            .await
            .unwrap()
            .as_f64()
            .unwrap_or(900.0)
            .clamp(400.0, 8000.0) as u64;
        self.client.issue_cmd(emulate(height)).await.unwrap();
        let png = self.client.screenshot().await.unwrap();
        std::fs::write(screenshot_dir().join(format!("{name}.png")), png).unwrap();
        let clear = Cdp { cmd: "Emulation.clearDeviceMetricsOverride", params: serde_json::json!({}) };
        self.client.issue_cmd(clear).await.unwrap();
    }

    /// Lays pages out `width` × `height` CSS pixels (a phone with `width` under 600) until
    /// [`Browser::full_width`].
    pub async fn narrow(&self, width: u32, height: u32) {
        let emulate = Cdp {
            cmd: "Emulation.setDeviceMetricsOverride",
            params: serde_json::json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600}),
        };
        self.client.issue_cmd(emulate).await.unwrap();
    }

    /// Back to the window's own size.
    pub async fn full_width(&self) {
        let clear = Cdp { cmd: "Emulation.clearDeviceMetricsOverride", params: serde_json::json!({}) };
        self.client.issue_cmd(clear).await.unwrap();
    }

    /// Answers "yes" to every `confirm()` of the page from now on (until it is left).
    pub async fn accept_confirmations(&self) {
        self.client.execute("window.confirm = function () { return true; };", vec![]).await.unwrap();
    }

    /// The value of the script `expression` on the page.
    pub async fn eval(&self, expression: &str) -> serde_json::Value {
        self.client.execute(&format!("return {expression};"), vec![]).await.unwrap()
    }

    /// Signs in through the form with `token`.
    pub async fn sign_in(&self, base: &str, token: &str) {
        self.goto(&format!("{base}/ui/sign-in")).await;
        self.client.find(Locator::Css("input[name=token]")).await.unwrap().send_keys(token).await.unwrap();
        self.click("form button[type=submit]").await;
        self.wait_for("header.top").await;
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// A Chrome DevTools command sent through chromedriver (`POST /session/{id}/goog/cdp/execute`).
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: serde_json::Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/goog/cdp/execute", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        let body = serde_json::json!({"cmd": self.cmd, "params": self.params});
        (axum::http::Method::POST, Some(body.to_string()))
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}
