//! Classification: recognising a marketplace listing as one of the catalogue's categories.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::heads::{accessory_head, counted, phrase_end};
use super::heads_en::english_head;
use super::keyword_index::KeywordIndex;
use super::learned::{NONE_LABEL, TitleModel};
use super::parts::{PartHit, chosen_part, find_part_hits};
use super::rules::{companion_spans, dedicated_spans, find_term, gtin13_form, normalize, within};
use super::{Catalogue, CategoryId};

/// How many runner-up categories a [`Classification`] lists.
const MAX_ALTERNATIVES: usize = 5;

/// What a keyword weighs inside a companion phrase (`送头盔`, `for Samsung TV`, `适用于美的电饭煲`): a
/// product a listing comes with or fits does not make the listing that product on its own.
const COMPANION_FACTOR: f32 = 0.5;

/// What is known about a marketplace listing, for classification.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingFacts {
    /// The listing's title.
    pub title: String,
    /// The product type (Shopify `product_type`), if any.
    #[serde(default)]
    pub product_type: Option<String>,
    /// Marketplace categories or category paths (WooCommerce categories, Youzan/Douyin categories).
    #[serde(default)]
    pub categories: Vec<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// The vendor or brand, if any.
    #[serde(default)]
    pub vendor: Option<String>,
    /// Barcodes (GTIN-8/12/13/14) of the listing's variants.
    #[serde(default)]
    pub barcodes: Vec<String>,
}

/// Which part of a listing a rule matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ListingField {
    /// The title.
    Title,
    /// The product type.
    ProductType,
    /// A marketplace category.
    Category,
    /// A tag.
    Tag,
    /// The vendor.
    Vendor,
    /// A barcode.
    Barcode,
}

impl ListingField {
    fn name_en(self) -> &'static str {
        match self {
            Self::Title => "title",
            Self::ProductType => "product type",
            Self::Category => "category",
            Self::Tag => "tag",
            Self::Vendor => "vendor",
            Self::Barcode => "barcode",
        }
    }

    fn name_zh(self) -> &'static str {
        match self {
            Self::Title => "标题",
            Self::ProductType => "商品类型",
            Self::Category => "类目",
            Self::Tag => "标签",
            Self::Vendor => "品牌",
            Self::Barcode => "条码",
        }
    }
}

/// A rule that matched a listing: the evidence behind a classification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MatchedRule {
    /// A keyword appeared in a text field.
    Keyword {
        /// The keyword, as written in the catalogue.
        term: String,
        /// Where it appeared.
        field: ListingField,
    },
    /// A marketplace category or product-type name equalled the listing's.
    MarketplaceCategory {
        /// The name, as written in the catalogue.
        name: String,
        /// Where it appeared.
        field: ListingField,
    },
    /// A barcode began with a known GS1 prefix.
    GtinPrefix {
        /// The prefix.
        prefix: String,
        /// The barcode, as given.
        barcode: String,
    },
    /// The learned title model ([`TitleModel`]) was all but certain of the title's label where the
    /// rules found no category; the listing is flagged for the seller to confirm
    /// ([`Reading::needs_confirmation`]).
    Learned {
        /// The model's label: a category id, or `category/part`.
        label: String,
    },
}

impl MatchedRule {
    /// The rule in Chinese, e.g. `标题中的关键词“电动自行车”`.
    pub fn describe_zh(&self) -> String {
        match self {
            Self::Keyword { term, field } => format!("{}中的关键词“{term}”", field.name_zh()),
            Self::MarketplaceCategory { name, field } => format!("{}“{name}”", field.name_zh()),
            Self::GtinPrefix { prefix, barcode } => format!("条码 {barcode} 的厂商前缀 {prefix}"),
            Self::Learned { label } => format!("标题模型的判断“{label}”（请确认）"),
        }
    }

    fn key(&self) -> (u8, &str) {
        match self {
            Self::Keyword { term, .. } => (0, term),
            Self::MarketplaceCategory { name, .. } => (1, name),
            Self::GtinPrefix { prefix, .. } => (2, prefix),
            Self::Learned { label } => (3, label),
        }
    }
}

