//! How often the built-in catalogue classifies a marketplace listing title as the category a person
//! would (and, for an e-bike, as the part a person would: vehicle, battery or charger): measured on
//! labelled titles in `tests/data/` (see its README). The development set and the first eight
//! held-out sets are what the rules are tuned on; the per-set guards hold the rules alone on them.
//! The learned title model (`Catalogue::read`, which lets it lead on the title) learns from those,
//! the ninth held-out set and the training files, and is measured leave-one-set-out on titles the
//! rules never read. The newest held-out set (the tenth) is written blind, committed before it is
//! measured, and only measures: the 95% check.
//!
//! `cargo test -p suyuan-core --test classification -- --nocapture` prints the accuracies; the
//! development set's misses are always printed, the held-out sets' only with
//! `SUYUAN_SHOW_HELDOUT_MISSES=1` (so tuning does not read them).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::path::Path;

use suyuan_core::catalogue::{Catalogue, ListingFacts, TitleModel, parse_labelled_set};

/// One labelled title.
struct Labelled {
    line: usize,
    title: String,
    category: Option<String>,
    part: Option<String>,
}

/// Reads a labelled set: a header row, then `title<TAB>category<TAB>part` rows (`none` for no category).
fn read_set(name: &str) -> Vec<Labelled> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    let text = std::fs::read_to_string(&path).expect("the labelled set is readable");
    let mut lines = text.lines().enumerate();
    let (_, header) = lines.next().expect("a header row");
    assert_eq!(header, "title\tcategory\tpart", "{name}: header");
    lines
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert_eq!(cols.len(), 3, "{name}:{}: three columns", i + 1);
            Labelled {
                line: i + 1,
                title: cols[0].to_owned(),
                category: (cols[1] != "none").then(|| cols[1].to_owned()),
                part: (!cols[2].is_empty()).then(|| cols[2].to_owned()),
            }
        })
        .collect()
}

/// Measured outcome on one set.
struct Outcome {
    total: usize,
    misses: Vec<String>,
    /// Titles flagged for the seller to confirm, and how many of them were misses.
    flagged: usize,
    flagged_misses: usize,
}

impl Outcome {
    fn accuracy(&self) -> f64 {
        (self.total - self.misses.len()) as f64 / self.total as f64
    }
}

/// The learned title model trained on every labelled set it learns from but `left_out`
/// (leave-one-set-out; the newest unseen set is never among them).
fn model_without(left_out: &str) -> TitleModel {
    let texts: Vec<String> = SETS
        .iter()
        .chain(&[PREVIOUS_UNSEEN_SET])
        .chain(&TRAINING_FILES)
        .filter(|name| **name != left_out)
        .map(|name| {
            std::fs::read_to_string(
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("tests/data")
                    .join(name),
            )
            .unwrap()
        })
        .collect();
    let rows: Vec<(&str, String)> = texts.iter().flat_map(|t| parse_labelled_set(t)).collect();
    TitleModel::train(rows.iter().map(|(t, l)| (*t, l.as_str())))
}

/// Measures a set with the rules alone (`model` `None`) or with the rules and a learned model.
fn measure_with(name: &str, model: Option<&TitleModel>) -> Outcome {
    let catalogue = Catalogue::builtin().unwrap();
    let set = read_set(name);
    let mut misses = Vec::new();
    let (mut flagged, mut flagged_misses) = (0, 0);
    for row in &set {
        let listing = ListingFacts {
            title: row.title.clone(),
            ..ListingFacts::default()
        };
        let reading = catalogue.read_with(&listing, model);
        let classification = reading.classification;
        let got = classification.as_ref().map(|c| c.category.to_string());
        let got_part = classification.and_then(|c| c.part);
        let part_wrong = row.part.is_some() && got_part != row.part;
        let miss = got != row.category || part_wrong;
        flagged += usize::from(reading.needs_confirmation);
        flagged_misses += usize::from(reading.needs_confirmation && miss);
        if miss {
            let show = |category: Option<&str>, part: Option<&str>| match (category, part) {
                (Some(c), Some(p)) => format!("{c}/{p}"),
                (Some(c), None) => c.to_owned(),
                (None, _) => "none".to_owned(),
            };
            misses.push(format!(
                "{name}:{:>3}  expected {:<24} got {:<24} {}{}",
                row.line,
                show(row.category.as_deref(), row.part.as_deref()),
                show(got.as_deref(), got_part.as_deref()),
                if reading.needs_confirmation {
                    "[flagged] "
                } else {
                    ""
                },
                row.title
            ));
        }
    }
    Outcome {
        total: set.len(),
        misses,
        flagged,
        flagged_misses,
    }
}

