//! A learned reading of listing titles, beside the rules: multinomial logistic (softmax) regression
//! over the titles' character n-grams and English words, trained on the labelled titles of
//! `core/tests/data/` (embedded at build time). On titles no one had tuned on it reads better than the
//! rules, so [`crate::catalogue::Catalogue::read`] lets it lead on what the title says, and flags a
//! listing for the seller to confirm where it and the rules disagree (`Reading::needs_confirmation`).
//! The figures are in `core/tests/data/README.md`.
//!
//! About a hundred lines, so no machine-learning crate is pulled in (those that offer logistic
//! regression, such as linfa-logistic, work on dense ndarray matrices: the features here are about
//! a hundred of some 100,000, so the weights are touched sparsely). Training and prediction are
//! deterministic: labels are kept sorted, the examples are shuffled by a fixed generator, ties go to
//! the first label, and a title's features are summed in the title's order.

use std::collections::{BTreeSet, HashMap};

/// The labelled sets the built-in model learns from (`title<TAB>category<TAB>part`, a header row).
const TRAINING_SETS: [&str; 17] = [
    include_str!("../../tests/data/classify_dev.tsv"),
    include_str!("../../tests/data/classify_heldout.tsv"),
    include_str!("../../tests/data/classify_heldout2.tsv"),
    include_str!("../../tests/data/classify_heldout3.tsv"),
    include_str!("../../tests/data/classify_heldout4.tsv"),
    include_str!("../../tests/data/classify_heldout5.tsv"),
    include_str!("../../tests/data/classify_heldout6.tsv"),
    include_str!("../../tests/data/classify_heldout7.tsv"),
    include_str!("../../tests/data/classify_heldout8.tsv"),
    include_str!("../../tests/data/classify_heldout9.tsv"),
    include_str!("../../tests/data/classify_train1.tsv"),
    include_str!("../../tests/data/classify_train2.tsv"),
    include_str!("../../tests/data/classify_train3.tsv"),
    include_str!("../../tests/data/classify_train4.tsv"),
    include_str!("../../tests/data/classify_train5.tsv"),
    include_str!("../../tests/data/classify_train6.tsv"),
    include_str!("../../tests/data/classify_train7.tsv"),
];

/// Passes over the examples when learning (see [`Training`]).
const EPOCHS: usize = 12;
/// AdaGrad's learning rate (see [`Training`]).
const RATE: f32 = 0.3;

/// The label of a title outside the catalogue.
pub const NONE_LABEL: &str = "none";

/// A title's label for the model: `none`, a category id, or `ebike/battery` (category and part).
pub fn label(category: Option<&str>, part: Option<&str>) -> String {
    match (category, part) {
        (Some(c), Some(p)) => format!("{c}/{p}"),
        (Some(c), None) => c.to_owned(),
        (None, _) => NONE_LABEL.to_owned(),
    }
}

/// A learned model of listing titles: multinomial logistic (softmax) regression over the title's
/// features ([`distinct_features`]), each present or absent.
#[derive(Debug, Clone)]
pub struct TitleModel {
    labels: Vec<String>,
    /// Each feature seen in training, and its row of weights.
    index: HashMap<String, usize>,
    /// One row of weights per label for each feature, then the biases: `(features + 1) × labels`.
    weights: Vec<f32>,
}

/// How the weights are learnt: passes over the examples, each example once per pass in an order
/// shuffled deterministically, every weight the example touches moved against the gradient of its
/// log-loss with AdaGrad's per-weight step (a learning rate divided by the root of the weight's
/// summed squared gradients). Stopping after a few passes regularises the model.
#[derive(Debug, Clone, Copy)]
pub struct Training {
    /// Passes over the examples.
    pub epochs: usize,
    /// AdaGrad's learning rate.
    pub rate: f32,
}

/// The training the built-in model uses (chosen leave-one-set-out on the labelled sets).
pub const TRAINING: Training = Training {
    epochs: EPOCHS,
    rate: RATE,
};

