//! GS1 application identifiers and element strings: a GTIN with batch, serial and expiry date.

use std::fmt;

use chrono::{Datelike, NaiveDate};

use super::{CodeError, GS, Gtin, cut, strip_prefix_ci};

/// The GS1 application identifiers Suyuan reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ApplicationIdentifier {
    /// AI 01: GTIN-14, 14 digits.
    Gtin,
    /// AI 10: batch or lot number, up to 20 characters.
    Batch,
    /// AI 17: expiry date, YYMMDD.
    Expiry,
    /// AI 21: serial number, up to 20 characters.
    Serial,
}

impl ApplicationIdentifier {
    /// Every identifier, in the order the canonical element string writes them.
    pub const ALL: [ApplicationIdentifier; 4] =
        [Self::Gtin, Self::Expiry, Self::Batch, Self::Serial];

    /// The identifier's digits: `01`, `10`, `17` or `21`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Gtin => "01",
            Self::Batch => "10",
            Self::Expiry => "17",
            Self::Serial => "21",
        }
    }

    /// The identifier for `code`, if Suyuan reads it.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|ai| ai.code() == code)
    }

    /// The fixed length of the value (14 for AI 01, 6 for AI 17), or `None` for variable length.
    pub fn fixed_len(self) -> Option<usize> {
        match self {
            Self::Gtin => Some(14),
            Self::Expiry => Some(6),
            Self::Batch | Self::Serial => None,
        }
    }

    /// The longest value allowed.
    pub fn max_len(self) -> usize {
        self.fixed_len().unwrap_or(20)
    }

    /// An English label for messages, e.g. `batch (AI 10)`.
    pub fn label_en(self) -> &'static str {
        match self {
            Self::Gtin => "GTIN (AI 01)",
            Self::Batch => "batch (AI 10)",
            Self::Expiry => "expiry date (AI 17)",
            Self::Serial => "serial (AI 21)",
        }
    }

    /// A Chinese label for messages, e.g. `批号（AI 10）`.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Gtin => "GTIN（AI 01）",
            Self::Batch => "批号（AI 10）",
            Self::Expiry => "有效期（AI 17）",
            Self::Serial => "序列号（AI 21）",
        }
    }
}

impl fmt::Display for ApplicationIdentifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl ApplicationIdentifier {
    /// Reads `01`, `10`, `17` or `21` (brackets allowed: `(10)`).
    pub fn parse(input: &str) -> Result<Self, CodeError> {
        let trimmed = input.trim();
        let digits = trimmed
            .strip_prefix('(')
            .and_then(|s| s.strip_suffix(')'))
            .unwrap_or(trimmed);
        Self::from_code(digits).ok_or_else(|| CodeError::UnknownAi {
            ai: cut(digits),
            position: 1,
        })
    }
}

string_form!(ApplicationIdentifier);

/// Whether `c` belongs to the GS1 AI encodable character set 82.
pub(crate) fn is_cs82(c: char) -> bool {
    matches!(c,
        '!' | '"' | '%' | '&' | '\'' | '(' | ')' | '*' | '+' | ',' | '-' | '.' | '/'
        | '0'..='9' | ':' | ';' | '<' | '=' | '>' | '?' | 'A'..='Z' | '_' | 'a'..='z')
}

/// Checks a batch or serial: 1 to 20 characters of character set 82.
pub(crate) fn check_text(ai: ApplicationIdentifier, value: &str) -> Result<String, CodeError> {
    if value.is_empty() {
        return Err(CodeError::EmptyField { ai });
    }
    let len = value.chars().count();
    if len > ai.max_len() {
        return Err(CodeError::FieldTooLong {
            ai,
            len,
            max: ai.max_len(),
        });
    }
    if let Some((i, ch)) = value.chars().enumerate().find(|(_, c)| !is_cs82(*c)) {
        return Err(CodeError::FieldCharacter {
            ai,
            ch,
            position: i + 1,
        });
    }
    Ok(value.to_owned())
}

