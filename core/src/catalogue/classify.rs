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
    /// The learned title model ([`TitleModel`]) read the title as another category than the rules
    /// (see [`Catalogue::read_with`]); the listing is flagged for the seller to confirm
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

/// How sure the learned title model must be of its label (a category, or none) to overrule the rules
/// on a listing the rules read from its title alone. Below it the rules' answer stands. Chosen on
/// titles the rules had never read: each of the seven training files left out in turn (the model
/// trained on every other set), the rules and the model scored 88.1% on average leading at 0.5,
/// 89.1% at 0.7 and 89.8% at 0.9 to 0.99 (the `core/tests/data/` README has the figures).
pub const MODEL_LEADS_AT: f64 = 0.9;

/// How sure the learned title model must be of another category than the answer for the listing to
/// be flagged for the seller to confirm.
pub const MODEL_DOUBTS_AT: f64 = 0.5;

/// A listing as the catalogue reads it: its classification, whether the learned title model gave it,
/// and whether the seller should confirm it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reading {
    /// The classification (`None`: no category of the catalogue).
    pub classification: Option<Classification>,
    /// Whether the answer is the learned title model's, over the rules' (see [`Catalogue::read_with`]).
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

    /// Reads a listing as the built-in learned title model ([`TitleModel::builtin`]) and the rules
    /// read it together (see [`Catalogue::read_with`]).
    pub fn read(&self, listing: &ListingFacts) -> Reading {
        self.read_with(listing, Some(TitleModel::builtin()))
    }

    /// [`Catalogue::read`] with a given model, or none (the rules alone, never flagged).
    ///
    /// On titles no one tuned on, the model reads better than the rules (the ninth held-out set:
    /// 95.8% against 84.2%), so it leads: where the rules read the listing from its title alone and
    /// the model, at [`MODEL_LEADS_AT`] or more, names another category (or none), the model's
    /// answer is taken, and flagged for the seller to confirm. The rules stand where they read
    /// something the model does not see (a marketplace category, the product type, a tag, the
    /// vendor or a barcode's prefix), where they agree with the model (their classification keeps
    /// its evidence and part), and where the model is unsure; then the listing is flagged when the
    /// model, at [`MODEL_DOUBTS_AT`] or more, names another category than the answer (or none).
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
        // A label the catalogue does not know (a model trained on another catalogue) says nothing.
        if known.is_none() && category != NONE_LABEL {
            return Reading {
                classification: rules,
                learned: false,
                needs_confirmation: false,
            };
        }
        let answer = rules.as_ref().map_or(NONE_LABEL, |c| c.category.as_str());
        let from_title_alone = rules.as_ref().is_none_or(|c| {
            c.evidence.iter().all(|e| {
                matches!(
                    e,
                    MatchedRule::Keyword {
                        field: ListingField::Title,
                        ..
                    }
                )
            })
        });
        if from_title_alone && category != answer && probability >= MODEL_LEADS_AT {
            let classification = known.map(|known| {
                let rule = MatchedRule::Learned {
                    label: label.to_owned(),
                };
                Classification {
                    category: known.id.clone(),
                    rule: rule.clone(),
                    confidence: probability as f32,
                    evidence: vec![rule],
                    alternatives: rules
                        .as_ref()
                        .map(|c| vec![(c.category.clone(), c.confidence)])
                        .unwrap_or_default(),
                    part: part.map(str::to_owned),
                }
            });
            return Reading {
                classification,
                learned: true,
                needs_confirmation: true,
            };
        }
        let doubts = category != answer && probability >= MODEL_DOUBTS_AT;
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
#[path = "classify_tests.rs"]
mod tests;
