//! The catalogue of key industrial products under quality-safety traceability (重点工业产品追溯目录).
//!
//! The catalogue says which products need tracing and how: code granularity (one code per item, per
//! batch or per reel), aggregation (an e-bike's code aggregates its battery's and charger's), the
//! certificate to check on receipt, the data elements a receipt and a sale must record, the deadline for
//! registering them, and the rules that recognise a marketplace listing as one of its categories
//! (Seller Operation Guide §5.2, "明确需追溯产品").
//!
//! It is data, not code: [`Catalogue::builtin`] parses `core/catalogue.toml`, compiled into the binary,
//! and an operator adds or replaces categories and deadline overrides with a file of the same format
//! ([`Catalogue::builtin_with_extension`]) without recompiling. Every file is validated on load, and
//! errors name the category and the field at fault.
//!
//! [`Catalogue::classify`] applies the catalogue's rules; [`Catalogue::read`] reads a listing with a
//! learned title model ([`TitleModel`], trained on the labelled titles of `core/tests/data/`) and the
//! rules together: the model leads on what the title says, the rules on what the other fields say,
//! and a listing on which the two disagree is flagged for the seller to confirm.

mod category;
mod classify;
mod elements;
mod error;
mod granularity;
mod heads;
mod heads_en;
mod ids;
mod keyword_index;
mod learned;
mod load;
mod parts;
mod rules;

#[cfg(test)]
mod head_noun_tests;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod vocabulary_tests;

pub use category::{Category, DeadlineOverride};
pub use classify::{
    Classification, ListingFacts, ListingField, MODEL_DOUBTS_AT, MODEL_LEADS_AT, MatchedRule,
    Reading,
};
pub use elements::{DataElement, ElementPhase, UnknownDataElement};
pub use error::{CatalogueError, Problem};
pub use granularity::{Aggregation, Certificate, CertificateKind, Granularity, UnitOfMeasure};
pub use heads::AccessoryHeads;
pub use ids::{CategoryId, CategoryIdError};
pub use learned::{
    TRAINING, TitleModel, Training, label as title_label, parse_set as parse_labelled_set,
};
pub use rules::{GtinPrefix, Keyword, MarketplaceCategory, MatchRules, PartRules};

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::OnceLock;

use serde::Serialize;

use error::{category_error, setting_error};
use keyword_index::KeywordIndex;
use load::{check_extension, parse_file};

/// The built-in catalogue file, compiled into the binary.
const BUILTIN_TOML: &str = include_str!("../../catalogue.toml");

/// Retention used when a file does not say (E-Commerce Law art. 31: at least 3 years).
const DEFAULT_RETENTION_YEARS: u32 = 3;
/// Registration deadline used when neither a category nor the file says [assumed].
const DEFAULT_DEADLINE_HOURS: u32 = 72;
/// Classification threshold used when the file does not say.
const DEFAULT_MATCH_THRESHOLD: f32 = 0.5;

/// The validated catalogue: categories, deadline overrides and settings.
///
/// Built from the compiled-in file ([`Catalogue::builtin`]), optionally extended by an operator's file.
/// Every category's parent and every override's category exist; ids are unique.
#[derive(Debug, Clone, Serialize)]
pub struct Catalogue {
    version: String,
    retention_years: u32,
    default_deadline_hours: u32,
    match_threshold: f32,
    accessories: AccessoryHeads,
    categories: Vec<Category>,
    deadline_overrides: Vec<DeadlineOverride>,
    #[serde(skip)]
    index: HashMap<CategoryId, usize>,
    /// Every category's keywords in one automaton, built at the first classification and again
    /// after the categories change.
    #[serde(skip)]
    keywords: OnceLock<KeywordIndex>,
}

/// An operator's additions to a catalogue: categories to add or replace, deadline overrides, and
/// settings that replace the base's where given. Parsed from a file in the catalogue format whose
/// categories may refer to the base's (as parents or in overrides); [`Catalogue::extend`] checks those
/// references.
#[derive(Debug, Clone, Default)]
pub struct CatalogueExtension {
    /// A version label, appended to the base's as `base+extension`.
    pub version: Option<String>,
    /// Replaces the retention period.
    pub retention_years: Option<u32>,
    /// Replaces the default registration deadline.
    pub default_deadline_hours: Option<u32>,
    /// Replaces the classification threshold.
    pub match_threshold: Option<f32>,
    /// Replaces the accessory heads shared by every category.
    pub accessories: Option<AccessoryHeads>,
    /// Categories to add, or to replace the base's category with the same id.
    pub categories: Vec<Category>,
    /// Deadline overrides to add, or to replace the base's override with the same jurisdiction and
    /// category.
    pub deadline_overrides: Vec<DeadlineOverride>,
}

impl CatalogueExtension {
    /// Parses and checks an extension file's text; references to categories outside it are checked
    /// when it is applied.
    pub fn from_toml_str(text: &str) -> Result<Self, CatalogueError> {
        parse_file(text, "string")
    }