/// Reads a YYMMDD date: years 2000 to 2099; day `00` means the last day of the month.
pub(crate) fn parse_yymmdd(value: &str) -> Result<NaiveDate, CodeError> {
    let invalid = || CodeError::InvalidDate { value: cut(value) };
    if value.len() != 6 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    let num = |range: std::ops::Range<usize>| value.get(range).and_then(|s| s.parse::<u32>().ok());
    let (Some(yy), Some(mm), Some(dd)) = (num(0..2), num(2..4), num(4..6)) else {
        return Err(invalid());
    };
    let year = 2000 + i32::try_from(yy).map_err(|_| invalid())?;
    if dd == 0 {
        let first = NaiveDate::from_ymd_opt(year, mm, 1).ok_or_else(invalid)?;
        let next = if mm == 12 {
            NaiveDate::from_ymd_opt(year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(year, mm + 1, 1)
        };
        return next
            .and_then(|n| n.pred_opt())
            .filter(|d| *d >= first)
            .ok_or_else(invalid);
    }
    NaiveDate::from_ymd_opt(year, mm, dd).ok_or_else(invalid)
}

/// Writes a date as YYMMDD.
pub(crate) fn format_yymmdd(date: NaiveDate) -> String {
    date.format("%y%m%d").to_string()
}

fn check_expiry(date: NaiveDate) -> Result<NaiveDate, CodeError> {
    if (2000..=2099).contains(&date.year()) {
        Ok(date)
    } else {
        Err(CodeError::DateOutOfRange { date })
    }
}

/// Text markers some scanners and tools write for FNC1 or GS. `[`, `]`, `{` and `}` are not in
/// character set 82, so these can never be part of a value.
const SEPARATOR_MARKERS: [&str; 5] = ["[FNC1]", "{FNC1}", "{GS}", "[GS]", "\u{241D}"];

/// Whether `input` holds a GS separator or one of its text markers.
pub(crate) fn has_separator(input: &str) -> bool {
    input.contains(GS) || SEPARATOR_MARKERS.iter().any(|m| input.contains(m))
}

/// Symbology identifiers that announce a GS1 element string.
const GS1_SYMBOLOGIES: [&str; 5] = ["]C1", "]e0", "]d2", "]Q3", "]J1"];
/// Symbology identifiers of EAN/UPC scans: a bare GTIN follows.
const EAN_SYMBOLOGIES: [&str; 2] = ["]E0", "]E4"];

/// A GS1 code: a GTIN with an optional batch (AI 10), serial (AI 21) and expiry date (AI 17).
///
/// It reads a bare GTIN, an element string (bracketed or raw) or a Digital Link; its canonical
/// form (`Display`, serde) is the bracketed element string with the GTIN-14 and the fixed-length
/// fields first: `(01)06901234567892(17)271231(10)B123(21)S1`.
///
/// The expiry date is kept as a date: `(17)271200` (day 00: end of month) reads as 2027-12-31
/// and is written back as `271231`. Two-digit years are read as 2000 to 2099.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Gs1Code {
    gtin: Gtin,
    batch: Option<String>,
    serial: Option<String>,
    expiry: Option<NaiveDate>,
}

/// Fields collected while reading, before the GTIN is known to be there.
#[derive(Default)]
struct Fields {
    gtin: Option<Gtin>,
    batch: Option<String>,
    serial: Option<String>,
    expiry: Option<NaiveDate>,
}

impl Fields {
    /// Stores one field's value, refusing a repeat.
    fn set(&mut self, ai: ApplicationIdentifier, value: &str) -> Result<(), CodeError> {
        let duplicate = CodeError::DuplicateAi { ai };
        match ai {
            ApplicationIdentifier::Gtin => {
                if self.gtin.is_some() {
                    return Err(duplicate);
                }
                self.gtin = Some(Gtin::parse(value)?);
            }
            ApplicationIdentifier::Expiry => {
                if self.expiry.is_some() {
                    return Err(duplicate);
                }
                self.expiry = Some(parse_yymmdd(value)?);
            }
            ApplicationIdentifier::Batch => {
                if self.batch.is_some() {
                    return Err(duplicate);
                }
                self.batch = Some(check_text(ai, value)?);
            }
            ApplicationIdentifier::Serial => {
                if self.serial.is_some() {
                    return Err(duplicate);
                }
                self.serial = Some(check_text(ai, value)?);
            }
        }
        Ok(())
    }

    fn finish(self) -> Result<Gs1Code, CodeError> {
        let gtin = self.gtin.ok_or(CodeError::MissingGtin)?;
        Ok(Gs1Code {
            gtin,
            batch: self.batch,
            serial: self.serial,
            expiry: self.expiry,
        })
    }
}

/// Length of an application identifier by its first two digits (GS1 General Specifications,
/// figure 3.2-1), used to name an unknown identifier in a raw element string.
fn ai_len_for_prefix(prefix: &str) -> usize {
    match prefix.parse::<u8>().unwrap_or(0) {
        23..=25 | 40..=42 => 3,
        31..=36 | 39 | 43 | 70..=72 | 80..=82 => 4,
        _ => 2,
    }
}

