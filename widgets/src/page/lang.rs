//! The language of a page and the bilingual helper every page uses.

use serde::{Deserialize, Serialize};

/// Language of a page: Chinese by default, English on request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    /// Simplified Chinese (`zh-CN`), the default.
    #[default]
    Zh,
    /// English (`en`).
    En,
}

impl Lang {
    /// Picks the page language: from `?lang=` first (`zh`, `en`, `zh-CN`, `en_US`, … by their
    /// primary subtag), then from the `Accept-Language` header (the highest q-value among `zh*`
    /// and `en*` wins, the first on a tie; `q=0` and malformed q-values are ignored), else Chinese.
    pub fn negotiate(query_lang: Option<&str>, accept_language: Option<&str>) -> Lang {
        query_lang
            .and_then(Self::from_tag)
            .or_else(|| accept_language.and_then(Self::from_accept_language))
            .unwrap_or_default()
    }

    /// The BCP 47 tag for `<html lang>` and `Content-Language`: `zh-CN` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Zh => "zh-CN",
            Self::En => "en",
        }
    }

    /// The value of `?lang=` that selects this language: `zh` or `en`.
    pub fn query_value(self) -> &'static str {
        match self {
            Self::Zh => "zh",
            Self::En => "en",
        }
    }

    /// The other language: the target of the language switch.
    pub fn other(self) -> Lang {
        match self {
            Self::Zh => Self::En,
            Self::En => Self::Zh,
        }
    }

    /// The language of one tag (`zh`, `zh-Hans-CN`, `EN_us`), by its primary subtag; `None`
    /// for any other language or for garbage.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or_default();
        if primary.eq_ignore_ascii_case("zh") {
            Some(Self::Zh)
        } else if primary.eq_ignore_ascii_case("en") {
            Some(Self::En)
        } else {
            None
        }
    }

    /// The preferred one of Chinese and English in an `Accept-Language` value, if it names either.
    fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(f32, Lang)> = None;
        // A real header has a handful of entries; a hostile one gets no more than 32 looked at.
        for item in header.split(',').take(32) {
            let (tag, params) = item.split_once(';').unwrap_or((item, ""));
            let mut q = 1.0_f32;
            for param in params.split(';') {
                if let Some((k, v)) = param.split_once('=')
                    && k.trim().eq_ignore_ascii_case("q")
                {
                    q = match v.trim().parse::<f32>() {
                        Ok(v) if (0.0..=1.0).contains(&v) => v,
                        _ => 0.0,
                    };
                }
            }
            if q <= 0.0 {
                continue;
            }
            let Some(lang) = Self::from_tag(tag) else {
                continue;
            };
            if best.is_none_or(|(best_q, _)| q > best_q) {
                best = Some((q, lang));
            }
        }
        best.map(|(_, lang)| lang)
    }

    /// `zh` on a Chinese page, `en` on an English one.
    pub(crate) fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Self::Zh => zh,
            Self::En => en,
        }
    }
}

/// A constant of ours in the page's language: Chinese first, English by `lang`.
///
/// It returns text, never markup: maud escapes it like any other text.
pub(crate) fn tr(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    lang.pick(zh, en)
}
