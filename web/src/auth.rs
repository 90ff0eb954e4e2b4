//! Bearer tokens (JWT, HS256) and one extractor per role, so a handler's signature says who may
//! call it: `async fn create_seller(_: AdminAuth, ...)`.
//!
//! A seller's token counts only while its account does: each request reads the account's
//! standing (one primary-key look-up, no cache, so a deactivation or a revocation takes effect
//! at once on every instance), in the [`check_standing`] middleware, before the extractors. A deactivated or rejected account, or a token issued before its
//! account's tokens were revoked, is answered 401. A provisional account (made from a claim
//! link) is answered 403 `awaiting-verification` by every extractor except [`SelfAuth`] and
//! [`ClaimantAuth`].

use crate::error::ApiError;
use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage as _, HttpRequest, web};
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::future::{Ready, ready};
use std::time::Duration;
use suyuan_core::division::Jurisdiction;
use suyuan_core::ids::{AdminId, OperatorId, SellerId, SupervisorId};
use suyuan_core::standing::Access;
use suyuan_core::tenancy::{Principal, Role};

/// The `iss` claim of every token Suyuan signs.
pub const ISSUER: &str = "suyuan";
/// The `aud` claim of API tokens.
pub const AUDIENCE: &str = "suyuan-api";

/// The claims of a Suyuan token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    /// Issuer, always [`ISSUER`].
    pub iss: String,
    /// Audience, always [`AUDIENCE`].
    pub aud: String,
    /// Subject: the seller, operator, supervisor or admin id.
    pub sub: String,
    /// Role granted.
    pub role: Role,
    /// Supervisor's jurisdiction (a division-code prefix); only for supervisors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jurisdiction: Option<String>,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Expiry (seconds since the epoch).
    pub exp: i64,
    /// Token id.
    pub jti: String,
}

/// Why a token could not be minted.
#[derive(Debug, thiserror::Error)]
pub enum MintError {
    /// The subject id does not fit the role.
    #[error("subject: {0}")]
    Subject(String),
    /// A supervisor token needs a jurisdiction, other roles must not have one.
    #[error("jurisdiction: {0}")]
    Jurisdiction(String),
    /// The lifetime is longer than [`MAX_TOKEN_TTL`].
    #[error("ttl: {0}")]
    Ttl(String),
    /// Signing failed.
    #[error("signing failed: {0}")]
    Signing(#[from] jsonwebtoken::errors::Error),
}

/// The longest lifetime a token may be given: ten years (3,660 days).
pub const MAX_TOKEN_TTL: Duration = Duration::from_secs(3660 * 24 * 3600);

/// Signs and verifies tokens with the installation's secret.
#[derive(Clone)]
pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl Tokens {
    /// Tokens signed with this HMAC secret.
    pub fn new(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 30;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }

    /// Mints a token for a role and subject, checking that they fit together.
    pub fn mint(
        &self,
        role: Role,
        subject: &str,
        jurisdiction: Option<&str>,
        ttl: Duration,
    ) -> Result<String, MintError> {
        if ttl > MAX_TOKEN_TTL {
            return Err(MintError::Ttl(format!(
                "at most {} days",
                MAX_TOKEN_TTL.as_secs() / 86_400
            )));
        }
        let principal = principal_from(role, subject, jurisdiction).map_err(|e| match e {
            PrincipalError::Subject(s) => MintError::Subject(s),
            PrincipalError::Jurisdiction(s) => MintError::Jurisdiction(s),
        })?;
        let now = Utc::now().timestamp();
        let claims = Claims {
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            sub: principal.subject().to_owned(),
            role,
            jurisdiction: match &principal {
                Principal::Supervisor { jurisdiction, .. } => Some(jurisdiction.to_string()),
                _ => None,
            },
            iat: now,
            exp: now + i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX / 2),
            jti: ulid::Ulid::new().to_string(),
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    /// Verifies a token and returns who it names.
    pub fn verify(&self, token: &str) -> Result<Principal, ApiError> {
        self.verify_issued(token).map(|(p, _)| p)
    }

    /// Verifies a token and returns who it names and when it was issued, to the millisecond
    /// (from its ULID `jti`; the whole-second `iat` for a token without one), so a token minted
    /// right after a revocation counts and one minted before it does not.
    pub fn verify_issued(&self, token: &str) -> Result<(Principal, DateTime<Utc>), ApiError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| ApiError::Unauthenticated(format!("invalid token: {e}")))?;
        let c = data.claims;
        let issued = ulid::Ulid::from_string(&c.jti)
            .ok()
            .and_then(|u| i64::try_from(u.timestamp_ms()).ok())
            .and_then(DateTime::<Utc>::from_timestamp_millis)
            .or_else(|| DateTime::<Utc>::from_timestamp(c.iat, 0))
            .ok_or_else(|| ApiError::Unauthenticated("invalid token: issue time".to_owned()))?;
        let principal = principal_from(c.role, &c.sub, c.jurisdiction.as_deref())
            .map_err(|e| ApiError::Unauthenticated(format!("invalid token claims: {e:?}")))?;
        Ok((principal, issued))
    }
}