    /// Reads, parses and checks an extension file.
    pub fn load_path(path: &Path) -> Result<Self, CatalogueError> {
        let text = read_file(path)?;
        parse_file(&text, &path.display().to_string())
    }
}

impl From<Catalogue> for CatalogueExtension {
    fn from(other: Catalogue) -> Self {
        Self {
            version: Some(other.version),
            retention_years: Some(other.retention_years),
            default_deadline_hours: Some(other.default_deadline_hours),
            match_threshold: Some(other.match_threshold),
            accessories: Some(other.accessories),
            categories: other.categories,
            deadline_overrides: other.deadline_overrides,
        }
    }
}

impl Catalogue {
    /// The catalogue compiled into the binary (`core/catalogue.toml`).
    pub fn builtin() -> Result<Self, CatalogueError> {
        Self::from_named_str(BUILTIN_TOML, "builtin")
    }

    /// The built-in catalogue, extended by the operator's file at `extension` if one is given.
    pub fn builtin_with_extension(extension: Option<&Path>) -> Result<Self, CatalogueError> {
        let mut catalogue = Self::builtin()?;
        if let Some(path) = extension {
            catalogue.extend(CatalogueExtension::load_path(path)?)?;
        }
        Ok(catalogue)
    }

    /// Parses and validates a complete catalogue (it must give `version`, and every reference must
    /// resolve inside it).
    pub fn from_toml_str(text: &str) -> Result<Self, CatalogueError> {
        Self::from_named_str(text, "string")
    }

    /// Reads, parses and validates a complete catalogue file.
    pub fn load_path(path: &Path) -> Result<Self, CatalogueError> {
        let text = read_file(path)?;
        Self::from_named_str(&text, &path.display().to_string())
    }

    fn from_named_str(text: &str, origin: &str) -> Result<Self, CatalogueError> {
        let file = parse_file(text, origin)?;
        let version = file
            .version
            .ok_or_else(|| setting_error("version", Problem::Missing))?;
        let catalogue = Self {
            version,
            retention_years: file.retention_years.unwrap_or(DEFAULT_RETENTION_YEARS),
            default_deadline_hours: file
                .default_deadline_hours
                .unwrap_or(DEFAULT_DEADLINE_HOURS),
            match_threshold: file.match_threshold.unwrap_or(DEFAULT_MATCH_THRESHOLD),
            accessories: file.accessories.unwrap_or_default(),
            index: index_of(&file.categories),
            keywords: OnceLock::new(),
            categories: file.categories,
            deadline_overrides: file.deadline_overrides,
        };
        catalogue.check_references()?;
        Ok(catalogue)
    }

    /// Applies an extension: its categories replace the ones with the same id or are added, its
    /// deadline overrides replace the ones for the same jurisdiction and category or are added, and its
    /// settings replace the catalogue's. A full [`Catalogue`] can be passed as well. Nothing changes if
    /// the result would not be valid.
    pub fn extend(&mut self, other: impl Into<CatalogueExtension>) -> Result<(), CatalogueError> {
        let other = other.into();
        check_extension(&other)?;
        let mut merged = self.clone();
        if let Some(version) = other.version {
            merged.version = format!("{}+{}", merged.version, version);
        }
        if let Some(years) = other.retention_years {
            merged.retention_years = years;
        }
        if let Some(hours) = other.default_deadline_hours {
            merged.default_deadline_hours = hours;
        }
        if let Some(threshold) = other.match_threshold {
            merged.match_threshold = threshold;
        }
        if let Some(accessories) = other.accessories {
            merged.accessories = accessories;
        }
        for category in other.categories {
            match merged.index.get(&category.id) {
                Some(&i) => merged.categories[i] = category,
                None => {
                    merged
                        .index
                        .insert(category.id.clone(), merged.categories.len());
                    merged.categories.push(category);
                }
            }
        }
        for rule in other.deadline_overrides {
            match merged
                .deadline_overrides
                .iter_mut()
                .find(|o| o.jurisdiction == rule.jurisdiction && o.category == rule.category)
            {
                Some(existing) => *existing = rule,
                None => merged.deadline_overrides.push(rule),
            }
        }
        merged.check_references()?;
        merged.keywords = OnceLock::new();
        *self = merged;
        Ok(())
    }

    /// The catalogue's version label (`2025.1`, or `2025.1+ext` once extended).
    pub fn version(&self) -> &str {
        &self.version
    }

    /// How many years trace records are kept (at least 3).
    pub fn retention_years(&self) -> u32 {
        self.retention_years
    }

    /// The registration deadline when neither a category nor an override says otherwise.
    pub fn default_deadline(&self) -> chrono::Duration {
        chrono::Duration::hours(i64::from(self.default_deadline_hours))
    }

    /// The score a listing needs to be classified.
    pub fn match_threshold(&self) -> f32 {
        self.match_threshold
    }

