//! Why a catalogue file could not be loaded: errors that name the category and the field at fault.

use std::path::PathBuf;

use super::{CategoryIdError, DataElement, Granularity, UnitOfMeasure};

/// What is wrong with one field of a catalogue file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    /// A required field is absent.
    #[error("is required")]
    Missing,
    /// A text or list is empty.
    #[error("must not be empty")]
    Empty,
    /// An id or part name is not a valid slug.
    #[error("`{value}` is not valid: {reason}")]
    InvalidId {
        /// The text given.
        value: String,
        /// Why it is not valid.
        reason: CategoryIdError,
    },
    /// Two categories of one file share an id.
    #[error("the id is defined more than once in the same file")]
    DuplicateId,
    /// A reference to a category that does not exist.
    #[error("refers to unknown category `{id}`")]
    UnknownCategory {
        /// The id referred to.
        id: String,
    },
    /// Following parents leads back to the category.
    #[error("the chain of parents loops back to the category")]
    ParentCycle,
    /// Not a data element.
    #[error("`{value}` is not a known data element")]
    UnknownElement {
        /// The text given.
        value: String,
    },
    /// A sale element in a receipt list, or the other way round.
    #[error("`{element}` is not recorded on {expected}")]
    WrongPhase {
        /// The element.
        element: DataElement,
        /// `receipt` or `sale`.
        expected: &'static str,
    },
    /// An element listed twice.
    #[error("`{element}` is listed more than once")]
    DuplicateElement {
        /// The element.
        element: DataElement,
    },
    /// An element that the category's other settings require is missing.
    #[error("must include `{element}` because {reason}")]
    ElementRequired {
        /// The element.
        element: DataElement,
        /// Which setting requires it.
        reason: &'static str,
    },
    /// A count or duration of zero.
    #[error("must be greater than zero")]
    Zero,
    /// A number outside its range.
    #[error("{value} is out of range: {expected}")]
    OutOfRange {
        /// The number given.
        value: String,
        /// The range allowed.
        expected: &'static str,
    },
    /// A jurisdiction that is not a 2-, 4- or 6-digit division code prefix.
    #[error("`{value}` is not a jurisdiction: use a division code prefix of 2, 4 or 6 digits")]
    BadJurisdiction {
        /// The text given.
        value: String,
    },
    /// Two deadline overrides for the same jurisdiction and category in one file.
    #[error("the same jurisdiction and category appear in more than one override")]
    DuplicateOverride,
    /// A unit that does not suit the granularity.
    #[error("unit `{}` does not suit granularity `{}`", unit.as_str(), granularity.as_str())]
    UnitMismatch {
        /// The granularity.
        granularity: Granularity,
        /// The unit.
        unit: UnitOfMeasure,
    },
    /// An aggregation that cannot be used.
    #[error("{reason}")]
    BadAggregation {
        /// Why.
        reason: &'static str,
    },
    /// A GTIN prefix that is not 3 to 12 digits.
    #[error("`{value}` is not a GS1 prefix of 3 to 12 digits")]
    BadGtinPrefix {
        /// The text given.
        value: String,
    },
}

