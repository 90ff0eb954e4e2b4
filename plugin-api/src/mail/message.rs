//! What an alert mail, a recall mail and a digest report (plain structs, fed by whoever raises
//! alerts, issues recalls or computes scores), and how they are written: a subject, a plain-text
//! part and an HTML part (maud), Chinese first with the English after it, and the score-trend
//! chart as an inline PNG the HTML shows by `cid:`.

use chrono::{DateTime, NaiveDate, Utc};
use maud::{DOCTYPE, Markup, html};
use serde::{Deserialize, Serialize};
use suyuan_core::china_time::in_china;
use suyuan_core::mail::{DigestPeriod, Topic};

/// The `Content-ID` of the score-trend chart.
pub const CHART_CID: &str = "score-trend@suyuan";

/// How urgent an alert is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Mailed at once.
    Critical,
    /// In the digest.
    Warning,
    /// In the digest.
    Info,
}

impl Severity {
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Severity::Critical => ("严重", "critical"),
            Severity::Warning => ("警告", "warning"),
            Severity::Info => ("提示", "info"),
        }
    }
}

/// One compliance score of a day (0 to 100).
pub type ScorePoint = (NaiveDate, f64);

/// An improvement alert mailed to a seller.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlertMail {
    /// The alert's id (one mail per alert and recipient).
    pub alert_id: String,
    /// The seller it is about (and who receives it).
    pub seller_id: String,
    /// The seller's registered name.
    pub seller_name: String,
    /// The rule that raised it (`score_drop`, `records_overdue`, …).
    pub rule: String,
    /// How urgent it is.
    pub severity: Severity,
    /// What happened, in Chinese.
    pub summary_zh: String,
    /// What happened, in English.
    pub summary_en: String,
    /// What to do about it, in Chinese (may be empty).
    pub action_zh: String,
    /// What to do about it, in English (may be empty).
    pub action_en: String,
    /// Where the seller sees it in the app.
    pub link: String,
    /// When it was raised.
    pub raised_at: DateTime<Utc>,
    /// The seller's recent scores, for the chart (may be empty).
    pub scores: Vec<ScorePoint>,
}

/// A recall notice to a seller whose goods it concerns.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecallMail {
    /// The recall's id (one mail per recall and seller).
    pub recall_id: String,
    /// The seller who receives it.
    pub seller_id: String,
    /// The seller's registered name.
    pub seller_name: String,
    /// What is recalled (`GTIN 09520001000010 批次 B2026`), in Chinese.
    pub scope_zh: String,
    /// What is recalled, in English.
    pub scope_en: String,
    /// Why, in Chinese.
    pub reason_zh: String,
    /// Why, in English.
    pub reason_en: String,
    /// Who issued it (the office's name).
    pub issued_by: String,
    /// When.
    pub issued_at: DateTime<Utc>,
    /// The seller's units or quantities it concerns (code or batch, and how many).
    pub affected: Vec<(String, u64)>,
    /// Where the seller sees the recall.
    pub link: String,
}

/// An alert as a digest lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlertLine {
    /// The seller it is about (its name, for a supervisor's digest).
    pub seller_name: String,
    /// How urgent.
    pub severity: Severity,
    /// In Chinese.
    pub summary_zh: String,
    /// In English.
    pub summary_en: String,
}

/// A count of records overdue, by kind of record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverdueCount {
    /// The kind of record, in Chinese (`销售登记`).
    pub label_zh: String,
    /// In English (`sales`).
    pub label_en: String,
    /// How many are overdue.
    pub count: u64,
}

/// A seller's daily digest or a supervisor's weekly digest of its jurisdiction.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DigestMail {
    /// The recipient's id.
    pub recipient_id: String,
    /// The recipient's name (the seller's, or the supervisor's office).
    pub recipient_name: String,
    /// Weekly and for a jurisdiction (a supervisor's), or daily and for a seller.
    pub weekly: bool,
    /// The period's key (`2026-12-05`, `2026-W49`).
    pub period_key: String,
    /// The period's first day.
    pub first: NaiveDate,
    /// The period's last day.
    pub last: NaiveDate,
    /// Scores over recent days (the seller's, or the jurisdiction's average).
    pub scores: Vec<ScorePoint>,
    /// Alerts open in the period.
    pub alerts: Vec<AlertLine>,
    /// Records overdue now, by kind.
    pub overdue: Vec<OverdueCount>,
    /// Where the recipient reads more.
    pub link: String,
}

