//! Quantities of a class of objects (a batch, a GTIN) with their unit of measure.

use super::error::{EpcisError, cut};
use super::uri;
use serde_json::{Number, Value};
use std::fmt;

/// A UN/CEFACT Recommendation 20 unit code (`MTR`, `KGM`, `TNE`, `H87`): 2 or 3 characters from
/// `A-Z0-9`, as the EPCIS schema requires. See [`super::vocab::uom`] for common ones.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uom(String);

impl Uom {
    /// Parses a unit code.
    pub fn parse(code: &str) -> Result<Self, EpcisError> {
        let ok = (2..=3).contains(&code.len())
            && code
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if ok {
            Ok(Uom(code.to_owned()))
        } else {
            Err(EpcisError::InvalidUom {
                field: "uom".to_owned(),
                value: cut(code),
            })
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Uom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One entry of a `quantityList`: how much of a class of objects (EPCIS `QuantityElement`).
///
/// Holds only valid values: the class is an absolute URI, the quantity is above 0 and below
/// 10^15 with at most 15 significant digits, and a quantity without a unit is a whole count.
#[derive(Clone, Debug, PartialEq)]
pub struct QuantityElement {
    epc_class: String,
    quantity: f64,
    uom: Option<Uom>,
}

/// The largest quantity accepted (exclusive): below it, whole quantities are exact integers.
const MAX_QUANTITY: f64 = 1e15;

impl QuantityElement {
    /// A quantity of `epc_class` (a URI such as `https://id.gs1.org/01/06901234567892/10/B123`).
    /// `uom` is a UN/CEFACT Recommendation 20 code; without one, `quantity` counts instances
    /// and must be whole.
    pub fn new(
        epc_class: impl Into<String>,
        quantity: f64,
        uom: Option<&str>,
    ) -> Result<Self, EpcisError> {
        let epc_class = epc_class.into();
        uri::require("epcClass", &epc_class)?;
        if !(quantity.is_finite() && quantity > 0.0 && quantity < MAX_QUANTITY) {
            return Err(EpcisError::InvalidQuantity {
                field: "quantity".to_owned(),
                value: quantity.to_string(),
            });
        }
        if !is_stable_f64(quantity) {
            return Err(EpcisError::UnstableNumber {
                field: "quantity".to_owned(),
                value: quantity.to_string(),
            });
        }
        let uom = uom.map(Uom::parse).transpose()?;
        if uom.is_none() && quantity.fract() != 0.0 {
            return Err(EpcisError::FractionalCount {
                field: "quantity".to_owned(),
                value: quantity.to_string(),
            });
        }
        Ok(QuantityElement {
            epc_class,
            quantity,
            uom,
        })
    }

    /// The class of objects (a URI).
    pub fn epc_class(&self) -> &str {
        &self.epc_class
    }

    /// How much.
    pub fn quantity(&self) -> f64 {
        self.quantity
    }

    /// The unit, if the quantity is not a count of instances.
    pub fn uom(&self) -> Option<&Uom> {
        self.uom.as_ref()
    }

    /// The EPCIS JSON form: `{"epcClass", "quantity", "uom"}`. Whole quantities are written as
    /// integers (`10`, not `10.0`).
    pub(super) fn to_json(&self) -> Value {
        let mut m = serde_json::Map::new();
        m.insert("epcClass".to_owned(), Value::String(self.epc_class.clone()));
        m.insert("quantity".to_owned(), quantity_number(self.quantity));
        if let Some(uom) = &self.uom {
            m.insert("uom".to_owned(), Value::String(uom.0.clone()));
        }
        Value::Object(m)
    }
}

/// A quantity as a JSON number: an integer when whole (exact, since quantities are below 10^15).
fn quantity_number(q: f64) -> Value {
    if q.fract() == 0.0 {
        // Whole and within 0 < q < 10^15, so the conversion is exact.
        Value::Number(Number::from(q as u64))
    } else {
        Number::from_f64(q).map_or(Value::Null, Value::Number)
    }
}

/// Whether `x`, written as serde_json writes it (`1234.5`, `1.5e-7`) and read back by
/// serde_json's default parser, gives `x` again, so that a stored event re-serialises to the
/// same bytes. Without the `float_roundtrip` feature that parser computes
/// `significand as f64` times or divided by `10^exponent`, which is exact (one correctly rounded
/// operation on exact operands) when the written significand is below 2^53 and the exponent
/// within ±22. That is what is required; in practice: at most 15 significant digits.
pub(super) fn is_stable_f64(x: f64) -> bool {
    let Some(number) = Number::from_f64(x) else {
        return false;
    };
    let text = number.to_string();
    let text = text.strip_prefix('-').unwrap_or(&text);
    let (digits, exponent) = match text.split_once(['e', 'E']) {
        Some((digits, exponent)) => match exponent.parse::<i32>() {
            Ok(e) => (digits, e),
            Err(_) => return false,
        },
        None => (text, 0),
    };
    let (integer, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let Ok(fraction_len) = i32::try_from(fraction.len()) else {
        return false;
    };
    let mut significand: u64 = 0;
    for b in integer.bytes().chain(fraction.bytes()) {
        if !b.is_ascii_digit() {
            return false;
        }
        significand = match significand
            .checked_mul(10)
            .and_then(|s| s.checked_add(u64::from(b - b'0')))
        {
            Some(s) => s,
            None => return false,
        };
    }
    significand < (1u64 << 53) && (exponent - fraction_len).abs() <= 22
}

/// Checks that every number inside an extension value survives a JSON text round trip.
pub(super) fn check_stable_numbers(field: &str, value: &Value) -> Result<(), EpcisError> {
    match value {
        Value::Number(n) => {
            if n.is_i64() || n.is_u64() {
                return Ok(());
            }
            match n.as_f64() {
                Some(x) if is_stable_f64(x) => Ok(()),
                _ => Err(EpcisError::UnstableNumber {
                    field: field.to_owned(),
                    value: n.to_string(),
                }),
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                check_stable_numbers(&format!("{field}[{i}]"), item)?;
            }
            Ok(())
        }
        Value::Object(members) => {
            for (k, item) in members {
                check_stable_numbers(&format!("{field}.{k}"), item)?;
            }
            Ok(())
        }
        Value::Null | Value::Bool(_) | Value::String(_) => Ok(()),
    }
}