/// What a seller's token issued at `issued_at` may do now, from its account's standing in the
/// store: `Full` or `ClaimOnly`; a refused token (deactivated, rejected, revoked, no such
/// account) is 401.
pub async fn seller_access(
    state: &crate::AppState,
    id: &SellerId,
    issued_at: DateTime<Utc>,
) -> Result<Access, ApiError> {
    let standing = suyuan_store::standing::standing_of(&state.db, id)
        .await?
        .ok_or_else(|| ApiError::Unauthenticated("no such seller".to_owned()))?;
    match suyuan_core::standing::access(&standing, issued_at) {
        Access::Refused(why) => Err(ApiError::Unauthenticated(why.as_str().to_owned())),
        access => Ok(access),
    }
}

#[derive(Debug)]
enum PrincipalError {
    Subject(String),
    Jurisdiction(String),
}

fn principal_from(
    role: Role,
    subject: &str,
    jurisdiction: Option<&str>,
) -> Result<Principal, PrincipalError> {
    let sub = |e: suyuan_core::ids::IdError| PrincipalError::Subject(e.to_string());
    if role != Role::Supervisor && jurisdiction.is_some() {
        return Err(PrincipalError::Jurisdiction(format!(
            "only supervisor tokens carry a jurisdiction, not {}",
            role.as_str()
        )));
    }
    Ok(match role {
        Role::Seller => Principal::Seller(SellerId::parse(subject).map_err(sub)?),
        Role::Operator => Principal::Operator(OperatorId::parse(subject).map_err(sub)?),
        Role::Admin => Principal::Admin(AdminId::parse(subject).map_err(sub)?),
        Role::Supervisor => {
            let id = SupervisorId::parse(subject).map_err(sub)?;
            let raw = jurisdiction.ok_or_else(|| {
                PrincipalError::Jurisdiction("a supervisor token needs --jurisdiction".to_owned())
            })?;
            let jurisdiction = Jurisdiction::parse(raw)
                .map_err(|e| PrincipalError::Jurisdiction(e.to_string()))?;
            Principal::Supervisor { id, jurisdiction }
        }
    })
}

/// The bearer token of a request.
fn bearer(req: &HttpRequest) -> Result<String, ApiError> {
    let header = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .ok_or_else(|| ApiError::Unauthenticated("no Authorization header".to_owned()))?;
    let value = header
        .to_str()
        .map_err(|_| ApiError::Unauthenticated("Authorization header is not text".to_owned()))?;
    value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(|t| t.trim().to_owned())
        .ok_or_else(|| {
            ApiError::Unauthenticated("Authorization must be `Bearer <token>`".to_owned())
        })
}

