//! The registry of trace platforms (admin), routing rules from category and jurisdiction to
//! platforms (admin), and sellers' credentials per platform (sealed; never shown again).
//!
//! # Registering the platforms of the guide
//!
//! Suyuan ships no platform addresses: each installation registers the platforms it has an
//! interface agreement with, using the address and format from that platform's own interface
//! specification. `GET /api/v1/platform-kinds` lists the kinds:
//!
//! | kind | platform | usual protocol | usual rule |
//! |---|---|---|---|
//! | `national` | 全国重点工业产品质量安全追溯平台 | `json_http` with a field mapping (or `epcis`) | any category, any region |
//! | `provincial` | a province's platform | as the province specifies | `jurisdiction`: the province's two digits (`33`) |
//! | `industry_ebike` | e-bike platform (E码通) | as specified | `category`: `ebike` |
//! | `industry_wire_cable` | wire and cable platform | as specified | the wire-and-cable category |
//! | `industry_gas_appliance` | gas appliance platform | as specified | the gas-appliance category |
//! | `epcis_repository` | any EPCIS 2.0 repository | `epcis` | any |
//!
//! For example (admin token):
//!
//! ```text
//! POST /api/v1/platforms
//! {"code": "zj-prov", "name": "浙江省产品质量追溯平台", "name_en": "Zhejiang traceability platform",
//!  "kind": "provincial", "base_url": "https://<from the platform's specification>",
//!  "protocol": {"kind": "json_http", "path": "/api/trace/records", "mapping": {"fields": {
//!     "recordId": {"meta": "idempotency_key"}, "creditCode": {"meta": "seller_credit_code"},
//!     "code": {"pointer": "/epcList/0", "required": true}, "time": {"pointer": "/eventTime"}}}},
//!  "requires_credentials": true, "credential_header": "Authorization"}
//! POST /api/v1/routing-rules  {"platform_id": "plt_…", "jurisdiction": "33"}
//! ```
//!
//! and each seller then gives its own account's credential:
//! `PUT /api/v1/platforms/plt_…/credentials {"value": "Bearer …"}`. Until it does, its records
//! for that platform wait in the ledger as `needs_credentials`.
//!
//! Base URLs that resolve to loopback or private addresses are refused (422 naming `base_url`)
//! unless the installation sets `SUYUAN_ALLOW_PRIVATE_TARGETS` (an on-premises platform); the
//! worker checks the address again before every request.
//!
//! One file per concern: `registry` (the platforms, checked by `checks`), `kinds`, `rules`,
//! `credentials` and `replay` (replaying dead submissions and backfilling a platform).

mod checks;
mod credentials;
mod kinds;
mod registry;
mod replay;
mod rules;

pub use credentials::{CredentialIn, CredentialOut, delete_credentials, put_credentials};
pub use kinds::{PlatformKindOut, list_platform_kinds};
pub use registry::{
    PlatformIn, PlatformKind, PlatformOut, PlatformPatchIn, create_platform, get_platform,
    list_platforms, out, patch_platform,
};
pub use replay::{BackfillQuery, BackfilledOut, ReplayedOut, backfill, replay_dead};
pub use rules::{
    RECORD_KINDS, RecordKindParam, RuleIn, RuleOut, RuleQuery, create_rule, delete_rule, list_rules,
};