impl Problem {
    /// The problem in Chinese.
    pub fn message_zh(&self) -> String {
        match self {
            Self::Missing => "必须填写".to_owned(),
            Self::Empty => "不能为空".to_owned(),
            Self::InvalidId { value, reason } => format!("“{value}”无效：{}", reason.message_zh()),
            Self::DuplicateId => "同一文件中该标识重复定义".to_owned(),
            Self::UnknownCategory { id } => format!("引用了不存在的类别“{id}”"),
            Self::ParentCycle => "上级类别链条回到了本类别（循环引用）".to_owned(),
            Self::UnknownElement { value } => format!("“{value}”不是已知的数据项"),
            Self::WrongPhase { element, expected } => {
                let phase = if *expected == "receipt" {
                    "进货"
                } else {
                    "销售"
                };
                format!(
                    "“{}”（{element}）不是{phase}环节记录的数据项",
                    element.name_zh()
                )
            }
            Self::DuplicateElement { element } => {
                format!("“{}”（{element}）重复列出", element.name_zh())
            }
            Self::ElementRequired { element, reason } => {
                let why = match *reason {
                    REASON_CERTIFICATE => "该类别需要查验证书",
                    REASON_UNIT_CODE => "该类别按单品或按盘赋码",
                    REASON_BATCH_CODE => "该类别按批次赋码",
                    _ => reason,
                };
                format!("必须包含“{}”（{element}），因为{why}", element.name_zh())
            }
            Self::Zero => "必须大于零".to_owned(),
            Self::OutOfRange { value, expected } => format!("{value} 超出范围（{expected}）"),
            Self::BadJurisdiction { value } => {
                format!("“{value}”不是有效的辖区：请使用 2、4 或 6 位行政区划代码前缀")
            }
            Self::DuplicateOverride => "同一辖区和类别的时限规则重复".to_owned(),
            Self::UnitMismatch { granularity, unit } => {
                format!(
                    "计量单位“{}”与赋码方式“{}”不符",
                    unit.name_zh(),
                    granularity.name_zh()
                )
            }
            Self::BadAggregation { reason } => format!("关联关系无效：{reason}"),
            Self::BadGtinPrefix { value } => {
                format!("“{value}”不是 3 至 12 位数字的厂商识别代码前缀")
            }
        }
    }
}

pub(super) const REASON_CERTIFICATE: &str = "the category requires a certificate";
pub(super) const REASON_UNIT_CODE: &str = "codes identify single items or reels";
pub(super) const REASON_BATCH_CODE: &str = "codes identify batches";

/// Why a catalogue could not be loaded or extended.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CatalogueError {
    /// The file could not be read.
    #[error("could not read catalogue file {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML, or a value has the wrong type or an unknown name.
    #[error("catalogue {origin} could not be parsed: {message}")]
    Syntax {
        /// Which file: `builtin`, a path, or `string`.
        origin: String,
        /// The parser's message, with line and column.
        message: String,
    },
    /// A field of one category, or of a deadline override for one category, is wrong.
    #[error("category `{category}`, field `{field}`: {problem}")]
    Category {
        /// The category's id (or `#n`, its position in the file, when the id itself is missing).
        category: String,
        /// The field, e.g. `name_zh` or `deadline_overrides[0].jurisdiction`.
        field: String,
        /// What is wrong.
        problem: Problem,
    },
    /// A field that belongs to no category is wrong.
    #[error("catalogue field `{field}`: {problem}")]
    Setting {
        /// The field, e.g. `retention_years`.
        field: String,
        /// What is wrong.
        problem: Problem,
    },
}

impl CatalogueError {
    /// The message in Chinese, for operators.
    pub fn message_zh(&self) -> String {
        match self {
            Self::Io { path, source } => format!("无法读取目录文件 {}：{source}", path.display()),
            Self::Syntax { origin, message } => format!("目录 {origin} 无法解析：{message}"),
            Self::Category {
                category,
                field,
                problem,
            } => {
                format!("类别“{category}”的字段“{field}”：{}", problem.message_zh())
            }
            Self::Setting { field, problem } => {
                format!("目录字段“{field}”：{}", problem.message_zh())
            }
        }
    }

    /// The category the error is about, if any.
    pub fn category(&self) -> Option<&str> {
        match self {
            Self::Category { category, .. } => Some(category),
            _ => None,
        }
    }

    /// The field the error is about, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Category { field, .. } | Self::Setting { field, .. } => Some(field),
            _ => None,
        }
    }

    /// What is wrong with the field, if the error is about a field.
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            Self::Category { problem, .. } | Self::Setting { problem, .. } => Some(problem),
            _ => None,
        }
    }
}

pub(super) fn category_error(
    category: &str,
    field: impl Into<String>,
    problem: Problem,
) -> CatalogueError {
    CatalogueError::Category {
        category: category.to_owned(),
        field: field.into(),
        problem,
    }
}

