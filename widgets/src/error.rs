//! The one error type of this crate.

/// Why a badge, QR code or snippet could not be made.
///
/// `Display` is English; [`WidgetError::message_zh`] gives the same message in Chinese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WidgetError {
    /// The resolver URL is not an absolute `http`/`https` URL without spaces or control characters.
    #[error("resolver URL must be an absolute http(s) URL without spaces, got {url:?}")]
    InvalidUrl {
        /// The rejected URL (truncated to 200 characters).
        url: String,
    },
    /// The data does not fit in a QR code at error correction level M.
    #[error("cannot encode {len} bytes as a QR code: {reason}")]
    QrEncode {
        /// Length of the data in bytes.
        len: usize,
        /// The encoder's reason.
        reason: String,
    },
    /// A QR PNG was asked for with a module size out of range.
    #[error("QR module size must be 1 to {max} pixels, got {got}")]
    ModuleSize {
        /// The requested pixels per module.
        got: u32,
        /// The largest accepted size.
        max: u32,
    },
    /// A badge size name was not one of `s`, `m`, `l`, `small`, `medium`, `large`.
    #[error("badge size must be one of s, m, l, small, medium, large, got {got:?}")]
    UnknownSize {
        /// The rejected text.
        got: String,
    },
    /// A trace status name was not one of `traced`, `incomplete`, `recalled`.
    #[error("trace status must be one of traced, incomplete, recalled, got {got:?}")]
    UnknownStatus {
        /// The rejected text.
        got: String,
    },
    /// The badge SVG could not be rasterised (a bug: the SVG is generated here).
    #[error("cannot rasterise badge: {reason}")]
    Rasterise {
        /// The renderer's reason.
        reason: String,
    },
    /// PNG encoding failed.
    #[error("cannot encode PNG: {reason}")]
    PngEncode {
        /// The encoder's reason.
        reason: String,
    },
}

impl WidgetError {
    /// The message in Chinese, for seller- and operator-facing pages.
    pub fn message_zh(&self) -> String {
        match self {
            Self::InvalidUrl { url } => {
                format!("追溯地址必须是不含空格的完整 http(s) 网址，收到 {url:?}")
            }
            Self::QrEncode { len, reason } => {
                format!("无法把 {len} 字节的内容编码为二维码：{reason}")
            }
            Self::ModuleSize { got, max } => {
                format!("二维码模块尺寸应为 1 至 {max} 像素，收到 {got}")
            }
            Self::UnknownSize { got } => {
                format!("标识尺寸应为 s、m、l、small、medium 或 large，收到 {got:?}")
            }
            Self::UnknownStatus { got } => {
                format!("追溯状态应为 traced、incomplete 或 recalled，收到 {got:?}")
            }
            Self::Rasterise { reason } => format!("无法生成标识图片：{reason}"),
            Self::PngEncode { reason } => format!("无法编码 PNG 图片：{reason}"),
        }
    }

    pub(crate) fn from_png(source: png::EncodingError) -> Self {
        Self::PngEncode {
            reason: source.to_string(),
        }
    }

    pub(crate) fn invalid_url(url: &str) -> Self {
        Self::InvalidUrl {
            url: url.chars().take(200).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_speaks_english_and_chinese() {
        let e = WidgetError::UnknownSize { got: "xl".into() };
        assert!(e.to_string().contains("\"xl\""));
        assert!(e.message_zh().contains("标识尺寸"));
    }
}