impl DigestMail {
    /// An empty digest of `period` for a recipient, to be filled by the digest source.
    pub fn empty(
        recipient_id: &str,
        recipient_name: &str,
        weekly: bool,
        period: &DigestPeriod,
        link: String,
    ) -> DigestMail {
        DigestMail {
            recipient_id: recipient_id.to_owned(),
            recipient_name: recipient_name.to_owned(),
            weekly,
            period_key: period.key.clone(),
            first: period.first,
            last: period.last,
            scores: Vec::new(),
            alerts: Vec::new(),
            overdue: Vec::new(),
            link,
        }
    }
}

/// A mail ready to send.
#[derive(Clone, Debug)]
pub struct Rendered {
    /// Subject (Chinese, then English).
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part.
    pub html: String,
    /// The score-trend chart (PNG), shown by the HTML as `cid:score-trend@suyuan`.
    pub chart_png: Option<Vec<u8>>,
    /// The topic a recipient turns on or off (`None`: an account mail the person asked for,
    /// which is not turned off).
    pub topic: Option<Topic>,
}

fn china_time(t: DateTime<Utc>) -> String {
    in_china(t).format("%Y-%m-%d %H:%M").to_string()
}

fn page(title: &str, body: Markup, unsubscribe: Option<&str>) -> String {
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                title { (title) }
            }
            body style="font-family: sans-serif; max-width: 600px; margin: 0 auto; color: #222" {
                (body)
                hr;
                p style="font-size: 12px; color: #666" {
                    "此邮件由溯源（Suyuan）产品追溯服务发送。"
                    br;
                    span lang="en" { "Sent by Suyuan, the product traceability service." }
                    @if let Some(url) = unsubscribe {
                        br;
                        a href=(url) { "退订此类邮件" } " / " a href=(url) lang="en" { "Unsubscribe from these e-mails" }
                    }
                }
            }
        }
    }
    .into_string()
}

fn chart_block(scores: &[ScorePoint], has_chart: bool) -> Markup {
    html! {
        @if has_chart {
            h3 { "合规评分趋势" span lang="en" style="font-weight: normal" { " · Compliance score trend" } }
            img src={"cid:" (CHART_CID)} width="560" height="200"
                alt="合规评分趋势图 / Compliance score trend chart";
            table style="font-size: 13px; border-collapse: collapse" {
                tr { th style="text-align: left; padding-right: 16px" { "日期 Date" } th style="text-align: right" { "评分 Score" } }
                @for (d, s) in scores {
                    tr { td style="padding-right: 16px" { (d) } td style="text-align: right" { (format!("{s:.1}")) } }
                }
            }
        }
    }
}

fn scores_text(scores: &[ScorePoint]) -> String {
    if scores.is_empty() {
        return String::new();
    }
    let mut out = String::from("\n合规评分趋势 / Compliance score trend:\n");
    for (d, s) in scores {
        out.push_str(&format!("  {d}  {s:.1}\n"));
    }
    out
}

fn footer_text(unsubscribe: Option<&str>) -> String {
    let mut out = String::from(
        "\n--\n此邮件由溯源（Suyuan）产品追溯服务发送。\nSent by Suyuan, the product traceability service.\n",
    );
    if let Some(url) = unsubscribe {
        out.push_str(&format!("退订此类邮件 / Unsubscribe: {url}\n"));
    }
    out
}

