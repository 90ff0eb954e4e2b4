//! The people's dashboards over HTTP (both engines), on analytics results saved by
//! `suyuan_analytics::compute` + `suyuan_store::analytics::save_results`: supervisors see their
//! jurisdiction only (a seller outside it is a 404, its recall export is scoped), bad filters are
//! 422 pages naming the field, seller text is escaped, sellers see what to fix, operators see
//! badge coverage, and nobody signed out gets in.

use super::api::create_seller;
use super::transfers::{A_NAME, B_NAME, a_receives, csrf_in, no_redirects, seller_named};
use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;
use suyuan_analytics::config::AnalyticsConfig;
use suyuan_analytics::fixtures::*;
use suyuan_core::tenancy::Principal;
use suyuan_tests::{TestApp, TestDb, both_engines, both_engines_app};

/// The `Cookie` header of a page session for `who` (today: the `suyuan_token` cookie holding an
/// API token; the one place to change when sessions move server-side).
pub fn signed_in_cookie(app: &TestApp, who: &Principal) -> String {
    let jurisdiction = match who {
        Principal::Supervisor { jurisdiction, .. } => Some(jurisdiction.as_prefix().to_owned()),
        _ => None,
    };
    let token = app
        .tokens
        .mint(
            who.role(),
            who.subject(),
            jurisdiction.as_deref(),
            std::time::Duration::from_secs(3600),
        )
        .unwrap();
    format!("suyuan_token={token}")
}

fn supervisor(jurisdiction: &str) -> Principal {
    Principal::Supervisor {
        id: suyuan_core::ids::SupervisorId::generate(),
        jurisdiction: suyuan_core::division::Jurisdiction::parse(jurisdiction).unwrap(),
    }
}

fn seller(id: &str) -> Principal {
    Principal::Seller(suyuan_core::ids::SellerId::parse(id).unwrap())
}

/// A page as a signed-in person sees it (no redirects followed): status, `Location`, body.
async fn page(app: &TestApp, cookie: Option<&str>, path: &str) -> (StatusCode, String, String) {
    let mut req = no_redirects().get(format!("{}{path}", app.address));
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let location = res
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, location, res.text().await.unwrap_or_default())
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

const SCRIPT_NAME: &str = "<script>alert(1)</script>深圳电动车";

/// Sellers A (Guangzhou), S (Shenzhen, named `<script>…`) and B (Hangzhou); A and B each
/// received e-bikes of one GTIN; results of an analytics run in which A and S each have an
/// overdue sale and B a listing without a code.
struct World {
    a: String,
    a_token: String,
    s: String,
    b: String,
}

