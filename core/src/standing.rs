//! A seller account's standing, and what its tokens may do because of it.
//!
//! An account an admin registers is verified. An account made from a claim link is provisional:
//! anyone holding the link could have made it under the buyer's credit code, so until an admin or
//! the supervisor of its division verifies it, it may claim the transfer it came from and nothing
//! else. A rejected or deactivated account, and a token issued before the account's "tokens
//! valid after" time, is refused outright. The rules are pure: the caller reads the standing and
//! the token's issue time and asks [`access`].

use crate::division::DivisionCode;
use crate::tenancy::Principal;
use chrono::{DateTime, Utc};
use std::fmt;
use std::str::FromStr;

/// Where an account stands in review.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum Verification {
    /// Registered by an admin, or verified after review: the credit code is its own.
    Verified,
    /// Made from a claim link, awaiting review: may claim the transfer it came from only.
    Provisional,
    /// Turned down in review (or another claimant of its credit code was verified).
    Rejected,
}

impl Verification {
    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Verification::Verified => "verified",
            Verification::Provisional => "provisional",
            Verification::Rejected => "rejected",
        }
    }

    /// The name reviewers see, in Chinese.
    pub fn name_zh(self) -> &'static str {
        match self {
            Verification::Verified => "已核验",
            Verification::Provisional => "待审核",
            Verification::Rejected => "已驳回",
        }
    }
}

impl fmt::Display for Verification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A verification state that is not one of ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown verification `{0}`; expected verified, provisional or rejected")]
pub struct UnknownVerification(pub String);

impl FromStr for Verification {
    type Err = UnknownVerification;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "verified" => Ok(Verification::Verified),
            "provisional" => Ok(Verification::Provisional),
            "rejected" => Ok(Verification::Rejected),
            other => Err(UnknownVerification(other.chars().take(32).collect())),
        }
    }
}

/// What authentication needs to know of an account, read from the store on each request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Standing {
    /// Review state.
    pub verification: Verification,
    /// When it was deactivated, if it was.
    pub deactivated_at: Option<DateTime<Utc>>,
    /// Tokens issued before this time no longer count (revoked).
    pub tokens_valid_after: Option<DateTime<Utc>>,
}

/// What a seller token may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Everything a seller may do.
    Full,
    /// Only its own claim: the transfer the provisional account came from.
    ClaimOnly,
    /// Nothing: answered as if there were no token.
    Refused(Refusal),
}

/// Why a seller token counts for nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The account was deactivated.
    Deactivated,
    /// The account was turned down in review.
    Rejected,
    /// The token was issued before its account's tokens were revoked.
    Revoked,
}

impl Refusal {
    /// Why, in English (for logs and the 401's detail).
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::Deactivated => "the account was deactivated",
            Refusal::Rejected => "the account was rejected in review",
            Refusal::Revoked => "the token was revoked",
        }
    }
}

/// What a token issued at `issued_at` may do for an account standing as `standing`. A token
/// issued at the very instant of revocation still counts (so one minted right after does).
pub fn access(standing: &Standing, issued_at: DateTime<Utc>) -> Access {
    if standing.deactivated_at.is_some() {
        return Access::Refused(Refusal::Deactivated);
    }
    if let Some(after) = standing.tokens_valid_after
        && issued_at < after
    {
        return Access::Refused(Refusal::Revoked);
    }
    match standing.verification {
        Verification::Verified => Access::Full,
        Verification::Provisional => Access::ClaimOnly,
        Verification::Rejected => Access::Refused(Refusal::Rejected),
    }
}

/// Whether `who` may verify or reject an account registered in `division`: an admin anywhere, a
/// supervisor whose jurisdiction covers the division; nobody else.
pub fn may_review(who: &Principal, division: &DivisionCode) -> bool {
    match who {
        Principal::Admin(_) => true,
        Principal::Supervisor { jurisdiction, .. } => jurisdiction.covers(division),
        Principal::Seller(_) | Principal::Operator(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::division::Jurisdiction;
    use crate::ids::{AdminId, SellerId, SupervisorId};
    use chrono::Duration;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn standing(v: Verification) -> Standing {
        Standing {
            verification: v,
            deactivated_at: None,
            tokens_valid_after: None,
        }
    }

    #[test]
    fn a_verified_account_has_full_access_and_a_provisional_one_may_only_claim() {
        let now = at("2026-12-06T10:00:00Z");
        assert_eq!(access(&standing(Verification::Verified), now), Access::Full);
        assert_eq!(
            access(&standing(Verification::Provisional), now),
            Access::ClaimOnly
        );
        assert_eq!(
            access(&standing(Verification::Rejected), now),
            Access::Refused(Refusal::Rejected)
        );
    }

    #[test]
    fn a_deactivated_account_is_refused_whatever_its_verification() {
        let now = at("2026-12-06T10:00:00Z");
        for v in [Verification::Verified, Verification::Provisional] {
            let s = Standing {
                deactivated_at: Some(now - Duration::days(1)),
                ..standing(v)
            };
            assert_eq!(access(&s, now), Access::Refused(Refusal::Deactivated));
        }
    }

    #[test]
    fn tokens_issued_before_revocation_are_refused_and_later_ones_count() {
        let revoked = at("2026-12-06T10:00:00.500Z");
        let s = Standing {
            tokens_valid_after: Some(revoked),
            ..standing(Verification::Verified)
        };
        assert_eq!(
            access(&s, revoked - Duration::milliseconds(1)),
            Access::Refused(Refusal::Revoked)
        );
        assert_eq!(access(&s, revoked), Access::Full);
        assert_eq!(access(&s, revoked + Duration::seconds(1)), Access::Full);
    }

    #[test]
    fn an_admin_reviews_anywhere_and_a_supervisor_only_within_its_jurisdiction() {
        let hangzhou = DivisionCode::parse("330106").unwrap();
        let sup = |j: &str| Principal::Supervisor {
            id: SupervisorId::generate(),
            jurisdiction: Jurisdiction::parse(j).unwrap(),
        };
        assert!(may_review(
            &Principal::Admin(AdminId::generate()),
            &hangzhou
        ));
        assert!(may_review(&sup("33"), &hangzhou));
        assert!(may_review(&sup("3301"), &hangzhou));
        assert!(!may_review(&sup("44"), &hangzhou));
        assert!(!may_review(
            &Principal::Seller(SellerId::generate()),
            &hangzhou
        ));
    }

    #[test]
    fn verification_round_trips_and_unknown_states_are_named() {
        for v in [
            Verification::Verified,
            Verification::Provisional,
            Verification::Rejected,
        ] {
            assert_eq!(v.as_str().parse::<Verification>(), Ok(v));
        }
        assert_eq!(
            "pending".parse::<Verification>().unwrap_err().to_string(),
            "unknown verification `pending`; expected verified, provisional or rejected"
        );
    }
}