/// The standing of the seller a request's bearer token names, as [`check_standing`] read it
/// before the handler's extractors ran.
#[derive(Clone, Debug)]
enum CheckedStanding {
    /// The account counts, with this access.
    Counts(Access),
    /// The token counts for nothing (why, for the 401).
    Refused(String),
    /// The database could not be reached (answered 503: send again later).
    Unavailable(String),
    /// The store could not be read.
    Failed(String),
}

/// Middleware: for a request with a seller's bearer token, reads the account's standing from the
/// store (one primary-key look-up) before the handler's extractors run, so they stay
/// synchronous and refuse in their order (401 or 403 before a body is judged). Without it, a
/// seller token is refused (fail closed).
pub async fn check_standing(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let seller = req
        .app_data::<web::Data<Tokens>>()
        .and_then(|tokens| tokens.verify_issued(&bearer(req.request()).ok()?).ok())
        .and_then(|(p, issued)| match p {
            Principal::Seller(id) => Some((id, issued)),
            _ => None,
        });
    if let Some((id, issued_at)) = seller {
        let checked = match req.app_data::<web::Data<crate::AppState>>() {
            Some(state) => match seller_access(state, &id, issued_at).await {
                Ok(access) => CheckedStanding::Counts(access),
                Err(ApiError::Unauthenticated(why)) => CheckedStanding::Refused(why),
                Err(ApiError::Unavailable(why)) => CheckedStanding::Unavailable(why),
                Err(e) => CheckedStanding::Failed(e.to_string()),
            },
            None => CheckedStanding::Failed("AppState missing from app data".to_owned()),
        };
        req.extensions_mut().insert(checked);
    }
    next.call(req).await
}

/// A caller whose token verified and whose account (for a seller) still counts.
struct Caller {
    principal: Principal,
    /// A provisional seller: may only see itself and claim the transfer it came from.
    claim_only: bool,
}

fn caller_of(req: &HttpRequest) -> Result<Caller, ApiError> {
    let tokens = req
        .app_data::<web::Data<Tokens>>()
        .ok_or_else(|| ApiError::Unexpected(anyhow::anyhow!("Tokens missing from app data")))?;
    let principal = tokens.verify(&bearer(req)?)?;
    let claim_only = match &principal {
        Principal::Seller(_) => match req.extensions().get::<CheckedStanding>().cloned() {
            Some(CheckedStanding::Counts(access)) => access == Access::ClaimOnly,
            Some(CheckedStanding::Refused(why)) => return Err(ApiError::Unauthenticated(why)),
            Some(CheckedStanding::Unavailable(why)) => return Err(ApiError::Unavailable(why)),
            Some(CheckedStanding::Failed(e)) => {
                return Err(ApiError::Unexpected(anyhow::anyhow!(
                    "reading the seller's standing: {e}"
                )));
            }
            None => {
                return Err(ApiError::Unexpected(anyhow::anyhow!(
                    "the seller's standing was not checked (check_standing middleware missing)"
                )));
            }
        },
        _ => false,
    };
    Ok(Caller {
        principal,
        claim_only,
    })
}

/// The caller, refused with 403 when its account is provisional.
fn full_caller(req: &HttpRequest) -> Result<Principal, ApiError> {
    let c = caller_of(req)?;
    if c.claim_only {
        Err(ApiError::AwaitingVerification)
    } else {
        Ok(c.principal)
    }
}

/// Any authenticated caller whose account may do everything its role allows (a provisional
/// seller is refused with 403).
#[derive(Debug, Clone)]
pub struct AnyAuth(pub Principal);

impl FromRequest for AnyAuth {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(full_caller(req).map(AnyAuth))
    }
}

/// Any authenticated caller, a provisional seller included: for reading who one is (`/me`, one's
/// own seller record), never for acting.
#[derive(Debug, Clone)]
pub struct SelfAuth(pub Principal);

impl FromRequest for SelfAuth {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(caller_of(req).map(|c| SelfAuth(c.principal)))
    }
}

/// A seller claiming goods sent to it, a provisional one included: the store limits a
/// provisional account to the transfer it was made from.
#[derive(Debug, Clone)]
pub struct ClaimantAuth {
    /// Who.
    pub seller_id: SellerId,
}

