//! What a posted code form answers: the page of what was recorded (201), or the form again with
//! what needs correcting (422).

use super::code::code_facts;
use super::forms::attach_errors;
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use suyuan_core::codes::TraceCode;
use suyuan_core::validation::FieldError;
use suyuan_store::entity::seller;
use suyuan_store::receipts;
use suyuan_web::AppState;
use suyuan_web::page::page_response;
use suyuan_widgets::{AppPage, Bi, FormView, Lang, Notice, NoticeKind};

/// The warnings of a recorded receipt, as notices.
pub(crate) fn warnings_notices(warnings: &[receipts::CodeWarning]) -> Vec<Notice> {
    warnings
        .iter()
        .map(|w| Notice {
            kind: NoticeKind::Error,
            text: Bi::new(
                format!("{}：{}", w.code, w.message_zh),
                format!("{}: {}", w.code, w.message_en),
            ),
        })
        .collect()
}

/// What was recorded: the record's id, the goods, and where to go next.
pub(crate) struct Done {
    /// The page title.
    pub(crate) title: Bi,
    /// The success message.
    pub(crate) message: Bi,
    /// Notices after it (warnings).
    pub(crate) extra: Vec<Notice>,
    /// The record's id.
    pub(crate) event_id: String,
    /// The goods' codes.
    pub(crate) codes: Vec<String>,
    /// Where to go next.
    pub(crate) links: Vec<(String, Bi)>,
}

/// The page of what was recorded.
pub(crate) fn done_page(me: &seller::Model, done: Done) -> AppPage {
    let mut notices = vec![Notice {
        kind: NoticeKind::Success,
        text: done.message,
    }];
    notices.extend(done.extra);
    AppPage {
        title: done.title,
        signed_in_as: Some(me.name.clone()),
        notices,
        facts: vec![(Bi::new("记录编号", "Record"), done.event_id)],
        items: Some((Bi::new("货品", "Goods"), done.codes)),
        links: done.links,
        ..Default::default()
    }
}

/// The links after recording one code: its trace page, and scanning more.
pub(crate) fn code_links(code: &TraceCode) -> Vec<(String, Bi)> {
    vec![
        (
            format!("/t/{}", suyuan_widgets::path_segment(&code.to_string())),
            Bi::new("查看追溯信息", "See the trace page"),
        ),
        ("/app/scan".into(), Bi::new("继续扫码", "Scan more")),
    ]
}

/// A code form posted back with what needs correcting (422): nothing was recorded.
pub(crate) fn refused_page(
    state: &AppState,
    title: Bi,
    seller: String,
    code: &TraceCode,
    mut form: FormView,
    errors: &[FieldError],
    lang: Lang,
) -> HttpResponse {
    let notices = attach_errors(&mut form, errors);
    page_response(
        StatusCode::UNPROCESSABLE_ENTITY,
        state,
        &AppPage {
            title,
            signed_in_as: Some(seller),
            notices: std::iter::once(Notice {
                kind: NoticeKind::Error,
                text: Bi::new(
                    "有字段需要更正，未登记任何内容",
                    "Some fields need correcting; nothing was recorded",
                ),
            })
            .chain(notices)
            .collect(),
            facts: code_facts(code),
            forms: vec![form],
            ..Default::default()
        },
        lang,
        vec![],
    )
}
