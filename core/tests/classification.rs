//! How often the built-in catalogue classifies a marketplace listing title as the category a person
//! would (and, for an e-bike, as the part a person would: vehicle, battery or charger): measured on
//! labelled titles in `tests/data/` (see its README). The development set and the held-out sets already
//! learnt from are what the rules are tuned on; the newest held-out set is written before it is
//! measured and only measures (the eighth, `classify_heldout8.tsv`, did until the seventh round read
//! its misses; the ninth is written after that round). The per-set guards hold the rules alone; the
//! learned title model (`Catalogue::read`) is measured leave-one-set-out, trained on every set but the
//! one it reads.
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

/// The learned title model trained on every labelled set but `left_out` (leave-one-set-out).
fn model_without(left_out: &str) -> TitleModel {
    let texts: Vec<String> = SETS
        .iter()
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
// THE 95% CHECK ON TITLES NEVER SEEN. It measures the newest held-out set nobody tuned on. The eighth
// set held it until the seventh round read its misses; the ninth set (`classify_heldout9.tsv`, being
// written blind) takes it next: change `NEWEST_UNSEEN_SET` to it, and the `ignore` reason to its
// figure, when it is committed.
// ---------------------------------------------------------------------------------------------------

/// The newest labelled set that no rule was tuned on (see the marked block above).
const NEWEST_UNSEEN_SET: &str = "classify_heldout9.tsv";

/// Issue 10's goal: 95% on titles never seen while tuning, as the catalogue reads them (the rules and
/// the learned title model, trained on every other set). The eighth set measured 84.8% when it was
/// fresh (the rules alone; the model did not exist); the ninth, written blind after the seventh
/// round and committed (`2a53c2e`) before it was measured, measured once: 85.0% (340/400) with the
/// rules and the model, 84.2% (337/400) with the rules alone (the sixth round's rules: 83.2%); 98
/// titles flagged for confirmation held 42 of the 60 misses. The goal is not met; the check runs
/// with `--ignored` until a fresh set meets it.
#[test]
#[ignore = "goal not met: the ninth held-out set measured 85.0% fresh (rules and model; the rules alone 84.2%) (issue 10, item 10)"]
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

/// Leave-one-set-out: each set read by the rules and a learned title model trained on every other
/// set. The rules have read every set's misses, so these figures are not of titles never seen; they
/// guard the model's part (the README's fresh-set study measures what it adds on unseen titles).
#[test]
fn leave_one_set_out_the_rules_and_the_learned_model_keep_their_accuracy() {
    let mut accuracies = Vec::new();
    let (mut flagged, mut total) = (0, 0);
    for name in SETS {
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
    assert!(mean >= 0.98);
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
    for name in SETS {
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
