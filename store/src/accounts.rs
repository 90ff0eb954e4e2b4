//! People's accounts, their server-side sessions and their single-use links.
//!
//! An account is an e-mail address (stored lower-cased, unique) with an argon2id password hash
//! (set when the invitation is accepted) that signs in as one subject the API already knows: a
//! seller, supervisor, operator or admin id ([`Principal`]). A session is stored only as the
//! SHA-256 of its random id; it counts while it is not revoked, expired or idle too long
//! ([`SessionPolicy`]). Invitation and sign-in links are stored as the SHA-256 of their token
//! (looked up by it, used once by a conditional update) and sealed to their row, so the mail
//! that carries one is written when it is sent and no link waits in the mail queue.

use crate::entity::{account, account_link, account_session, operator, seller, supervisor};
use crate::queue::mail as outbox;
use crate::{StoreError, is_unique_violation};
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, DatabaseConnection, EntityTrait as _,
    QueryFilter as _, QueryOrder as _, Set, TransactionTrait as _,
};
use suyuan_core::accounts::{
    Email, LinkKind, LinkTimes, SessionPolicy, SessionTimes, link_usable, new_secret, secret_hash,
};
use suyuan_core::division::Jurisdiction;
use suyuan_core::ids::{AdminId, OperatorId, SellerId, SupervisorId};
use suyuan_core::secrets::{Binding, SecretKey};
use suyuan_core::tenancy::{Principal, Role};

/// A session is written back as used at most this often (not on every request).
const TOUCH_EVERY: Duration = Duration::minutes(1);

/// An account as callers see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// `acc_…`.
    pub id: String,
    /// The address, lower-cased.
    pub email: String,
    /// Who it signs in as.
    pub principal: Principal,
    /// Whether a password is set (an invitation not accepted yet has none).
    pub has_password: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

fn account_of(row: &account::Model) -> Result<Account, StoreError> {
    Ok(Account {
        id: row.id.clone(),
        email: row.email.clone(),
        principal: principal_of(row)?,
        has_password: row.password_hash.is_some(),
        created_at: row.created_at,
    })
}

/// The principal an account row signs in as.
fn principal_of(row: &account::Model) -> Result<Principal, StoreError> {
    let corrupt = |e: String| StoreError::Corrupt(format!("account {}: {e}", row.id));
    let role: Role = row.role.parse().map_err(corrupt)?;
    let id_err = |e: suyuan_core::ids::IdError| corrupt(e.to_string());
    Ok(match role {
        Role::Seller => Principal::Seller(SellerId::parse(&row.subject).map_err(id_err)?),
        Role::Operator => Principal::Operator(OperatorId::parse(&row.subject).map_err(id_err)?),
        Role::Admin => Principal::Admin(AdminId::parse(&row.subject).map_err(id_err)?),
        Role::Supervisor => Principal::Supervisor {
            id: SupervisorId::parse(&row.subject).map_err(id_err)?,
            jurisdiction: Jurisdiction::parse(row.jurisdiction.as_deref().unwrap_or_default())
                .map_err(|e| corrupt(e.to_string()))?,
        },
    })
}

/// The principal a new account of `role` and `subject` signs in as, checked against the
/// registered sellers, supervisors (whose jurisdiction it takes) and operators; an admin id
/// needs only to be well formed. An unknown subject is `NotFound`, a malformed one `Invalid`.
pub async fn subject_principal(
    db: &impl ConnectionTrait,
    role: Role,
    subject: &str,
) -> Result<Principal, StoreError> {
    let invalid = |e: suyuan_core::ids::IdError| {
        StoreError::Invalid(
            format!("subject: {e}"),
            format!("主体编号：{}", e.message_zh()),
        )
    };
    Ok(match role {
        Role::Seller => {
            let id = SellerId::parse(subject).map_err(invalid)?;
            seller::Entity::find_by_id(id.as_str())
                .one(db)
                .await?
                .ok_or(StoreError::NotFound("seller"))?;
            Principal::Seller(id)
        }
        Role::Operator => {
            let id = OperatorId::parse(subject).map_err(invalid)?;
            operator::Entity::find_by_id(id.as_str())
                .one(db)
                .await?
                .ok_or(StoreError::NotFound("operator"))?;
            Principal::Operator(id)
        }
        Role::Supervisor => {
            let id = SupervisorId::parse(subject).map_err(invalid)?;
            let row = supervisor::Entity::find_by_id(id.as_str())
                .one(db)
                .await?
                .ok_or(StoreError::NotFound("supervisor"))?;
            let jurisdiction = Jurisdiction::parse(&row.jurisdiction)
                .map_err(|e| StoreError::Corrupt(format!("supervisor {}: {e}", row.id)))?;
            Principal::Supervisor { id, jurisdiction }
        }
        Role::Admin => Principal::Admin(AdminId::parse(subject).map_err(invalid)?),
    })
}

