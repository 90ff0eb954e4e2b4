//! The sections of the public trace page, top to bottom: recall banner, status, product,
//! producer, certificates, chain of custody, authenticity hint, seller actions, further links.

use maud::{Markup, html};

use super::lang::{Lang, tr};
use super::parts::{
    Icon, card, date, has_localized, localized, non_empty, row, row_code, row_text, safe_href,
    site_12315, tel_12315, zh_text,
};
use super::view::{
    AuthenticityView, CertificateView, ClaimView, CustodyStep, LinkView, PartyView, RecallView,
    SellerActions, StepKind, TracePageView,
};
use crate::badge::TraceStatus;

/// The recall banner (`role="alert"`): what to do, which products, why, when, whom to call.
pub(super) fn recall(lang: Lang, r: &RecallView) -> Markup {
    html! {
        section.recall role="alert" aria-labelledby="h-recall" {
            h2 #h-recall {
                (Icon::Warning)
                (tr(lang, "产品召回：请停止使用", "Product recall: stop using it"))
            }
            @if has_localized(Some(&r.action_zh), Some(&r.action_en)) {
                p.recall-action {
                    strong { (tr(lang, "请您：", "What to do: ")) }
                    (localized(lang, Some(&r.action_zh), Some(&r.action_en)))
                }
            }
            dl {
                @if let Some(scope) = non_empty(Some(&r.scope_zh)) {
                    (row(lang, ("召回范围", "Products concerned"), zh_text(lang, scope)))
                }
                @if has_localized(Some(&r.reason_zh), r.reason_en.as_deref()) {
                    (row(
                        lang,
                        ("召回原因", "Reason"),
                        localized(lang, Some(&r.reason_zh), r.reason_en.as_deref()),
                    ))
                }
                (row(lang, ("发布日期", "Issued"), date(r.issued_at)))
                (row_text(lang, ("联系方式", "Contact"), r.contact.as_deref()))
            }
        }
    }
}

/// The status box in the badge's colours, with its icon and a note.
pub(super) fn status(lang: Lang, status: TraceStatus, has_recall_notice: bool) -> Markup {
    let icon = match status {
        TraceStatus::Traced => Icon::Tick,
        TraceStatus::Incomplete => Icon::Clock,
        TraceStatus::Recalled => Icon::Cross,
    };
    let note = match status {
        TraceStatus::Traced => tr(
            lang,
            "生产和流通记录完整。",
            "Production and distribution records are complete.",
        ),
        TraceStatus::Incomplete => tr(
            lang,
            "部分流通记录尚未登记。",
            "Some records have not been registered yet.",
        ),
        TraceStatus::Recalled if has_recall_notice => {
            tr(lang, "详见上方召回通知。", "See the recall notice above.")
        }
        TraceStatus::Recalled => tr(lang, "此产品已被召回。", "This product has been recalled."),
    };
    html! {
        div.status.{ "status-" (status.as_str()) } {
            p.status-label { (icon) (tr(lang, status.label_zh(), status.label_en())) }
            p.status-note { (note) }
        }
    }
}

/// The product card: its name as the page's `<h1>` and its identifiers.
pub(super) fn product(lang: Lang, view: &TracePageView, name: Option<&str>) -> Markup {
    let p = &view.product;
    html! {
        section.card.product aria-labelledby="h-product" {
            h1 #h-product {
                @match name {
                    Some(name) => { (name) }
                    None => { (tr(lang, "产品追溯信息", "Product trace")) }
                }
            }
            dl {
                (row_code(lang, ("追溯码", "Trace code"), Some(&view.code)))
                @if let Some(kind) = code_kind_label(&view.code_kind, lang) {
                    (row(lang, ("码制", "Code type"), kind))
                }
                (row_text(lang, ("型号", "Model"), p.model.as_deref()))
                (row_code(lang, ("商品条码", "GTIN"), p.gtin.as_deref()))
                (row_code(lang, ("批次", "Batch"), p.batch.as_deref()))
                (row_code(lang, ("序列号", "Serial"), p.serial.as_deref()))
                @if let Some(expiry) = p.expiry {
                    (row(lang, ("有效期至", "Expiry"), date(expiry)))
                }
                @if has_localized(p.category_zh.as_deref(), p.category_en.as_deref()) {
                    (row(
                        lang,
                        ("产品类别", "Category"),
                        localized(lang, p.category_zh.as_deref(), p.category_en.as_deref()),
                    ))
                } @else {
                    (row_code(lang, ("产品类别", "Category"), p.category_id.as_deref()))
                }
                @if let Some(href) = view.digital_link.as_deref().and_then(safe_href) {
                    (row(lang, ("数字链接", "Digital Link"), html! { a.code href=(href) { (href) } }))
                }
            }
        }
    }
}