/// The rules alone on a set (what the per-set guards hold: the learned model has read every set).
fn measure(name: &str) -> Outcome {
    measure_with(name, None)
}

/// Prints a set's accuracy (and its misses when `show_misses`), and returns the accuracy.
fn report(name: &str, show_misses: bool) -> f64 {
    print_outcome(name, &measure(name), show_misses)
}

fn print_outcome(name: &str, outcome: &Outcome, show_misses: bool) -> f64 {
    println!(
        "{name}: {}/{} = {:.1}%",
        outcome.total - outcome.misses.len(),
        outcome.total,
        outcome.accuracy() * 100.0
    );
    if show_misses || std::env::var_os("SUYUAN_SHOW_HELDOUT_MISSES").is_some() {
        for miss in &outcome.misses {
            println!("  {miss}");
        }
    }
    outcome.accuracy()
}

#[test]
fn the_development_set_is_classified_as_labelled() {
    assert!(report("classify_dev.tsv", true) >= 0.95);
}

/// The first held-out set was measured once after tuning on the development set (91.1%); its misses
/// then taught general rules, so it is no longer unseen and only guards against regressions (99.3%
/// with the third round's head-noun rules).
#[test]
fn the_first_held_out_set_keeps_its_accuracy() {
    assert!(report("classify_heldout.tsv", false) >= 0.97);
}

/// The second held-out set was measured once after the first round of lessons (89.0%); its misses
/// then taught a second round of general rules, so it only guards against regressions.
#[test]
fn the_second_held_out_set_keeps_its_accuracy() {
    assert!(report("classify_heldout2.tsv", false) >= 0.98);
}

/// The third held-out set was written after the first round's last rule change and measured once
/// (89.6%); its misses then guided the second round (head nouns and accessory heads), so it only guards
/// against regressions.
#[test]
fn the_third_held_out_set_keeps_its_accuracy() {
    assert!(report("classify_heldout3.tsv", false) >= 0.97);
}

/// The fourth held-out set was written after the second round's last rule change, committed, then
/// measured once: 84.0% (268/319; the first round's rules score 76.8% on it). Its misses then guided
/// the third round (thing-noun compounds, features of the vehicle), so it only guards against
/// regressions: 96.2% with those rules.
#[test]
fn the_fourth_held_out_set_keeps_its_accuracy() {
    assert!(report("classify_heldout4.tsv", false) >= 0.95);
}

/// The fifth held-out set was written after the third round's last rule change, committed, then
/// measured once: 94.1% (286/304). Its misses then guided the fourth round (English head-final
/// compounds, two-character endings, helmets for e-bike riders, counted parts), so it only guards
/// against regressions: 98.4% with those rules.
#[test]
fn the_fifth_held_out_set_keeps_its_accuracy() {
    assert!(report("classify_heldout5.tsv", false) >= 0.97);
}

/// The sixth held-out set was written after the fourth round's last rule change, committed, then
/// measured once: 86.8% (310/357). Its misses, mostly products the catalogue had no word for, then
/// guided the fifth round (a product vocabulary per category from the marketplaces' category trees),
/// so it only guards against regressions: 99.2% (354/357) with those rules.
#[test]
fn the_sixth_held_out_set_keeps_its_accuracy() {
    assert!(report("classify_heldout6.tsv", false) >= 0.97);
}