impl FromRequest for ClaimantAuth {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(caller_of(req).and_then(|c| match c.principal {
            Principal::Seller(seller_id) => Ok(ClaimantAuth { seller_id }),
            _ => Err(ApiError::Forbidden),
        }))
    }
}

macro_rules! role_extractor {
    ($(#[$meta:meta])* $name:ident { $($field:ident : $ty:ty),* } from $pat:pat => $build:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone)]
        pub struct $name { $(#[allow(missing_docs)] pub $field: $ty),* }

        impl FromRequest for $name {
            type Error = ApiError;
            type Future = Ready<Result<Self, ApiError>>;
            fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
                ready(full_caller(req).and_then(|p| match p {
                    $pat => Ok($build),
                    _ => Err(ApiError::Forbidden),
                }))
            }
        }
    };
}

role_extractor!(
    /// A seller acting on its own data.
    SellerAuth { seller_id: SellerId } from Principal::Seller(seller_id) => SellerAuth { seller_id });
role_extractor!(
    /// A marketplace operator.
    OperatorAuth { operator_id: OperatorId } from Principal::Operator(operator_id) => OperatorAuth { operator_id });
role_extractor!(
    /// A supervisor, limited to its jurisdiction.
    SupervisorAuth { supervisor_id: SupervisorId, jurisdiction: Jurisdiction }
    from Principal::Supervisor { id, jurisdiction } => SupervisorAuth { supervisor_id: id, jurisdiction });
role_extractor!(
    /// An administrator.
    AdminAuth { admin_id: AdminId } from Principal::Admin(admin_id) => AdminAuth { admin_id });

macro_rules! role_set_extractor {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $pat:pat => $build:expr),+ $(,)? }
     variants { $($variants:tt)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone)]
        pub enum $name { $($variants)* }

        impl FromRequest for $name {
            type Error = ApiError;
            type Future = Ready<Result<Self, ApiError>>;
            fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
                ready(full_caller(req).and_then(|p| match p {
                    $($pat => Ok($build),)+
                    #[allow(unreachable_patterns)]
                    _ => Err(ApiError::Forbidden),
                }))
            }
        }
    };
}

role_set_extractor!(
/// A supervisor (limited to its jurisdiction) or an administrator; anyone else is refused
/// with 403 before the handler runs.
SupervisorOrAdmin {
    Principal::Supervisor { id, jurisdiction } => SupervisorOrAdmin::Supervisor { supervisor_id: id, jurisdiction },
    Principal::Admin(admin_id) => SupervisorOrAdmin::Admin { admin_id },
}
variants {
    /// A supervisor.
    Supervisor {
        /// Who.
        supervisor_id: SupervisorId,
        /// Where it supervises.
        jurisdiction: Jurisdiction,
    },
    /// An administrator.
    Admin {
        /// Who.
        admin_id: AdminId,
    },
});

role_set_extractor!(
/// A seller (acting on its own data) or an administrator; anyone else is refused with 403.
SellerOrAdmin {
    Principal::Seller(seller_id) => SellerOrAdmin::Seller { seller_id },
    Principal::Admin(admin_id) => SellerOrAdmin::Admin { admin_id },
}
variants {
    /// A seller.
    Seller {
        /// Who.
        seller_id: SellerId,
    },
    /// An administrator.
    Admin {
        /// Who.
        admin_id: AdminId,
    },
});

impl SupervisorOrAdmin {
    /// The caller's id, as issued-by records name it.
    pub fn subject(&self) -> &str {
        match self {
            SupervisorOrAdmin::Supervisor { supervisor_id, .. } => supervisor_id.as_str(),
            SupervisorOrAdmin::Admin { admin_id } => admin_id.as_str(),
        }
    }

