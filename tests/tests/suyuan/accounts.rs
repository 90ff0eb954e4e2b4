//! People's accounts and server-side sessions, driven over HTTP like a browser (cookies kept,
//! CSRF tokens read from the pages): e-mail and password sign-in, the failure limit, sign-out
//! and an admin's revocation ending a session server-side, invitations and sign-in links by
//! e-mail (received by a real SMTP server) used once, and a supervisor's session.

use super::marketplace::client;
use super::transfers::{
    A_NAME, B_NAME, Jar, a_receives, a_ships_to_b, b_credit, csrf_in, no_redirects, seller_named,
    settings, token_of,
};
use chrono::Utc;
use reqwest::StatusCode;
use serde_json::{Value, json};
use suyuan_core::accounts::{Email, hash_password};
use suyuan_core::division::Jurisdiction;
use suyuan_core::ids::{SellerId, SupervisorId};
use suyuan_core::tenancy::Principal;
use suyuan_plugin_api::mail::{Mailer, remind_and_expire};
use suyuan_tests::smtp::SmtpServer;
use suyuan_tests::{TestApp, both_engines_app};

const PASSWORD: &str = "correct horse battery";
const FROM: &str = "溯源 Suyuan <noreply@suyuan.test>";

/// Creates an account with `PASSWORD` straight in the store; answers its id.
async fn account(app: &TestApp, email: &str, principal: Principal) -> String {
    let hash = hash_password(PASSWORD).unwrap();
    suyuan_store::accounts::create(
        &app.db.db,
        &Email::parse(email).unwrap(),
        &principal,
        Some(hash),
        Utc::now(),
    )
    .await
    .unwrap()
    .id
}

/// A seller with an account; answers its id and the account's.
async fn seller_account(app: &TestApp, email: &str) -> (String, String) {
    let (id, _, _) = seller_named(app, A_NAME, "91440104MA59ABCD1").await;
    let account = account(app, email, Principal::Seller(SellerId::parse(&id).unwrap())).await;
    (id, account)
}

/// Opens `path` with the jar's cookies (keeping new ones); answers status, location or body.
async fn open(app: &TestApp, jar: &mut Jar, path: &str) -> (StatusCode, String) {
    let res = no_redirects()
        .get(format!("{}{path}", app.address))
        .header("cookie", jar.header())
        .send()
        .await
        .unwrap();
    jar.keep(&res);
    let status = res.status();
    let location = res
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    let body = res.text().await.unwrap();
    (status, location.unwrap_or(body))
}

/// Posts a form from this service's origin with the jar's cookies; answers the response (its
/// cookies kept).
async fn post_form(
    app: &TestApp,
    jar: &mut Jar,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let res = no_redirects()
        .post(format!("{}{path}", app.address))
        .header("cookie", jar.header())
        .header("origin", app.address.as_str())
        .form(form)
        .send()
        .await
        .unwrap();
    jar.keep(&res);
    res
}

/// Opens the sign-in page for its CSRF token, then signs in; answers the response.
async fn sign_in(
    app: &TestApp,
    jar: &mut Jar,
    email: &str,
    password: &str,
    next: &str,
) -> reqwest::Response {
    let (status, page) = open(app, jar, "/signin").await;
    assert_eq!(status, StatusCode::OK);
    let csrf = csrf_in(&page);
    post_form(
        app,
        jar,
        "/signin",
        &[
            ("csrf", &csrf),
            ("email", email),
            ("password", password),
            ("next", next),
        ],
    )
    .await
}

fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// The single-use link of a mail, from its plain-text part.
fn link_in(text: &str, path: &str) -> String {
    let at = text
        .find(path)
        .unwrap_or_else(|| panic!("no {path} in {text}"));
    text[at..]
        .split(|c: char| c.is_whitespace())
        .next()
        .unwrap()
        .to_owned()
}

/// Sends what the mail queue holds to a real SMTP server; answers the plain-text parts.
async fn deliver(app: &TestApp, smtp: &SmtpServer, n: usize) -> Vec<String> {
    let mailer = Mailer::new(Some(&smtp.url()), FROM).unwrap();
    remind_and_expire(&app.db.db, &mailer, &settings(app), Utc::now())
        .await
        .unwrap();
    smtp.wait_for(n).await.iter().map(|m| m.body()).collect()
}