/// The producer card, or a note that the producer is not known yet.
pub(super) fn producer(lang: Lang, producer: Option<&PartyView>) -> Markup {
    let body = html! {
        @if let Some(p) = producer.filter(|p| non_empty(Some(&p.name)).is_some()) {
            dl {
                (row_text(lang, ("名称", "Name"), Some(&p.name)))
                (row_code(lang, ("统一社会信用代码", "Credit code"), p.credit_code.as_deref()))
                @if has_localized(p.region_zh.as_deref(), p.region_en.as_deref()) {
                    (row(
                        lang,
                        ("地区", "Region"),
                        localized(lang, p.region_zh.as_deref(), p.region_en.as_deref()),
                    ))
                }
            }
        } @else {
            p.muted {
                (tr(lang, "生产者信息尚未登记。", "The producer has not been recorded yet."))
            }
        }
    };
    card(lang, "h-producer", "producer", ("生产者", "Producer"), body)
}

/// The certificates and their check results; nothing without certificates.
pub(super) fn certificates(lang: Lang, certs: &[CertificateView]) -> Markup {
    if certs.is_empty() {
        return Markup::default();
    }
    let body = html! {
        ul.plain {
            @for c in certs {
                @let (class, label) = check_label(c.check.as_deref());
                li {
                    span.cert-kind {
                        @match c.kind.trim().to_ascii_lowercase().as_str() {
                            "ccc" => { (tr(lang, "CCC 认证证书", "CCC certificate")) }
                            "production_licence" | "production_license" => {
                                (tr(lang, "生产许可证", "Production licence"))
                            }
                            _ => { (c.kind) }
                        }
                    }
                    " "
                    code.code { (c.number) }
                    " "
                    span class=(class) {
                        @match label {
                            Some((zh, en)) => { (tr(lang, zh, en)) }
                            None => { (c.check.as_deref().unwrap_or_default()) }
                        }
                    }
                }
            }
        }
    };
    card(lang, "h-certs", "certs", ("证书", "Certificates"), body)
}

/// The chain of custody, oldest first.
pub(super) fn custody(lang: Lang, steps: &[CustodyStep]) -> Markup {
    let body = html! {
        @if steps.is_empty() {
            p.muted { (tr(lang, "暂无流通记录。", "No records yet.")) }
        } @else {
            ol.timeline {
                @for st in steps {
                    (custody_step(lang, st))
                }
            }
        }
    };
    card(
        lang,
        "h-custody",
        "custody",
        ("流通记录", "Chain of custody"),
        body,
    )
}

/// One step of the chain of custody.
fn custody_step(lang: Lang, st: &CustodyStep) -> Markup {
    // A counterpart is a business; on a sale to a consumer it would be a person.
    let counterpart = if st.step == StepKind::SoldToConsumer {
        None
    } else {
        non_empty(st.counterpart.as_deref())
    };
    html! {
        li.step.{ "step-" (st.step.as_str()) }.is-corrected[st.corrected] {
            p.step-head {
                (date(st.date))
                " "
                span.step-label { (st.step.label(lang)) }
                @if st.corrected {
                    " "
                    span.corrected { (tr(lang, "已更正", "Corrected")) }
                }
            }
            @if let Some(party) = non_empty(st.party.as_deref()) {
                p.party { (party) }
            }
            @if has_localized(st.region_zh.as_deref(), st.region_en.as_deref()) {
                p.region { (localized(lang, st.region_zh.as_deref(), st.region_en.as_deref())) }
            }
            @if let Some(cp) = counterpart {
                p.counterpart {
                    @match st.step {
                        StepKind::Received | StepKind::Returned => {
                            (tr(lang, "来自：", "From: "))
                        }
                        _ => { (tr(lang, "发往：", "To: ")) }
                    }
                    (cp)
                }
            }
            @if let Some(reason) = non_empty(st.backdate_reason.as_deref()) {
                p.backdate {
                    (tr(lang, "补录原因：", "Recorded late because: "))
                    (reason)
                }
            }
        }
    }
}