impl Gs1Code {
    /// A code with only a GTIN.
    pub fn from_gtin(gtin: Gtin) -> Gs1Code {
        Gs1Code {
            gtin,
            batch: None,
            serial: None,
            expiry: None,
        }
    }

    /// A code from its parts, checking batch and serial (1 to 20 characters of GS1 character set
    /// 82) and the expiry year (2000 to 2099).
    pub fn new(
        gtin: Gtin,
        batch: Option<&str>,
        serial: Option<&str>,
        expiry: Option<NaiveDate>,
    ) -> Result<Gs1Code, CodeError> {
        Ok(Gs1Code {
            gtin,
            batch: batch
                .map(|b| check_text(ApplicationIdentifier::Batch, b))
                .transpose()?,
            serial: serial
                .map(|s| check_text(ApplicationIdentifier::Serial, s))
                .transpose()?,
            expiry: expiry.map(check_expiry).transpose()?,
        })
    }

    /// The same code with a batch number.
    pub fn with_batch(mut self, batch: &str) -> Result<Gs1Code, CodeError> {
        self.batch = Some(check_text(ApplicationIdentifier::Batch, batch)?);
        Ok(self)
    }

    /// The same code with a serial number.
    pub fn with_serial(mut self, serial: &str) -> Result<Gs1Code, CodeError> {
        self.serial = Some(check_text(ApplicationIdentifier::Serial, serial)?);
        Ok(self)
    }

    /// The same code with an expiry date.
    pub fn with_expiry(mut self, expiry: NaiveDate) -> Result<Gs1Code, CodeError> {
        self.expiry = Some(check_expiry(expiry)?);
        Ok(self)
    }