/// Creates an account for `principal` with `password_hash` (`None`: set by an invitation).
/// An address already taken is `Duplicate` (field `email`).
pub async fn create(
    db: &impl ConnectionTrait,
    email: &Email,
    principal: &Principal,
    password_hash: Option<String>,
    now: DateTime<Utc>,
) -> Result<Account, StoreError> {
    let row = account::ActiveModel {
        id: Set(format!("acc_{}", ulid::Ulid::new())),
        email: Set(email.as_str().to_owned()),
        password_set_at: Set(password_hash.as_ref().map(|_| now)),
        password_hash: Set(password_hash),
        role: Set(principal.role().as_str().to_owned()),
        subject: Set(principal.subject().to_owned()),
        jurisdiction: Set(match principal {
            Principal::Supervisor { jurisdiction, .. } => Some(jurisdiction.to_string()),
            _ => None,
        }),
        created_at: Set(now),
    };
    match row.insert(db).await {
        Ok(row) => account_of(&row),
        Err(e) if is_unique_violation(&e) => Err(StoreError::Duplicate {
            field: "email",
            value: email.to_string(),
        }),
        Err(e) => Err(e.into()),
    }
}

/// The account of an address, if any.
pub async fn by_email(
    db: &impl ConnectionTrait,
    email: &Email,
) -> Result<Option<Account>, StoreError> {
    account::Entity::find()
        .filter(account::Column::Email.eq(email.as_str()))
        .one(db)
        .await?
        .as_ref()
        .map(account_of)
        .transpose()
}

/// An account by id.
pub async fn by_id(db: &impl ConnectionTrait, id: &str) -> Result<Option<Account>, StoreError> {
    account::Entity::find_by_id(id)
        .one(db)
        .await?
        .as_ref()
        .map(account_of)
        .transpose()
}

