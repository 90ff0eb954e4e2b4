//! People's accounts: e-mail addresses, password rules and hashing (argon2id), server-side
//! session lifetimes, and the single-use links (invitations, magic sign-in links) that reach
//! a person by e-mail. Pure functions; the store keeps the rows and the pages call these.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};
use std::fmt;

/// The shortest password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// The longest password accepted, in bytes (hashing is bounded).
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// An e-mail address as accounts are keyed by it: trimmed and lower-cased, so addresses
/// compare case-insensitively.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Email(String);

/// Why an e-mail address was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{en}")]
pub struct EmailError {
    /// In Chinese.
    pub zh: &'static str,
    /// In English.
    pub en: &'static str,
}

impl Email {
    /// Parses an address: one `@`, a local part and a domain with a dot, no spaces, at most
    /// 254 characters; lower-cased.
    pub fn parse(input: &str) -> Result<Email, EmailError> {
        let text = input.trim().to_lowercase();
        let bad = EmailError {
            zh: "电子邮箱格式不正确（如 name@example.com）",
            en: "not an e-mail address like name@example.com",
        };
        if text.is_empty() || text.len() > 254 || text.chars().any(char::is_whitespace) {
            return Err(bad);
        }
        let Some((local, domain)) = text.split_once('@') else {
            return Err(bad);
        };
        if local.is_empty()
            || domain.contains('@')
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
        {
            return Err(bad);
        }
        Ok(Email(text))
    }

    /// The address, lower-cased.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a password was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PasswordProblem {
    /// Shorter than [`MIN_PASSWORD_CHARS`].
    #[error("the password needs at least 10 characters")]
    TooShort,
    /// Longer than [`MAX_PASSWORD_BYTES`].
    #[error("the password is longer than 1024 bytes")]
    TooLong,
    /// The e-mail address (or its part before the `@`) as the password.
    #[error("the password may not be the e-mail address")]
    IsTheEmail,
}

impl PasswordProblem {
    /// The reason in Chinese.
    pub fn zh(self) -> &'static str {
        match self {
            PasswordProblem::TooShort => "密码至少需要 10 个字符",
            PasswordProblem::TooLong => "密码不能超过 1024 字节",
            PasswordProblem::IsTheEmail => "密码不能与电子邮箱相同",
        }
    }
}

/// Checks a new password for the account of `email`: at least ten characters, bounded, and
/// neither the address nor its local part (compared case-insensitively).
pub fn check_password(password: &str, email: &Email) -> Result<(), PasswordProblem> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(PasswordProblem::TooLong);
    }
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(PasswordProblem::TooShort);
    }
    let lower = password.trim().to_lowercase();
    let local = email.as_str().split('@').next().unwrap_or_default();
    if lower == email.as_str() || lower == local {
        return Err(PasswordProblem::IsTheEmail);
    }
    Ok(())
}

/// Hashes a password with argon2id (the crate's defaults, a random salt) into a PHC string.
/// CPU work: callers on a request path run it off the async workers.
pub fn hash_password(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Whether `password` matches the PHC string `hash` (false for a malformed hash).
pub fn verify_password(hash: &str, password: &str) -> bool {
    if password.len() > MAX_PASSWORD_BYTES {
        return false;
    }
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A new random secret (32 bytes, URL-safe base64) and the hex SHA-256 the store keeps of it.
pub fn new_secret() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = secret_hash(&raw);
    (raw, hash)
}

/// The hex SHA-256 of a secret (a session id or a link token), as stored.
pub fn secret_hash(raw: &str) -> String {
    hex::encode(Sha256::digest(raw.as_bytes()))
}

/// How long a session lasts: at most `lifetime` after signing in, and only while it is used at
/// least every `idle`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionPolicy {
    /// The longest a session lasts (default 30 days).
    pub lifetime: Duration,
    /// The longest a session may go unused (default 7 days).
    pub idle: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy {
            lifetime: Duration::days(30),
            idle: Duration::days(7),
        }
    }
}

/// A session as stored, for judging it.
#[derive(Clone, Copy, Debug)]
pub struct SessionTimes {
    /// When it ends whatever happens.
    pub expires_at: DateTime<Utc>,
    /// When it was last used.
    pub last_seen_at: DateTime<Utc>,
    /// When it was revoked (signed out, revoked by an admin).
    pub revoked_at: Option<DateTime<Utc>>,
}

impl SessionPolicy {
    /// When a session created at `created` ends at the latest.
    pub fn expires_at(&self, created: DateTime<Utc>) -> DateTime<Utc> {
        created + self.lifetime
    }

    /// Whether a session counts at `now`: not revoked, not expired, used within `idle`.
    pub fn alive(&self, s: &SessionTimes, now: DateTime<Utc>) -> bool {
        s.revoked_at.is_none() && now < s.expires_at && now < s.last_seen_at + self.idle
    }
}