pub(super) fn setting_error(field: impl Into<String>, problem: Problem) -> CatalogueError {
    CatalogueError::Setting {
        field: field.into(),
        problem,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::catalogue::Catalogue;
    use crate::catalogue::test_support::small;

    fn load_error(text: &str) -> CatalogueError {
        Catalogue::from_toml_str(text).expect_err("the file is invalid")
    }

    #[test]
    fn a_duplicate_id_is_named() {
        let err = load_error(&small(
            r#"
[[categories]]
id = "widget"
name_zh = "部件"
name_en = "Widget again"
stage = 1
granularity = "batch"
unit_of_measure = "pcs"
certificate = { kind = "ccc" }
"#,
        ));
        assert_eq!((err.category(), err.field()), (Some("widget"), Some("id")));
        assert_eq!(err.problem(), Some(&Problem::DuplicateId));
    }

    #[test]
    fn an_unknown_parent_is_named() {
        let err = load_error(&small("").replace(r#"parent = "group""#, r#"parent = "grup""#));
        assert_eq!(
            (err.category(), err.field()),
            (Some("widget"), Some("parent"))
        );
        assert_eq!(
            err.to_string(),
            "category `widget`, field `parent`: refers to unknown category `grup`"
        );
        assert_eq!(
            err.message_zh(),
            "类别“widget”的字段“parent”：引用了不存在的类别“grup”"
        );
    }

    #[test]
    fn a_parent_cycle_is_named() {
        let text = small("").replacen(
            "stage = 2\ngranularity",
            "stage = 2\nparent = \"widget\"\ngranularity",
            1,
        );
        let err = load_error(&text);
        assert_eq!(err.field(), Some("parent"));
        assert_eq!(err.problem(), Some(&Problem::ParentCycle));
    }

    #[test]
    fn an_empty_name_is_named() {
        let err = load_error(&small("").replace(r#"name_en = "Widget""#, r#"name_en = "  ""#));
        assert_eq!(
            (err.category(), err.field()),
            (Some("widget"), Some("name_en"))
        );
        assert_eq!(err.problem(), Some(&Problem::Empty));
    }

    #[test]
    fn an_unknown_data_element_is_named() {
        let text = small("").replace(
            "deadline_hours = 96",
            "deadline_hours = 96\nsale_elements = [\"sale_date\", \"buyer_phone\"]",
        );
        let err = load_error(&text);
        assert_eq!(
            (err.category(), err.field()),
            (Some("widget"), Some("sale_elements"))
        );
        assert_eq!(
            err.problem(),
            Some(&Problem::UnknownElement {
                value: "buyer_phone".to_owned()
            })
        );
    }

    #[test]
    fn a_sale_element_in_the_receipt_list_is_named() {
        let text = small("").replace(
            "deadline_hours = 96",
            "deadline_hours = 96\nreceipt_elements = [\"serial\", \"certificate_number\", \"sale_date\"]",
        );
        let err = load_error(&text);
        assert_eq!(
            (err.category(), err.field()),
            (Some("widget"), Some("receipt_elements"))
        );
    }

    #[test]
    fn a_zero_deadline_is_named() {
        let err = load_error(&small("").replace("deadline_hours = 96", "deadline_hours = 0"));
        assert_eq!(
            (err.category(), err.field()),
            (Some("widget"), Some("deadline_hours"))
        );
        assert_eq!(err.problem(), Some(&Problem::Zero));
    }

    #[test]
    fn a_bad_jurisdiction_is_named() {
        for bad in ["4", "440", "44a1", "4403051"] {
            let err = load_error(&small(&format!(
                "[[deadline_overrides]]\njurisdiction = \"{bad}\"\ncategory = \"widget\"\nhours = 24\n"
            )));
            assert_eq!(err.category(), Some("widget"), "{bad}");
            assert_eq!(
                err.field(),
                Some("deadline_overrides[0].jurisdiction"),
                "{bad}"
            );
            assert_eq!(
                err.problem(),
                Some(&Problem::BadJurisdiction {
                    value: bad.to_owned()
                })
            );
        }
    }

    #[test]
    fn a_zero_hour_override_and_an_unknown_override_category_are_named() {
        let err = load_error(&small(
            "[[deadline_overrides]]\njurisdiction = \"44\"\nhours = 0\n",
        ));
        assert_eq!(
            (err.category(), err.field()),
            (None, Some("deadline_overrides[0].hours"))
        );
        let err = load_error(&small(
            "[[deadline_overrides]]\njurisdiction = \"44\"\ncategory = \"gizmo\"\nhours = 5\n",
        ));
        assert_eq!(
            (err.category(), err.field()),
            (Some("gizmo"), Some("deadline_overrides[0].category"))
        );
    }

    #[test]
    fn an_invalid_id_is_named() {
        let err = load_error(&small("").replace(r#"id = "widget""#, r#"id = "Widget-2""#));
        assert_eq!(
            (err.category(), err.field()),
            (Some("Widget-2"), Some("id"))
        );
        let err = load_error(&small("").replace("id = \"widget\"\n", ""));
        assert_eq!((err.category(), err.field()), (Some("#2"), Some("id")));
        assert_eq!(err.problem(), Some(&Problem::Missing));
    }

    #[test]
    fn a_certificate_without_its_number_element_is_named() {
        let text = small("").replace(
            "deadline_hours = 96",
            "deadline_hours = 96\nreceipt_elements = [\"serial\", \"batch\"]",
        );
        let err = load_error(&text);
        assert_eq!(
            err.problem(),
            Some(&Problem::ElementRequired {
                element: DataElement::CertificateNumber,
                reason: REASON_CERTIFICATE
            })
        );
    }

    #[test]
    fn a_length_category_counted_in_pieces_is_named() {
        let text = small("").replace("granularity = \"unit\"", "granularity = \"length\"");
        let err = load_error(&text);
        assert_eq!(
            (err.category(), err.field()),
            (Some("widget"), Some("unit_of_measure"))
        );
        assert_eq!(
            err.to_string(),
            "category `widget`, field `unit_of_measure`: unit `pcs` does not suit granularity `length`"
        );
    }

    #[test]
    fn a_bad_weight_names_the_keyword() {
        let err = load_error(&small("").replace("weight = 0.9", "weight = 1.5"));
        assert_eq!(
            (err.category(), err.field()),
            (Some("widget"), Some("match.keywords_zh[0].weight"))
        );
    }

    #[test]
    fn a_short_retention_and_a_missing_version_are_named() {
        let err = load_error(
            &small("").replace("version = \"t1\"", "version = \"t1\"\nretention_years = 1"),
        );
        assert_eq!(err.field(), Some("retention_years"));
        let err = load_error(&small("").replace("version = \"t1\"", ""));
        assert_eq!(err.field(), Some("version"));
        assert_eq!(err.problem(), Some(&Problem::Missing));
    }

    #[test]
    fn a_misspelt_field_or_value_is_a_syntax_error_with_its_line() {
        let err = load_error(&small("").replace("deadline_hours = 96", "deadline_hour = 96"));
        let CatalogueError::Syntax { message, .. } = &err else {
            panic!("{err:?}")
        };
        assert!(message.contains("deadline_hour"), "{message}");
        assert!(message.contains("line"), "{message}");
        let err =
            load_error(&small("").replace("granularity = \"unit\"", "granularity = \"units\""));
        assert!(matches!(err, CatalogueError::Syntax { .. }), "{err:?}");
        assert!(err.message_zh().starts_with("目录 string 无法解析"));
    }

    #[test]
    fn a_missing_file_is_an_io_error() {
        let err =
            Catalogue::load_path(Path::new("/nonexistent/suyuan/catalogue.toml")).unwrap_err();
        assert!(matches!(err, CatalogueError::Io { .. }));
        assert!(
            err.to_string()
                .contains("/nonexistent/suyuan/catalogue.toml")
        );
    }
}
