//! Form fields of the seller pages: reading a posted form, the fields a receipt shares between
//! the receive, scan and claim pages, the select options, and putting field errors back on the
//! fields they name.

use actix_web::web;
use std::collections::HashMap;
use suyuan_core::receipt::{CertificateIn, InspectionIn, ItemIn, ReceiptIn, SupplierIn};
use suyuan_core::validation::FieldError;
use suyuan_web::AppState;
use suyuan_widgets::{Bi, FieldKind, FormField, FormView, Notice, NoticeKind};

/// A submitted form, field by field.
pub type FormData = web::Form<HashMap<String, String>>;

/// A posted field, trimmed; `None` when absent or blank.
pub(crate) fn field<'a>(form: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    form.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
}

/// [`field`], owned.
pub(crate) fn owned(form: &HashMap<String, String>, name: &str) -> Option<String> {
    field(form, name).map(str::to_owned)
}

/// Puts field errors on the form fields they name (`supplier.credit_code` →
/// `supplier_credit_code`), and answers notices for those that fit no field.
pub fn attach_errors(form: &mut FormView, errors: &[FieldError]) -> Vec<Notice> {
    let mut rest = Vec::new();
    for e in errors {
        let name = e.field.replace('.', "_");
        let name = if name.starts_with("items") {
            if form.fields.iter().any(|f| f.name == "codes") {
                "codes".to_owned()
            } else {
                "code".to_owned()
            }
        } else {
            name
        };
        let text = Bi::new(
            format!("{}：{}", e.field, e.message_zh),
            format!("{}: {}", e.field, e.message_en),
        );
        match form.fields.iter_mut().find(|f| f.name == name) {
            Some(f) if f.kind != FieldKind::Hidden => f.error = Some(text),
            _ => rest.push(Notice {
                kind: NoticeKind::Error,
                text,
            }),
        }
    }
    rest
}

/// The select options of certificate check results.
pub fn certificate_results() -> FieldKind {
    FieldKind::Select(vec![
        (String::new(), Bi::new("（未核验）", "(not checked)")),
        ("valid".into(), Bi::new("有效", "Valid")),
        ("invalid".into(), Bi::new("无效", "Invalid")),
        ("expired".into(), Bi::new("已过期", "Expired")),
        ("not_found".into(), Bi::new("查无此证", "Not found")),
    ])
}

/// The select options of inspection results.
pub fn inspection_results() -> FieldKind {
    FieldKind::Select(vec![
        ("accepted".into(), Bi::new("合格，全部接收", "Accepted")),
        (
            "partly_accepted".into(),
            Bi::new("部分接收", "Partly accepted"),
        ),
        ("rejected".into(), Bi::new("不合格，拒收", "Rejected")),
    ])
}

/// The select options of the catalogue's categories.
pub(crate) fn categories(state: &AppState) -> FieldKind {
    FieldKind::Select(
        state
            .catalogue
            .categories()
            .iter()
            .map(|c| {
                (
                    c.id.to_string(),
                    Bi::new(c.name_zh.clone(), c.name_en.clone()),
                )
            })
            .collect(),
    )
}

const PROVINCE_PREFIXES: [&str; 34] = [
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
    "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71",
    "81", "82",
];

/// The select options of the provinces (a sale's region).
pub(crate) fn regions() -> FieldKind {
    FieldKind::Select(
        std::iter::once((String::new(), Bi::new("（请选择）", "(choose)")))
            .chain(PROVINCE_PREFIXES.iter().filter_map(|p| {
                let code = format!("{p}0000");
                suyuan_core::division::DivisionCode::parse(&code)
                    .ok()
                    .map(|d| (code, Bi::new(d.province_name_zh(), d.province_name_en())))
            }))
            .collect(),
    )
}

fn today_cst() -> String {
    suyuan_core::china_time::china_date(chrono::Utc::now()).to_string()
}

