//! `/`: what Suyuan is, where each kind of user starts, and codes to try.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use suyuan_web::AppState;
use suyuan_web::error::ApiError;
use suyuan_web::page::{lang_of, page_response};
use suyuan_widgets::{AppPage, Bi, EntryList};

/// How many recently registered codes the home page offers to try.
const EXAMPLES: usize = 4;

/// One demo account, shown on the home page of `serve --demo` only.
#[derive(Clone, Debug)]
pub struct DemoAccount {
    /// Who it is, in Chinese (a Guangdong supervisor, …).
    pub who_zh: String,
    /// Who it is, in English.
    pub who_en: String,
    /// Its e-mail address.
    pub email: String,
    /// Its password (a demo's, known to all).
    pub password: String,
}

/// The demo accounts (registered as `web::Data<DemoAccounts>` by `serve --demo` only).
#[derive(Clone, Debug, Default)]
pub struct DemoAccounts(pub Vec<DemoAccount>);

/// The home page.
#[get("/")]
pub async fn home(
    req: HttpRequest,
    state: web::Data<AppState>,
    demo: Option<web::Data<DemoAccounts>>,
) -> Result<HttpResponse, ApiError> {
    let lang = lang_of(&req);
    let examples = suyuan_store::trace::recent_codes(&state.db, EXAMPLES).await?;
    let demo_list = demo.filter(|d| !d.0.is_empty()).map(|d| EntryList {
        id: "demo-accounts".into(),
        heading: Bi::new("演示账号", "Demo accounts"),
        entries: d
            .0
            .iter()
            .map(|a| suyuan_widgets::Entry {
                title: a.email.clone(),
                lines: vec![
                    Bi::new(a.who_zh.clone(), a.who_en.clone()),
                    Bi::new(
                        format!("密码：{}", a.password),
                        format!("Password: {}", a.password),
                    ),
                ],
                link: Some(("/signin".into(), Bi::new("登录", "Sign in"))),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    });
    let page = AppPage {
        title: Bi::new(
            "溯源：重点工业产品质量安全追溯",
            "Suyuan: traceability of key industrial products",
        ),
        intro: vec![
            Bi::new(
                "销售者：进货查验、销售登记、指引下一级，一次登记送达所有追溯平台。",
                "Sellers: check goods in, register sales, guide the next tier; one registration reaches every trace platform.",
            ),
            Bi::new(
                "电商平台：为商品页嵌入带二维码的追溯徽章。监管部门：查看辖区内销售者的记录。",
                "Marketplaces: embed trace badges with QR codes on listings. Regulators: read the records of sellers in their jurisdiction.",
            ),
            Bi::new(
                "消费者：扫描产品上的二维码，或打开下面的追溯码，查看来源与流向。",
                "Consumers: scan the QR code on a product, or open a code below, to see where it came from.",
            ),
        ],
        lists: demo_list
            .into_iter()
            .chain((!examples.is_empty()).then(|| {
                EntryList {
                    id: "examples".into(),
                    heading: Bi::new("试试这些追溯码", "Try these codes"),
                    entries: examples
                        .iter()
                        .map(|c| suyuan_widgets::Entry {
                            title: c.to_string(),
                            link: Some((
                                suyuan_web::links::resolver_url("", c),
                                Bi::new("查看追溯信息", "See its trace"),
                            )),
                            ..Default::default()
                        })
                        .collect(),
                    ..Default::default()
                }
            }))
            .collect(),
        links: vec![
            ("/signin".into(), Bi::new("登录", "Sign in")),
            ("/app/scan".into(), Bi::new("扫码收货", "Scan goods in")),
            (
                "/seller".into(),
                Bi::new("销售者工作台", "Seller dashboard"),
            ),
            (
                "/supervise".into(),
                Bi::new("监管工作台", "Supervisor dashboard"),
            ),
            (
                "/operator".into(),
                Bi::new("电商平台工作台", "Marketplace dashboard"),
            ),
            (
                "/api/v1/openapi.json".into(),
                Bi::new("接口说明（OpenAPI）", "API description (OpenAPI)"),
            ),
            (
                "/api/v1/catalogue".into(),
                Bi::new("重点工业产品目录", "Catalogue of key products"),
            ),
            ("/api/v1/recalls".into(), Bi::new("召回公告", "Recalls")),
        ],
        ..Default::default()
    };
    Ok(page_response(StatusCode::OK, &state, &page, lang, vec![]))
}