    /// Reads any GS1 form: a Digital Link (`http(s)://…`), a bracketed or raw element string,
    /// or a bare GTIN of 8, 12, 13 or 14 digits. Surrounding whitespace is ignored.
    pub fn parse(input: &str) -> Result<Gs1Code, CodeError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(CodeError::Empty);
        }
        if strip_prefix_ci(input, "http://").is_some()
            || strip_prefix_ci(input, "https://").is_some()
        {
            return Self::parse_digital_link(input);
        }
        if input.len() <= 14 && input.bytes().all(|b| b.is_ascii_digit()) {
            return Gtin::parse(input).map(Gs1Code::from_gtin);
        }
        Self::parse_element_string(input)
    }

    /// Reads a GS1 Digital Link URI; see [`DigitalLink`](super::DigitalLink).
    pub fn parse_digital_link(input: &str) -> Result<Gs1Code, CodeError> {
        super::DigitalLink::parse(input).map(super::DigitalLink::into_code)
    }

    /// Reads an element string, in any order of application identifiers:
    ///
    /// - bracketed: `(01)06901234567892(10)B123(21)S1`. A value runs to the next `(` that opens
    ///   2 to 4 digits and `)`; write `\(` for a `(` inside a value. Inside brackets the GTIN may
    ///   also have 8, 12 or 13 digits;
    /// - raw: `0106901234567892` `10B123` GS `21S1`, with a GS (ASCII 29) after each
    ///   variable-length field that is not last. `[FNC1]`, `{FNC1}`, `[GS]`, `{GS}` and `␝` are
    ///   read as GS, and a leading symbology identifier (`]C1`, `]e0`, `]d2`, `]Q3`, `]J1`) is
    ///   skipped. After `]E0` or `]E4` (EAN/UPC) a bare GTIN is expected.
    ///
    /// An application identifier other than 01, 10, 17 and 21 is refused.
    pub fn parse_element_string(input: &str) -> Result<Gs1Code, CodeError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(CodeError::Empty);
        }
        if input.starts_with('(') {
            return parse_bracketed(input);
        }
        let mut rest = input;
        let mut offset = 0;
        if input.starts_with(']') {
            let id = input.get(..3).unwrap_or(input);
            if GS1_SYMBOLOGIES.contains(&id) {
                rest = &input[3..];
                offset = 3;
            } else if EAN_SYMBOLOGIES.contains(&id) {
                return Gtin::parse(&input[3..]).map(Gs1Code::from_gtin);
            } else {
                return Err(CodeError::UnsupportedSymbology { id: cut(id) });
            }
        }
        parse_raw(rest, offset)
    }

    /// The GTIN.
    pub fn gtin(&self) -> &Gtin {
        &self.gtin
    }

    /// The batch or lot number (AI 10).
    pub fn batch(&self) -> Option<&str> {
        self.batch.as_deref()
    }

    /// The serial number (AI 21).
    pub fn serial(&self) -> Option<&str> {
        self.serial.as_deref()
    }

    /// The expiry date (AI 17).
    pub fn expiry(&self) -> Option<NaiveDate> {
        self.expiry
    }

    /// Whether the code names one unit (it has a serial).
    pub fn is_unit_level(&self) -> bool {
        self.serial.is_some()
    }

    /// The same code without serial or expiry: the class (GTIN and batch).
    pub fn class(&self) -> Gs1Code {
        Gs1Code {
            gtin: self.gtin.clone(),
            batch: self.batch.clone(),
            serial: None,
            expiry: None,
        }
    }

    /// The bracketed element string, e.g. `(01)06901234567892(17)271231(10)B123(21)S1`: the
    /// canonical form. A `(` inside a batch or serial is written `\(`.
    pub fn to_element_string(&self) -> String {
        let mut out = format!("(01){}", self.gtin.as_gtin14());
        if let Some(expiry) = self.expiry {
            out.push_str("(17)");
            out.push_str(&format_yymmdd(expiry));
        }
        for (ai, value) in [("(10)", &self.batch), ("(21)", &self.serial)] {
            if let Some(value) = value {
                out.push_str(ai);
                out.push_str(&value.replace('(', "\\("));
            }
        }
        out
    }

    /// The raw element string as a barcode holds it: fixed-length fields first, a GS (ASCII 29)
    /// after the batch when a serial follows. No symbology identifier or leading FNC1.
    pub fn to_raw_element_string(&self) -> String {
        let mut out = format!("01{}", self.gtin.as_gtin14());
        if let Some(expiry) = self.expiry {
            out.push_str("17");
            out.push_str(&format_yymmdd(expiry));
        }
        if let Some(batch) = &self.batch {
            out.push_str("10");
            out.push_str(batch);
            if self.serial.is_some() {
                out.push(GS);
            }
        }
        if let Some(serial) = &self.serial {
            out.push_str("21");
            out.push_str(serial);
        }
        out
    }

    /// The GS1 Digital Link on `base` (scheme, host and an optional path prefix, e.g.
    /// `https://id.example.com` or `https://example.com/products`; a trailing `/` is dropped):
    /// `https://id.example.com/01/06901234567892/10/B123/21/S1?17=271231`. Batch and serial are
    /// percent-encoded.
    pub fn to_digital_link(&self, base: &str) -> String {
        let mut out = self.link_path(base.trim_end_matches('/'), true);
        if let Some(expiry) = self.expiry {
            out.push_str("?17=");
            out.push_str(&format_yymmdd(expiry));
        }
        out
    }

    /// The Digital Link on GS1's own resolver, `https://id.gs1.org`.
    pub fn canonical_uri(&self) -> String {
        self.to_digital_link(super::digital_link::GS1_RESOLVER)
    }

    /// The EPCIS identifier: the Digital Link on `https://id.gs1.org` with GTIN, batch and
    /// serial, without the expiry date.
    pub fn to_epc_uri(&self) -> String {
        self.link_path(super::digital_link::GS1_RESOLVER, true)
    }

    /// The EPCIS class identifier: GTIN and batch on `https://id.gs1.org`, never the serial.
    pub fn to_class_uri(&self) -> String {
        self.link_path(super::digital_link::GS1_RESOLVER, false)
    }

    fn link_path(&self, base: &str, with_serial: bool) -> String {
        use super::digital_link::encode_segment;
        let mut out = format!("{base}/01/{}", self.gtin.as_gtin14());
        if let Some(batch) = &self.batch {
            out.push_str("/10/");
            out.push_str(&encode_segment(batch));
        }
        if let (Some(serial), true) = (&self.serial, with_serial) {
            out.push_str("/21/");
            out.push_str(&encode_segment(serial));
        }
        out
    }
}