/// The seventh held-out set (400 titles), written after the fifth round's last change by someone
/// who had not seen the rules, and committed before it was measured: measured once, 89.5% (358/400).
/// Its misses then guided the sixth round (product families, accessory heads, look-alikes, the
/// restating word, words of praise, dedicated lists), so it only guards against regressions: 99.5%
/// (398/400) with those rules.
#[test]
fn the_seventh_held_out_set_keeps_its_accuracy() {
    assert!(report("classify_heldout7.tsv", false) >= 0.98);
}

/// The eighth held-out set (400 titles), written after the sixth round's last change by someone who
/// had not seen the rules, committed before it was measured: measured once, 84.8% (339/400; the
/// fifth round's rules: 83.0%). Its misses then guided the seventh round (product families,
/// look-alikes, accessory heads, words of action and of what a product does without), so it only
/// guards against regressions: 97.0% (388/400) with those rules.
#[test]
fn the_eighth_held_out_set_keeps_its_accuracy() {
    assert!(report("classify_heldout8.tsv", false) >= 0.965);
}

/// The ninth held-out set (400 titles), written blind after the seventh round and committed before it
/// was measured: measured once, 84.2% with the rules alone (85.0% with the learned model). Not tuned
/// on yet: this guard keeps the figure from falling.
#[test]
fn the_ninth_held_out_set_keeps_its_accuracy() {
    assert!(report("classify_heldout9.tsv", false) >= 0.84);
}

// ---------------------------------------------------------------------------------------------------
// THE 95% CHECK ON TITLES NEVER SEEN. It measures the newest held-out set that neither the rules nor
// the learned model has read: the tenth (`classify_heldout10.tsv`, written blind, committed in
// `ab0dfb0` before it was measured). Keep it out of the model's training sets and of every rule
// change; once someone reads its misses to tune, it stops measuring unseen titles, and an eleventh
// set, written blind, takes its place here.
// ---------------------------------------------------------------------------------------------------

/// The newest labelled set that neither the rules nor the learned model has read (see the marked
/// block above).
const NEWEST_UNSEEN_SET: &str = "classify_heldout10.tsv";

/// Issue 10's goal: 95% on titles never seen while tuning, as the catalogue reads them (the rules and
/// the learned title model, trained on every other set). The eighth set measured 84.8% when it was
/// fresh (the rules alone); the ninth 85.0% (the rules with a naive Bayes fallback). The tenth,
/// written blind and committed (`ab0dfb0`) before it was measured, measured once with the model
/// leading (softmax regression trained on 7,201 titles, 4,100 of them written for it): 95.0%
/// (380/400); the rules alone 81.0%. 99 titles were flagged for confirmation, holding 17 of the 20
/// misses (the titles not flagged: 99.0% right). Without the 20 titles that have a near-duplicate
/// among the training titles (similarity 0.8 or more), 94.7% (360/380).
#[test]
fn titles_never_seen_while_tuning_are_classified_as_labelled_at_least_95_percent_of_the_time() {
    let rules = measure(NEWEST_UNSEEN_SET);
    print!("the rules alone, ");
    print_outcome(NEWEST_UNSEEN_SET, &rules, false);
    let model = model_without(NEWEST_UNSEEN_SET);
    let outcome = measure_with(NEWEST_UNSEEN_SET, Some(&model));
    println!(
        "flagged for confirmation: {} of {} ({} of the {} misses)",
        outcome.flagged,
        outcome.total,
        outcome.flagged_misses,
        outcome.misses.len()
    );
    assert!(print_outcome(NEWEST_UNSEEN_SET, &outcome, false) >= 0.95);
}