async fn world(app: &TestApp) -> World {
    let (a, a_token, _) = seller_named(app, A_NAME, "91440104MA59ABCD1").await;
    let (b, b_token, _) = seller_named(app, B_NAME, "91330106MA2GXYK23").await;
    let credit =
        suyuan_core::credit_code::CreditCode::with_check_character("91440305MA5FXYK01").unwrap();
    let s = create_seller(
        app,
        &app.admin_token(),
        SCRIPT_NAME,
        &credit.to_string(),
        "440305",
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    a_receives(app, &a_token, &["U1", "U2"]).await;
    a_receives(app, &b_token, &["U7"]).await;
    let now = Utc::now();
    run(app, &frames(leak(&a), leak(&s), leak(&b), now), now).await;
    World { a, a_token, s, b }
}

fn frames(
    a: &'static str,
    s: &'static str,
    b: &'static str,
    now: DateTime<Utc>,
) -> suyuan_analytics::Frames {
    let t = (now - Duration::days(3)).timestamp_millis();
    let mut f = empty_frames(&[(a, "440104"), (s, "440305"), (b, "330106")]);
    f.sales = sales_frame(&[
        sale("a-overdue", a, true, Some(t), None, t + DAY),
        sale("a-on-time", a, true, Some(t), Some(t + HOUR), t + DAY),
        sale("s-overdue", s, true, Some(t), None, t + DAY),
        sale("s-late-1", s, true, Some(t), None, t + DAY),
        sale("b-on-time", b, true, Some(t), Some(t + HOUR), t + DAY),
    ]);
    f.listings = listings_frame(&[("b-listing", b, Some("ebike"), true, false)]);
    f
}

async fn run(app: &TestApp, f: &suyuan_analytics::Frames, now: DateTime<Utc>) {
    let results = suyuan_analytics::compute(f, now, &AnalyticsConfig::default())
        .unwrap()
        .to_records()
        .unwrap();
    suyuan_store::analytics::save_results(&app.db.db, &results, now)
        .await
        .unwrap();
}

both_engines_app!(
    a_guangdong_supervisor_sees_its_sellers_ranked_and_a_sellers_breakdown_with_an_svg_chart,
    |app: TestApp| async move {
        let w = world(&app).await;
        let gd = signed_in_cookie(&app, &supervisor("44"));

        let (status, _, body) = page(&app, Some(&gd), "/supervise/sellers?sort=-score").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let at_a = body.find(A_NAME).expect("A is ranked");
        let at_s = body.find("深圳电动车").expect("S is ranked");
        assert!(at_a < at_s, "A (87.5) ranks above S (two overdue of two)");
        assert!(
            !body.contains(B_NAME),
            "Zhejiang's seller is not in Guangdong's ranking"
        );
        // Seller text is escaped wherever it shows.
        assert!(
            body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{body}"
        );
        assert!(!body.contains("<script>alert(1)"));
        // Sorting by name ascending, then by a filter that keeps Shenzhen only.
        let (_, _, by_name) = page(&app, Some(&gd), "/supervise/sellers?sort=name").await;
        assert!(by_name.contains("aria-sort=\"ascending\""), "{by_name}");
        let (_, _, shenzhen) = page(&app, Some(&gd), "/supervise/sellers?region=4403").await;
        assert!(shenzhen.contains("深圳电动车") && !shenzhen.contains(A_NAME));

        // A's page: the breakdown with the record that cost points, the charts, the overdue sale.
        let (status, _, body) = page(&app, Some(&gd), &format!("/supervise/sellers/{}", w.a)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.contains("id=\"breakdown\""), "{body}");
        assert!(body.contains("a-overdue"));
        assert!(body.contains("<svg role=\"img\""), "an inline SVG chart");
        assert!(body.contains("<rect"), "the timeliness bars");
        // S's page escapes its name in the title and heading.
        let (_, _, s_page) = page(&app, Some(&gd), &format!("/supervise/sellers/{}", w.s)).await;
        assert!(!s_page.contains("<script>alert(1)"));

        // The overview: figures and charts, in English too.
        let (status, _, overview) = page(&app, Some(&gd), "/supervise?lang=en").await;
        assert_eq!(status, StatusCode::OK, "{overview}");
        assert!(overview.contains("Average score by region"));
        assert!(overview.contains("<svg role=\"img\""));

        // Alerts: acknowledged with a form post carrying the CSRF token.
        let (_, _, body) = page(&app, Some(&gd), "/supervise/alerts?state=open").await;
        assert!(!body.contains(B_NAME), "Zhejiang's alerts stay out");
        let at = body
            .find("/acknowledge")
            .expect("an open alert to acknowledge");
        let action = &body[..at];
        let id = &action[action.rfind("/supervise/alerts/").unwrap() + 18..];
        let (status, _) = alert_post(&app, &gd, id, "acknowledge", "").await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (_, _, acked) = page(&app, Some(&gd), "/supervise/alerts?state=acknowledged").await;
        assert!(acked.contains(&format!("alert-{id}")), "{acked}");
        // Without the CSRF token the post is refused.
        let res = no_redirects()
            .post(format!("{}/supervise/alerts/{id}/resolve", app.address))
            .header("cookie", &gd)
            .form(&[("comment", "x")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
    }
);

/// The `suyuan_csrf=…` cookie a page set and the CSRF token in its forms.
async fn csrf_of(res: reqwest::Response) -> (String, String) {
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
        .find(|c| c.starts_with("suyuan_csrf="))
        .unwrap();
    (cookie, csrf_in(&res.text().await.unwrap()))
}

/// Posts an alert form (`action`: acknowledge, resolve or comment) as `cookie` with the CSRF
/// token the alerts page gave; answers the status and the body.
async fn alert_post(
    app: &TestApp,
    cookie: &str,
    id: &str,
    action: &str,
    note: &str,
) -> (StatusCode, String) {
    let http = no_redirects();
    let res = http
        .get(format!("{}/supervise/alerts", app.address))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    let (csrf_cookie, csrf) = csrf_of(res).await;
    let res = http
        .post(format!("{}/supervise/alerts/{id}/{action}", app.address))
        .header("cookie", format!("{cookie}; {csrf_cookie}"))
        .header("origin", app.address.as_str())
        .form(&[("csrf", csrf.as_str()), ("note", note)])
        .send()
        .await
        .unwrap();
    (res.status(), res.text().await.unwrap_or_default())
}

both_engines_app!(
    a_supervisor_comments_on_an_alert_and_says_why_it_is_resolved_shown_escaped_in_its_history,
    |app: TestApp| async move {
        let _w = world(&app).await;
        let gd = signed_in_cookie(&app, &supervisor("44"));
        let (_, _, body) = page(&app, Some(&gd), "/supervise/alerts?state=open").await;
        let at = body.find("/comment").expect("an alert to comment on");
        let action = &body[..at];
        let id = action[action.rfind("/supervise/alerts/").unwrap() + 18..].to_owned();

        // A comment: its text escaped under the alert, the alert still open.
        let (status, _) = alert_post(&app, &gd, &id, "comment", "<b>已约谈</b> 商户负责人").await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (_, _, open) = page(&app, Some(&gd), "/supervise/alerts?state=open").await;
        assert!(open.contains(&format!("id=\"alert-{id}-notes\"")), "{open}");
        assert!(
            open.contains("&lt;b&gt;已约谈&lt;/b&gt; 商户负责人"),
            "{open}"
        );
        assert!(!open.contains("<b>已约谈"));
        // Resolved with a reason: the reason shows beside the new state.
        let (status, _) = alert_post(&app, &gd, &id, "resolve", "  商户已补登全部记录 ").await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (_, _, resolved) = page(&app, Some(&gd), "/supervise/alerts?state=resolved").await;
        assert!(
            resolved.contains("已解决：商户已补登全部记录"),
            "{resolved}"
        );

        // An empty comment, or one too long: a 422 page naming the field; nothing stored.
        for note in ["   ", &"长".repeat(1001)] {
            let (status, body) = alert_post(&app, &gd, &id, "comment", note).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            assert!(body.contains("<code class=\"field\">note</code>"), "{body}");
        }
        // Another jurisdiction's supervisor cannot comment on it.
        let zj = signed_in_cookie(&app, &supervisor("33"));
        let (status, _) = alert_post(&app, &zj, &id, "comment", "不属于我").await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // The API tells the same history, and takes comments too.
        let token = app
            .tokens
            .mint(
                suyuan_core::tenancy::Role::Supervisor,
                suyuan_core::ids::SupervisorId::generate().as_str(),
                Some("44"),
                std::time::Duration::from_secs(600),
            )
            .unwrap();
        let api = format!("{}/api/v1/analytics/alerts/alr_{id}", app.address);
        let res = reqwest::Client::new()
            .post(format!("{api}/comments"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"note": "复查通过"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let res = reqwest::Client::new()
            .post(format!("{api}/comments"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"note": ""}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let problem: serde_json::Value = res.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], "note", "{problem}");
        let detail: serde_json::Value = reqwest::Client::new()
            .get(&api)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let notes: Vec<&str> = detail["history"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["note"].as_str())
            .collect();
        assert_eq!(
            notes,
            ["<b>已约谈</b> 商户负责人", "商户已补登全部记录", "复查通过"],
            "{detail}"
        );
    }
);

both_engines_app!(
    a_zhejiang_supervisor_gets_404_for_a_guangdong_seller_and_its_recall_export_is_scoped,
    |app: TestApp| async move {
        let w = world(&app).await;
        let zj = signed_in_cookie(&app, &supervisor("33"));
        let gd = signed_in_cookie(&app, &supervisor("44"));

        let (status, _, body) = page(&app, Some(&zj), &format!("/supervise/sellers/{}", w.a)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(!body.contains(A_NAME) && !body.contains("a-overdue"));
        let (status, _, _) = page(&app, Some(&zj), &format!("/supervise/sellers/{}", w.b)).await;
        assert_eq!(status, StatusCode::OK);

        // The recall flow of the GTIN both received: each supervisor sees its own sellers.
        let q = "gtin=09520001000010";
        let (status, _, flow) = page(&app, Some(&zj), &format!("/supervise/recall?{q}")).await;
        assert_eq!(status, StatusCode::OK, "{flow}");
        assert!(flow.contains(B_NAME) && !flow.contains(A_NAME), "{flow}");
        assert!(flow.contains("/supervise/recall/export.xlsx?gtin=09520001000010"));
        let csv = no_redirects()
            .get(format!("{}/supervise/recall/export.csv?{q}", app.address))
            .header("cookie", &zj)
            .send()
            .await
            .unwrap();
        assert_eq!(csv.status(), StatusCode::OK);
        let csv = csv.text().await.unwrap();
        assert!(csv.contains(B_NAME) && !csv.contains(A_NAME), "{csv}");
        let xlsx = no_redirects()
            .get(format!("{}/supervise/recall/export.xlsx?{q}", app.address))
            .header("cookie", &gd)
            .send()
            .await
            .unwrap();
        assert_eq!(xlsx.status(), StatusCode::OK);
        assert_eq!(
            xlsx.headers()["content-type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"), "a zip");
        // A seller's session is no supervisor's.
        let a = signed_in_cookie(&app, &seller(&w.a));
        let (status, _, _) = page(&app, Some(&a), &format!("/supervise/recall?{q}")).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let _ = w.a_token;
    }
);

both_engines_app!(
    a_bad_filter_is_a_422_page_naming_the_field,
    |app: TestApp| async move {
        let gd = signed_in_cookie(&app, &supervisor("44"));
        for (query, field) in [
            ("/supervise/sellers?grade=E", "grade"),
            ("/supervise/sellers?region=4x", "region"),
            ("/supervise/sellers?sort=rank", "sort"),
            ("/supervise/sellers?seller_type=pirate", "seller_type"),
            ("/supervise/sellers?category=nope", "category"),
            ("/supervise/sellers?period=2026-13", "period"),
            ("/supervise/alerts?state=gone", "state"),
            ("/supervise/recall?gtin=123", "gtin"),
            ("/supervise/recall/export.csv?batch=B1&code=x", "code"),
        ] {
            let (status, _, body) = page(&app, Some(&gd), query).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
            assert!(
                body.contains(&format!("<code class=\"field\">{field}</code>")),
                "{query} names {field}: {body}"
            );
        }
    }
);

both_engines_app!(
    a_seller_sees_what_to_fix_first_and_an_operator_sees_badge_coverage,
    |app: TestApp| async move {
        let w = world(&app).await;
        // Two of B's listings on the operator's marketplace (one traced, one needing a code),
        // one elsewhere.
        let now = Utc::now();
        for (id, platform, needs) in [
            ("lst_dash1", "shopify", true),
            ("lst_dash2", "shopify", false),
            ("lst_dash3", "youzan", true),
        ] {
            suyuan_store::listings::insert_row(
                &app.db.db,
                suyuan_store::entity::listing::Model {
                    id: id.into(),
                    seller_id: w.b.clone(),
                    store_id: None,
                    platform: platform.into(),
                    external_id: id.into(),
                    title: format!("电动自行车 {id}"),
                    url: None,
                    status: "active".into(),
                    variants: "[]".into(),
                    category_id: Some("ebike".into()),
                    classification_rule: None,
                    classification_confidence: None,
                    classification_part: None,
                    category_overridden: false,
                    classification_needs_confirmation: false,
                    trace_code: None,
                    needs_code: needs,
                    external_updated_at: None,
                    created_at: now,
                    updated_at: now,
                },
            )
            .await
            .unwrap();
        }

        // The seller: its score breakdown names the overdue sale, first.
        let a = signed_in_cookie(&app, &seller(&w.a));
        let (status, _, body) = page(&app, Some(&a), "/seller").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(
            body.contains("id=\"breakdown\"") && body.contains("a-overdue"),
            "{body}"
        );
        assert!(body.contains("href=\"/app/scan\""));
        // B: the listing that needs a code.
        let b = signed_in_cookie(&app, &seller(&w.b));
        let (_, _, body) = page(&app, Some(&b), "/seller").await;
        assert!(body.contains("电动自行车 lst_dash1"), "{body}");
        assert!(!body.contains("电动自行车 lst_dash2"));

        // The operator of the shopify marketplace: B's two listings, half covered.
        let op: serde_json::Value = crate::suyuan::marketplace::client()
            .post(format!("{}/api/v1/operators", app.address))
            .bearer_auth(app.admin_token())
            .json(&serde_json::json!({"name": "演示商城", "platform": "shopify"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = suyuan_core::ids::OperatorId::parse(op["id"].as_str().unwrap()).unwrap();
        let cookie = signed_in_cookie(&app, &Principal::Operator(id));
        let (status, _, body) = page(&app, Some(&cookie), "/operator").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.contains(B_NAME), "{body}");
        assert!(body.contains("50%"), "{body}");
        assert!(
            body.contains("data-suyuan-listing"),
            "the snippets, escaped: {body}"
        );
        assert!(!body.contains("<div data-suyuan-listing"));
        // An operator is no supervisor.
        let (status, _, _) = page(&app, Some(&cookie), "/supervise").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
);

both_engines_app!(
    anonymous_gets_the_sign_in_redirect_and_sign_in_lands_each_role_on_its_page,
    |app: TestApp| async move {
        for path in [
            "/supervise",
            "/supervise/sellers?grade=A",
            "/seller",
            "/operator",
        ] {
            let (status, location, _) = page(&app, None, path).await;
            assert_eq!(status, StatusCode::SEE_OTHER, "{path}");
            assert!(
                location.starts_with("/signin?next=%2F"),
                "{path}: {location}"
            );
        }
        // Signing in with a supervisor's token (the device form of the sign-in page) lands on
        // /supervise.
        let http = no_redirects();
        let res = http
            .get(format!("{}/signin", app.address))
            .send()
            .await
            .unwrap();
        let (csrf_cookie, csrf) = csrf_of(res).await;
        let token = signed_in_cookie(&app, &supervisor("44"));
        let token = token.trim_start_matches("suyuan_token=");
        let res = http
            .post(format!("{}/app/signin", app.address))
            .header("cookie", &csrf_cookie)
            .header("origin", app.address.as_str())
            .form(&[("csrf", csrf.as_str()), ("token", token), ("next", "")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(res.headers()["location"], "/supervise");
    }
);

/// The `<tbody>` rows of the table with this id.
fn rows_of(body: &str, table_id: &str) -> usize {
    let at = body
        .find(&format!("id=\"{table_id}\""))
        .unwrap_or_else(|| panic!("a table #{table_id}: {body}"));
    let table = &body[at..at + body[at..].find("</table>").unwrap()];
    let tbody = &table[table.find("<tbody>").unwrap()..];
    tbody.matches("<tr").count()
}

/// The href of the link with this `rel`, unescaped.
fn link(body: &str, rel: &str) -> Option<String> {
    let at = body.find(&format!("rel=\"{rel}\" href=\""))? + rel.len() + 13;
    Some(body[at..at + body[at..].find('"')?].replace("&amp;", "&"))
}

both_engines_app!(
    the_overview_shows_the_figures_the_run_rolled_up_and_long_lists_come_in_pages,
    |app: TestApp| async move {
        let w = world(&app).await;
        let gd = signed_in_cookie(&app, &supervisor("44"));
        let admin = signed_in_cookie(
            &app,
            &Principal::Admin(suyuan_core::ids::AdminId::generate()),
        );

        // The overview's figures are those of the stored results, summed for the jurisdiction.
        let scope = suyuan_store::analytics::ResultScope::Jurisdiction(
            suyuan_core::division::Jurisdiction::parse("44").unwrap(),
        );
        let scores = suyuan_store::analytics::list_scores(
            &app.db.db,
            &scope,
            &suyuan_store::analytics::ScoreFilter {
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(scores.len(), 2, "A and S scored");
        let average = (scores[0].score + scores[1].score) / 2.0;
        let (status, _, overview) = page(&app, Some(&gd), "/supervise?lang=en").await;
        assert_eq!(status, StatusCode::OK, "{overview}");
        assert!(
            overview.contains(&format!("<dt>Average score</dt><dd>{average:.1}</dd>")),
            "{average:.1}: {overview}"
        );
        assert!(
            overview.contains("<dt>Overdue records</dt><dd>3</dd>"),
            "{overview}"
        );
        assert_eq!(rows_of(&overview, "by-region"), 2, "Guangzhou and Shenzhen");
        assert!(overview.contains("region=4401") && overview.contains("region=4403"));
        assert!(
            !overview.contains("region=3301"),
            "Hangzhou is not Guangdong's"
        );
        // Nationally: the two provinces.
        let (_, _, national) = page(&app, Some(&admin), "/supervise?lang=en").await;
        assert!(
            national.contains("<dt>Overdue records</dt><dd>3</dd>"),
            "B has none overdue"
        );
        assert!(national.contains("region=44") && national.contains("region=33"));
        assert_eq!(rows_of(&national, "by-region"), 2);

        // 130 more Guangzhou sellers, each with a sale overdue, scored by a second run.
        let now = Utc::now();
        let t = (now - Duration::days(3)).timestamp_millis();
        let many: Vec<&'static str> = (0..130)
            .map(|i| leak(&format!("sel_01JPAGE{i:019}")))
            .collect();
        let mut sellers: Vec<(&'static str, &'static str)> =
            many.iter().map(|s| (*s, "440104")).collect();
        sellers.extend([
            (leak(&w.a), "440104"),
            (leak(&w.s), "440305"),
            (leak(&w.b), "330106"),
        ]);
        let mut f = empty_frames(&sellers);
        f.sales = sales_frame(
            &many
                .iter()
                .map(|s| sale(leak(&format!("{s}-sale")), s, true, Some(t), None, t + DAY))
                .collect::<Vec<_>>(),
        );
        run(&app, &f, now).await;

        // The ranking: 100 a page, numbered on, with links both ways that keep the filters.
        let (status, _, first) = page(&app, Some(&gd), "/supervise/sellers?region=4401").await;
        assert_eq!(status, StatusCode::OK, "{first}");
        assert_eq!(rows_of(&first, "ranking"), 100);
        // A, with no record in this run, has no score of the month: 130 ranked.
        assert!(first.contains("130 个销售者"), "the count is of all pages");
        assert!(first.contains("第 1 / 2 页"), "{first}");
        assert!(link(&first, "prev").is_none());
        let next = link(&first, "next").expect("a next page");
        assert!(
            next.contains("region=4401") && next.contains("page=2"),
            "{next}"
        );
        let (status, _, second) = page(&app, Some(&gd), &next).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(rows_of(&second, "ranking"), 30);
        assert!(second.contains("<td class=\"num\">101</td>"), "numbered on");
        assert!(link(&second, "next").is_none());
        assert!(link(&second, "prev").unwrap().contains("page=1"));
        for bad in ["0", "x", "-2"] {
            let (status, _, body) =
                page(&app, Some(&gd), &format!("/supervise/sellers?page={bad}")).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
            assert!(body.contains("page"), "{body}");
        }

        // Alerts: 50 a page, newest first; following "older" shows each alert once.
        let all = suyuan_store::analytics::list_alerts(
            &app.db.db,
            &scope,
            &suyuan_store::analytics::AlertFilter {
                limit: 10_000,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert!(all.len() > 100, "{} alerts", all.len());
        let mut seen = Vec::new();
        let mut path = "/supervise/alerts".to_owned();
        loop {
            let (status, _, body) = page(&app, Some(&gd), &path).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            let ids: Vec<i64> = body
                .match_indices("<tr id=\"alert-")
                .map(|(at, m)| {
                    let rest = &body[at + m.len()..];
                    rest[..rest.find('"').unwrap()].parse().unwrap()
                })
                .collect();
            assert!(ids.len() <= 50);
            seen.extend(ids);
            match link(&body, "next") {
                Some(next) => path = next,
                None => break,
            }
        }
        let mut want: Vec<i64> = all.iter().map(|a| a.id).collect();
        want.sort_unstable_by(|a, b| b.cmp(a));
        assert_eq!(seen, want, "every alert once, newest first");
        let (status, _, body) = page(&app, Some(&gd), "/supervise/alerts?before=x").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("before"), "{body}");
    }
);

both_engines!(
    the_ranking_is_filtered_sorted_and_paged_in_sql_exactly_as_the_core_rule_ranks,
    |db: TestDb| async move {
        use suyuan_core::credit_code::CreditCode;
        use suyuan_core::dashboard::{RankFilter, RankLine, Sort, rank};
        use suyuan_core::division::{DivisionCode, Jurisdiction};
        use suyuan_core::supervision::{ScoreRecord, SupervisionResults};
        use suyuan_core::tenancy::{NewSeller, SellerType};
        use suyuan_store::analytics::{ResultScope, rank_page};

        // 24 registered sellers over three divisions and three kinds; names repeat (the id
        // breaks the tie) and differ only in case or script (bytes decide: `Alpha` < `alpha`
        // < `Ω`, whatever the database's locale), and 6 scored sellers with no row (named by
        // their id).
        let names = [
            "甲商行",
            "Alpha",
            "alpha",
            "乙电器",
            "Ω shop",
            "甲商行",
            "Beta",
        ];
        let divisions = ["440104", "440305", "330106"];
        let kinds = [
            SellerType::Online,
            SellerType::Distributor,
            SellerType::SmallShop,
        ];
        let mut sellers: Vec<(String, &str)> = Vec::new();
        for i in 0..24 {
            let division = divisions[i % 3];
            let s = suyuan_store::tenants::create_seller(
                &db.db,
                NewSeller {
                    name: names[i % names.len()].into(),
                    credit_code: CreditCode::with_check_character(&format!("91{division}MA{i:07}"))
                        .unwrap(),
                    division_code: DivisionCode::parse(division).unwrap(),
                    seller_type: kinds[(i / 3) % 3],
                    email: None,
                },
            )
            .await
            .unwrap();
            sellers.push((s.id.to_string(), division));
        }
        for i in 0..6 {
            sellers.push((format!("sel_gone{i}"), divisions[i % 3]));
        }
        let grade = |s: f64| match s {
            s if s >= 90.0 => "A",
            s if s >= 75.0 => "B",
            s if s >= 60.0 => "C",
            _ => "D",
        };
        let record = |i: usize, id: &str, division: &str, period: &str| {
            let score = [95.0, 80.0, 80.0, 62.5, 40.0, 80.0][i % 6];
            ScoreRecord {
                seller_id: id.to_owned(),
                division: division.to_owned(),
                period: period.to_owned(),
                score,
                grade: grade(score).to_owned(),
                category_id: [None, Some("ebike"), Some("wire")][i % 3].map(str::to_owned),
                rank_province: 1,
                rank_division: 1,
                rank_category: None,
                change: (!i.is_multiple_of(4)).then_some((i % 5) as f64 - 2.0),
                components: Vec::new(),
            }
        };
        let mut scores: Vec<ScoreRecord> = sellers
            .iter()
            .enumerate()
            .map(|(i, (id, division))| record(i, id, division, "2026-11"))
            .collect();
        // Another month's scores stay out.
        scores.extend(
            sellers
                .iter()
                .take(5)
                .enumerate()
                .map(|(i, (id, division))| record(i + 1, id, division, "2026-10")),
        );
        suyuan_store::analytics::save_results(
            &db.db,
            &SupervisionResults {
                scores,
                ..Default::default()
            },
            Utc::now(),
        )
        .await
        .unwrap();

        // What the rule in memory makes of the same month's lines.
        let admin = Principal::Admin(suyuan_core::ids::AdminId::generate());
        let registered = suyuan_store::tenants::list_sellers_for(&db.db, &admin, None)
            .await
            .unwrap();
        let all: Vec<RankLine> = suyuan_store::analytics::list_scores(
            &db.db,
            &ResultScope::All,
            &suyuan_store::analytics::ScoreFilter {
                period: Some("2026-11".into()),
                limit: 1000,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .into_iter()
        .map(|r| {
            let s = registered.iter().find(|s| s.id.as_str() == r.seller_id);
            RankLine {
                name: s.map_or_else(|| r.seller_id.clone(), |s| s.name.clone()),
                seller_type: s.map(|s| s.seller_type),
                seller_id: r.seller_id,
                division: r.division,
                category_id: r.category_id,
                score: r.score,
                grade: r.grade,
                change: r.change,
            }
        })
        .collect();
        assert_eq!(all.len(), 30);

        let gd = Jurisdiction::parse("44").unwrap();
        let filters = [
            RankFilter::default(),
            RankFilter {
                region: Jurisdiction::parse("4401").ok(),
                ..Default::default()
            },
            RankFilter {
                grade: Some('B'),
                ..Default::default()
            },
            RankFilter {
                category: Some("ebike".into()),
                ..Default::default()
            },
            RankFilter {
                seller_type: Some(SellerType::Distributor),
                ..Default::default()
            },
            RankFilter {
                region: Jurisdiction::parse("3301").ok(),
                grade: Some('C'),
                ..Default::default()
            },
        ];
        let mut compared = 0;
        for (scope, in_scope) in [
            (ResultScope::All, None),
            (ResultScope::Jurisdiction(gd.clone()), Some("44")),
        ] {
            let lines: Vec<RankLine> = all
                .iter()
                .filter(|l| in_scope.is_none_or(|p| l.division.starts_with(p)))
                .cloned()
                .collect();
            for sort in ["score", "-score", "change", "-change", "name", "-name"] {
                let sort = Sort::parse(sort).unwrap();
                for f in &filters {
                    let expected = rank(lines.clone(), f, sort);
                    // Pages of 7, read until past the end.
                    let mut got = Vec::new();
                    let mut offset = 0;
                    loop {
                        let page = rank_page(&db.db, &scope, "2026-11", f, sort, offset, 7)
                            .await
                            .unwrap();
                        assert_eq!(page.total, expected.len() as u64, "{sort:?} {f:?}");
                        if page.lines.is_empty() {
                            break;
                        }
                        assert!(page.lines.len() <= 7);
                        got.extend(page.lines);
                        offset += 7;
                    }
                    assert_eq!(got, expected, "{scope:?} {sort:?} {f:?}");
                    compared += expected.len();
                }
            }
        }
        assert!(
            compared > 200,
            "the filters leave lines to order: {compared}"
        );
        // The names decide by bytes, and the sellers with no row are named by their id.
        let by_name = rank_page(
            &db.db,
            &ResultScope::All,
            "2026-11",
            &RankFilter::default(),
            Sort::parse("name").unwrap(),
            0,
            100,
        )
        .await
        .unwrap();
        let names: Vec<&str> = by_name.lines.iter().map(|l| l.name.as_str()).collect();
        let alpha = names.iter().position(|n| *n == "Alpha").unwrap();
        let lower = names.iter().position(|n| *n == "alpha").unwrap();
        let omega = names.iter().position(|n| *n == "Ω shop").unwrap();
        assert!(alpha < lower && lower < omega, "{names:?}");
        assert!(names.contains(&"sel_gone3"), "{names:?}");
    }
);