/// Whether a `(` at `i` opens an application identifier: 2 to 4 digits, then `)`.
fn opens_ai(chars: &[char], i: usize) -> bool {
    if chars.get(i) != Some(&'(') {
        return false;
    }
    let digits = chars[i + 1..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    (2..=4).contains(&digits) && chars.get(i + 1 + digits) == Some(&')')
}

fn parse_bracketed(input: &str) -> Result<Gs1Code, CodeError> {
    let chars: Vec<char> = input.chars().collect();
    let mut fields = Fields::default();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '(' {
            return Err(CodeError::ExpectedAi { position: i + 1 });
        }
        let open = i;
        let Some(close) = chars[open..]
            .iter()
            .position(|c| *c == ')')
            .map(|p| p + open)
        else {
            return Err(CodeError::UnclosedBracket { position: open + 1 });
        };
        let ai_text: String = chars[open + 1..close].iter().collect();
        if !(2..=4).contains(&ai_text.len()) || !ai_text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CodeError::BadAi {
                ai: cut(&ai_text),
                position: open + 1,
            });
        }
        let ai =
            ApplicationIdentifier::from_code(&ai_text).ok_or_else(|| CodeError::UnknownAi {
                ai: ai_text.clone(),
                position: open + 1,
            })?;
        i = close + 1;
        let mut value = String::new();
        // A numeric field ends at any '(' (it cannot hold one), so a missing ')' is reported.
        let numeric = ai.fixed_len().is_some();
        while i < chars.len() && !opens_ai(&chars, i) && !(numeric && chars[i] == '(') {
            if chars[i] == '\\' && chars.get(i + 1) == Some(&'(') {
                value.push('(');
                i += 2;
            } else {
                value.push(chars[i]);
                i += 1;
            }
        }
        match ai {
            ApplicationIdentifier::Gtin => {
                let value = value.trim();
                if value.is_empty() {
                    return Err(CodeError::EmptyField { ai });
                }
                fields.set(ai, value)?;
            }
            ApplicationIdentifier::Expiry => {
                let value = value.trim();
                let actual = value.chars().count();
                if actual != 6 {
                    return Err(CodeError::FieldLength {
                        ai,
                        expected: 6,
                        actual,
                    });
                }
                fields.set(ai, value)?;
            }
            ApplicationIdentifier::Batch | ApplicationIdentifier::Serial => {
                fields.set(ai, &value)?
            }
        }
    }
    fields.finish()
}

/// Turns the input into characters with their 1-based positions, separator markers becoming GS.
fn tokenize(input: &str, offset: usize) -> Vec<(char, usize)> {
    let mut out = Vec::with_capacity(input.len());
    let mut rest = input;
    let mut position = offset + 1;
    while let Some(c) = rest.chars().next() {
        if let Some(marker) = SEPARATOR_MARKERS.iter().find(|m| rest.starts_with(*m)) {
            out.push((GS, position));
            position += marker.chars().count();
            rest = &rest[marker.len()..];
        } else {
            out.push((c, position));
            position += 1;
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

fn parse_raw(input: &str, offset: usize) -> Result<Gs1Code, CodeError> {
    let tokens = tokenize(input, offset);
    let mut fields = Fields::default();
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i].0 == GS {
            i += 1;
            continue;
        }
        let position = tokens[i].1;
        let head: String = tokens[i..].iter().take(2).map(|t| t.0).collect();
        if head.len() < 2 || !head.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CodeError::ExpectedAi { position });
        }
        let Some(ai) = ApplicationIdentifier::from_code(&head) else {
            let len = ai_len_for_prefix(&head);
            let ai: String = tokens[i..]
                .iter()
                .take(len)
                .map(|t| t.0)
                .take_while(char::is_ascii_digit)
                .collect();
            return Err(CodeError::UnknownAi { ai, position });
        };
        i += 2;
        let value: String = match ai.fixed_len() {
            Some(len) => {
                let value: String = tokens[i..]
                    .iter()
                    .take(len)
                    .map(|t| t.0)
                    .take_while(|c| *c != GS)
                    .collect();
                let actual = value.chars().count();
                if actual != len {
                    return Err(CodeError::FieldLength {
                        ai,
                        expected: len,
                        actual,
                    });
                }
                value
            }
            None => tokens[i..]
                .iter()
                .map(|t| t.0)
                .take_while(|c| *c != GS)
                .collect(),
        };
        i += value.chars().count();
        fields.set(ai, &value)?;
    }
    fields.finish()
}

impl fmt::Display for Gs1Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_element_string())
    }
}

string_form!(Gs1Code);

impl From<Gtin> for Gs1Code {
    fn from(gtin: Gtin) -> Self {
        Gs1Code::from_gtin(gtin)
    }
}

#[cfg(test)]
mod tests;