impl fmt::Display for MatchedRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Keyword { term, field } => write!(f, "keyword \"{term}\" in {}", field.name_en()),
            Self::MarketplaceCategory { name, field } => {
                write!(f, "marketplace {} \"{name}\"", field.name_en())
            }
            Self::GtinPrefix { prefix, barcode } => {
                write!(f, "GTIN prefix \"{prefix}\" of barcode {barcode}")
            }
            Self::Learned { label } => {
                write!(f, "the title model's label \"{label}\" (to confirm)")
            }
        }
    }
}

/// The catalogue category a listing was recognised as, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Classification {
    /// The chosen category: the best-scoring one, or a more specific category under it that also
    /// reaches the threshold.
    pub category: CategoryId,
    /// The strongest rule that matched for it.
    pub rule: MatchedRule,
    /// The category's score, in 0..=1.
    pub confidence: f32,
    /// Every rule that matched for it, strongest first.
    pub evidence: Vec<MatchedRule>,
    /// Other categories that matched, best first (at most 5), for a seller's manual override.
    pub alternatives: Vec<(CategoryId, f32)>,
    /// For a category whose codes aggregate parts, the part the listing sells: `vehicle`, `battery`
    /// or `charger` of an e-bike (each carries its own code, 一车一池一充一码). `None` otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part: Option<String>,
}

/// How sure the learned title model must be of a category to answer for a title the rules leave
/// unclassified. Measured on the held-out sets as they were when fresh (each read by the rules of its
/// time, the model trained on the other sets): answering at 0.99999 raised accuracy on all five, by
/// 1.5 points on average (from 0.9999 to 0.99999999 the gain stays 1.0 to 1.5; the README of
/// `core/tests/data/` has the figures).
pub const MODEL_ANSWERS_AT: f64 = 0.99999;

/// How sure the learned title model must be of another category than the answer for the listing to
/// be flagged for the seller to confirm.
pub const MODEL_DOUBTS_AT: f64 = 0.5;

/// A listing as the catalogue reads it: its classification, whether the learned title model gave it,
/// and whether the seller should confirm it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reading {
    /// The classification (`None`: no category of the catalogue).
    pub classification: Option<Classification>,
    /// Whether the answer is the learned title model's (the rules found no category).
    pub learned: bool,
    /// Whether the seller should confirm the category, or its absence: the answer is the learned
    /// model's, or the model names another category (or none) with [`MODEL_DOUBTS_AT`] or more.
    pub needs_confirmation: bool,
}

/// A positive keyword found in one text.
struct Hit {
    category: usize,
    text: usize,
    start: usize,
    end: usize,
    weight: f32,
    term: String,
    field: ListingField,
}

struct Candidate {
    category: usize,
    score: f32,
    evidence: Vec<(MatchedRule, f32)>,
    parts: Vec<PartHit>,
}

impl Catalogue {
    /// Recognises a listing as one of the catalogue's categories, or `None` when no category reaches
    /// the match threshold (the listing needs no tracing, as far as the catalogue knows).
    ///
    /// Each category scores `1 - Π(1 - w)` over the weights of its distinct matched rules (a keyword in
    /// a companion phrase, `for Samsung TV`, weighs half); a negative keyword in the title, product type
    /// or categories vetoes it; a title whose product word is followed by an accessory head (`空调
    /// 遥控器`) names an accessory, so its words do not count. The best score wins (ties go to a
    /// first-stage category, then to the deeper one); if a category under the winner also reaches the
    /// threshold, the most specific one is chosen (`ebike` over `ccc_vehicle`).
    ///
    /// These are the rules alone; [`Catalogue::read`] adds the learned title model's answer for a title
    /// the rules leave unclassified, and a flag for the seller to confirm.
    pub fn classify(&self, listing: &ListingFacts) -> Option<Classification> {
        self.classify_by_rules(listing)
    }

    /// Reads a listing: the rules' classification or, when the rules find no category, the built-in
    /// learned title model's ([`TitleModel::builtin`]) if it is all but certain of one; flagged for the
    /// seller to confirm when the answer came from the model or the model doubts it.
    pub fn read(&self, listing: &ListingFacts) -> Reading {
        self.read_with(listing, Some(TitleModel::builtin()))
    }