both_engines_app!(
    a_seller_signs_in_with_email_and_password_and_reaches_a_seller_page,
    |app: TestApp| async move {
        seller_account(&app, "li.ming@example.com").await;
        let mut jar = Jar::default();
        let (status, to) = open(&app, &mut jar, "/app/transfers").await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(to, "/signin?next=%2Fapp%2Ftransfers");

        // The address is compared case-insensitively.
        let res = sign_in(
            &app,
            &mut jar,
            "Li.Ming@Example.com",
            PASSWORD,
            "/app/transfers",
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), "/app/transfers");
        let cookie = res
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .find(|c| c.starts_with("suyuan_session="))
            .expect("a session cookie");
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
            "{cookie}"
        );
        let (status, page) = open(&app, &mut jar, "/app/transfers").await;
        assert_eq!(status, StatusCode::OK, "{page}");

        // The old paste-a-token page sends people to the new one, keeping where they were going.
        let (status, to) = open(&app, &mut jar, "/app/signin?next=/app/scan").await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(to, "/signin?next=%2Fapp%2Fscan");
    }
);

both_engines_app!(
    after_five_wrong_passwords_the_sixth_attempt_within_a_minute_answers_429_with_retry_after,
    |app: TestApp| async move {
        seller_account(&app, "li.ming@example.com").await;
        let mut jar = Jar::default();
        for _ in 0..5 {
            let res = sign_in(
                &app,
                &mut jar,
                "li.ming@example.com",
                "not the password",
                "",
            )
            .await;
            assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
            assert!(!jar.0.contains_key("suyuan_session"));
        }
        // Even the right password waits now.
        let res = sign_in(&app, &mut jar, "li.ming@example.com", PASSWORD, "").await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        let wait: u64 = res.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&wait), "{wait}");
        assert!(!jar.0.contains_key("suyuan_session"));
        // An unknown address gets the same answer as a wrong password.
        let res = sign_in(&app, &mut jar, "nobody@example.com", PASSWORD, "").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        // A malformed address is named.
        let res = sign_in(&app, &mut jar, "not-an-address", PASSWORD, "").await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            res.text()
                .await
                .unwrap()
                .contains("email：电子邮箱格式不正确")
        );
    }
);

both_engines_app!(
    a_form_posted_without_its_csrf_token_is_refused,
    |app: TestApp| async move {
        seller_account(&app, "li.ming@example.com").await;
        let mut jar = Jar::default();
        let (_, _) = open(&app, &mut jar, "/signin").await;
        let res = post_form(
            &app,
            &mut jar,
            "/signin",
            &[("email", "li.ming@example.com"), ("password", PASSWORD)],
        )
        .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert!(!jar.0.contains_key("suyuan_session"));

        // Signed in, a sign-out without the token does not end the session.
        let res = sign_in(&app, &mut jar, "li.ming@example.com", PASSWORD, "").await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let res = post_form(&app, &mut jar, "/signout", &[]).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let (status, _) = open(&app, &mut jar, "/app/transfers").await;
        assert_eq!(status, StatusCode::OK);
    }
);

both_engines_app!(
    signing_out_ends_the_session_server_side_and_its_old_cookie_gets_the_sign_in_page,
    |app: TestApp| async move {
        seller_account(&app, "li.ming@example.com").await;
        let mut jar = Jar::default();
        sign_in(&app, &mut jar, "li.ming@example.com", PASSWORD, "").await;
        let old = jar.0["suyuan_session"].clone();
        let (status, page) = open(&app, &mut jar, "/account/tokens").await;
        assert_eq!(status, StatusCode::OK);
        let csrf = csrf_in(&page);
        let res = post_form(&app, &mut jar, "/signout", &[("csrf", &csrf)]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), "/signin");
        assert!(!jar.0.contains_key("suyuan_session"));

        // Replaying the old cookie, as a copy of it elsewhere would.
        let mut replay = Jar::default();
        replay.0.insert("suyuan_session".into(), old);
        let (status, to) = open(&app, &mut replay, "/app/transfers").await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert!(to.starts_with("/signin?next="), "{to}");
    }
);