/// The receipt fields a seller fills in (receive, scan and claim pages share them).
pub fn inspection_fields(
    certificate_number: Option<String>,
    values: &HashMap<String, String>,
) -> Vec<FormField> {
    vec![
        FormField::new(
            "received_at",
            Bi::new("收货日期", "Received on"),
            FieldKind::Date,
        )
        .value(owned(values, "received_at").or_else(|| Some(today_cst())))
        .required(),
        FormField::new(
            "backdate_reason",
            Bi::new(
                "补录原因（收货日期较早时必填）",
                "Why recorded late (needed for an older date)",
            ),
            FieldKind::Text,
        )
        .value(owned(values, "backdate_reason")),
        FormField::new(
            "certificate_number",
            Bi::new("证书编号（CCC/许可证）", "Certificate number (CCC/licence)"),
            FieldKind::Text,
        )
        .value(owned(values, "certificate_number").or(certificate_number)),
        FormField::new(
            "certificate_result",
            Bi::new("证书核验结果", "Certificate check"),
            certificate_results(),
        )
        .value(owned(values, "certificate_result"))
        .hint(Bi::new(
            "在认证机构网站查询证书后选择结果",
            "Look the certificate up at the certification body, then choose",
        )),
        FormField::new(
            "inspection_result",
            Bi::new("查验结果", "Inspection result"),
            inspection_results(),
        )
        .value(owned(values, "inspection_result").or_else(|| Some("accepted".into())))
        .required(),
        FormField::new(
            "inspection_notes",
            Bi::new("查验说明（拒收原因）", "Notes (reasons for rejection)"),
            FieldKind::Text,
        )
        .value(owned(values, "inspection_notes")),
        FormField::new("inspector", Bi::new("查验人", "Inspector"), FieldKind::Text)
            .value(owned(values, "inspector"))
            .required(),
    ]
}

/// A posted receive or scan form as the API's [`ReceiptIn`], to be parsed by the API's own
/// checks.
pub(crate) fn receipt_in(
    form: &HashMap<String, String>,
    channel: &str,
    items: Vec<ItemIn>,
) -> ReceiptIn {
    ReceiptIn {
        category: owned(form, "category").unwrap_or_default(),
        supplier: Some(SupplierIn {
            name: owned(form, "supplier_name"),
            credit_code: owned(form, "supplier_credit_code"),
        }),
        voucher_number: owned(form, "voucher_number"),
        received_at: suyuan_core::transfer::received_date(
            field(form, "received_at"),
            chrono::Utc::now(),
        )
        .map(str::to_owned),
        product_name: owned(form, "product_name"),
        model: owned(form, "model"),
        producer: owned(form, "producer"),
        certificate: match (
            owned(form, "certificate_number"),
            owned(form, "certificate_result"),
        ) {
            (Some(number), Some(result)) => Some(CertificateIn { number, result }),
            (Some(number), None) => Some(CertificateIn {
                number,
                result: "not_checked".into(),
            }),
            _ => None,
        },
        inspection: owned(form, "inspection_result").map(|result| InspectionIn {
            result,
            notes: owned(form, "inspection_notes"),
            inspector: owned(form, "inspector"),
        }),
        channel: Some(channel.to_owned()),
        items,
        backdate_reason: owned(form, "backdate_reason"),
    }
}

/// The supplier and product fields of a receipt (the receive page pre-fills them; the scanner
/// page asks for the supplier).
pub(crate) fn supplier_fields(
    values: &HashMap<String, String>,
    pre: &crate::app::code::Prefill,
    supplier_required: bool,
) -> Vec<FormField> {
    let supplier = FormField::new(
        "supplier_name",
        Bi::new("供货方", "Supplier"),
        FieldKind::Text,
    )
    .value(owned(values, "supplier_name").or_else(|| pre.supplier_name.clone()));
    vec![
        if supplier_required {
            supplier.required()
        } else {
            supplier
        },
        FormField::new(
            "supplier_credit_code",
            Bi::new("供货方统一社会信用代码", "Supplier's credit code"),
            FieldKind::Text,
        )
        .value(owned(values, "supplier_credit_code").or_else(|| pre.supplier_credit_code.clone())),
        FormField::new(
            "voucher_number",
            Bi::new("随货单据号", "Delivery note / invoice no."),
            FieldKind::Text,
        )
        .value(owned(values, "voucher_number")),
        FormField::new(
            "product_name",
            Bi::new("产品名称", "Product"),
            FieldKind::Text,
        )
        .value(owned(values, "product_name").or_else(|| pre.product_name.clone())),
        FormField::new("model", Bi::new("型号", "Model"), FieldKind::Text)
            .value(owned(values, "model").or_else(|| pre.model.clone())),
        FormField::new("producer", Bi::new("生产者", "Producer"), FieldKind::Text)
            .value(owned(values, "producer").or_else(|| pre.producer.clone())),
    ]
}
