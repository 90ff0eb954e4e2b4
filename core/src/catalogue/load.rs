//! Parsing a catalogue file and checking everything that does not depend on another file.

use std::collections::HashSet;

use serde::{Deserialize, Deserializer};

use super::elements::parse_element;
use super::error::{
    REASON_BATCH_CODE, REASON_CERTIFICATE, REASON_UNIT_CODE, category_error, setting_error,
};
use super::ids::check_slug;
use super::rules::normalize;
use super::{
    AccessoryHeads, Aggregation, CatalogueError, CatalogueExtension, Category, CategoryId,
    CategoryIdError, Certificate, CertificateKind, DataElement, DeadlineOverride, Granularity,
    MatchRules, Problem, UnitOfMeasure,
};

/// The shortest retention a catalogue may configure.
const MIN_RETENTION_YEARS: u32 = 3;
/// The highest stage: 1 by end 2024, 2 by end 2025, 3 by end 2027.
const MAX_STAGE: u8 = 3;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    version: Option<String>,
    retention_years: Option<u32>,
    default_deadline_hours: Option<u32>,
    #[serde(default, deserialize_with = "de_opt_number")]
    match_threshold: Option<f32>,
    accessories: Option<AccessoryHeads>,
    #[serde(default)]
    defaults: RawDefaults,
    #[serde(default)]
    categories: Vec<RawCategory>,
    #[serde(default)]
    deadline_overrides: Vec<RawOverride>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawDefaults {
    receipt_elements: Option<Vec<String>>,
    sale_elements: Option<Vec<String>>,
    sale_elements_b2b: Option<Vec<String>>,
    sale_elements_online: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCategory {
    #[serde(default)]
    id: String,
    #[serde(default)]
    name_zh: String,
    #[serde(default)]
    name_en: String,
    stage: Option<u8>,
    parent: Option<String>,
    granularity: Option<Granularity>,
    unit_of_measure: Option<UnitOfMeasure>,
    aggregation: Option<Aggregation>,
    certificate: Option<Certificate>,
    receipt_elements: Option<Vec<String>>,
    sale_elements: Option<Vec<String>>,
    sale_elements_b2b: Option<Vec<String>>,
    sale_elements_online: Option<Vec<String>>,
    deadline_hours: Option<u32>,
    note: Option<String>,
    #[serde(rename = "match", default)]
    matching: MatchRules,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOverride {
    #[serde(default)]
    jurisdiction: String,
    category: Option<String>,
    hours: Option<u32>,
    note: Option<String>,
}

/// Default element lists of one file, parsed.
#[derive(Default)]
struct Defaults {
    receipt: Option<Vec<DataElement>>,
    sale: Option<Vec<DataElement>>,
    sale_b2b: Option<Vec<DataElement>>,
    sale_online: Option<Vec<DataElement>>,
}

/// Accepts a TOML float or integer as `f32`.
pub(super) fn de_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f32, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Number {
        Float(f64),
        Int(i64),
    }
    Ok(match Number::deserialize(deserializer)? {
        Number::Float(f) => f as f32,
        Number::Int(i) => i as f32,
    })
}

fn de_opt_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<f32>, D::Error> {
    de_number(deserializer).map(Some)
}

/// Parses a file and checks everything that does not depend on another file.
pub(super) fn parse_file(text: &str, origin: &str) -> Result<CatalogueExtension, CatalogueError> {
    let raw: RawFile = toml::from_str(text).map_err(|e| CatalogueError::Syntax {
        origin: origin.to_owned(),
        message: e.to_string().trim_end().to_owned(),
    })?;
    let defaults = Defaults {
        receipt: parse_default_list(raw.defaults.receipt_elements, "defaults.receipt_elements")?,
        sale: parse_default_list(raw.defaults.sale_elements, "defaults.sale_elements")?,
        sale_b2b: parse_default_list(raw.defaults.sale_elements_b2b, "defaults.sale_elements_b2b")?,
        sale_online: parse_default_list(
            raw.defaults.sale_elements_online,
            "defaults.sale_elements_online",
        )?,
    };
    let mut categories = Vec::with_capacity(raw.categories.len());
    for (i, raw_category) in raw.categories.into_iter().enumerate() {
        categories.push(build_category(raw_category, i, &defaults)?);
    }
    let mut deadline_overrides = Vec::with_capacity(raw.deadline_overrides.len());
    for (i, raw_override) in raw.deadline_overrides.into_iter().enumerate() {
        deadline_overrides.push(build_override(raw_override, i)?);
    }
    let extension = CatalogueExtension {
        version: raw.version,
        retention_years: raw.retention_years,
        default_deadline_hours: raw.default_deadline_hours,
        match_threshold: raw.match_threshold,
        accessories: raw.accessories,
        categories,
        deadline_overrides,
    };
    check_extension(&extension)?;
    Ok(extension)
}

fn parse_default_list(
    list: Option<Vec<String>>,
    field: &str,
) -> Result<Option<Vec<DataElement>>, CatalogueError> {
    list.map(|names| {
        names
            .iter()
            .map(|name| {
                parse_element(name).ok_or_else(|| {
                    setting_error(
                        field,
                        Problem::UnknownElement {
                            value: name.clone(),
                        },
                    )
                })
            })
            .collect()
    })
    .transpose()
}

fn element_list(
    id: &str,
    field: &str,
    own: Option<Vec<String>>,
    default: Option<&Vec<DataElement>>,
) -> Result<Option<Vec<DataElement>>, CatalogueError> {
    match own {
        Some(names) => names
            .iter()
            .map(|name| {
                parse_element(name).ok_or_else(|| {
                    category_error(
                        id,
                        field,
                        Problem::UnknownElement {
                            value: name.clone(),
                        },
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        None => Ok(default.cloned()),
    }
}

fn build_category(
    raw: RawCategory,
    position: usize,
    defaults: &Defaults,
) -> Result<Category, CatalogueError> {
    let label = if raw.id.is_empty() {
        format!("#{}", position + 1)
    } else {
        raw.id.clone()
    };
    let id = CategoryId::parse(&raw.id).map_err(|reason| {
        let problem = match reason {
            CategoryIdError::Empty => Problem::Missing,
            reason => Problem::InvalidId {
                value: raw.id.clone(),
                reason,
            },
        };
        category_error(&label, "id", problem)
    })?;
    let parent = raw
        .parent
        .map(|p| {
            CategoryId::parse(&p).map_err(|reason| {
                category_error(
                    &label,
                    "parent",
                    Problem::InvalidId {
                        value: p.clone(),
                        reason,
                    },
                )
            })
        })
        .transpose()?;
    let missing = |field: &str| category_error(&label, field, Problem::Missing);
    let category = Category {
        id,
        name_zh: raw.name_zh,
        name_en: raw.name_en,
        stage: raw.stage.ok_or_else(|| missing("stage"))?,
        parent,
        granularity: raw.granularity.ok_or_else(|| missing("granularity"))?,
        unit_of_measure: raw
            .unit_of_measure
            .ok_or_else(|| missing("unit_of_measure"))?,
        aggregation: raw.aggregation,
        certificate: raw.certificate.ok_or_else(|| missing("certificate"))?,
        receipt_elements: element_list(
            &label,
            "receipt_elements",
            raw.receipt_elements,
            defaults.receipt.as_ref(),
        )?
        .ok_or_else(|| missing("receipt_elements"))?,
        sale_elements: element_list(
            &label,
            "sale_elements",
            raw.sale_elements,
            defaults.sale.as_ref(),
        )?
        .ok_or_else(|| missing("sale_elements"))?,
        sale_elements_b2b: element_list(
            &label,
            "sale_elements_b2b",
            raw.sale_elements_b2b,
            defaults.sale_b2b.as_ref(),
        )?
        .unwrap_or_default(),
        sale_elements_online: element_list(
            &label,
            "sale_elements_online",
            raw.sale_elements_online,
            defaults.sale_online.as_ref(),
        )?
        .unwrap_or_default(),
        deadline_hours: raw.deadline_hours,
        note: raw.note,
        matching: raw.matching,
    };
    Ok(category)
}

fn build_override(raw: RawOverride, i: usize) -> Result<DeadlineOverride, CatalogueError> {
    let field = |name: &str| format!("deadline_overrides[{i}].{name}");
    let category = raw
        .category
        .map(|c| {
            CategoryId::parse(&c).map_err(|reason| {
                category_error(
                    &c,
                    field("category"),
                    Problem::InvalidId {
                        value: c.clone(),
                        reason,
                    },
                )
            })
        })
        .transpose()?;
    let hours = match raw.hours {
        Some(hours) => hours,
        None => {
            return Err(override_error(
                category.as_ref(),
                field("hours"),
                Problem::Missing,
            ));
        }
    };
    Ok(DeadlineOverride {
        jurisdiction: raw.jurisdiction,
        category,
        hours,
        note: raw.note,
    })
}

fn override_error(
    category: Option<&CategoryId>,
    field: String,
    problem: Problem,
) -> CatalogueError {
    match category {
        Some(id) => category_error(id.as_str(), field, problem),
        None => setting_error(field, problem),
    }
}

/// Checks settings, categories and overrides of one file or extension on their own.
pub(super) fn check_extension(ext: &CatalogueExtension) -> Result<(), CatalogueError> {
    if let Some(version) = &ext.version
        && version.trim().is_empty()
    {
        return Err(setting_error("version", Problem::Empty));
    }
    if let Some(years) = ext.retention_years
        && years < MIN_RETENTION_YEARS
    {
        return Err(setting_error(
            "retention_years",
            Problem::OutOfRange {
                value: years.to_string(),
                expected: "at least 3 years (E-Commerce Law art. 31)",
            },
        ));
    }
    if ext.default_deadline_hours == Some(0) {
        return Err(setting_error("default_deadline_hours", Problem::Zero));
    }
    if let Some(threshold) = ext.match_threshold
        && !(threshold > 0.0 && threshold <= 1.0)
    {
        return Err(setting_error(
            "match_threshold",
            Problem::OutOfRange {
                value: threshold.to_string(),
                expected: "greater than 0 and at most 1",
            },
        ));
    }
    if let Some(accessories) = &ext.accessories {
        let lists = [
            ("accessories.heads_zh", &accessories.heads_zh),
            ("accessories.heads_en", &accessories.heads_en),
            ("accessories.noun_endings_zh", &accessories.noun_endings_zh),
        ];
        for (field, list) in lists {
            if let Some(i) = list.iter().position(|h| h.trim().is_empty()) {
                return Err(setting_error(format!("{field}[{i}]"), Problem::Empty));
            }
        }
        let endings = &accessories.noun_endings_zh;
        if let Some(i) = endings
            .iter()
            .position(|e| !(1..=2).contains(&e.trim().chars().count()))
        {
            return Err(setting_error(
                format!("accessories.noun_endings_zh[{i}]"),
                Problem::OutOfRange {
                    value: endings[i].clone(),
                    expected: "one or two Chinese characters",
                },
            ));
        }
    }
    let mut ids: HashSet<&CategoryId> = HashSet::new();
    for category in &ext.categories {
        if !ids.insert(&category.id) {
            return Err(category_error(
                category.id.as_str(),
                "id",
                Problem::DuplicateId,
            ));
        }
        check_category(category)?;
    }
    let mut seen: HashSet<(&str, Option<&CategoryId>)> = HashSet::new();
    for (i, rule) in ext.deadline_overrides.iter().enumerate() {
        let field = |name: &str| format!("deadline_overrides[{i}].{name}");
        let jurisdiction = rule.jurisdiction.as_str();
        if !matches!(jurisdiction.len(), 2 | 4 | 6)
            || !jurisdiction.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(override_error(
                rule.category.as_ref(),
                field("jurisdiction"),
                Problem::BadJurisdiction {
                    value: rule.jurisdiction.clone(),
                },
            ));
        }
        if rule.hours == 0 {
            return Err(override_error(
                rule.category.as_ref(),
                field("hours"),
                Problem::Zero,
            ));
        }
        if !seen.insert((jurisdiction, rule.category.as_ref())) {
            return Err(override_error(
                rule.category.as_ref(),
                field("jurisdiction"),
                Problem::DuplicateOverride,
            ));
        }
    }
    Ok(())
}

/// Checks one category on its own (references to other categories are checked by the catalogue).
fn check_category(c: &Category) -> Result<(), CatalogueError> {
    let id = c.id.as_str();
    let fail = |field: &str, problem: Problem| Err(category_error(id, field, problem));
    if c.name_zh.trim().is_empty() {
        return fail("name_zh", Problem::Empty);
    }
    if c.name_en.trim().is_empty() {
        return fail("name_en", Problem::Empty);
    }
    if !(1..=MAX_STAGE).contains(&c.stage) {
        return fail(
            "stage",
            Problem::OutOfRange {
                value: c.stage.to_string(),
                expected: "1, 2 or 3",
            },
        );
    }
    if c.parent.as_ref() == Some(&c.id) {
        return fail("parent", Problem::ParentCycle);
    }
    if !c.granularity.allows(c.unit_of_measure) {
        return fail(
            "unit_of_measure",
            Problem::UnitMismatch {
                granularity: c.granularity,
                unit: c.unit_of_measure,
            },
        );
    }
    if let Some(aggregation) = &c.aggregation {
        check_aggregation(id, c.granularity, aggregation)?;
    }
    let lists: [(&str, &[DataElement], bool); 4] = [
        ("receipt_elements", &c.receipt_elements, true),
        ("sale_elements", &c.sale_elements, false),
        ("sale_elements_b2b", &c.sale_elements_b2b, false),
        ("sale_elements_online", &c.sale_elements_online, false),
    ];
    for (field, list, receipt) in lists {
        let mut seen: HashSet<DataElement> = HashSet::new();
        for &element in list {
            let allowed = if receipt {
                element.phase().allows_receipt()
            } else {
                element.phase().allows_sale()
            };
            if !allowed {
                let expected = if receipt { "receipt" } else { "sale" };
                return fail(field, Problem::WrongPhase { element, expected });
            }
            if !seen.insert(element) {
                return fail(field, Problem::DuplicateElement { element });
            }
        }
    }
    if c.receipt_elements.is_empty() {
        return fail("receipt_elements", Problem::Empty);
    }
    if c.sale_elements.is_empty() {
        return fail("sale_elements", Problem::Empty);
    }
    if c.certificate.kind != CertificateKind::NoCertificate
        && !c.receipt_elements.contains(&DataElement::CertificateNumber)
    {
        return fail(
            "receipt_elements",
            Problem::ElementRequired {
                element: DataElement::CertificateNumber,
                reason: REASON_CERTIFICATE,
            },
        );
    }
    let code_element = c.granularity.code_element();
    if !c.receipt_elements.contains(&code_element) {
        let reason = if code_element == DataElement::Batch {
            REASON_BATCH_CODE
        } else {
            REASON_UNIT_CODE
        };
        return fail(
            "receipt_elements",
            Problem::ElementRequired {
                element: code_element,
                reason,
            },
        );
    }
    if c.deadline_hours == Some(0) {
        return fail("deadline_hours", Problem::Zero);
    }
    check_match_rules(id, &c.matching)?;
    check_parts(c)
}

/// Part words name parts of the category's aggregation, each part once.
fn check_parts(c: &Category) -> Result<(), CatalogueError> {
    let id = c.id.as_str();
    let mut seen: HashSet<&str> = HashSet::new();
    for (i, part) in c.matching.parts.iter().enumerate() {
        let field = format!("match.parts[{i}].part");
        let known = c
            .aggregation
            .as_ref()
            .is_some_and(|a| a.parent == part.part || a.children.contains(&part.part));
        if !known {
            return Err(category_error(
                id,
                field,
                Problem::BadAggregation {
                    reason: "a part must be the aggregation's parent or one of its children",
                },
            ));
        }
        if !seen.insert(part.part.as_str()) {
            return Err(category_error(
                id,
                field,
                Problem::BadAggregation {
                    reason: "a part is listed twice",
                },
            ));
        }
        for (list_name, list) in [
            ("keywords_zh", &part.keywords_zh),
            ("keywords_en", &part.keywords_en),
        ] {
            for (k, keyword) in list.iter().enumerate() {
                if normalize(&keyword.term).trim().is_empty() {
                    return Err(category_error(
                        id,
                        format!("match.parts[{i}].{list_name}[{k}].term"),
                        Problem::Empty,
                    ));
                }
                if !(keyword.weight > 0.0 && keyword.weight <= 1.0) {
                    return Err(category_error(
                        id,
                        format!("match.parts[{i}].{list_name}[{k}].weight"),
                        Problem::OutOfRange {
                            value: keyword.weight.to_string(),
                            expected: "greater than 0 and at most 1",
                        },
                    ));
                }
            }
        }
    }
    Ok(())
}

fn check_aggregation(
    id: &str,
    granularity: Granularity,
    aggregation: &Aggregation,
) -> Result<(), CatalogueError> {
    let fail = |reason: &'static str| {
        Err(category_error(
            id,
            "aggregation",
            Problem::BadAggregation { reason },
        ))
    };
    if granularity != Granularity::Unit {
        return fail("only categories coded per item aggregate part codes");
    }
    if let Err(reason) = check_slug(&aggregation.parent, CategoryId::MAX_LEN) {
        return Err(category_error(
            id,
            "aggregation.parent",
            Problem::InvalidId {
                value: aggregation.parent.clone(),
                reason,
            },
        ));
    }
    if aggregation.children.is_empty() {
        return Err(category_error(id, "aggregation.children", Problem::Empty));
    }
    let mut seen: HashSet<&str> = HashSet::new();
    for child in &aggregation.children {
        if let Err(reason) = check_slug(child, CategoryId::MAX_LEN) {
            return Err(category_error(
                id,
                "aggregation.children",
                Problem::InvalidId {
                    value: child.clone(),
                    reason,
                },
            ));
        }
        if *child == aggregation.parent {
            return fail("the parent part cannot also be a child");
        }
        if !seen.insert(child) {
            return fail("a child part is listed twice");
        }
    }
    Ok(())
}

fn check_match_rules(id: &str, rules: &MatchRules) -> Result<(), CatalogueError> {
    let check_weight = |field: String, weight: f32| {
        if weight > 0.0 && weight <= 1.0 {
            Ok(())
        } else {
            Err(category_error(
                id,
                field,
                Problem::OutOfRange {
                    value: weight.to_string(),
                    expected: "greater than 0 and at most 1",
                },
            ))
        }
    };
    let check_text = |field: String, text: &str| {
        if normalize(text).trim().is_empty() {
            Err(category_error(id, field, Problem::Empty))
        } else {
            Ok(())
        }
    };
    for (list_name, list) in [
        ("keywords_zh", &rules.keywords_zh),
        ("keywords_en", &rules.keywords_en),
    ] {
        for (i, keyword) in list.iter().enumerate() {
            check_text(format!("match.{list_name}[{i}].term"), &keyword.term)?;
            check_weight(format!("match.{list_name}[{i}].weight"), keyword.weight)?;
        }
    }
    for (list_name, list) in [
        ("negative_keywords_zh", &rules.negative_keywords_zh),
        ("negative_keywords_en", &rules.negative_keywords_en),
    ] {
        for (i, term) in list.iter().enumerate() {
            check_text(format!("match.{list_name}[{i}]"), term)?;
        }
    }
    for (i, marketplace) in rules.marketplace_categories.iter().enumerate() {
        check_text(
            format!("match.marketplace_categories[{i}].name"),
            &marketplace.name,
        )?;
        check_weight(
            format!("match.marketplace_categories[{i}].weight"),
            marketplace.weight,
        )?;
    }
    for (i, gtin) in rules.gtin_prefixes.iter().enumerate() {
        let prefix = gtin.prefix.as_str();
        if !(3..=12).contains(&prefix.len()) || !prefix.bytes().all(|b| b.is_ascii_digit()) {
            return Err(category_error(
                id,
                format!("match.gtin_prefixes[{i}].prefix"),
                Problem::BadGtinPrefix {
                    value: gtin.prefix.clone(),
                },
            ));
        }
        check_weight(format!("match.gtin_prefixes[{i}].weight"), gtin.weight)?;
    }
    Ok(())
}