both_engines_app!(
    an_admin_revokes_a_persons_sessions_and_deactivating_a_seller_ends_them,
    |app: TestApp| async move {
        let (seller_id, account_id) = seller_account(&app, "li.ming@example.com").await;
        let mut jar = Jar::default();
        sign_in(&app, &mut jar, "li.ming@example.com", PASSWORD, "").await;
        let (status, _) = open(&app, &mut jar, "/app/transfers").await;
        assert_eq!(status, StatusCode::OK);

        let revoke = |token: String| {
            let url = format!(
                "{}/api/v1/accounts/{account_id}/sessions/revoke",
                app.address
            );
            async move { client().post(url).bearer_auth(token).send().await.unwrap() }
        };
        let seller_token = seller_named_token(&app, &seller_id);
        assert_eq!(revoke(seller_token).await.status(), StatusCode::FORBIDDEN);
        let res = revoke(app.admin_token()).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.json::<Value>().await.unwrap()["revoked"], 1);
        let (status, to) = open(&app, &mut jar, "/app/transfers").await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{to}");
        assert!(to.starts_with("/signin"), "{to}");
        let res = client()
            .post(format!(
                "{}/api/v1/accounts/acc_nobody/sessions/revoke",
                app.address
            ))
            .bearer_auth(app.admin_token())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);

        // Signed in again, then the seller is deactivated: the session ends, and signing in
        // is refused.
        sign_in(&app, &mut jar, "li.ming@example.com", PASSWORD, "").await;
        let (status, _) = open(&app, &mut jar, "/app/transfers").await;
        assert_eq!(status, StatusCode::OK);
        let res = client()
            .delete(format!("{}/api/v1/sellers/{seller_id}", app.address))
            .bearer_auth(app.admin_token())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        let (status, _) = open(&app, &mut jar, "/app/transfers").await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let res = sign_in(&app, &mut jar, "li.ming@example.com", PASSWORD, "").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
);

fn seller_named_token(app: &TestApp, id: &str) -> String {
    app.tokens
        .mint(
            suyuan_core::tenancy::Role::Seller,
            id,
            None,
            std::time::Duration::from_secs(600),
        )
        .unwrap()
}

