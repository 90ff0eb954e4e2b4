//! Real headless Chromium driven over WebDriver (Debian's `chromium` and `chromium-driver`), at
//! a phone's or a laptop's size, and full-page screenshots under `target/screenshots/`.
//!
//! Outside CI a machine without Chromium skips the browser tests with a message; with `CI=true`
//! a missing browser fails them.

use fantoccini::{Client, Locator};
use serde_json::json;
use std::path::PathBuf;
use std::time::Duration;

/// What the browser emulates.
#[derive(Clone, Copy, Debug)]
pub enum Screen {
    /// A 390×844 phone (touch, pixel ratio 2).
    Phone,
    /// A 1280×900 laptop window.
    Laptop,
}

/// A browser session and the chromedriver serving it (killed on drop).
pub struct Browser {
    /// The WebDriver client.
    pub client: Client,
    driver: std::process::Child,
    /// Where the browser saves downloads.
    pub downloads: PathBuf,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// The path of a program on `PATH`, if there is one.
pub fn which(name: &str) -> Option<String> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| std::path::Path::new(dir).join(name))
        .find(|p| p.is_file())
        .map(|p| p.display().to_string())
}

/// Starts chromedriver and a headless Chromium of `screen`'s size (Chinese preferred, as a
/// seller's or a supervisor's browser is); `None` (skip) when they are not installed outside CI.
pub async fn chromium(screen: Screen) -> Option<Browser> {
    let (Some(chromium), Some(driver)) = (which("chromium"), which("chromedriver")) else {
        assert!(
            std::env::var("CI").map(|v| v != "true").unwrap_or(true),
            "CI=true but chromium or chromedriver is missing"
        );
        eprintln!("skipped: chromium/chromedriver not installed");
        return None;
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("a free port")
        .local_addr()
        .expect("its address")
        .port();
    let driver = std::process::Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let profile = tempfile::tempdir().expect("temp dir").keep();
    let mut args = vec![
        "--headless".to_owned(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-dev-shm-usage".into(),
        "--disable-quic".into(),
        "--no-first-run".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--lang=zh-CN".into(),
        format!("--user-data-dir={}", profile.display()),
    ];
    std::fs::create_dir_all(profile.join("downloads")).expect("downloads dir");
    let mut options = json!({"binary": chromium, "prefs": {
        "intl.accept_languages": "zh-CN,zh",
        // Downloads (the recall's XLSX) land in the profile's folder without asking.
        "download.default_directory": profile.join("downloads").display().to_string(),
        "download.prompt_for_download": false,
    }});
    match screen {
        Screen::Phone => {
            options["mobileEmulation"] = json!({"deviceMetrics":
                {"width": 390, "height": 844, "pixelRatio": 2.0, "touch": true}});
        }
        Screen::Laptop => args.push("--window-size=1280,900".into()),
    }
    options["args"] = json!(args);
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), options);
    for _ in 0..50 {
        match fantoccini::ClientBuilder::rustls()
            .expect("rustls")
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(client) => {
                return Some(Browser {
                    client,
                    driver,
                    downloads: profile.join("downloads"),
                });
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    panic!("chromedriver never answered");
}

/// A Chrome DevTools Protocol command sent through chromedriver (`goog/cdp/execute`).
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: serde_json::Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({"cmd": self.cmd, "params": self.params}).to_string()),
        )
    }
}

/// Where screenshots go: `target/screenshots/` of the workspace (or of `CARGO_TARGET_DIR`).
pub fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("screenshots")
}

impl Browser {
    /// Saves a full-page screenshot of the current page as `target/screenshots/{name}.png`
    /// (Chromium's own capture beyond the viewport, through chromedriver's CDP endpoint, so a
    /// phone's emulated screen is captured whole too); answers the file's path.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf, fantoccini::error::CmdError> {
        use base64::Engine as _;
        let shot = self
            .client
            .issue_cmd(Cdp {
                cmd: "Page.captureScreenshot",
                params: json!({"format": "png", "captureBeyondViewport": true}),
            })
            .await?;
        let png = shot["data"]
            .as_str()
            .and_then(|d| base64::engine::general_purpose::STANDARD.decode(d).ok())
            .ok_or_else(|| {
                fantoccini::error::CmdError::NotJson(format!("a screenshot's data: {shot}"))
            })?;
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("screenshot written");
        Ok(path)
    }

    /// Waits (up to 10 s) for an element and answers it.
    pub async fn wait_for(
        &self,
        css: &str,
    ) -> Result<fantoccini::elements::Element, fantoccini::error::CmdError> {
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
    }

    /// The visible text of the page's body.
    pub async fn body_text(&self) -> Result<String, fantoccini::error::CmdError> {
        self.client.find(Locator::Css("body")).await?.text().await
    }

    /// Types `value` into the field `css` (cleared first).
    pub async fn fill(&self, css: &str, value: &str) -> Result<(), fantoccini::error::CmdError> {
        let e = self.client.find(Locator::Css(css)).await?;
        e.clear().await?;
        e.send_keys(value).await
    }

    /// The current URL's path.
    pub async fn path(&self) -> Result<String, fantoccini::error::CmdError> {
        Ok(self.client.current_url().await?.path().to_owned())
    }

    /// The browser's cookie `name`, if it holds one.
    pub async fn cookie(&self, name: &str) -> Option<String> {
        self.client
            .get_named_cookie(name)
            .await
            .ok()
            .map(|c| c.value().to_owned())
    }

    /// Whether the page is wider than the window (a horizontal scroll bar at phone width).
    pub async fn overflows(&self) -> Result<bool, fantoccini::error::CmdError> {
        Ok(self
            .client
            .execute(
                "return document.documentElement.scrollWidth > window.innerWidth;",
                vec![],
            )
            .await?
            .as_bool()
            .unwrap_or(true))
    }

    /// Ends the session (the driver is killed on drop).
    pub async fn close(self) -> Result<(), fantoccini::error::CmdError> {
        self.client.clone().close().await
    }
}
