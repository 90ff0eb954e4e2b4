//! The people's dashboards end to end in real headless Chromium (Debian's `chromium` and
//! `chromium-driver`, over WebDriver), on the demo as `serve --demo` prepares it (its data, its
//! people's accounts, its first analytics run), on SQLite and PostgreSQL: a visitor opens `/`, a
//! Guangdong supervisor signs in, ranks, opens a seller, traces a recall and downloads its XLSX,
//! and signs out (the old session cookie then opens nothing); the seller sees what to fix at a
//! phone's width; the operator sees badge coverage; a Zhejiang supervisor cannot reach the
//! Guangdong seller by URL. Each step saves a full-page screenshot under `target/screenshots/`.

use fantoccini::Locator;
use fantoccini::error::CmdError;
use reqwest::StatusCode;
use std::time::Duration;
use suyuan_tests::browser::{Browser, Screen, chromium};
use suyuan_tests::{DemoApp, Engine, spawn_demo_app};

/// Runs a browser scenario on a demo of each engine (PostgreSQL skipped outside CI when it is
/// not configured, as every storage test is).
macro_rules! on_both_demos {
    ($name:ident, $screen:expr, $scenario:ident) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_sqlite() {
                run(
                    Engine::Sqlite,
                    $screen,
                    stringify!($name),
                    "sqlite",
                    |d, b, s| Box::pin($scenario(d, b, s)),
                )
                .await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_postgres() {
                run(
                    Engine::Postgres,
                    $screen,
                    stringify!($name),
                    "postgres",
                    |d, b, s| Box::pin($scenario(d, b, s)),
                )
                .await;
            }
        }
    };
}

type Scenario = for<'a> fn(
    &'a DemoApp,
    &'a Browser,
    Shots,
) -> std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<(), CmdError>> + Send + 'a>,
>;

/// Names the screenshots of one scenario on one engine: `{scenario}-{engine}-{step}.png`.
#[derive(Clone, Copy)]
struct Shots {
    scenario: &'static str,
    engine: &'static str,
}

impl Shots {
    async fn take(self, b: &Browser, step: &str) -> Result<(), CmdError> {
        let path = b
            .screenshot(&format!("{}-{}-{step}", self.scenario, self.engine))
            .await?;
        assert!(
            std::fs::metadata(&path)
                .map(|m| m.len() > 1_000)
                .unwrap_or(false),
            "a screenshot was saved at {}",
            path.display()
        );
        Ok(())
    }
}

async fn run(
    engine: Engine,
    screen: Screen,
    scenario: &'static str,
    engine_name: &'static str,
    body: Scenario,
) {
    let Some(demo) = spawn_demo_app(engine).await else {
        return;
    };
    assert!(
        matches!(&demo.prepared.analytics, Ok(Some(s)) if s.saved.scores >= 3),
        "the demo's first analytics run saved a score per seller"
    );
    let Some(browser) = chromium(screen).await else {
        return;
    };
    let shots = Shots {
        scenario,
        engine: engine_name,
    };
    let outcome = body(&demo, &browser, shots).await;
    if outcome.is_err() {
        // What the browser saw when it failed.
        let _ = shots.take(&browser, "failed").await;
        if let Ok(source) = browser.client.source().await {
            eprintln!("page source at the failure:\n{source}");
        }
    }
    let _ = browser.close().await;
    outcome.expect("the browser scenario");
}

const GD_SUPERVISOR: (&str, &str) = ("gd.supervisor@demo.suyuan.cn", "demo-guangdong-44");
const ZJ_SUPERVISOR: (&str, &str) = ("zj.supervisor@demo.suyuan.cn", "demo-zhejiang-33");
const SELLER: (&str, &str) = ("seller@demo.suyuan.cn", "demo-seller-2026");
const OPERATOR: (&str, &str) = ("operator@demo.suyuan.cn", "demo-operator-2026");
const GZ_SELLER: &str = "广州骑乐电器商行";
const HZ_SELLER: &str = "杭州西湖线缆经销部";
const SH_SELLER: &str = "上海浦东燃气具专卖店";
/// The demo's cable: received in Hangzhou, two reels shipped to and claimed by the Guangzhou
/// store, one sold there to a consumer.
const CABLE_GTIN: &str = "09520003000018";