/// An alert mail, with the unsubscribe link when the recipient may turn alerts off.
pub fn render_alert(a: &AlertMail, unsubscribe: Option<&str>) -> Rendered {
    let (sev_zh, sev_en) = a.severity.names();
    let subject = format!(
        "【溯源】{sev_zh}提醒：{} / Suyuan {sev_en} alert: {}",
        a.summary_zh, a.summary_en
    );
    let chart_png = super::chart::score_trend_png(&a.scores);
    let raised = china_time(a.raised_at);
    let body = html! {
        h2 { "【" (sev_zh) "】改进提醒" }
        p { (a.seller_name) "：" }
        p { strong { (a.summary_zh) } }
        @if !a.action_zh.is_empty() { p { "建议：" (a.action_zh) } }
        p { "提醒时间（北京时间）：" (raised) " · 规则：" code { (a.rule) } }
        p { a href=(a.link) { "在溯源中查看并处理" } }
        div lang="en" style="color: #444; border-top: 1px solid #eee; margin-top: 16px" {
            h3 { "Improvement alert (" (sev_en) ")" }
            p { strong { (a.summary_en) } }
            @if !a.action_en.is_empty() { p { "What to do: " (a.action_en) } }
            p { "Raised " (raised) " China time · rule " code { (a.rule) } }
            p { a href=(a.link) { "Open it in Suyuan" } }
        }
        (chart_block(&a.scores, chart_png.is_some()))
    };
    let text = format!(
        "{name}：\n\n【{sev_zh}】{zh}\n{action_zh}提醒时间（北京时间）：{raised}，规则：{rule}\n查看并处理：{link}\n\n\
Improvement alert ({sev_en}): {en}\n{action_en}Raised {raised} China time, rule {rule}.\nOpen it: {link}\n{scores}{footer}",
        name = a.seller_name,
        zh = a.summary_zh,
        en = a.summary_en,
        action_zh = if a.action_zh.is_empty() {
            String::new()
        } else {
            format!("建议：{}\n", a.action_zh)
        },
        action_en = if a.action_en.is_empty() {
            String::new()
        } else {
            format!("What to do: {}\n", a.action_en)
        },
        rule = a.rule,
        link = a.link,
        scores = scores_text(&a.scores),
        footer = footer_text(unsubscribe),
    );
    Rendered {
        html: page(&subject, body, unsubscribe),
        subject,
        text,
        chart_png,
        topic: Some(Topic::Alerts),
    }
}

/// A recall mail (sellers cannot turn these off, so it has no unsubscribe link for them).
pub fn render_recall(r: &RecallMail, unsubscribe: Option<&str>) -> Rendered {
    let subject = format!(
        "【溯源】召回通知：{} / Suyuan recall notice: {}",
        r.scope_zh, r.scope_en
    );
    let issued = china_time(r.issued_at);
    let body = html! {
        h2 { "召回通知" }
        p { (r.seller_name) "：" }
        p { (r.issued_by) " 于 " (issued) "（北京时间）发布召回：" strong { (r.scope_zh) } }
        p { "原因：" (r.reason_zh) }
        @if !r.affected.is_empty() {
            p { "贵司记录中涉及的货品：" }
            ul { @for (what, n) in &r.affected { li { (what) " × " (n) } } }
        }
        p { "请立即停止销售并按召回要求处理。" a href=(r.link) { "查看召回详情" } }
        div lang="en" style="color: #444; border-top: 1px solid #eee; margin-top: 16px" {
            h3 { "Recall notice" }
            p { (r.issued_by) " issued a recall on " (issued) " China time: " strong { (r.scope_en) } }
            p { "Reason: " (r.reason_en) }
            @if !r.affected.is_empty() {
                p { "Goods in your records it concerns:" }
                ul { @for (what, n) in &r.affected { li { (what) " × " (n) } } }
            }
            p { "Stop selling them and follow the recall's instructions. " a href=(r.link) { "Recall details" } }
        }
    };
    let affected: String = r
        .affected
        .iter()
        .map(|(what, n)| format!("  {what} × {n}\n"))
        .collect();
    let text = format!(
        "{name}：\n\n{by} 于 {issued}（北京时间）发布召回：{zh}\n原因：{reason_zh}\n{affected_zh}请立即停止销售并按召回要求处理：{link}\n\n\
Recall notice: {by} issued a recall on {issued} China time: {en}\nReason: {reason_en}\n{affected_en}Stop selling them and follow the recall's instructions: {link}\n{footer}",
        name = r.seller_name,
        by = r.issued_by,
        zh = r.scope_zh,
        en = r.scope_en,
        reason_zh = r.reason_zh,
        reason_en = r.reason_en,
        affected_zh = if affected.is_empty() {
            String::new()
        } else {
            format!("贵司记录中涉及的货品：\n{affected}")
        },
        affected_en = if affected.is_empty() {
            String::new()
        } else {
            format!("Goods in your records it concerns:\n{affected}")
        },
        link = r.link,
        footer = footer_text(unsubscribe),
    );
    Rendered {
        html: page(&subject, body, unsubscribe),
        subject,
        text,
        chart_png: None,
        topic: Some(Topic::Recalls),
    }
}