    /// [`Catalogue::read`] with a given model, or none (the rules alone, never flagged).
    ///
    /// The model answers only for a listing the rules leave unclassified, at [`MODEL_ANSWERS_AT`] or
    /// more: it never overrules a category the rules found (overruling them gained little on the
    /// newest held-out sets and turned clear answers wrong: `Electric fan with remote control` read as
    /// an e-bike). A listing is flagged when its answer came from the model, or when the model, at
    /// [`MODEL_DOUBTS_AT`] or more, names another category than the answer (or none).
    pub fn read_with(&self, listing: &ListingFacts, model: Option<&TitleModel>) -> Reading {
        let rules = self.classify_by_rules(listing);
        let Some(model) = model else {
            return Reading {
                classification: rules,
                learned: false,
                needs_confirmation: false,
            };
        };
        let (label, probability) = model.predict(&listing.title);
        let (category, part) = match label.split_once('/') {
            Some((c, p)) => (c, Some(p)),
            None => (label, None),
        };
        let known = self.categories.iter().find(|c| c.id.as_str() == category);
        if rules.is_none()
            && probability >= MODEL_ANSWERS_AT
            && let Some(known) = known
        {
            let rule = MatchedRule::Learned {
                label: label.to_owned(),
            };
            return Reading {
                classification: Some(Classification {
                    category: known.id.clone(),
                    rule: rule.clone(),
                    confidence: probability as f32,
                    evidence: vec![rule],
                    alternatives: Vec::new(),
                    part: part.map(str::to_owned),
                }),
                learned: true,
                needs_confirmation: true,
            };
        }
        let answer = rules.as_ref().map_or(NONE_LABEL, |c| c.category.as_str());
        let doubts = (known.is_some() || category == NONE_LABEL)
            && category != answer
            && probability >= MODEL_DOUBTS_AT;
        Reading {
            classification: rules,
            learned: false,
            needs_confirmation: doubts,
        }
    }