both_engines_app!(
    an_invitation_mail_is_queued_with_a_link_that_sets_the_password_once,
    |app: TestApp| async move {
        let (seller_id, _, _) = seller_named(&app, A_NAME, "91440104MA59ABCD1").await;
        let invite = |body: Value| {
            let url = format!("{}/api/v1/accounts/invitations", app.address);
            let admin = app.admin_token();
            async move {
                client()
                    .post(url)
                    .bearer_auth(admin)
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
            }
        };
        let res = invite(
            json!({"email": "Wang.Fang@Example.com", "role": "seller", "subject": seller_id}),
        )
        .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let out: Value = res.json().await.unwrap();
        assert_eq!(out["email"], "wang.fang@example.com");
        assert_eq!(out["has_password"], false);
        // The same address again, a bad address, an unknown subject.
        let res = invite(
            json!({"email": "wang.fang@example.com", "role": "seller", "subject": seller_id}),
        )
        .await;
        assert_eq!(res.status(), StatusCode::CONFLICT);
        let res =
            invite(json!({"email": "wang.fang", "role": "seller", "subject": seller_id})).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.text().await.unwrap().contains("\"email\""));
        let res = invite(json!({"email": "x@example.com", "role": "seller", "subject": "sel_01JNOSUCHSELLER0000000000"})).await;
        assert!(
            matches!(
                res.status(),
                StatusCode::NOT_FOUND | StatusCode::UNPROCESSABLE_ENTITY
            ),
            "{}",
            res.status()
        );

        // The queued mail carries no link; the link is written when the mail is sent.
        let jobs = suyuan_store::queue::mail::counts(&app.db.db).await.unwrap();
        assert_eq!(jobs.get("pending"), Some(&1), "{jobs:?}");
        let smtp = SmtpServer::start().await;
        let mail = deliver(&app, &smtp, 1).await;
        assert!(
            mail[0].contains("邀请") && mail[0].contains("invited"),
            "{}",
            mail[0]
        );
        let link = link_in(&mail[0], &format!("{}/signin/set-password?t=", app.address));
        let path = link.trim_start_matches(&app.address).to_owned();

        let mut jar = Jar::default();
        let (status, page) = open(&app, &mut jar, &path).await;
        assert_eq!(status, StatusCode::OK);
        let csrf = csrf_in(&page);
        let t = path.split("t=").nth(1).unwrap().to_owned();
        // Too short, then the e-mail address itself: named, and the link still works.
        let res = post_form(
            &app,
            &mut jar,
            "/signin/set-password",
            &[
                ("csrf", &csrf),
                ("t", &t),
                ("password", "short"),
                ("password_again", "short"),
            ],
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            res.text()
                .await
                .unwrap()
                .contains("password：密码至少需要 10 个字符")
        );
        let res = post_form(
            &app,
            &mut jar,
            "/signin/set-password",
            &[
                ("csrf", &csrf),
                ("t", &t),
                ("password", "wang.fang@example.com"),
                ("password_again", "wang.fang@example.com"),
            ],
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let res = post_form(
            &app,
            &mut jar,
            "/signin/set-password",
            &[
                ("csrf", &csrf),
                ("t", &t),
                ("password", PASSWORD),
                ("password_again", PASSWORD),
            ],
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), "/seller", "a seller lands on its dashboard");
        let (status, _) = open(&app, &mut jar, "/app/transfers").await;
        assert_eq!(status, StatusCode::OK);

        // Once only.
        let mut other = Jar::default();
        let (status, _) = open(&app, &mut other, &path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let (_, page) = open(&app, &mut other, "/signin").await;
        let csrf = csrf_in(&page);
        let res = post_form(
            &app,
            &mut other,
            "/signin/set-password",
            &[
                ("csrf", &csrf),
                ("t", &t),
                ("password", "another password!"),
                ("password_again", "another password!"),
            ],
        )
        .await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        assert!(!other.0.contains_key("suyuan_session"));
        // The password set by the invitation signs in.
        let res = sign_in(&app, &mut other, "wang.fang@example.com", PASSWORD, "").await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
);

both_engines_app!(
    a_sign_in_link_signs_in_once_and_the_answer_never_tells_whether_an_address_has_an_account,
    |app: TestApp| async move {
        seller_account(&app, "li.ming@example.com").await;
        let mut jar = Jar::default();
        let (_, page) = open(&app, &mut jar, "/signin").await;
        let csrf = csrf_in(&page);
        let known = post_form(
            &app,
            &mut jar,
            "/signin/magic-link",
            &[("csrf", &csrf), ("email", "LI.MING@example.com")],
        )
        .await;
        let unknown = post_form(
            &app,
            &mut jar,
            "/signin/magic-link",
            &[("csrf", &csrf), ("email", "nobody@example.com")],
        )
        .await;
        assert_eq!(known.status(), StatusCode::OK);
        assert_eq!(unknown.status(), StatusCode::OK);
        assert_eq!(known.text().await.unwrap(), unknown.text().await.unwrap());

        let smtp = SmtpServer::start().await;
        let mail = deliver(&app, &smtp, 1).await;
        assert_eq!(
            mail.len(),
            1,
            "only the address with an account gets a mail"
        );
        let link = link_in(&mail[0], &format!("{}/signin/link?t=", app.address));
        let path = link.trim_start_matches(&app.address).to_owned();
        let t = path.split("t=").nth(1).unwrap().to_owned();

        // Opening the link (as a mail scanner would) does not use it.
        let mut phone = Jar::default();
        let (status, page) = open(&app, &mut phone, &path).await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = open(&app, &mut phone, &path).await;
        assert_eq!(status, StatusCode::OK);
        let csrf = csrf_in(&page);
        let res = post_form(
            &app,
            &mut phone,
            "/signin/link",
            &[("csrf", &csrf), ("t", &t)],
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let (status, _) = open(&app, &mut phone, "/app/transfers").await;
        assert_eq!(status, StatusCode::OK);

        let mut again = Jar::default();
        let (_, page) = open(&app, &mut again, "/signin").await;
        let csrf = csrf_in(&page);
        let res = post_form(
            &app,
            &mut again,
            "/signin/link",
            &[("csrf", &csrf), ("t", &t)],
        )
        .await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        assert!(!again.0.contains_key("suyuan_session"));
    }
);

both_engines_app!(
    a_supervisors_session_is_the_supervisor_with_its_jurisdiction,
    |app: TestApp| async move {
        let sup = suyuan_store::tenants::create_supervisor(
            &app.db.db,
            "广东省市场监督管理局".into(),
            None,
            &Jurisdiction::parse("44").unwrap(),
        )
        .await
        .unwrap();
        account(
            &app,
            "gd@example.gov.cn",
            Principal::Supervisor {
                id: SupervisorId::parse(&sup.id).unwrap(),
                jurisdiction: Jurisdiction::parse("44").unwrap(),
            },
        )
        .await;
        let mut jar = Jar::default();
        let res = sign_in(&app, &mut jar, "gd@example.gov.cn", PASSWORD, "").await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            location(&res),
            "/supervise",
            "a supervisor lands on its dashboard"
        );
        // Not a seller: the seller pages are not for it.
        let (status, _) = open(&app, &mut jar, "/app/transfers").await;
        assert_ne!(status, StatusCode::OK);

        // A token minted from its page speaks for the supervisor and its jurisdiction.
        let (status, page) = open(&app, &mut jar, "/account/tokens").await;
        assert_eq!(status, StatusCode::OK);
        let csrf = csrf_in(&page);
        let res = post_form(
            &app,
            &mut jar,
            "/account/tokens",
            &[("csrf", &csrf), ("ttl", "30d")],
        )
        .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let page = res.text().await.unwrap();
        let at = page.find("eyJ").expect("the new token on the page");
        let token: String = page[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
            .collect();
        let me: Value = client()
            .get(format!("{}/api/v1/me", app.address))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me["role"], "supervisor", "{me}");
        assert_eq!(me["id"], sup.id.as_str(), "{me}");
        assert_eq!(me["jurisdiction"], "44", "{me}");
    }
);

both_engines_app!(
    a_buyer_signing_up_on_the_claim_page_with_a_password_can_sign_in_with_it_later,
    |app: TestApp| async move {
        let (_, a, _) = seller_named(&app, A_NAME, "91440104MA59ABCD1").await;
        a_receives(&app, &a, &["P1"]).await;
        let sale = a_ships_to_b(&app, &a, &["P1"], None).await;
        let claim = format!("/claim/{}", token_of(&sale));
        let mut jar = Jar::default();
        let (status, page) = open(&app, &mut jar, &claim).await;
        assert_eq!(status, StatusCode::OK);
        let csrf = csrf_in(&page);
        let credit = b_credit();
        let signup = |password: &'static str| {
            vec![
                ("csrf", csrf.clone()),
                ("name", B_NAME.to_owned()),
                ("credit_code", credit.clone()),
                ("division_code", "330106".to_owned()),
                ("seller_type", "distributor".to_owned()),
                ("email", "buyer@example.com".to_owned()),
                ("password", password.to_owned()),
            ]
        };
        // A weak password is named, and nothing is created.
        let weak = signup("short");
        let form: Vec<(&str, &str)> = weak.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let res = post_form(&app, &mut jar, &format!("{claim}/signup"), &form).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.text().await.unwrap().contains("密码至少需要 10 个字符"));
        let good = signup(PASSWORD);
        let form: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let res = post_form(&app, &mut jar, &format!("{claim}/signup"), &form).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert!(jar.0.contains_key("suyuan_session"));

        // Later, on another device: e-mail and password reach its transfers page.
        let mut other = Jar::default();
        let res = sign_in(
            &app,
            &mut other,
            "buyer@example.com",
            PASSWORD,
            "/app/transfers",
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let (status, _) = open(&app, &mut other, "/app/transfers").await;
        assert_eq!(status, StatusCode::OK);
    }
);