/// A daily (seller) or weekly (supervisor) digest.
pub fn render_digest(d: &DigestMail, unsubscribe: Option<&str>) -> Rendered {
    let (kind_zh, kind_en) = if d.weekly {
        ("辖区每周摘要", "weekly digest of your jurisdiction")
    } else {
        ("每日摘要", "daily digest")
    };
    let span = if d.first == d.last {
        d.first.to_string()
    } else {
        format!("{} – {}", d.first, d.last)
    };
    let subject = format!("【溯源】{kind_zh}（{span}）/ Suyuan {kind_en} ({span})",);
    let chart_png = super::chart::score_trend_png(&d.scores);
    let overdue_total: u64 = d.overdue.iter().map(|o| o.count).sum();
    let body = html! {
        h2 { (kind_zh) "（" (span) "）" }
        p { (d.recipient_name) "：" }
        h3 { "待处理提醒 " span lang="en" style="font-weight: normal" { "· Open alerts" } }
        @if d.alerts.is_empty() {
            p { "本期没有提醒。" span lang="en" { " No alerts in this period." } }
        } @else {
            ul {
                @for a in &d.alerts {
                    li {
                        "【" (a.severity.names().0) "】"
                        @if d.weekly { (a.seller_name) "：" }
                        (a.summary_zh)
                        br;
                        span lang="en" style="color: #555" { (a.severity.names().1) ": " (a.summary_en) }
                    }
                }
            }
        }
        h3 { "逾期未登记记录 " span lang="en" style="font-weight: normal" { "· Records overdue" } }
        @if overdue_total == 0 {
            p { "没有逾期记录。" span lang="en" { " Nothing overdue." } }
        } @else {
            ul { @for o in &d.overdue { li { (o.label_zh) " " span lang="en" { "(" (o.label_en) ")" } "：" (o.count) } } }
        }
        (chart_block(&d.scores, chart_png.is_some()))
        p { a href=(d.link) { "在溯源中查看详情" } " / " a href=(d.link) lang="en" { "Details in Suyuan" } }
    };
    let mut text = format!(
        "{name}：\n\n{kind_zh}（{span}） / Suyuan {kind_en} ({span})\n\n待处理提醒 / Open alerts:\n",
        name = d.recipient_name,
    );
    if d.alerts.is_empty() {
        text.push_str("  本期没有提醒。 No alerts in this period.\n");
    }
    for a in &d.alerts {
        let (zh, en) = a.severity.names();
        let who = if d.weekly {
            format!("{}：", a.seller_name)
        } else {
            String::new()
        };
        text.push_str(&format!(
            "  【{zh}】{who}{}\n    {en}: {}\n",
            a.summary_zh, a.summary_en
        ));
    }
    text.push_str("\n逾期未登记记录 / Records overdue:\n");
    if overdue_total == 0 {
        text.push_str("  没有逾期记录。 Nothing overdue.\n");
    }
    for o in d.overdue.iter().filter(|o| o.count > 0) {
        text.push_str(&format!("  {} ({}): {}\n", o.label_zh, o.label_en, o.count));
    }
    text.push_str(&scores_text(&d.scores));
    text.push_str(&format!("\n详情 / Details: {}\n", d.link));
    text.push_str(&footer_text(unsubscribe));
    Rendered {
        html: page(&subject, body, unsubscribe),
        subject,
        text,
        chart_png,
        topic: Some(Topic::Digests),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert() -> AlertMail {
        AlertMail {
            alert_id: "alr_1".into(),
            seller_id: "sel_1".into(),
            seller_name: "广州<顺达>电动车行".into(),
            rule: "records_overdue".into(),
            severity: Severity::Critical,
            summary_zh: "12 条销售记录逾期未登记".into(),
            summary_en: "12 sales records are overdue".into(),
            action_zh: String::new(),
            action_en: String::new(),
            link: "https://suyuan.example/app/alerts/alr_1".into(),
            raised_at: DateTime::<Utc>::UNIX_EPOCH,
            scores: vec![],
        }
    }

    #[test]
    fn an_alert_mail_puts_chinese_before_english_and_escapes_names() {
        let r = render_alert(&alert(), Some("https://x/mail/unsubscribe?t=a.b.c"));
        assert!(
            r.subject
                .starts_with("【溯源】严重提醒：12 条销售记录逾期未登记")
        );
        assert!(r.subject.ends_with("12 sales records are overdue"));
        let zh = r.html.find("12 条销售记录逾期未登记");
        let en = r.html.find("12 sales records are overdue");
        assert!(zh < en && en.is_some(), "{}", r.html);
        assert!(
            r.html.contains("广州&lt;顺达&gt;电动车行"),
            "escaped: {}",
            r.html
        );
        assert!(r.text.contains("广州<顺达>电动车行"));
        assert!(
            r.text
                .contains("Unsubscribe: https://x/mail/unsubscribe?t=a.b.c")
        );
        // No scores, no chart.
        assert!(r.chart_png.is_none() && !r.html.contains("cid:"));
    }
}

/// What an account mail carries: an invitation to set a password, or a sign-in link.
#[derive(Clone, Debug)]
pub struct LinkMail {
    /// An invitation (else a sign-in link).
    pub invitation: bool,
    /// The role the account signs in with, in Chinese and English.
    pub role_zh: &'static str,
    /// The role in English.
    pub role_en: &'static str,
    /// The single-use link.
    pub link: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// Renders an invitation or a sign-in link mail, Chinese first.
pub fn render_link(m: &LinkMail) -> Rendered {
    let expires = china_time(m.expires_at);
    let (subject, zh, en, button_zh, button_en) = if m.invitation {
        (
            "【溯源】邀请您设置账号密码 / You are invited to Suyuan".to_owned(),
            format!(
                "管理员邀请您以{}身份使用溯源。请打开下面的链接设置密码并登录（仅可使用一次，{} 前有效，北京时间）。",
                m.role_zh, expires
            ),
            format!(
                "An administrator invited you to Suyuan as {}. Open the link to set your password and sign in (it works once, until {} China time).",
                m.role_en, expires
            ),
            "设置密码",
            "Set your password",
        )
    } else {
        (
            "【溯源】登录链接 / Your Suyuan sign-in link".to_owned(),
            format!(
                "打开下面的链接即可登录溯源（仅可使用一次，{expires} 前有效，北京时间）。如果不是您本人申请，请忽略此邮件。"
            ),
            format!(
                "Open the link to sign in to Suyuan (it works once, until {expires} China time). If you did not ask for it, ignore this mail."
            ),
            "登录",
            "Sign in",
        )
    };
    let body = html! {
        p { (zh) }
        p { a href=(m.link) { (button_zh) } }
        div lang="en" style="color: #444; border-top: 1px solid #eee; margin-top: 16px" {
            p { (en) }
            p { a href=(m.link) { (button_en) } }
        }
    };
    let text = format!(
        "{zh}\n{link}\n\n{en}\n{link}\n{footer}",
        link = m.link,
        footer = footer_text(None)
    );
    Rendered {
        html: page(&subject, body, None),
        subject,
        text,
        chart_png: None,
        topic: None,
    }
}