    /// The rules' classification alone (no learned model): see [`Catalogue::classify`].
    pub fn classify_by_rules(&self, listing: &ListingFacts) -> Option<Classification> {
        let mut candidates = self.score(listing);
        candidates.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| {
                    self.categories[a.category]
                        .stage
                        .cmp(&self.categories[b.category].stage)
                })
                .then_with(|| self.depth(b.category).cmp(&self.depth(a.category)))
                .then_with(|| a.category.cmp(&b.category))
        });
        let threshold = self.match_threshold;
        let mut chosen = candidates
            .first()
            .filter(|c| c.score >= threshold)?
            .category;
        // Prefer the most specific category: descend while a category under the choice also qualifies.
        while let Some(next) = candidates.iter().find(|c| {
            c.score >= threshold
                && c.category != chosen
                && self.is_within(&self.categories[c.category].id, &self.categories[chosen].id)
        }) {
            chosen = next.category;
        }
        let winner = candidates.iter().find(|c| c.category == chosen)?;
        let mut evidence = winner.evidence.clone();
        evidence.sort_by(|a, b| b.1.total_cmp(&a.1));
        let evidence: Vec<MatchedRule> = evidence.into_iter().map(|(rule, _)| rule).collect();
        let rule = evidence.first()?.clone();
        let alternatives = candidates
            .iter()
            .filter(|c| c.category != chosen)
            .take(MAX_ALTERNATIVES)
            .map(|c| (self.categories[c.category].id.clone(), c.score))
            .collect();
        let category = &self.categories[chosen];
        let part = chosen_part(
            &category.matching,
            category.aggregation.as_ref(),
            &winner.parts,
        );
        Some(Classification {
            category: category.id.clone(),
            rule,
            confidence: winner.score,
            evidence,
            alternatives,
            part,
        })
    }

    /// Applies the title's head nouns (the title is text 0): a title whose product word is followed by
    /// an accessory head (`空调 遥控器`) or a thing-noun compound (`电池仓`) sells that thing, so none of
    /// its words counts; a part word after the phrase where its category is first named (`e-bike long
    /// tail, dual battery`), or after a word of the parent part that follows the product's name (`电动车
    /// 新国标 石墨烯电池`), describes the product and does not count.
    fn read_title_heads(
        &self,
        title: &str,
        companions: &[(usize, usize)],
        hits: &mut Vec<Hit>,
        part_hits: &mut [Vec<PartHit>],
    ) {
        let words: Vec<(usize, usize)> = hits
            .iter()
            .filter(|h| h.text == 0)
            .map(|h| (h.start, h.end))
            .chain(
                part_hits
                    .iter()
                    .flatten()
                    .filter(|p| p.field == ListingField::Title)
                    .map(|p| (p.start, p.end)),
            )
            .collect();
        if accessory_head(&self.accessories, title, &words, companions).is_some()
            || english_head(title, &words, companions).is_some()
        {
            hits.retain(|h| h.text != 0);
            for parts in part_hits.iter_mut() {
                parts.retain(|p| p.field != ListingField::Title);
            }
            return;
        }
        for (ci, parts) in part_hits.iter_mut().enumerate() {
            let first = hits
                .iter()
                .filter(|h| h.category == ci && h.text == 0)
                .map(|h| h.start)
                .min();
            if let Some(first) = first {
                let end = phrase_end(title, first);
                parts.retain(|p| p.field != ListingField::Title || p.start < end);
                // A part word after a word of the parent part (`电动车 新国标 … 石墨烯电池`) describes
                // the product the parent part names.
                let category = &self.categories[ci];
                if let Some(parent) = category.aggregation.as_ref().map(|a| &a.parent) {
                    let is_parent = |p: &PartHit| category.matching.parts[p.part].part == *parent;
                    let parent_spans: Vec<(usize, usize)> = parts
                        .iter()
                        .filter(|p| p.field == ListingField::Title && is_parent(p))
                        .map(|p| (p.start, p.end))
                        .collect();
                    // Only after the product is named (`新国标 电动车 锂电池` is a battery).
                    let named = hits
                        .iter()
                        .filter(|h| h.category == ci && h.text == 0)
                        .filter(|h| !parent_spans.contains(&(h.start, h.end)))
                        .map(|h| h.start)
                        .min()
                        .unwrap_or(usize::MAX);
                    let parent_at: Vec<usize> = parent_spans
                        .iter()
                        .map(|&(start, _)| start)
                        .filter(|&start| start > named)
                        .collect();
                    // A counted part (`双电池`, `两块电池`: a feature) describes the product too.
                    parts.retain(|p| {
                        p.field != ListingField::Title
                            || is_parent(p)
                            || !(parent_at.iter().any(|&at| at < p.start)
                                || counted(title, p.start))
                    });
                }
            }
        }
    }

    /// The automaton over every category's keywords, built on first use.
    fn keyword_index(&self) -> &KeywordIndex {
        self.keywords
            .get_or_init(|| KeywordIndex::new(&self.categories))
    }

    fn depth(&self, index: usize) -> usize {
        self.ancestors(&self.categories[index].id).len()
    }

    /// Scores every category that a rule matched and no negative keyword vetoed. A negative keyword
    /// does not veto inside a companion phrase (`送绳卡`: the clamps are a gift) nor inside a longer
    /// keyword of the same category (`fat tire` of an e-bike is no tyre).
    fn score(&self, listing: &ListingFacts) -> Vec<Candidate> {
        let mut texts: Vec<(ListingField, String)> =
            vec![(ListingField::Title, normalize(&listing.title))];
        if let Some(product_type) = &listing.product_type {
            texts.push((ListingField::ProductType, normalize(product_type)));
        }
        texts.extend(
            listing
                .categories
                .iter()
                .map(|c| (ListingField::Category, normalize(c))),
        );
        texts.extend(
            listing
                .tags
                .iter()
                .map(|t| (ListingField::Tag, normalize(t))),
        );
        if let Some(vendor) = &listing.vendor {
            texts.push((ListingField::Vendor, normalize(vendor)));
        }

        // Gifts and companions (`送头盔`, `with charger`) neither count fully nor veto; a product a
        // listing is dedicated to (`燃气灶 专用`) counts half but its look-alikes still veto.
        let gifts: Vec<Vec<(usize, usize)>> = texts
            .iter()
            .map(|(_, text)| companion_spans(text))
            .collect();
        // Every keyword of every category, found in one pass per text, in the catalogue's order.
        let index = self.keyword_index();
        let mut found: Vec<(usize, usize, usize, usize)> = Vec::new();
        for (ti, (_, text)) in texts.iter().enumerate() {
            found.extend(
                index
                    .find(text)
                    .into_iter()
                    .map(|f| (f.entry, ti, f.start, f.end)),
            );
        }
        found.sort_unstable();
        let companions: Vec<Vec<(usize, usize)>> = texts
            .iter()
            .zip(&gifts)
            .enumerate()
            .map(|(ti, ((_, text), gifts))| {
                let words: Vec<(usize, usize, usize)> = found
                    .iter()
                    .filter(|f| f.1 == ti)
                    .map(|&(entry, _, start, end)| (index.entry(entry).category, start, end))
                    .collect();
                let mut spans = gifts.clone();
                spans.extend(
                    dedicated_spans(text)
                        .into_iter()
                        .map(|span| dedicated_list(text, span, &words)),
                );
                spans
            })
            .collect();
        let mut hits: Vec<Hit> = found
            .into_iter()
            .map(|(entry, ti, start, end)| {
                let keyword = index.entry(entry);
                Hit {
                    category: keyword.category,
                    text: ti,
                    start,
                    end,
                    weight: if within(&companions[ti], start, end) {
                        keyword.weight * COMPANION_FACTOR
                    } else {
                        keyword.weight
                    },
                    term: keyword.term.clone(),
                    field: texts[ti].0,
                }
            })
            .collect();

        let spans: Vec<(usize, usize, usize)> =
            hits.iter().map(|h| (h.text, h.start, h.end)).collect();
        let mut part_hits: Vec<Vec<PartHit>> = self
            .categories
            .iter()
            .map(|c| find_part_hits(&c.matching, &texts, &spans, &companions))
            .collect();
        self.read_title_heads(&texts[0].1, &companions[0], &mut hits, &mut part_hits);

        let mut evidence: Vec<Vec<(MatchedRule, f32)>> = vec![Vec::new(); self.categories.len()];
        let mut add = |category: usize, rule: MatchedRule, weight: f32| {
            let list = &mut evidence[category];
            match list
                .iter_mut()
                .find(|(existing, _)| existing.key() == rule.key())
            {
                Some(entry) if weight > entry.1 => *entry = (rule, weight),
                Some(_) => {}
                None => list.push((rule, weight)),
            }
        };
        for hit in &hits {
            let inside_longer = hits.iter().any(|other| {
                other.text == hit.text
                    && other.start <= hit.start
                    && hit.end <= other.end
                    && other.end - other.start > hit.end - hit.start
            });
            if !inside_longer {
                add(
                    hit.category,
                    MatchedRule::Keyword {
                        term: hit.term.clone(),
                        field: hit.field,
                    },
                    hit.weight,
                );
            }
        }

        let mut names: Vec<(ListingField, String)> = Vec::new();
        let fields = listing
            .product_type
            .iter()
            .map(|p| (ListingField::ProductType, p))
            .chain(
                listing
                    .categories
                    .iter()
                    .map(|c| (ListingField::Category, c)),
            );
        for (field, value) in fields {
            let whole = normalize(value);
            for segment in whole.split(['>', '/', '›', '|', '»']) {
                let segment = segment.trim();
                if !segment.is_empty() && segment != whole {
                    names.push((field, segment.to_owned()));
                }
            }
            names.push((field, whole.trim().to_owned()));
        }
        let barcodes: Vec<(&String, String)> = listing
            .barcodes
            .iter()
            .filter_map(|b| gtin13_form(b).map(|g| (b, g)))
            .collect();
        for (ci, category) in self.categories.iter().enumerate() {
            for marketplace in &category.matching.marketplace_categories {
                let wanted = normalize(&marketplace.name);
                if let Some((field, _)) = names.iter().find(|(_, name)| *name == wanted.trim()) {
                    add(
                        ci,
                        MatchedRule::MarketplaceCategory {
                            name: marketplace.name.clone(),
                            field: *field,
                        },
                        marketplace.weight,
                    );
                }
            }
            for gtin in &category.matching.gtin_prefixes {
                if let Some((barcode, _)) = barcodes
                    .iter()
                    .find(|(_, g)| g.starts_with(gtin.prefix.as_str()))
                {
                    add(
                        ci,
                        MatchedRule::GtinPrefix {
                            prefix: gtin.prefix.clone(),
                            barcode: (*barcode).clone(),
                        },
                        gtin.weight,
                    );
                }
            }
        }

        // Part words count only beside another rule of their category.
        for (ci, parts) in part_hits.iter().enumerate() {
            if evidence[ci].is_empty() {
                continue;
            }
            for hit in parts {
                let rule = MatchedRule::Keyword {
                    term: hit.term.clone(),
                    field: hit.field,
                };
                let list = &mut evidence[ci];
                match list
                    .iter_mut()
                    .find(|(existing, _)| existing.key() == rule.key())
                {
                    Some(entry) if hit.weight > entry.1 => *entry = (rule, hit.weight),
                    Some(_) => {}
                    None => list.push((rule, hit.weight)),
                }
            }
        }

        let veto_texts: Vec<usize> = texts
            .iter()
            .enumerate()
            .filter(|(_, (field, _))| {
                matches!(
                    field,
                    ListingField::Title | ListingField::ProductType | ListingField::Category
                )
            })
            .map(|(ti, _)| ti)
            .collect();
        let mut candidates = Vec::new();
        for (ci, matched) in evidence.into_iter().enumerate() {
            if matched.is_empty() {
                continue;
            }
            let rules = &self.categories[ci].matching;
            let negatives = rules
                .negative_keywords_zh
                .iter()
                .map(|t| (t, false))
                .chain(rules.negative_keywords_en.iter().map(|t| (t, true)));
            let inside_positive = |ti: usize, start: usize, end: usize| {
                hits.iter().any(|h| {
                    h.category == ci
                        && h.text == ti
                        && h.start <= start
                        && end <= h.end
                        && h.end - h.start > end - start
                })
            };
            let vetoed = negatives.into_iter().any(|(term, whole_word)| {
                let term = normalize(term);
                veto_texts.iter().any(|&ti| {
                    find_term(&texts[ti].1, &term, whole_word)
                        .into_iter()
                        .any(|(start, end)| {
                            !within(&gifts[ti], start, end) && !inside_positive(ti, start, end)
                        })
                })
            });
            if vetoed {
                continue;
            }
            let miss: f64 = matched.iter().map(|(_, w)| 1.0 - f64::from(*w)).product();
            let score = (1.0 - miss).clamp(0.0, 1.0) as f32;
            candidates.push(Candidate {
                category: ci,
                score,
                evidence: matched,
                parts: std::mem::take(&mut part_hits[ci]),
            });
        }
        candidates
    }
}