/// Waits (up to 10 s) until the page's path satisfies `done`; answers it.
async fn wait_path(b: &Browser, done: impl Fn(&str) -> bool) -> Result<String, CmdError> {
    for _ in 0..100 {
        let path = b.path().await?;
        if done(&path) {
            return Ok(path);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(CmdError::WaitTimeout)
}

/// Signs in through the sign-in form (from wherever the browser is) and waits to leave it.
async fn sign_in(
    d: &DemoApp,
    b: &Browser,
    (email, password): (&str, &str),
) -> Result<String, CmdError> {
    if b.path().await? != "/signin" {
        b.client.goto(&format!("{}/signin", d.app.address)).await?;
    }
    b.wait_for("#password-email").await?;
    b.fill("#password-email", email).await?;
    b.fill("#password-password", password).await?;
    b.client
        .find(Locator::Css("form#password button[type=submit]"))
        .await?
        .click()
        .await?;
    let landed = wait_path(b, |p| p != "/signin").await?;
    let who = b.wait_for("#signed-in").await?.text().await?;
    assert!(who.contains(email), "the page says who is signed in: {who}");
    Ok(landed)
}

/// Signs out with the button every dashboard page carries, and waits to leave the page.
async fn sign_out(b: &Browser) -> Result<(), CmdError> {
    let before = b.path().await?;
    b.client
        .find(Locator::Css("#signout"))
        .await?
        .click()
        .await?;
    wait_path(b, |p| p != before).await?;
    Ok(())
}

/// The `.xlsx` file the browser downloaded into its folder (up to 15 s).
async fn downloaded_xlsx(b: &Browser) -> std::path::PathBuf {
    for _ in 0..150 {
        if let Some(path) = std::fs::read_dir(&b.downloads)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == "xlsx"))
        {
            return path;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no XLSX was downloaded into {}", b.downloads.display());
}

async fn a_guangdong_supervisor(d: &DemoApp, b: &Browser, shots: Shots) -> Result<(), CmdError> {
    // The front door: what Suyuan is, and (a demo) the accounts to try.
    b.client.goto(&format!("{}/", d.app.address)).await?;
    let home = b.body_text().await?;
    assert!(home.contains("溯源"), "{home}");
    assert!(
        home.contains(GD_SUPERVISOR.0),
        "the demo accounts are named: {home}"
    );
    shots.take(b, "home").await?;
    b.client
        .find(Locator::Css("a[href^='/signin']"))
        .await?
        .click()
        .await?;
    wait_path(b, |p| p == "/signin").await?;
    shots.take(b, "signin").await?;

    // Signed in, the supervisor lands on the overview of its jurisdiction.
    let landed = sign_in(d, b, GD_SUPERVISOR).await?;
    assert_eq!(landed, "/supervise");
    b.wait_for("svg").await?;
    shots.take(b, "overview").await?;

    // The ranking: Guangdong's seller, not Zhejiang's or Shanghai's.
    b.client
        .find(Locator::Css("nav.tabs a[href^='/supervise/sellers']"))
        .await?
        .click()
        .await?;
    wait_path(b, |p| p == "/supervise/sellers").await?;
    let ranking = b.body_text().await?;
    assert!(ranking.contains(GZ_SELLER), "{ranking}");
    assert!(
        !ranking.contains(HZ_SELLER),
        "another province's seller: {ranking}"
    );
    assert!(
        !ranking.contains(SH_SELLER),
        "another province's seller: {ranking}"
    );
    shots.take(b, "ranking").await?;

    // A seller: its score broken down, with a chart drawn on the server.
    let link = b
        .client
        .find(Locator::Css("a[href^='/supervise/sellers/sel_']"))
        .await?;
    link.click().await?;
    let seller_path = wait_path(b, |p| p.starts_with("/supervise/sellers/sel_")).await?;
    assert_eq!(
        seller_path,
        format!(
            "/supervise/sellers/{}",
            d.prepared.parties.seller_gz.as_str()
        )
    );
    let heading = b.wait_for("#h-page").await?.text().await?;
    assert!(heading.contains(GZ_SELLER), "{heading}");
    b.wait_for("svg").await?;
    shots.take(b, "seller").await?;

    // A recall of the demo cable: traced to the Guangzhou store's records, then downloaded.
    b.client
        .find(Locator::Css("nav.tabs a[href^='/supervise/recall']"))
        .await?
        .click()
        .await?;
    wait_path(b, |p| p == "/supervise/recall").await?;
    b.fill("form.filters input[name=gtin]", CABLE_GTIN).await?;
    b.client
        .find(Locator::Css("form.filters button[type=submit]"))
        .await?
        .click()
        .await?;
    let flow = b.wait_for("#flow").await?.text().await?;
    assert!(flow.contains(GZ_SELLER), "the flow names the store: {flow}");
    assert!(
        !flow.contains(HZ_SELLER),
        "another province's records: {flow}"
    );
    shots.take(b, "recall").await?;
    b.client
        .find(Locator::Css("#flow a[href*='export.xlsx']"))
        .await?
        .click()
        .await?;
    let xlsx = downloaded_xlsx(b).await;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&xlsx).expect("an XLSX workbook");
    let sheet = calamine::Reader::worksheet_range_at(&mut book, 0)
        .expect("a first sheet")
        .expect("readable");
    let cells: Vec<String> = sheet.rows().flatten().map(|c| c.to_string()).collect();
    assert!(
        sheet.height() >= 3,
        "a header and the store's records: {cells:?}"
    );
    assert!(cells.iter().any(|c| c.contains(GZ_SELLER)), "{cells:?}");
    assert!(!cells.iter().any(|c| c.contains(HZ_SELLER)), "{cells:?}");

    // Signing out ends the session on the server: the old cookie opens nothing any more.
    let old = b
        .cookie("suyuan_session")
        .await
        .expect("a session cookie while signed in");
    let with_old = || async {
        suyuan_tests_no_redirects()
            .get(format!("{}/supervise", d.app.address))
            .header("cookie", format!("suyuan_session={old}"))
            .send()
            .await
            .expect("the service answers")
            .status()
    };
    assert_eq!(
        with_old().await,
        StatusCode::OK,
        "the cookie works while signed in"
    );
    sign_out(b).await?;
    shots.take(b, "signed-out").await?;
    b.client
        .goto(&format!("{}/supervise", d.app.address))
        .await?;
    wait_path(b, |p| p == "/signin").await?;
    let after = with_old().await;
    assert!(
        after.is_redirection() || after == StatusCode::UNAUTHORIZED,
        "the old session cookie still opened /supervise: {after}"
    );
    Ok(())
}
on_both_demos!(
    a_guangdong_supervisor_signs_in_ranks_opens_a_seller_downloads_a_recall_and_signs_out,
    Screen::Laptop,
    a_guangdong_supervisor
);

async fn the_seller_and_the_operator(
    d: &DemoApp,
    b: &Browser,
    shots: Shots,
) -> Result<(), CmdError> {
    // The seller, on a phone: its score and what to fix first, readable at 390 px.
    let landed = sign_in(d, b, SELLER).await?;
    assert_eq!(landed, "/seller");
    let board = b.body_text().await?;
    assert!(board.contains(GZ_SELLER), "{board}");
    assert!(board.contains("先改这些"), "what to fix first: {board}");
    assert!(
        board.contains("需要追溯码的商品"),
        "listings that need codes: {board}"
    );
    assert!(
        board.contains("请确认类目的商品"),
        "listings whose category to confirm: {board}"
    );
    assert!(
        !b.overflows().await?,
        "the seller's page scrolls sideways at 390 px"
    );
    shots.take(b, "seller").await?;
    // The phone pages are reachable from here, in the same session.
    b.client
        .find(Locator::Css("main a[href^='/app/scan']"))
        .await?
        .click()
        .await?;
    wait_path(b, |p| p == "/app/scan").await?;
    b.wait_for("#scan-input").await?;
    shots.take(b, "scan").await?;
    // A seller's session opens no supervisor's page.
    b.client
        .goto(&format!("{}/supervise/sellers", d.app.address))
        .await?;
    let refused = b.body_text().await?;
    assert!(!refused.contains(HZ_SELLER), "{refused}");
    b.client.goto(&format!("{}/seller", d.app.address)).await?;
    sign_out(b).await?;

    // The operator: badge coverage of its marketplace, by seller and category.
    let landed = sign_in(d, b, OPERATOR).await?;
    assert_eq!(landed, "/operator");
    let coverage = b.wait_for("#coverage").await?.text().await?;
    assert!(coverage.contains(GZ_SELLER), "{coverage}");
    let page = b.body_text().await?;
    assert!(page.contains("徽章覆盖率"), "{page}");
    assert!(
        !b.overflows().await?,
        "the operator's page scrolls sideways at 390 px"
    );
    shots.take(b, "operator").await?;
    Ok(())
}
on_both_demos!(
    the_seller_sees_what_to_fix_and_the_operator_sees_badge_coverage_at_phone_width,
    Screen::Phone,
    the_seller_and_the_operator
);

async fn a_zhejiang_supervisor(d: &DemoApp, b: &Browser, shots: Shots) -> Result<(), CmdError> {
    let landed = sign_in(d, b, ZJ_SUPERVISOR).await?;
    assert_eq!(landed, "/supervise");
    // Its ranking has Zhejiang's seller and not Guangdong's.
    b.client
        .goto(&format!("{}/supervise/sellers", d.app.address))
        .await?;
    let ranking = b.body_text().await?;
    assert!(ranking.contains(HZ_SELLER), "{ranking}");
    assert!(!ranking.contains(GZ_SELLER), "{ranking}");
    // The Guangdong seller's page by URL: the not-found page, nothing of the seller's.
    let gz = d.prepared.parties.seller_gz.as_str();
    b.client
        .goto(&format!("{}/supervise/sellers/{gz}", d.app.address))
        .await?;
    let page = b.body_text().await?;
    assert!(page.contains("未找到"), "{page}");
    assert!(!page.contains(GZ_SELLER), "{page}");
    shots.take(b, "guangdong-seller-by-url").await?;
    // The same page and the recall export, asked with this browser's session outside it:
    // 404 for the page; the export holds none of Guangdong's records.
    let cookie = format!(
        "suyuan_session={}",
        b.cookie("suyuan_session").await.expect("a session cookie")
    );
    let res = suyuan_tests_no_redirects()
        .get(format!("{}/supervise/sellers/{gz}", d.app.address))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("the service answers");
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let csv = suyuan_tests_no_redirects()
        .get(format!(
            "{}/supervise/recall/export.csv?gtin={CABLE_GTIN}",
            d.app.address
        ))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("the service answers")
        .text()
        .await
        .unwrap_or_default();
    assert!(csv.contains(HZ_SELLER), "Zhejiang's own records: {csv}");
    assert!(
        !csv.contains(GZ_SELLER),
        "Guangdong's records in Zhejiang's export: {csv}"
    );
    Ok(())
}
on_both_demos!(
    a_zhejiang_supervisor_cannot_reach_a_guangdong_seller_by_url,
    Screen::Laptop,
    a_zhejiang_supervisor
);

fn suyuan_tests_no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client")
}