/// What a single-use link sent by e-mail does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkKind {
    /// An invitation: sets the password of a new account (valid 7 days).
    Invitation,
    /// A sign-in link (valid 15 minutes).
    MagicLink,
}

impl LinkKind {
    /// The stored form, also the mail kind (`invitation`, `magic_link`).
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::Invitation => "invitation",
            LinkKind::MagicLink => "magic_link",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Option<LinkKind> {
        match s {
            "invitation" => Some(LinkKind::Invitation),
            "magic_link" => Some(LinkKind::MagicLink),
            _ => None,
        }
    }

    /// How long a link of this kind is valid.
    pub fn ttl(self) -> Duration {
        match self {
            LinkKind::Invitation => Duration::days(7),
            LinkKind::MagicLink => Duration::minutes(15),
        }
    }

    /// The page the link opens, with the token.
    pub fn url(self, public_url: &str, token: &str) -> String {
        let path = match self {
            LinkKind::Invitation => "/signin/set-password",
            LinkKind::MagicLink => "/signin/link",
        };
        format!("{}{path}?t={token}", public_url.trim_end_matches('/'))
    }
}

/// A single-use link as stored, for judging it.
#[derive(Clone, Copy, Debug)]
pub struct LinkTimes {
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// When it was used, if it was.
    pub used_at: Option<DateTime<Utc>>,
}

/// Whether a single-use link may be used at `now`: never used, not expired.
pub fn link_usable(l: &LinkTimes, now: DateTime<Utc>) -> bool {
    l.used_at.is_none() && now < l.expires_at
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn email() -> Email {
        Email::parse(" Li.Ming@Example.COM ").unwrap()
    }

    #[test]
    fn addresses_compare_case_insensitively_and_malformed_ones_are_refused() {
        assert_eq!(email().as_str(), "li.ming@example.com");
        for bad in [
            "",
            "li",
            "li@",
            "@example.com",
            "li@example",
            "l i@example.com",
            "a@b@c.d",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_password_needs_ten_characters_and_may_not_be_the_email() {
        assert_eq!(
            check_password("short", &email()),
            Err(PasswordProblem::TooShort)
        );
        assert_eq!(
            check_password("LI.MING@example.com", &email()),
            Err(PasswordProblem::IsTheEmail)
        );
        let e = Email::parse("longlocalpart@example.com").unwrap();
        assert_eq!(
            check_password("LongLocalPart", &e),
            Err(PasswordProblem::IsTheEmail)
        );
        assert!(check_password("九个汉字也不够长", &email()).is_err());
        assert_eq!(check_password("correct horse battery", &email()), Ok(()));
        assert_eq!(
            check_password(&"x".repeat(2000), &email()),
            Err(PasswordProblem::TooLong)
        );
    }

    #[test]
    fn a_hashed_password_verifies_and_another_does_not() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password(&hash, "correct horse battery"));
        assert!(!verify_password(&hash, "correct horse battery!"));
        assert!(!verify_password("not a hash", "x"));
    }

    #[test]
    fn secrets_are_random_and_stored_as_their_hash() {
        let (a, ha) = new_secret();
        let (b, _) = new_secret();
        assert_ne!(a, b);
        assert_eq!(secret_hash(&a), ha);
        assert_eq!(ha.len(), 64);
    }

    #[test]
    fn a_session_ends_when_revoked_expired_or_idle() {
        let policy = SessionPolicy::default();
        let t0 = DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap();
        let s = SessionTimes {
            expires_at: policy.expires_at(t0),
            last_seen_at: t0,
            revoked_at: None,
        };
        assert!(policy.alive(&s, t0 + Duration::days(6)));
        assert!(!policy.alive(&s, t0 + Duration::days(8)), "idle");
        let used = SessionTimes {
            last_seen_at: t0 + Duration::days(29),
            ..s
        };
        assert!(policy.alive(&used, t0 + Duration::days(29)));
        assert!(!policy.alive(&used, t0 + Duration::days(30)), "expired");
        let revoked = SessionTimes {
            revoked_at: Some(t0),
            ..s
        };
        assert!(!policy.alive(&revoked, t0));
    }

    #[test]
    fn links_are_single_use_and_expire() {
        let t0 = DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap();
        let l = LinkTimes {
            expires_at: t0 + LinkKind::MagicLink.ttl(),
            used_at: None,
        };
        assert!(link_usable(&l, t0 + Duration::minutes(14)));
        assert!(!link_usable(&l, t0 + Duration::minutes(15)));
        assert!(!link_usable(
            &LinkTimes {
                used_at: Some(t0),
                ..l
            },
            t0
        ));
        assert_eq!(LinkKind::Invitation.ttl(), Duration::days(7));
        assert_eq!(
            LinkKind::Invitation.url("https://x.cn/", "abc"),
            "https://x.cn/signin/set-password?t=abc"
        );
    }
}
