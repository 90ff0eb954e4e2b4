//! Why an EPCIS event or document was refused: in English (`Display`), in Chinese
//! ([`EpcisError::message_zh`]) and as a stable code ([`EpcisError::code`]).

use super::vocab::{Action, EventKind};

/// Why a trace event or an EPCIS document could not be built or read.
///
/// Every message names the field (as a JSON path such as `quantityList[2].uom`) and the value
/// that was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EpcisError {
    /// A value that must be an absolute URI (RFC 3986) is not one.
    #[error("{field} `{value}` is not an absolute URI: {reason}")]
    InvalidUri {
        /// Where, as a JSON path.
        field: String,
        /// The value, cut to 200 characters.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A list that must hold each identifier once holds one twice.
    #[error("{field} lists `{value}` more than once")]
    DuplicateId {
        /// Where, as a JSON path.
        field: String,
        /// The repeated value, cut to 200 characters.
        value: String,
    },
    /// A quantity is zero, negative, not finite or out of range.
    #[error("{field} must be a number above 0 and below 10^15, got {value}")]
    InvalidQuantity {
        /// Where, as a JSON path.
        field: String,
        /// The value as given.
        value: String,
    },
    /// A quantity without a unit of measure counts instances, so it must be whole.
    #[error(
        "{field} is {value} but has no uom: a quantity without a unit counts instances and must be a whole number"
    )]
    FractionalCount {
        /// Where, as a JSON path.
        field: String,
        /// The value as given.
        value: String,
    },
    /// A number carries more precision than survives writing it as JSON text and reading it back,
    /// which would break the hash of the stored event.
    #[error(
        "{field} is {value}, which does not survive a JSON text round trip exactly: keep numbers to 15 significant digits"
    )]
    UnstableNumber {
        /// Where, as a JSON path.
        field: String,
        /// The value as given.
        value: String,
    },
    /// A unit of measure is not a UN/CEFACT Recommendation 20 code.
    #[error(
        "{field} `{value}` is not a UN/CEFACT Recommendation 20 unit code (2 or 3 characters from A-Z and 0-9, e.g. MTR, KGM, H87)"
    )]
    InvalidUom {
        /// Where, as a JSON path.
        field: String,
        /// The value, cut to 200 characters.
        value: String,
    },
    /// An event names no object at all.
    #[error("{} needs {needs}", kind.with_article())]
    NothingObserved {
        /// The kind of event.
        kind: EventKind,
        /// What it needs, in words.
        needs: &'static str,
    },
    /// An aggregation that adds or removes children does not name the parent.
    #[error("an AggregationEvent with action {action} needs a parentID")]
    MissingParent {
        /// The action of the event.
        action: Action,
    },
    /// A transaction event names no business transaction.
    #[error("a TransactionEvent needs at least one entry in bizTransactionList")]
    MissingBizTransaction,
    /// A transformation event that lacks inputs or outputs does not name the transformation.
    #[error("a TransformationEvent that lacks inputs or outputs needs a transformationID")]
    MissingTransformationId,
    /// A field was given that this kind of event does not have.
    #[error("{field} is not allowed on {}", kind.with_article())]
    FieldNotAllowed {
        /// The EPCIS field name.
        field: &'static str,
        /// The kind of event.
        kind: EventKind,
    },
    /// The event happened, by its own account, after it was recorded (beyond clock skew).
    #[error(
        "eventTime {event_time} is in the future by more than 5 minutes (recordTime {record_time})"
    )]
    EventTimeInFuture {
        /// The event time, RFC 3339 with its offset.
        event_time: String,
        /// The record time, RFC 3339 in UTC.
        record_time: String,
    },
    /// An error was declared, by its own account, after the declaration was recorded.
    #[error(
        "errorDeclaration.declarationTime {declaration_time} is in the future by more than 5 minutes (recordTime {record_time})"
    )]
    DeclarationInFuture {
        /// The declaration time, RFC 3339 in UTC.
        declaration_time: String,
        /// The record time, RFC 3339 in UTC.
        record_time: String,
    },
    /// An error is declared on an event before that event was recorded.
    #[error(
        "declarationTime {declaration_time} is before the recordTime {record_time} of event {event_id}"
    )]
    DeclarationBeforeRecord {
        /// The declaration time, RFC 3339 in UTC.
        declaration_time: String,
        /// The original's record time, RFC 3339 in UTC.
        record_time: String,
        /// The original's eventID.
        event_id: String,
    },
    /// A time zone offset is outside what EPCIS allows.
    #[error("eventTimeZoneOffset `{value}` must be whole minutes between -14:00 and +14:00")]
    InvalidTimeZoneOffset {
        /// The offset as given.
        value: String,
    },
    /// A time is not an RFC 3339 date-time.
    #[error("{field} `{value}` is not an RFC 3339 date-time: {reason}")]
    InvalidTime {
        /// Where, as a JSON path.
        field: String,
        /// The value, cut to 200 characters.
        value: String,
        /// What the parser said.
        reason: String,
    },
    /// An extension or namespace name is not usable.
    #[error("extension name `{name}` is not usable: {reason}")]
    InvalidExtensionName {
        /// The name as given, cut to 200 characters.
        name: String,
        /// Why.
        reason: &'static str,
    },
    /// A value is not in the CBV vocabulary Suyuan supports for that field.
    #[error("{field} `{value}` is not a CBV {vocabulary} value")]
    UnknownVocabulary {
        /// Where, as a JSON path.
        field: String,
        /// Which vocabulary (`bizStep`, `disposition`, ...).
        vocabulary: &'static str,
        /// The value, cut to 200 characters.
        value: String,
    },
    /// A required member is missing.
    #[error("{field} is missing")]
    MissingField {
        /// Where, as a JSON path.
        field: String,
    },
    /// A member has the wrong JSON type.
    #[error("{field} should be {expected}")]
    WrongType {
        /// Where, as a JSON path.
        field: String,
        /// What it should be, in words.
        expected: &'static str,
    },
    /// A standard EPCIS member Suyuan does not model (sensor data, ILMD, ...), or a misspelt one.
    #[error("{field} is not supported by Suyuan's EPCIS model")]
    UnsupportedField {
        /// Where, as a JSON path.
        field: String,
    },
    /// An event type Suyuan does not model.
    #[error(
        "event type `{value}` is not supported (expected ObjectEvent, AggregationEvent, TransactionEvent or TransformationEvent)"
    )]
    UnsupportedEventType {
        /// The type as given, cut to 200 characters.
        value: String,
    },
    /// An error was declared on an event that is itself an error declaration.
    #[error(
        "event {event_id} already carries an errorDeclaration: declare the error on the original event"
    )]
    AlreadyDeclared {
        /// The eventID.
        event_id: String,
    },
    /// A correction for incorrect data came without the corrected event.
    #[error("a correction with reason incorrect_data needs the corrected event")]
    MissingCorrectiveEvent,
    /// The corrective event is itself an error declaration.
    #[error("the corrective event {event_id} must not carry an errorDeclaration")]
    CorrectiveIsDeclaration {
        /// The corrective event's eventID.
        event_id: String,
    },
    /// The JSON is not an EPCIS 2.0 document.
    #[error("not an EPCIS 2.0 document: {reason}")]
    NotADocument {
        /// Why.
        reason: String,
    },
    /// An event inside a document was refused.
    #[error("eventList[{index}]: {error}")]
    InEventList {
        /// The position in `epcisBody.eventList`, from 0.
        index: usize,
        /// Why it was refused.
        error: Box<EpcisError>,
    },
}