impl TitleModel {
    /// Learns from `(title, label)` pairs (labels as [`label`] writes them).
    pub fn train<'a>(examples: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self::train_with(examples, TRAINING)
    }

    /// Learns from `(title, label)` pairs with the given training.
    pub fn train_with<'a>(
        examples: impl IntoIterator<Item = (&'a str, &'a str)>,
        training: Training,
    ) -> Self {
        let examples: Vec<(&str, &str)> = examples.into_iter().collect();
        let labels: Vec<String> = examples
            .iter()
            .map(|&(_, l)| l.to_owned())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let k = labels.len();
        let mut index: HashMap<String, usize> = HashMap::new();
        let rows: Vec<(Vec<usize>, usize)> = examples
            .iter()
            .map(|&(title, l)| {
                let features = distinct_features(title)
                    .into_iter()
                    .map(|f| {
                        let next = index.len();
                        *index.entry(f).or_insert(next)
                    })
                    .collect();
                let li = labels.binary_search_by(|x| x.as_str().cmp(l)).unwrap_or(0);
                (features, li)
            })
            .collect();
        let bias = index.len();
        let mut weights = vec![0f32; (bias + 1) * k];
        let mut squared = vec![0f32; (bias + 1) * k];
        let mut order: Vec<usize> = (0..rows.len()).collect();
        let mut state: u64 = 0x5eed_5eed_5eed_5eed;
        let mut p = vec![0f32; k];
        for _ in 0..training.epochs {
            // Fisher-Yates with a linear congruential generator: the same order on every machine.
            for i in (1..order.len()).rev() {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                let j = usize::try_from((state >> 33) % (i as u64 + 1)).unwrap_or(0);
                order.swap(i, j);
            }
            for &r in &order {
                let (features, label) = &rows[r];
                softmax_into(&weights, features, bias, k, &mut p);
                p[*label] -= 1.0;
                for &f in features.iter().chain(std::iter::once(&bias)) {
                    let row = f * k;
                    for (li, g) in p.iter().enumerate() {
                        let at = row + li;
                        squared[at] += g * g;
                        if squared[at] > 0.0 {
                            weights[at] -= training.rate * g / squared[at].sqrt();
                        }
                    }
                }
            }
        }
        TitleModel {
            labels,
            index,
            weights,
        }
    }

    /// The model learnt from every labelled set of `core/tests/data/`, built on first use.
    pub fn builtin() -> &'static TitleModel {
        static MODEL: std::sync::OnceLock<TitleModel> = std::sync::OnceLock::new();
        MODEL.get_or_init(|| {
            let rows: Vec<(&str, String)> = TRAINING_SETS
                .iter()
                .flat_map(|set| parse_set(set))
                .collect();
            TitleModel::train(rows.iter().map(|(t, l)| (*t, l.as_str())))
        })
    }

    /// The most probable label of a title and its probability under the model (in 0..=1).
    pub fn predict(&self, title: &str) -> (&str, f64) {
        let k = self.labels.len();
        if k == 0 {
            return (NONE_LABEL, 0.0);
        }
        let features: Vec<usize> = distinct_features(title)
            .iter()
            .filter_map(|f| self.index.get(f).copied())
            .collect();
        let mut p = vec![0f32; k];
        softmax_into(&self.weights, &features, self.index.len(), k, &mut p);
        let (best, top) = p
            .iter()
            .enumerate()
            .fold((0, f32::MIN), |a, (i, &v)| if v > a.1 { (i, v) } else { a });
        (self.labels[best].as_str(), f64::from(top))
    }
}

/// The label probabilities of an example with `features` (and the bias row) into `p`.
fn softmax_into(weights: &[f32], features: &[usize], bias: usize, k: usize, p: &mut [f32]) {
    p.copy_from_slice(&weights[bias * k..(bias + 1) * k]);
    for &f in features {
        for (v, w) in p.iter_mut().zip(&weights[f * k..(f + 1) * k]) {
            *v += w;
        }
    }
    let top = p.iter().copied().fold(f32::MIN, f32::max);
    let mut sum = 0.0;
    for v in p.iter_mut() {
        *v = (*v - top).exp();
        sum += *v;
    }
    for v in p.iter_mut() {
        *v /= sum;
    }
}