both_engines_app!(
    the_demo_accounts_sign_in_as_who_the_home_page_says_and_only_the_demo_shows_them,
    |app: TestApp| async move {
        let parties = suyuan_server::demo::ensure_demo(
            &app.db.db,
            &suyuan_tests::catalogue(),
            &app.secret_key,
        )
        .await
        .unwrap();
        let people = suyuan_server::demo::ensure_demo_accounts(&app.db.db, &parties)
            .await
            .unwrap();
        // A second start finds them.
        let again = suyuan_server::demo::ensure_demo_accounts(&app.db.db, &parties)
            .await
            .unwrap();
        assert_eq!(people.len(), 5);
        assert_eq!(again.len(), 5);
        let mut landed = Vec::new();
        for p in &people {
            let mut jar = Jar::default();
            let res = sign_in(&app, &mut jar, &p.email, &p.password, "").await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", p.email);
            landed.push(location(&res));
        }
        assert_eq!(
            landed,
            [
                "/seller",
                "/supervise",
                "/supervise",
                "/operator",
                "/supervise"
            ],
            "seller, two supervisors, operator, admin: each on its dashboard"
        );
        // This app was not started with `serve --demo`: its home page lists no accounts.
        let home = client()
            .get(format!("{}/", app.address))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!home.contains("演示账号") && !home.contains(&people[0].password));
    }
);