    /// The words that head a listing of an accessory rather than of a product (`遥控器`, `case`).
    pub fn accessories(&self) -> &AccessoryHeads {
        &self.accessories
    }

    /// Every category, in file order (built-in first, then added ones).
    pub fn categories(&self) -> &[Category] {
        &self.categories
    }

    /// The category with this id.
    pub fn get(&self, id: &CategoryId) -> Option<&Category> {
        self.index.get(id).and_then(|&i| self.categories.get(i))
    }

    /// Every deadline override.
    pub fn deadline_overrides(&self) -> &[DeadlineOverride] {
        &self.deadline_overrides
    }

    /// The categories whose parent is `id`.
    pub fn children<'a>(&'a self, id: &'a CategoryId) -> impl Iterator<Item = &'a Category> + 'a {
        self.categories
            .iter()
            .filter(move |c| c.parent.as_ref() == Some(id))
    }

    /// The category's parents, nearest first (empty for an unknown or top-level category).
    pub fn ancestors(&self, id: &CategoryId) -> Vec<&Category> {
        let mut out: Vec<&Category> = Vec::new();
        let mut next = self.get(id).and_then(|c| c.parent.as_ref());
        while let Some(parent_id) = next {
            let Some(parent) = self.get(parent_id) else {
                break;
            };
            if out.iter().any(|c| c.id == parent.id) || parent.id == *id {
                break;
            }
            out.push(parent);
            next = parent.parent.as_ref();
        }
        out
    }

    /// Whether `id` lies under `ancestor` (directly or further down).
    pub fn is_within(&self, id: &CategoryId, ancestor: &CategoryId) -> bool {
        self.ancestors(id).iter().any(|c| c.id == *ancestor)
    }

    /// How long a seller in `division_code_prefix` (a GB/T 2260 division code or a prefix of one) has to
    /// register a receipt or sale of the category.
    ///
    /// The override with the longest jurisdiction matching the code wins; between equally long ones, an
    /// override for the category beats one for a parent, which beats one for every category. Without an
    /// override: the category's own deadline, else its nearest parent's, else the catalogue default
    /// (72 hours unless the file says otherwise). An unknown category gets the catalogue default.
    pub fn deadline_for(&self, id: &CategoryId, division_code_prefix: &str) -> chrono::Duration {
        let code = division_code_prefix.trim();
        let mut lineage: Vec<&CategoryId> = Vec::new();
        if let Some(category) = self.get(id) {
            lineage.push(&category.id);
            lineage.extend(self.ancestors(id).into_iter().map(|c| &c.id));
        }
        let mut best: Option<((usize, usize), u32)> = None;
        for rule in &self.deadline_overrides {
            if !code.starts_with(rule.jurisdiction.as_str()) {
                continue;
            }
            let specificity = match &rule.category {
                None => 0,
                Some(target) => match lineage.iter().position(|c| *c == target) {
                    Some(distance) => lineage.len() - distance,
                    None => continue,
                },
            };
            let key = (rule.jurisdiction.len(), specificity);
            if best.is_none_or(|(best_key, _)| key > best_key) {
                best = Some((key, rule.hours));
            }
        }
        let hours = best.map(|(_, hours)| hours).unwrap_or_else(|| {
            lineage
                .iter()
                .find_map(|c| self.get(c).and_then(|c| c.deadline_hours))
                .unwrap_or(self.default_deadline_hours)
        });
        chrono::Duration::hours(i64::from(hours))
    }

    /// Checks references between categories and overrides, after loading or merging.
    fn check_references(&self) -> Result<(), CatalogueError> {
        for category in &self.categories {
            let id = category.id.as_str();
            if let Some(parent) = &category.parent {
                if !self.index.contains_key(parent) {
                    return Err(category_error(
                        id,
                        "parent",
                        Problem::UnknownCategory {
                            id: parent.to_string(),
                        },
                    ));
                }
                let mut seen: HashSet<&CategoryId> = HashSet::new();
                let mut next = Some(parent);
                while let Some(current) = next {
                    if current == &category.id || !seen.insert(current) {
                        return Err(category_error(id, "parent", Problem::ParentCycle));
                    }
                    next = self.get(current).and_then(|c| c.parent.as_ref());
                }
            }
        }
        for (i, rule) in self.deadline_overrides.iter().enumerate() {
            if let Some(target) = &rule.category
                && !self.index.contains_key(target)
            {
                return Err(category_error(
                    target.as_str(),
                    format!("deadline_overrides[{i}].category"),
                    Problem::UnknownCategory {
                        id: target.to_string(),
                    },
                ));
            }
        }
        Ok(())
    }
}

fn index_of(categories: &[Category]) -> HashMap<CategoryId, usize> {
    categories
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.clone(), i))
        .collect()
}

fn read_file(path: &Path) -> Result<String, CatalogueError> {
    std::fs::read_to_string(path).map_err(|source| CatalogueError::Io {
        path: path.to_owned(),
        source,
    })
}