impl EpcisError {
    /// A stable code for clients and logs (`epcis.invalid_uri`, ...). An error inside a document
    /// has the code of the event's error.
    pub fn code(&self) -> &'static str {
        match self {
            EpcisError::InvalidUri { .. } => "epcis.invalid_uri",
            EpcisError::DuplicateId { .. } => "epcis.duplicate_id",
            EpcisError::InvalidQuantity { .. } => "epcis.invalid_quantity",
            EpcisError::FractionalCount { .. } => "epcis.fractional_count",
            EpcisError::UnstableNumber { .. } => "epcis.unstable_number",
            EpcisError::InvalidUom { .. } => "epcis.invalid_uom",
            EpcisError::NothingObserved { .. } => "epcis.nothing_observed",
            EpcisError::MissingParent { .. } => "epcis.missing_parent",
            EpcisError::MissingBizTransaction => "epcis.missing_biz_transaction",
            EpcisError::MissingTransformationId => "epcis.missing_transformation_id",
            EpcisError::FieldNotAllowed { .. } => "epcis.field_not_allowed",
            EpcisError::EventTimeInFuture { .. } => "epcis.event_time_in_future",
            EpcisError::DeclarationInFuture { .. } => "epcis.declaration_in_future",
            EpcisError::DeclarationBeforeRecord { .. } => "epcis.declaration_before_record",
            EpcisError::InvalidTimeZoneOffset { .. } => "epcis.invalid_time_zone_offset",
            EpcisError::InvalidTime { .. } => "epcis.invalid_time",
            EpcisError::InvalidExtensionName { .. } => "epcis.invalid_extension_name",
            EpcisError::UnknownVocabulary { .. } => "epcis.unknown_vocabulary",
            EpcisError::MissingField { .. } => "epcis.missing_field",
            EpcisError::WrongType { .. } => "epcis.wrong_type",
            EpcisError::UnsupportedField { .. } => "epcis.unsupported_field",
            EpcisError::UnsupportedEventType { .. } => "epcis.unsupported_event_type",
            EpcisError::AlreadyDeclared { .. } => "epcis.already_declared",
            EpcisError::MissingCorrectiveEvent => "epcis.missing_corrective_event",
            EpcisError::CorrectiveIsDeclaration { .. } => "epcis.corrective_is_declaration",
            EpcisError::NotADocument { .. } => "epcis.not_a_document",
            EpcisError::InEventList { error, .. } => error.code(),
        }
    }

    /// The same message in Chinese, for sellers and supervisors.
    pub fn message_zh(&self) -> String {
        match self {
            EpcisError::InvalidUri { field, value, .. } => {
                format!("{field} 的值 `{value}` 不是合法的绝对 URI（特殊字符须百分号编码）")
            }
            EpcisError::DuplicateId { field, value } => format!("{field} 中 `{value}` 重复出现"),
            EpcisError::InvalidQuantity { field, value } => {
                format!("{field} 应为大于 0、小于 10^15 的数，实际为 {value}")
            }
            EpcisError::FractionalCount { field, value } => {
                format!("{field} 为 {value}，但未给出计量单位：无单位的数量表示件数，必须是整数")
            }
            EpcisError::UnstableNumber { field, value } => {
                format!(
                    "{field} 为 {value}，写成 JSON 文本再读回会失真：数值请保留不超过 15 位有效数字"
                )
            }
            EpcisError::InvalidUom { field, value } => {
                format!(
                    "{field} 的值 `{value}` 不是 UN/CEFACT 第 20 号建议书的单位代码（2～3 位大写字母或数字，如 MTR、KGM、H87）"
                )
            }
            EpcisError::NothingObserved { kind, .. } => {
                format!("{kind} 至少需要一个追溯码或一条数量记录")
            }
            EpcisError::MissingParent { action } => {
                format!(
                    "动作为 {action} 的 AggregationEvent（组合事件）必须给出 parentID（父级码）"
                )
            }
            EpcisError::MissingBizTransaction => {
                "TransactionEvent（交易事件）至少需要一条业务单据（bizTransactionList）".to_owned()
            }
            EpcisError::MissingTransformationId => {
                "缺少输入或输出的 TransformationEvent（转换事件）必须给出 transformationID"
                    .to_owned()
            }
            EpcisError::FieldNotAllowed { field, kind } => format!("{kind} 不能包含字段 {field}"),
            EpcisError::EventTimeInFuture {
                event_time,
                record_time,
            } => {
                format!(
                    "事件时间 {event_time} 比记录时间 {record_time} 晚了 5 分钟以上，不能是将来的时间"
                )
            }
            EpcisError::DeclarationInFuture {
                declaration_time,
                record_time,
            } => {
                format!("差错声明时间 {declaration_time} 比记录时间 {record_time} 晚了 5 分钟以上")
            }
            EpcisError::DeclarationBeforeRecord {
                declaration_time,
                record_time,
                event_id,
            } => {
                format!(
                    "差错声明时间 {declaration_time} 早于原事件 {event_id} 的记录时间 {record_time}"
                )
            }
            EpcisError::InvalidTimeZoneOffset { value } => {
                format!("时区偏移 `{value}` 必须是 -14:00 到 +14:00 之间的整分钟")
            }
            EpcisError::InvalidTime { field, value, .. } => {
                format!("{field} 的值 `{value}` 不是 RFC 3339 格式的日期时间")
            }
            EpcisError::InvalidExtensionName { name, .. } => format!("扩展字段名 `{name}` 不可用"),
            EpcisError::UnknownVocabulary {
                field,
                vocabulary,
                value,
            } => {
                format!("{field} 的值 `{value}` 不是 CBV 中的 {vocabulary} 取值")
            }
            EpcisError::MissingField { field } => format!("缺少字段 {field}"),
            EpcisError::WrongType { field, expected } => {
                format!("字段 {field} 的类型应为 {expected}")
            }
            EpcisError::UnsupportedField { field } => {
                format!("溯源系统的 EPCIS 模型不支持字段 {field}")
            }
            EpcisError::UnsupportedEventType { value } => format!("不支持的事件类型 `{value}`"),
            EpcisError::AlreadyDeclared { event_id } => {
                format!("事件 {event_id} 本身已是差错声明，请对原事件声明差错")
            }
            EpcisError::MissingCorrectiveEvent => {
                "原因为“数据有误”的更正必须附上更正后的事件".to_owned()
            }
            EpcisError::CorrectiveIsDeclaration { event_id } => {
                format!("更正事件 {event_id} 本身不能带有差错声明")
            }
            EpcisError::NotADocument { reason } => format!("不是 EPCIS 2.0 文档：{reason}"),
            EpcisError::InEventList { index, error } => {
                format!("eventList 第 {} 个事件：{}", index + 1, error.message_zh())
            }
        }
    }

    /// Puts `prefix` in front of the field path of errors that name a field.
    pub(super) fn at(self, prefix: &str) -> Self {
        let join = |field: String| {
            if field.starts_with('[') {
                format!("{prefix}{field}")
            } else {
                format!("{prefix}.{field}")
            }
        };
        match self {
            EpcisError::InvalidUri {
                field,
                value,
                reason,
            } => EpcisError::InvalidUri {
                field: join(field),
                value,
                reason,
            },
            EpcisError::DuplicateId { field, value } => EpcisError::DuplicateId {
                field: join(field),
                value,
            },
            EpcisError::InvalidQuantity { field, value } => EpcisError::InvalidQuantity {
                field: join(field),
                value,
            },
            EpcisError::FractionalCount { field, value } => EpcisError::FractionalCount {
                field: join(field),
                value,
            },
            EpcisError::UnstableNumber { field, value } => EpcisError::UnstableNumber {
                field: join(field),
                value,
            },
            EpcisError::InvalidUom { field, value } => EpcisError::InvalidUom {
                field: join(field),
                value,
            },
            EpcisError::InvalidTime {
                field,
                value,
                reason,
            } => EpcisError::InvalidTime {
                field: join(field),
                value,
                reason,
            },
            EpcisError::UnknownVocabulary {
                field,
                vocabulary,
                value,
            } => EpcisError::UnknownVocabulary {
                field: join(field),
                vocabulary,
                value,
            },
            EpcisError::MissingField { field } => EpcisError::MissingField { field: join(field) },
            EpcisError::WrongType { field, expected } => EpcisError::WrongType {
                field: join(field),
                expected,
            },
            EpcisError::UnsupportedField { field } => {
                EpcisError::UnsupportedField { field: join(field) }
            }
            other => other,
        }
    }
}

/// Cuts a value quoted in an error message to 200 characters.
pub(super) fn cut(value: &str) -> String {
    value.chars().take(200).collect()
}