/// Leave-one-set-out on titles the rules never read: each training file and the ninth held-out
/// set, read by the rules and a learned title model trained on every other set. When the model
/// was made to lead (`MODEL_LEADS_AT` 0.9) the mean was 90.5% (the training files 89.8%, from 86.5%
/// to 93.0%; the ninth set 95.8%); the rules alone score 80.5% on the same titles. A training file
/// covers a few categories in new styles, so leaving it out takes most of what the model knows of
/// them: these figures are harder than a fresh set's.
#[test]
fn leave_one_set_out_the_rules_and_the_learned_model_keep_their_accuracy() {
    let mut accuracies = Vec::new();
    let (mut flagged, mut total) = (0, 0);
    for name in TRAINING_FILES.iter().chain(&[PREVIOUS_UNSEEN_SET]) {
        let model = model_without(name);
        let outcome = measure_with(name, Some(&model));
        print!("leave-one-set-out, ");
        accuracies.push(print_outcome(name, &outcome, false));
        println!(
            "  flagged {} ({} of its {} misses)",
            outcome.flagged,
            outcome.flagged_misses,
            outcome.misses.len()
        );
        flagged += outcome.flagged;
        total += outcome.total;
    }
    let mean = accuracies.iter().sum::<f64>() / accuracies.len() as f64;
    println!(
        "leave-one-set-out mean: {:.1}%, flagged {flagged} of {total} ({:.1}%)",
        mean * 100.0,
        flagged as f64 * 100.0 / total as f64
    );
    assert!(mean >= 0.89);
}

/// Writes every set's titles with the rules' answer and confidence to the file named by
/// `SUYUAN_DUMP_PREDICTIONS` (for the leave-one-set-out study of a learned fallback; see the README).
#[test]
fn predictions_can_be_dumped_for_study() {
    let Some(path) = std::env::var_os("SUYUAN_DUMP_PREDICTIONS") else {
        return;
    };
    let catalogue = Catalogue::builtin().unwrap();
    let mut out = String::from("set\ttitle\tcategory\tpart\tgot\tgot_part\tconfidence\n");
    // The sets the rules were tuned on, the newest unseen one, and any others named in
    // `SUYUAN_DUMP_EXTRA` (comma-separated file names under `core/tests/data/`).
    let extra = std::env::var("SUYUAN_DUMP_EXTRA").unwrap_or_default();
    let names = SETS
        .iter()
        .copied()
        .chain([NEWEST_UNSEEN_SET])
        .chain(extra.split(',').map(str::trim).filter(|n| !n.is_empty()));
    for name in names {
        for row in read_set(name) {
            let listing = ListingFacts {
                title: row.title.clone(),
                ..ListingFacts::default()
            };
            let c = catalogue.classify_by_rules(&listing);
            out.push_str(&format!(
                "{name}\t{}\t{}\t{}\t{}\t{}\t{}\n",
                row.title,
                row.category.as_deref().unwrap_or("none"),
                row.part.as_deref().unwrap_or(""),
                c.as_ref()
                    .map_or("none".to_owned(), |c| c.category.to_string()),
                c.as_ref().and_then(|c| c.part.clone()).unwrap_or_default(),
                c.as_ref().map_or(0.0, |c| c.confidence),
            ));
        }
    }
    std::fs::write(path, out).unwrap();
}

/// Every labelled set, oldest first.
/// Labelled titles written only for the learned model to learn from (see the README): the rules
/// never read them.
const TRAINING_FILES: [&str; 7] = [
    "classify_train1.tsv",
    "classify_train2.tsv",
    "classify_train3.tsv",
    "classify_train4.tsv",
    "classify_train5.tsv",
    "classify_train6.tsv",
    "classify_train7.tsv",
];

/// The ninth held-out set: measured once while fresh, now learnt from (the rules never tuned on it).
const PREVIOUS_UNSEEN_SET: &str = "classify_heldout9.tsv";

/// Every labelled set the rules were tuned on, oldest first.
const SETS: [&str; 9] = [
    "classify_dev.tsv",
    "classify_heldout.tsv",
    "classify_heldout2.tsv",
    "classify_heldout3.tsv",
    "classify_heldout4.tsv",
    "classify_heldout5.tsv",
    "classify_heldout6.tsv",
    "classify_heldout7.tsv",
    "classify_heldout8.tsv",
];

