//! Field-level validation errors shared by every input: which field, why, in Chinese and English.

/// One field that does not hold a valid value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message_en}")]
pub struct FieldError {
    /// The field, as a JSON path (`items[2].gtin`).
    pub field: String,
    /// A stable reason code.
    pub code: String,
    /// The reason in Chinese.
    pub message_zh: String,
    /// The reason in English.
    pub message_en: String,
}

impl FieldError {
    /// A new field error.
    pub fn new(
        field: impl Into<String>,
        code: impl Into<String>,
        message_zh: impl Into<String>,
        message_en: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            code: code.into(),
            message_zh: message_zh.into(),
            message_en: message_en.into(),
        }
    }
}

/// Collects field errors so one response names every bad field at once.
#[derive(Debug, Default)]
pub struct Errors(pub Vec<FieldError>);

impl Errors {
    /// Keeps the value, or records the error.
    pub fn check<T>(&mut self, r: Result<T, FieldError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }

    /// `Ok(())` when nothing was recorded.
    pub fn finish(self) -> Result<(), Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}

/// A trimmed, non-empty text of at most `max` characters without control characters.
pub fn bounded_text(field: &str, value: &str, max: usize) -> Result<String, FieldError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(FieldError::new(
            field,
            "required",
            "不能为空",
            "must not be empty",
        ));
    }
    let len = v.chars().count();
    if len > max {
        return Err(FieldError::new(
            field,
            "too_long",
            format!("最多 {max} 个字符，当前 {len} 个"),
            format!("at most {max} characters are allowed; got {len}"),
        ));
    }
    if v.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            "control_character",
            "不能包含控制字符",
            "must not contain control characters",
        ));
    }
    Ok(v.to_owned())
}

/// An e-mail address: one `@`, a dotted domain, at most 254 characters.
pub fn email(field: &str, value: &str) -> Result<String, FieldError> {
    let v = bounded_text(field, value, 254)?;
    let ok = match v.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !v.chars().any(char::is_whitespace)
        }
        None => false,
    };
    if ok {
        Ok(v)
    } else {
        Err(FieldError::new(
            field,
            "invalid_email",
            "电子邮箱格式不正确",
            "is not an e-mail address",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_over_long_text_names_its_length() {
        let err = bounded_text("name", &"x".repeat(201), 200).unwrap_err();
        assert_eq!(
            err.to_string(),
            "name: at most 200 characters are allowed; got 201"
        );
    }

    #[test]
    fn emails_need_a_dotted_domain() {
        assert!(email("email", "a@b.cn").is_ok());
        assert!(email("email", "a@b").is_err());
        assert!(email("email", "a b@c.cn").is_err());
    }
}