/// Records that do not fit the unit's chain of custody, each with why.
pub(super) fn claims(lang: Lang, claims: &[ClaimView]) -> Markup {
    let body = html! {
        p.warning {
            (tr(
                lang,
                "以下记录与此码的流转链不符，仅作为可疑声明列出，不作为商品信息：",
                "These records do not fit this code's chain of custody. They are listed as suspicious claims, not as the product's facts:",
            ))
        }
        ul.claims {
            @for c in claims {
                li.claim {
                    p.step-head {
                        (date(c.date))
                        " "
                        span.step-label { (c.step.label(lang)) }
                    }
                    @if let Some(party) = non_empty(c.party.as_deref()) {
                        p.party { (party) }
                    }
                    @if let Some(name) = non_empty(c.product_name.as_deref()) {
                        p.claimed-name {
                            (tr(lang, "声称的商品名称：", "Product name claimed: "))
                            (name)
                        }
                    }
                    p.claim-reason {
                        strong { (tr(lang, "原因：", "Why: ")) }
                        (lang.pick(&c.reason_zh, &c.reason_en))
                    }
                    @if let Some(reason) = non_empty(c.backdate_reason.as_deref()) {
                        p.backdate {
                            (tr(lang, "补录原因：", "Recorded late because: "))
                            (reason)
                        }
                    }
                }
            }
        }
    };
    card(
        lang,
        "h-claims",
        "claims",
        ("可疑声明", "Suspicious claims"),
        body,
    )
}

/// The authenticity hint: counts of a unit code and, when suspicious, the clone warning; a
/// neutral note for a batch code.
pub(super) fn authenticity(lang: Lang, a: &AuthenticityView) -> Markup {
    let body = html! {
        @if a.unit_level {
            p {
                @match lang {
                    Lang::Zh => {
                        "此码已售出 " strong { (a.times_sold) } " 次、被扫描 "
                        strong { (a.times_scanned) } " 次。"
                    }
                    Lang::En => {
                        "This code has been sold " strong { (a.times_sold) } " "
                        (times(a.times_sold)) " and scanned " strong { (a.times_scanned) } " "
                        (times(a.times_scanned)) "."
                    }
                }
            }
            @if a.suspicious {
                (clone_warning(lang))
            } @else {
                p.muted {
                    (tr(
                        lang,
                        "这是一物一码：正品通常只售出一次。",
                        "This code names one unit: a genuine one is normally sold once.",
                    ))
                }
            }
        } @else {
            p.muted {
                (tr(
                    lang,
                    "这是批次码：同一批次的产品共用此码，多次售出和扫描属正常情况。",
                    "This is a batch code: every product of the batch carries it, so many sales and scans are normal.",
                ))
            }
        }
    };
    card(
        lang,
        "h-auth",
        "authenticity",
        ("真伪提示", "Authenticity"),
        body,
    )
}