/// A study of the learned model, not a check: the set `SUYUAN_STUDY_TARGET` (default the ninth)
/// read by a model trained on every other labelled set and the files in `SUYUAN_STUDY_EXTRA`
/// (comma-separated), with the training of `SUYUAN_STUDY_EPOCHS` and `SUYUAN_STUDY_RATE`; prints
/// the model alone and each way of combining it with the rules.
#[test]
#[ignore = "a study, run by hand"]
fn learned_model_study() {
    let env = |k: &str| std::env::var(k).ok();
    let target = env("SUYUAN_STUDY_TARGET").unwrap_or_else(|| "classify_heldout9.tsv".into());
    let mut names: Vec<String> = SETS.iter().map(|s| s.to_string()).collect();
    names.push(PREVIOUS_UNSEEN_SET.to_string());
    names.extend(
        env("SUYUAN_STUDY_EXTRA")
            .unwrap_or_else(|| TRAINING_FILES.join(","))
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned),
    );
    let texts: Vec<String> = names
        .iter()
        .filter(|n| **n != target)
        .map(|n| {
            std::fs::read_to_string(
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("tests/data")
                    .join(n),
            )
            .unwrap()
        })
        .collect();
    let rows: Vec<(&str, String)> = texts.iter().flat_map(|t| parse_labelled_set(t)).collect();
    let training = suyuan_core::catalogue::Training {
        epochs: env("SUYUAN_STUDY_EPOCHS")
            .and_then(|v| v.parse().ok())
            .unwrap_or(suyuan_core::catalogue::TRAINING.epochs),
        rate: env("SUYUAN_STUDY_RATE")
            .and_then(|v| v.parse().ok())
            .unwrap_or(suyuan_core::catalogue::TRAINING.rate),
    };
    let started = std::time::Instant::now();
    let model = TitleModel::train_with(rows.iter().map(|(t, l)| (*t, l.as_str())), training);
    println!(
        "trained on {} titles in {:?} ({training:?})",
        rows.len(),
        started.elapsed()
    );
    let catalogue = Catalogue::builtin().unwrap();
    let set = read_set(&target);
    let truth = |row: &Labelled| {
        suyuan_core::catalogue::title_label(row.category.as_deref(), row.part.as_deref())
    };
    let mut alone = 0;
    let mut rules_right = 0;
    let thresholds = [0.5, 0.7, 0.8, 0.9, 0.95, 0.99];
    let mut led = [0usize; 6];
    let mut rules_part = 0;
    for row in &set {
        let listing = ListingFacts {
            title: row.title.clone(),
            ..ListingFacts::default()
        };
        let rules = catalogue
            .classify_by_rules(&listing)
            .map_or("none".to_owned(), |c| {
                suyuan_core::catalogue::title_label(Some(c.category.as_str()), c.part.as_deref())
            });
        let (label, p) = model.predict(&row.title);
        let want = truth(row);
        alone += usize::from(label == want);
        rules_right += usize::from(rules == want);
        for (i, th) in thresholds.iter().enumerate() {
            let answer = if p >= *th { label } else { rules.as_str() };
            led[i] += usize::from(answer == want);
        }
        // Where both name the same category, the rules' part instead of the model's.
        let same_category = rules.split('/').next() == label.split('/').next();
        let answer = if same_category { rules.as_str() } else { label };
        rules_part += usize::from(answer == want);
    }
    let pct = |n: usize| n as f64 * 100.0 / set.len() as f64;
    println!(
        "{target}: rules {:.1}%, model alone {:.1}%",
        pct(rules_right),
        pct(alone)
    );
    for (th, n) in thresholds.iter().zip(led) {
        println!(
            "  the model unless its p < {th}, then the rules: {:.1}%",
            pct(n)
        );
    }
    println!(
        "  the model, with the rules' part where both name one category: {:.1}%",
        pct(rules_part)
    );
}