/// A dedicated phrase widened to the list of products it names: products of the same category that
/// stand right before it, apart only by spaces or list marks (`空调 热水器 专用`, `空调/热水器专用`),
/// are what the listing is dedicated to as well. `words` are the keyword spans of the text with their
/// categories.
fn dedicated_list(
    text: &str,
    (start, end): (usize, usize),
    words: &[(usize, usize, usize)],
) -> (usize, usize) {
    let categories: Vec<usize> = words
        .iter()
        .filter(|&&(_, s, e)| start <= s && e <= end)
        .map(|&(c, _, _)| c)
        .collect();
    let mut from = start;
    while let Some(&(_, s, _)) = words.iter().find(|&&(c, s, e)| {
        s < from
            && e <= from
            && categories.contains(&c)
            && text[e..from]
                .chars()
                .all(|ch| matches!(ch, ' ' | '、' | '/' | '和' | '及'))
    }) {
        from = s;
    }
    (from, end)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::catalogue::CatalogueExtension;
    use crate::catalogue::test_support::{builtin, classified_as, id, small, title};
    use proptest::prelude::*;

    #[test]
    fn a_chinese_ebike_title_is_an_ebike() {
        let result = builtin()
            .classify(&title("雅迪电动自行车 48V 新国标"))
            .unwrap();
        assert_eq!(result.category, id("ebike"));
        assert_eq!(
            result.rule,
            MatchedRule::Keyword {
                term: "电动自行车".to_owned(),
                field: ListingField::Title
            }
        );
        assert!(result.confidence > 0.9 && result.confidence <= 1.0);
    }

    #[test]
    fn an_english_ebike_title_is_an_ebike() {
        assert_eq!(
            classified_as(&title("Yadea electric bicycle")).as_deref(),
            Some("ebike")
        );
    }

    #[test]
    fn a_building_wire_reel_is_a_wire_and_cable() {
        assert_eq!(
            classified_as(&title("BV 2.5平方 国标铜芯电线 100米")).as_deref(),
            Some("wire_cable")
        );
    }

    #[test]
    fn cable_ties_are_not_wires_and_cables() {
        let result = builtin().classify(&title("尼龙扎带 cable ties"));
        assert_ne!(
            result.map(|c| c.category.to_string()).as_deref(),
            Some("wire_cable")
        );
    }

    #[test]
    fn a_phone_charging_cable_is_not_a_wire_and_cable() {
        let result = classified_as(&title("苹果手机充电线 1米"));
        assert_ne!(result.as_deref(), Some("wire_cable"));
    }

    #[test]
    fn a_household_gas_stove_is_a_gas_appliance_not_its_ccc_group() {
        let result = builtin()
            .classify(&title("家用燃气灶 天然气 双灶"))
            .unwrap();
        assert_eq!(result.category, id("gas_appliance"));
    }

    #[test]
    fn an_lpg_regulator_is_an_lpg_regulator() {
        assert_eq!(
            classified_as(&title("液化气减压阀")).as_deref(),
            Some("lpg_regulator")
        );
    }

    #[test]
    fn a_water_pressure_reducing_valve_is_not_an_lpg_regulator() {
        assert_eq!(classified_as(&title("自来水管减压阀 DN20")), None);
    }

    #[test]
    fn an_ebike_helmet_is_a_safety_helmet_not_an_ebike() {
        let result = builtin().classify(&title("电动车头盔 3C认证")).unwrap();
        assert_eq!(result.category, id("safety_helmet"));
        assert!(
            result
                .alternatives
                .iter()
                .all(|(c, _)| c.as_str() != "ebike")
        );
    }

    #[test]
    fn an_english_ebike_helmet_is_a_safety_helmet() {
        assert_eq!(
            classified_as(&title("Electric bike helmet, adult")).as_deref(),
            Some("safety_helmet")
        );
    }

    #[test]
    fn a_phone_screen_protector_is_not_an_electronic_product() {
        assert_eq!(classified_as(&title("手机防爆膜 iPhone 15")), None);
    }

    #[test]
    fn an_ebike_sold_with_a_free_helmet_is_still_an_ebike() {
        let result = builtin()
            .classify(&title("爱玛电动自行车 新国标 送头盔"))
            .unwrap();
        assert_eq!(result.category, id("ebike"));
        assert!(
            result
                .alternatives
                .iter()
                .any(|(c, _)| c.as_str() == "safety_helmet")
        );
    }

    #[test]
    fn an_ebike_accessory_is_not_an_ebike() {
        assert_eq!(classified_as(&title("电动自行车挡风被 冬季加厚")), None);
    }

    #[test]
    fn a_product_the_listing_is_dedicated_to_weighs_half() {
        // A 16 A socket for water heaters is a socket, not a water heater.
        assert_eq!(
            classified_as(&title("插座 电热水器专用 16A 三孔")).as_deref(),
            Some("ccc_switch_socket")
        );
        assert_eq!(
            classified_as(&title("液化气 减压阀 燃气热水器 专用")).as_deref(),
            Some("lpg_regulator")
        );
        // A look-alike named before the marker still vetoes: grease for wire rope is no rope.
        assert_eq!(classified_as(&title("钢丝绳 润滑脂 专用")), None);
    }

    #[test]
    fn every_product_of_a_list_before_the_marker_is_what_the_listing_is_dedicated_to() {
        // A socket for air conditioners and water heaters is a socket.
        assert_eq!(
            classified_as(&title("墙壁插座 16A 三孔 空调 热水器 专用")).as_deref(),
            Some("ccc_switch_socket")
        );
        assert_eq!(
            classified_as(&title("五孔插座 86型 空调/热水器专用")).as_deref(),
            Some("ccc_switch_socket")
        );
        // A word of another category before the list is not in it.
        let text = "插座 空调 热水器专用";
        let at = |w: &str| text.find(w).unwrap();
        let words = [
            (1, at("插座"), at("插座") + "插座".len()),
            (2, at("空调"), at("空调") + "空调".len()),
            (2, at("热水器"), at("热水器") + "热水器".len()),
        ];
        assert_eq!(
            dedicated_list(text, (at("热水器"), text.len()), &words),
            (at("空调"), text.len())
        );
    }

    #[test]
    fn a_product_named_before_a_lone_yong_is_what_the_listing_is_for() {
        // `烟雾报警器 用`: a battery for smoke alarms, no alarm.
        assert_eq!(classified_as(&title("9V 电池 烟雾报警器 用")), None);
        assert_eq!(
            classified_as(&title("烟雾报警器 家用 消防 3C")).as_deref(),
            Some("ccc_fire")
        );
    }

    #[test]
    fn a_t_shirt_is_not_classified() {
        assert_eq!(classified_as(&title("T恤")), None);
    }

    #[test]
    fn cold_rolled_ribbed_bars_beat_the_production_licence_umbrella() {
        let result = builtin()
            .classify(&title("冷轧带肋钢筋 CRB550 Φ8"))
            .unwrap();
        assert_eq!(result.category, id("steel_rebar_crb"));
        let hot_rolled = builtin().classify(&title("螺纹钢 HRB400 钢筋")).unwrap();
        assert_eq!(hot_rolled.category, id("production_licence"));
    }

    #[test]
    fn a_marketplace_category_alone_classifies_a_listing() {
        let listing = ListingFacts {
            title: "Urban Glide 500".to_owned(),
            product_type: Some("Electric Bikes".to_owned()),
            ..ListingFacts::default()
        };
        let result = builtin().classify(&listing).unwrap();
        assert_eq!(result.category, id("ebike"));
        // The product type is both a marketplace category and, as words, a keyword: both count.
        assert!(result.evidence.contains(&MatchedRule::MarketplaceCategory {
            name: "Electric Bikes".to_owned(),
            field: ListingField::ProductType
        }));
        assert!(result.confidence > 0.9);
    }

    #[test]
    fn a_segment_of_a_category_path_matches() {
        let listing = ListingFacts {
            title: "XR-9 旗舰款".to_owned(),
            categories: vec!["运动户外 > 骑行运动 > 电动自行车".to_owned()],
            ..ListingFacts::default()
        };
        assert_eq!(classified_as(&listing).as_deref(), Some("ebike"));
    }

    #[test]
    fn english_keywords_match_whole_words_only() {
        // "tv" must not match inside "ptv", "cable" not inside "cablevision".
        assert_eq!(classified_as(&title("PTV cablevision voucher")), None);
        assert_eq!(
            classified_as(&title("Smart TV 55 inch")).as_deref(),
            Some("ccc_electronics")
        );
    }

    #[test]
    fn full_width_and_upper_case_text_is_folded() {
        assert_eq!(
            classified_as(&title("ＹＡＤＥＡ　ELECTRIC　BICYCLE")).as_deref(),
            Some("ebike")
        );
    }

    #[test]
    fn a_gtin_prefix_matches_gtin13_and_gtin14_barcodes() {
        let text = small(r#"gtin_prefixes = [{ prefix = "9521234", weight = 0.8 }]"#);
        let catalogue = Catalogue::from_toml_str(&text).unwrap();
        for barcode in ["9521234000019", "19521234000016"] {
            let listing = ListingFacts {
                title: "No words here".to_owned(),
                barcodes: vec![barcode.to_owned()],
                ..ListingFacts::default()
            };
            let result = catalogue.classify(&listing).unwrap();
            assert_eq!(result.category, id("widget"));
            assert_eq!(
                result.rule,
                MatchedRule::GtinPrefix {
                    prefix: "9521234".to_owned(),
                    barcode: barcode.to_owned()
                }
            );
        }
    }

    #[test]
    fn a_matched_rule_describes_itself_in_both_languages() {
        let rule = MatchedRule::Keyword {
            term: "电动自行车".to_owned(),
            field: ListingField::Title,
        };
        assert_eq!(rule.to_string(), "keyword \"电动自行车\" in title");
        assert_eq!(rule.describe_zh(), "标题中的关键词“电动自行车”");
    }

    #[test]
    fn a_raised_threshold_leaves_weak_matches_unclassified() {
        let mut catalogue = builtin();
        catalogue
            .extend(CatalogueExtension::from_toml_str("match_threshold = 0.99").unwrap())
            .unwrap();
        assert!(catalogue.classify(&title("电动车 新国标")).is_none());
        assert!(builtin().classify(&title("电动车 新国标")).is_some());
    }

    proptest! {
        #[test]
        fn classification_never_panics_and_confidence_stays_in_range(
            t in "\\PC{0,40}",
            tag in "[a-z电动车线缆头盔 ]{0,12}",
            barcode in "[0-9]{0,14}",
        ) {
            let catalogue = builtin();
            let listing = ListingFacts {
                title: t,
                tags: vec![tag],
                barcodes: vec![barcode],
                ..ListingFacts::default()
            };
            if let Some(result) = catalogue.classify(&listing) {
                prop_assert!(result.confidence >= catalogue.match_threshold() && result.confidence <= 1.0);
                prop_assert!(result.alternatives.iter().all(|(_, s)| (0.0..=1.0).contains(s)));
                prop_assert!(catalogue.get(&result.category).is_some());
            }
        }
    }
}