/// The warning that a unit code looks cloned, and what a buyer can do.
fn clone_warning(lang: Lang) -> Markup {
    html! {
        div.warning {
            p.warning-title {
                (Icon::Warning)
                (tr(lang, "可能是仿冒码", "This may be a cloned code"))
            }
            p {
                (tr(
                    lang,
                    "一物一码的正品只应售出一次，并沿发货记录在销售者之间依次流转。此码售出不止一次、被多家销售者入库，或有与流转链不符的记录，仿冒者复制的码会出现这种情况。",
                    "A genuine unit code is sold once and passes from seller to seller along recorded shipments. This one was sold more than once, received by more than one seller, or has records that do not fit its chain of custody, which is what a cloned code shows.",
                ))
            }
            p {
                @match lang {
                    Lang::Zh => {
                        "如果您刚买到此商品：保留商品上的原码和购物凭证，向销售者核实；怀疑假冒可拨打 "
                        (tel_12315()) " 或登录全国12315平台 " (site_12315()) " 投诉。"
                    }
                    Lang::En => {
                        "If you have just bought it: keep the original code and your proof of purchase and ask the seller; to report a suspected fake, call "
                        (tel_12315()) " or use the national 12315 platform, " (site_12315()) "."
                    }
                }
            }
        }
    }
}

/// The signed-in seller's actions on the code.
pub(super) fn seller(lang: Lang, actions: &SellerActions) -> Markup {
    let body = html! {
        @if let Some(name) = non_empty(Some(&actions.seller_name)) {
            p.muted { (tr(lang, "当前登录：", "Signed in as ")) (name) }
        }
        p.actions {
            @if let Some(href) = safe_href(&actions.receive_url) {
                a.button href=(href) { (tr(lang, "接收入库", "Receive into stock")) }
                " "
            }
            @if let Some(href) = safe_href(&actions.sell_url) {
                a.button href=(href) { (tr(lang, "登记销售", "Register a sale")) }
            }
        }
    };
    card(
        lang,
        "h-seller",
        "seller",
        ("销售者操作", "For sellers"),
        body,
    )
}

/// Further links with a safe target; nothing when there is none.
pub(super) fn links(lang: Lang, links: &[LinkView]) -> Markup {
    let usable: Vec<(&LinkView, &str)> = links
        .iter()
        .filter_map(|l| safe_href(&l.href).map(|h| (l, h)))
        .collect();
    if usable.is_empty() {
        return Markup::default();
    }
    let body = html! {
        ul.plain {
            @for (link, href) in usable {
                li {
                    a href=(href) {
                        @if has_localized(Some(&link.title_zh), Some(&link.title_en)) {
                            (localized(lang, Some(&link.title_zh), Some(&link.title_en)))
                        } @else if let Some(rel) = non_empty(Some(&link.rel)) {
                            (rel)
                        } @else {
                            (href)
                        }
                    }
                }
            }
        }
    };
    card(
        lang,
        "h-links",
        "links",
        ("更多信息", "More information"),
        body,
    )
}

/// `time` or `times`.
fn times(n: u32) -> &'static str {
    if n == 1 { "time" } else { "times" }
}

/// Human label of a code kind.
fn code_kind_label(kind: &str, lang: Lang) -> Option<&str> {
    let kind = kind.trim();
    let label = match kind.to_ascii_lowercase().as_str() {
        "" => return None,
        "gs1" => "GS1",
        "ecode" => "Ecode",
        "handle" => tr(lang, "工业互联网标识", "Industrial-internet handle"),
        "opaque" => tr(lang, "平台码", "Platform code"),
        _ => kind,
    };
    Some(label)
}

/// Class and labels of a certificate check result; unknown results are shown as given.
fn check_label(check: Option<&str>) -> (&'static str, Option<(&'static str, &'static str)>) {
    match non_empty(check).map(str::to_ascii_lowercase).as_deref() {
        None | Some("unchecked" | "unknown" | "pending" | "not_checked") => {
            ("check check-none", Some(("未核验", "Not checked")))
        }
        Some("valid" | "ok") => ("check check-valid", Some(("核验有效", "Valid"))),
        Some("invalid") => ("check check-invalid", Some(("核验无效", "Invalid"))),
        Some("expired") => ("check check-invalid", Some(("已过期", "Expired"))),
        Some("revoked" | "withdrawn" | "cancelled") => {
            ("check check-invalid", Some(("已撤销", "Revoked")))
        }
        Some("suspended") => ("check check-invalid", Some(("已暂停", "Suspended"))),
        Some(_) => ("check check-none", None),
    }
}