/// The rows of a labelled set as `(title, label)`.
pub fn parse_set(text: &str) -> Vec<(&str, String)> {
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| {
            let mut cols = l.split('\t');
            let title = cols.next()?;
            let category = cols.next().filter(|c| *c != NONE_LABEL);
            let part = cols.next().filter(|p| !p.is_empty());
            Some((title, label(category, part)))
        })
        .collect()
}

/// A title's features, each once, in order of first occurrence: its English words (`w:cable`), and
/// its character n-grams of one to three characters that hold a Chinese character, or of three
/// characters otherwise (`cab`); lowercased, every run of digits read as `0`, spaces collapsed.
fn distinct_features(title: &str) -> Vec<String> {
    let mut text = String::from(" ");
    let mut last: Option<char> = None;
    for c in title.chars().flat_map(char::to_lowercase) {
        let c = if c.is_ascii_digit() {
            '0'
        } else if c.is_whitespace() {
            ' '
        } else {
            c
        };
        if (c == '0' || c == ' ') && last == Some(c) {
            continue;
        }
        text.push(c);
        last = Some(c);
    }
    if !text.ends_with(' ') {
        text.push(' ');
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    let mut push = |f: String| {
        if seen.insert(f.clone()) {
            out.push(f);
        }
    };
    for word in text
        .split(|c: char| !c.is_ascii_lowercase())
        .filter(|w| !w.is_empty())
    {
        push(format!("w:{word}"));
    }
    let chars: Vec<char> = text.chars().collect();
    for n in 1..=3 {
        for gram in chars.windows(n) {
            if gram.iter().all(|c| *c == ' ') {
                continue;
            }
            if n == 3 || gram.iter().any(|&c| is_chinese(c)) {
                push(gram.iter().collect());
            }
        }
    }
    out
}

fn is_chinese(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}')
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::catalogue::test_support::{builtin, title};
    use crate::catalogue::{ListingFacts, MODEL_LEADS_AT, MatchedRule};

    fn toy() -> TitleModel {
        TitleModel::train([
            ("雅迪 电动自行车 48V", "ebike/vehicle"),
            ("爱玛 电动自行车 新国标", "ebike/vehicle"),
            ("电动车 锂电池 48V 20Ah", "ebike/battery"),
            ("Electric bike 500W commuter", "ebike/vehicle"),
            ("Phone case silicone", "none"),
            ("手机壳 硅胶 防摔", "none"),
            ("数据线 type-c 快充", "none"),
        ])
    }

    #[test]
    fn features_are_chinese_ngrams_english_words_and_trigrams_with_digits_folded() {
        let f = distinct_features("电动车 48V Bike");
        for expected in ["电", "电动", "电动车", "车 ", "w:v", "w:bike", "bik", "0v "] {
            assert!(f.iter().any(|x| x == expected), "{expected} in {f:?}");
        }
        // Digits fold to one `0`, and each feature counts once.
        assert!(!f.iter().any(|x| x.contains('4')));
        let mut unique = f.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), f.len());
    }

    #[test]
    fn the_model_learns_labels_and_its_probabilities_are_deterministic() {
        let model = toy();
        let (label, p) = model.predict("台铃 电动自行车 60V");
        assert_eq!(label, "ebike/vehicle");
        assert!(p > 0.5 && p <= 1.0, "{p}");
        assert_eq!(model.predict("手机壳 透明").0, "none");
        // The same title, the same answer, from a model trained again.
        assert_eq!(toy().predict("台铃 电动自行车 60V"), (label, p));
        // Nothing known: the prior decides, and an empty model answers none.
        assert_eq!(TitleModel::train([]).predict("x"), (NONE_LABEL, 0.0));
    }

    #[test]
    fn labelled_rows_become_labels_with_their_part() {
        let rows =
            parse_set("title\tcategory\tpart\n电动车 电池\tebike\tbattery\n手机壳\tnone\t\n\n");
        assert_eq!(
            rows,
            vec![
                ("电动车 电池", "ebike/battery".to_owned()),
                ("手机壳", NONE_LABEL.to_owned())
            ]
        );
    }

    #[test]
    fn the_model_leads_on_the_title_and_its_answers_are_flagged() {
        let catalogue = builtin();
        let model = TitleModel::train([
            ("盘圆 规格 Φ8 现货", "steel_rebar_crb"),
            ("盘圆 规格 Φ10 现货 批发", "steel_rebar_crb"),
            ("手机壳 硅胶", "none"),
        ]);
        // The rules find nothing in `盘圆 规格 Φ6 现货`; a model sure of a category answers, flagged.
        let listing = title("盘圆 规格 Φ6 现货");
        assert_eq!(catalogue.classify(&listing), None);
        let reading = catalogue.read_with(&listing, Some(&model));
        let c = reading.classification.expect("the model answers");
        assert_eq!(c.category.as_str(), "steel_rebar_crb");
        assert!(matches!(c.rule, MatchedRule::Learned { .. }));
        assert!(reading.learned && reading.needs_confirmation);

        // A model sure the title names nothing of the catalogue overrules rules that read the
        // title alone: no category, flagged, and the rules' category kept as the alternative.
        let sure_none =
            TitleModel::train([("雅迪 电动自行车", "none"), ("爱玛 电动自行车", "none")]);
        let ebike = title("雅迪 电动自行车 新国标");
        assert_eq!(
            catalogue.classify(&ebike).map(|c| c.category.to_string()),
            Some("ebike".into())
        );
        assert!(sure_none.predict("雅迪 电动自行车 新国标").1 >= MODEL_LEADS_AT);
        let reading = catalogue.read_with(&ebike, Some(&sure_none));
        assert_eq!(reading.classification, None);
        assert!(reading.learned && reading.needs_confirmation);

        // Rules that read what the model does not see (here the product type) stand; the
        // model's doubt flags the listing.
        let typed = ListingFacts {
            product_type: Some("电动自行车".into()),
            ..title("雅迪 电动自行车 新国标")
        };
        let reading = catalogue.read_with(&typed, Some(&sure_none));
        assert_eq!(
            reading.classification.map(|c| c.category.to_string()),
            Some("ebike".into())
        );
        assert!(!reading.learned && reading.needs_confirmation);

        // A model unsure of the title (it knows none of its words, so no label reaches
        // MODEL_LEADS_AT) leaves the rules' answer, unflagged.
        let unsure = TitleModel::train([
            ("手机壳", "none"),
            ("轮胎", "ccc_vehicle"),
            ("安全帽", "safety_helmet"),
        ]);
        assert!(unsure.predict("雅迪 电动自行车 新国标").1 < MODEL_LEADS_AT);
        let reading = catalogue.read_with(&ebike, Some(&unsure));
        assert_eq!(
            reading.classification.map(|c| c.category.to_string()),
            Some("ebike".into())
        );
        assert!(!reading.learned && !reading.needs_confirmation);

        // Where the model agrees with the rules, their classification stands with its evidence.
        let agrees = TitleModel::train([("爱玛 电动自行车", "ebike/vehicle"), ("手机壳", "none")]);
        let reading = catalogue.read_with(&ebike, Some(&agrees));
        assert_eq!(reading.classification, catalogue.classify(&ebike));
        assert!(!reading.learned && !reading.needs_confirmation);

        // Without a model: the rules alone, never flagged.
        let reading = catalogue.read_with(&ebike, None);
        assert!(!reading.needs_confirmation && !reading.learned);
    }

    #[test]
    fn the_builtin_model_learns_every_labelled_set() {
        let model = TitleModel::builtin();
        let rows: usize = TRAINING_SETS.iter().map(|s| parse_set(s).len()).sum();
        assert!(rows > 7_000, "{rows}");
        assert!(model.labels.iter().any(|l| l == "ebike/battery"));
        assert!(model.labels.iter().any(|l| l == NONE_LABEL));
    }
}