/// The account of an address and its password hash, for checking a sign-in (`None`: no such
/// account, or no password set yet).
pub async fn credentials(
    db: &impl ConnectionTrait,
    email: &Email,
) -> Result<Option<(Account, String)>, StoreError> {
    let Some(row) = account::Entity::find()
        .filter(account::Column::Email.eq(email.as_str()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let Some(hash) = row.password_hash.clone() else {
        return Ok(None);
    };
    Ok(Some((account_of(&row)?, hash)))
}

/// Sets an account's password hash.
pub async fn set_password(
    db: &impl ConnectionTrait,
    account_id: &str,
    password_hash: String,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let res = account::Entity::update_many()
        .col_expr(account::Column::PasswordHash, Expr::value(password_hash))
        .col_expr(account::Column::PasswordSetAt, Expr::value(now))
        .filter(account::Column::Id.eq(account_id))
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        return Err(StoreError::NotFound("account"));
    }
    Ok(())
}

/// Starts a session of `account_id` at `now`: answers its id (for the cookie; only its
/// SHA-256 is stored).
pub async fn start_session(
    db: &impl ConnectionTrait,
    account_id: &str,
    policy: &SessionPolicy,
    now: DateTime<Utc>,
) -> Result<String, StoreError> {
    let (raw, hash) = new_secret();
    account_session::ActiveModel {
        id_hash: Set(hash),
        account_id: Set(account_id.to_owned()),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(policy.expires_at(now)),
        revoked_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(raw)
}

/// The account a session id signs in and when the session began, when it counts at `now` (not
/// revoked, expired or idle); marks it used (at most once a minute).
pub async fn session(
    db: &impl ConnectionTrait,
    raw: &str,
    policy: &SessionPolicy,
    now: DateTime<Utc>,
) -> Result<Option<(Account, DateTime<Utc>)>, StoreError> {
    let hash = secret_hash(raw);
    let Some(s) = account_session::Entity::find_by_id(hash.as_str())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let times = SessionTimes {
        expires_at: s.expires_at,
        last_seen_at: s.last_seen_at,
        revoked_at: s.revoked_at,
    };
    if !policy.alive(&times, now) {
        return Ok(None);
    }
    let Some(row) = account::Entity::find_by_id(s.account_id.as_str())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if now - s.last_seen_at > TOUCH_EVERY {
        account_session::Entity::update_many()
            .col_expr(account_session::Column::LastSeenAt, Expr::value(now))
            .filter(account_session::Column::IdHash.eq(hash))
            .exec(db)
            .await?;
    }
    Ok(Some((account_of(&row)?, s.created_at)))
}

/// Revokes one session (signing out); `false` when it was unknown or already revoked.
pub async fn revoke_session(
    db: &impl ConnectionTrait,
    raw: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let res = account_session::Entity::update_many()
        .col_expr(account_session::Column::RevokedAt, Expr::value(now))
        .filter(account_session::Column::IdHash.eq(secret_hash(raw)))
        .filter(account_session::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Revokes every session of an account; answers how many were still open. An unknown account
/// is `NotFound`.
pub async fn revoke_sessions(
    db: &impl ConnectionTrait,
    account_id: &str,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    if account::Entity::find_by_id(account_id)
        .one(db)
        .await?
        .is_none()
    {
        return Err(StoreError::NotFound("account"));
    }
    let res = account_session::Entity::update_many()
        .col_expr(account_session::Column::RevokedAt, Expr::value(now))
        .filter(account_session::Column::AccountId.eq(account_id))
        .filter(account_session::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

/// Revokes every session of every account signing in as `subject` (a deactivated seller's).
pub async fn revoke_subject_sessions(
    db: &impl ConnectionTrait,
    subject: &str,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let ids: Vec<String> = account::Entity::find()
        .filter(account::Column::Subject.eq(subject))
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect();
    if ids.is_empty() {
        return Ok(0);
    }
    let res = account_session::Entity::update_many()
        .col_expr(account_session::Column::RevokedAt, Expr::value(now))
        .filter(account_session::Column::AccountId.is_in(ids))
        .filter(account_session::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

/// Accounts signing in as `subject`, oldest first.
pub async fn of_subject(
    db: &impl ConnectionTrait,
    subject: &str,
) -> Result<Vec<Account>, StoreError> {
    account::Entity::find()
        .filter(account::Column::Subject.eq(subject))
        .order_by_asc(account::Column::CreatedAt)
        .all(db)
        .await?
        .iter()
        .map(account_of)
        .collect()
}

fn link_binding(token_hash: &str) -> Binding<'_> {
    Binding::new("account_links", token_hash, "token_sealed")
}

/// Makes a single-use link of `kind` for `account_id` and queues its mail (kind
/// `invitation` or `magic_link`, addressed to the account) in `db`'s transaction.
async fn link_and_mail(
    db: &impl ConnectionTrait,
    key: &SecretKey,
    account_id: &str,
    kind: LinkKind,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (raw, hash) = new_secret();
    account_link::ActiveModel {
        token_hash: Set(hash.clone()),
        account_id: Set(account_id.to_owned()),
        kind: Set(kind.as_str().to_owned()),
        token_sealed: Set(key.seal(raw.as_bytes(), link_binding(&hash))),
        created_at: Set(now),
        expires_at: Set(now + kind.ttl()),
        used_at: Set(None),
    }
    .insert(db)
    .await?;
    outbox::enqueue_once(
        db,
        kind.as_str(),
        &format!("{}:{hash}", kind.as_str()),
        account_id,
        serde_json::json!({ "link": hash }),
        now,
    )
    .await?;
    Ok(())
}

/// Invites a person: creates the account of `email` for `principal` without a password, and
/// queues the invitation mail with a link that sets it (valid 7 days), in one transaction. An
/// address that has an account already is `Duplicate`.
pub async fn invite(
    db: &DatabaseConnection,
    key: &SecretKey,
    email: &Email,
    principal: &Principal,
    now: DateTime<Utc>,
) -> Result<Account, StoreError> {
    let txn = db.begin().await?;
    let account = create(&txn, email, principal, None, now).await?;
    link_and_mail(&txn, key, &account.id, LinkKind::Invitation, now).await?;
    txn.commit().await?;
    Ok(account)
}

/// Queues a sign-in link (valid 15 minutes) to the account of `email`, if there is one with a
/// password or an accepted invitation; answers nothing either way (callers must not reveal
/// whether an address has an account).
pub async fn request_magic_link(
    db: &DatabaseConnection,
    key: &SecretKey,
    email: &Email,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let Some(account) = by_email(db, email).await? else {
        return Ok(());
    };
    let txn = db.begin().await?;
    link_and_mail(&txn, key, &account.id, LinkKind::MagicLink, now).await?;
    txn.commit().await?;
    Ok(())
}

/// The account a link of `kind` opens, if it is usable at `now` (not used, not expired); does
/// not use it (for showing the page the link opens).
pub async fn peek_link(
    db: &impl ConnectionTrait,
    raw: &str,
    kind: LinkKind,
    now: DateTime<Utc>,
) -> Result<Option<Account>, StoreError> {
    let Some(link) = account_link::Entity::find_by_id(secret_hash(raw))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let times = LinkTimes {
        expires_at: link.expires_at,
        used_at: link.used_at,
    };
    if link.kind != kind.as_str() || !link_usable(&times, now) {
        return Ok(None);
    }
    by_id(db, &link.account_id).await
}

/// Uses a link of `kind` once: answers its account when this call used it (a link already used,
/// expired, of another kind or unknown answers `None`; two racing uses cannot both succeed).
pub async fn use_link(
    db: &impl ConnectionTrait,
    raw: &str,
    kind: LinkKind,
    now: DateTime<Utc>,
) -> Result<Option<Account>, StoreError> {
    let hash = secret_hash(raw);
    let res = account_link::Entity::update_many()
        .col_expr(account_link::Column::UsedAt, Expr::value(now))
        .filter(account_link::Column::TokenHash.eq(hash.as_str()))
        .filter(account_link::Column::Kind.eq(kind.as_str()))
        .filter(account_link::Column::UsedAt.is_null())
        .filter(account_link::Column::ExpiresAt.gt(now))
        .exec(db)
        .await?;
    if res.rows_affected != 1 {
        return Ok(None);
    }
    let Some(link) = account_link::Entity::find_by_id(hash).one(db).await? else {
        return Ok(None);
    };
    by_id(db, &link.account_id).await
}

/// What the mail of a link says: to whom, which kind, and the link's token (opened from its
/// sealed copy), when the link is still usable at `now`.
#[derive(Clone, Debug)]
pub struct LinkMail {
    /// The account's address.
    pub to: String,
    /// The kind of link.
    pub kind: LinkKind,
    /// The token to put in the link.
    pub token: String,
    /// Who the account signs in as.
    pub principal: Principal,
    /// When the link stops working.
    pub expires_at: DateTime<Utc>,
}

/// The mail of the link `token_hash` names, or `None` when the link is gone, used or expired
/// (nothing left to send). A sealed token that does not open is `Corrupt`.
pub async fn link_mail(
    db: &impl ConnectionTrait,
    key: &SecretKey,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<LinkMail>, StoreError> {
    let Some(link) = account_link::Entity::find_by_id(token_hash).one(db).await? else {
        return Ok(None);
    };
    let times = LinkTimes {
        expires_at: link.expires_at,
        used_at: link.used_at,
    };
    let Some(kind) = LinkKind::parse(&link.kind) else {
        return Err(StoreError::Corrupt(format!(
            "account link kind `{}`",
            link.kind
        )));
    };
    if !link_usable(&times, now) {
        return Ok(None);
    }
    let Some(account) = by_id(db, &link.account_id).await? else {
        return Ok(None);
    };
    let token = key
        .open(&link.token_sealed, link_binding(token_hash))
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| StoreError::Corrupt("account link: sealed token does not open".into()))?;
    Ok(Some(LinkMail {
        to: account.email,
        kind,
        token,
        principal: account.principal,
        expires_at: link.expires_at,
    }))
}

/// Accepts an invitation: uses its link once and sets the account's password, in one
/// transaction; answers the account, or `None` when the link is not usable (used, expired,
/// unknown).
pub async fn accept_invitation(
    db: &DatabaseConnection,
    raw: &str,
    password_hash: String,
    now: DateTime<Utc>,
) -> Result<Option<Account>, StoreError> {
    let txn = db.begin().await?;
    let Some(account) = use_link(&txn, raw, LinkKind::Invitation, now).await? else {
        txn.rollback().await?;
        return Ok(None);
    };
    set_password(&txn, &account.id, password_hash, now).await?;
    txn.commit().await?;
    Ok(Some(Account {
        has_password: true,
        ..account
    }))
}