    /// The caller as a principal (for store functions that scope by principal).
    pub fn principal(&self) -> Principal {
        match self.clone() {
            SupervisorOrAdmin::Supervisor {
                supervisor_id,
                jurisdiction,
            } => Principal::Supervisor {
                id: supervisor_id,
                jurisdiction,
            },
            SupervisorOrAdmin::Admin { admin_id } => Principal::Admin(admin_id),
        }
    }
}

impl SellerOrAdmin {
    /// The seller, when a seller is calling (`None` for an administrator, who sees all).
    pub fn seller(&self) -> Option<&SellerId> {
        match self {
            SellerOrAdmin::Seller { seller_id } => Some(seller_id),
            SellerOrAdmin::Admin { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"an-hmac-secret-for-tests-only-0123456789";

    #[test]
    fn a_minted_seller_token_verifies_to_that_seller() {
        let tokens = Tokens::new(SECRET);
        let id = SellerId::generate();
        let token = tokens
            .mint(Role::Seller, id.as_str(), None, Duration::from_secs(60))
            .unwrap();
        assert_eq!(tokens.verify(&token).unwrap(), Principal::Seller(id));
    }

    #[test]
    fn a_token_signed_with_another_secret_is_refused() {
        let token = Tokens::new(b"another-secret-another-secret-another")
            .mint(
                Role::Admin,
                AdminId::generate().as_str(),
                None,
                Duration::from_secs(60),
            )
            .unwrap();
        assert!(matches!(
            Tokens::new(SECRET).verify(&token),
            Err(ApiError::Unauthenticated(_))
        ));
    }

    #[test]
    fn a_token_longer_than_ten_years_is_refused_and_ten_years_is_not() {
        let tokens = Tokens::new(SECRET);
        let id = SellerId::generate();
        let far = Duration::from_secs(100_000_000 * 365 * 86_400);
        assert!(matches!(
            tokens.mint(Role::Seller, id.as_str(), None, far),
            Err(MintError::Ttl(_))
        ));
        let token = tokens
            .mint(Role::Seller, id.as_str(), None, MAX_TOKEN_TTL)
            .unwrap();
        assert_eq!(tokens.verify(&token).unwrap(), Principal::Seller(id));
    }

    #[test]
    fn an_expired_token_is_refused() {
        let tokens = Tokens::new(SECRET);
        let now = Utc::now().timestamp();
        let claims = Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: AdminId::generate().to_string(),
            role: Role::Admin,
            jurisdiction: None,
            iat: now - 7200,
            exp: now - 3600,
            jti: "x".into(),
        };
        let token = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(SECRET),
        )
        .unwrap();
        let err = tokens.verify(&token).unwrap_err();
        assert!(err.to_string().contains("ExpiredSignature"), "{err}");
    }

    #[test]
    fn a_supervisor_token_needs_a_jurisdiction_and_a_seller_token_may_not_have_one() {
        let tokens = Tokens::new(SECRET);
        let sup = SupervisorId::generate();
        assert!(matches!(
            tokens.mint(
                Role::Supervisor,
                sup.as_str(),
                None,
                Duration::from_secs(60)
            ),
            Err(MintError::Jurisdiction(_))
        ));
        let token = tokens
            .mint(
                Role::Supervisor,
                sup.as_str(),
                Some("44"),
                Duration::from_secs(60),
            )
            .unwrap();
        assert!(matches!(
            tokens.verify(&token).unwrap(),
            Principal::Supervisor { .. }
        ));
        assert!(matches!(
            tokens.mint(
                Role::Seller,
                SellerId::generate().as_str(),
                Some("44"),
                Duration::from_secs(60)
            ),
            Err(MintError::Jurisdiction(_))
        ));
    }

    #[test]
    fn a_subject_of_the_wrong_kind_is_refused() {
        let tokens = Tokens::new(SECRET);
        let err = tokens
            .mint(
                Role::Seller,
                SupervisorId::generate().as_str(),
                None,
                Duration::from_secs(60),
            )
            .unwrap_err();
        assert!(err.to_string().starts_with("subject: id `sup_"));
    }
}
