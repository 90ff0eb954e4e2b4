//! The demo's people (a Guangdong seller, the Guangdong and Zhejiang supervisors, the operator
//! and an admin, with known passwords), and what `serve --demo` prepares before it listens.

use super::{DemoParties, ensure_demo};
use chrono::Utc;
use suyuan_core::catalogue::Catalogue;
use suyuan_core::division::Jurisdiction;
use suyuan_core::ids::AdminId;
use suyuan_core::secrets::SecretKey;
use suyuan_store::Db;
use suyuan_store::tenants;

const ZJ_SUPERVISOR_NAME: &str = "浙江省市场监督管理局（演示）";

/// The demo's people: e-mail, password and who each is (known to all: a demo's).
const DEMO_PEOPLE: [(&str, &str, &str, &str); 5] = [
    (
        "seller@demo.suyuan.cn",
        "demo-seller-2026",
        "销售者：广州骑乐电器商行（广东）",
        "Seller: the Guangzhou general store (Guangdong)",
    ),
    (
        "gd.supervisor@demo.suyuan.cn",
        "demo-guangdong-44",
        "监管人员：广东省（辖区 44）",
        "Supervisor: Guangdong (jurisdiction 44)",
    ),
    (
        "zj.supervisor@demo.suyuan.cn",
        "demo-zhejiang-33",
        "监管人员：浙江省（辖区 33）",
        "Supervisor: Zhejiang (jurisdiction 33)",
    ),
    (
        "operator@demo.suyuan.cn",
        "demo-operator-2026",
        "平台运营方：演示商城",
        "Marketplace operator: the Demo Mall",
    ),
    (
        "admin@demo.suyuan.cn",
        "demo-admin-2026",
        "管理员",
        "Administrator",
    ),
];

/// Creates the demo's people's accounts (a Guangdong seller, the Guangdong and Zhejiang
/// supervisors, the operator and an admin) with known passwords, or finds them; answers them
/// for the banner and the home page.
pub async fn ensure_demo_accounts(
    db: &Db,
    parties: &DemoParties,
) -> anyhow::Result<Vec<suyuan_dashboards::home::DemoAccount>> {
    use suyuan_core::accounts::{Email, hash_password};
    use suyuan_core::ids::{OperatorId, SupervisorId};
    use suyuan_core::tenancy::Principal;
    let zj = match tenants::supervisor_by_name(db, ZJ_SUPERVISOR_NAME).await? {
        Some(s) => s,
        None => {
            tenants::create_supervisor(
                db,
                ZJ_SUPERVISOR_NAME.to_owned(),
                None,
                &Jurisdiction::parse("33").map_err(|e| anyhow::anyhow!("{e}"))?,
            )
            .await?
        }
    };
    let jurisdiction = |j: &str| Jurisdiction::parse(j).map_err(|e| anyhow::anyhow!("{e}"));
    let principals = [
        Principal::Seller(parties.seller_gz.clone()),
        Principal::Supervisor {
            id: SupervisorId::parse(&parties.supervisor_id)?,
            jurisdiction: jurisdiction(&parties.jurisdiction)?,
        },
        Principal::Supervisor {
            id: SupervisorId::parse(&zj.id)?,
            jurisdiction: jurisdiction(&zj.jurisdiction)?,
        },
        Principal::Operator(OperatorId::parse(&parties.operator_id)?),
        Principal::Admin(AdminId::generate()),
    ];
    let mut out = Vec::new();
    for ((email, password, zh, en), principal) in DEMO_PEOPLE.iter().zip(principals) {
        let address = Email::parse(email).map_err(|e| anyhow::anyhow!("{email}: {e}"))?;
        if suyuan_store::accounts::by_email(db, &address)
            .await?
            .is_none()
        {
            let hash = hash_password(password).map_err(|e| anyhow::anyhow!("hashing: {e}"))?;
            suyuan_store::accounts::create(db, &address, &principal, Some(hash), Utc::now())
                .await?;
        }
        out.push(suyuan_dashboards::home::DemoAccount {
            who_zh: (*zh).to_owned(),
            who_en: (*en).to_owned(),
            email: (*email).to_owned(),
            password: (*password).to_owned(),
        });
    }
    Ok(out)
}

/// What `serve --demo` prepares before it listens.
pub struct Prepared {
    /// The demo's parties.
    pub parties: DemoParties,
    /// The demo's people's accounts, for the banner and the home page.
    pub accounts: Vec<suyuan_dashboards::home::DemoAccount>,
    /// The first analytics run (`None`: another instance held the lease); its failure does not
    /// stop the demo, the periodic run tries again.
    pub analytics: anyhow::Result<Option<crate::analytics::RunSummary>>,
}

/// Prepares the demo: its data and people (created or found), then one analytics run so that
/// the dashboards have results to show from the start (with nothing left to settle, since the
/// demo data are written). `serve --demo` and the browser tests start from this.
pub async fn prepare(
    db: &Db,
    catalogue: &Catalogue,
    key: &SecretKey,
    settings: &crate::analytics::RunSettings,
) -> anyhow::Result<Prepared> {
    let parties = ensure_demo(db, catalogue, key).await?;
    let accounts = ensure_demo_accounts(db, &parties).await?;
    let settings = crate::analytics::RunSettings {
        settle: std::time::Duration::ZERO,
        ..settings.clone()
    };
    let analytics = crate::analytics::run_once(db, &settings, Utc::now(), false, &|_| {}).await;
    Ok(Prepared {
        parties,
        accounts,
        analytics,
    })
}

/// Prints the demo accounts.
pub fn print_accounts(
    config: &crate::config::Config,
    accounts: &[suyuan_dashboards::home::DemoAccount],
) {
    println!(
        "  Demo accounts / 演示账号 (sign in at {}/signin):",
        config.public_url
    );
    for a in accounts {
        println!("    {:<32} {:<20} {}", a.email, a.password, a.who_en);
    }
    println!();
}
