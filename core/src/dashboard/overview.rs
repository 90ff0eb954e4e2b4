//! The figures of a jurisdiction's overview, rolled up once per analytics run for every scope a
//! supervisor can have (the nation, each province, city and county with sellers), so the page
//! reads one small row instead of aggregating a jurisdiction's results on every request.
//!
//! The input is the stored results summed per seller division (the store does that in SQL);
//! [`overviews`] sums them again per scope. A scope is a division prefix of 2, 4 or 6 digits, or
//! `""` for the nation.

use super::{Counts, share_by_key, worst};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Months of average score the overview shows.
pub const TREND_MONTHS: usize = 12;
/// Weeks of timeliness the overview shows (the store passes the results' latest weeks).
pub const TREND_WEEKS: usize = 12;
/// Weeks (the scope's latest with something due) the worst categories are taken over.
pub const WORST_WEEKS: usize = 4;
/// How many of the worst categories the overview names.
pub const WORST_CATEGORIES: usize = 5;

/// Scores of one division and month, summed: `sum` of the sellers' scores, `n` sellers.
#[derive(Clone, Debug, PartialEq)]
pub struct ScoreSum {
    /// The sellers' division code.
    pub division: String,
    /// `YYYY-MM`.
    pub period: String,
    /// The sum of the scores.
    pub sum: f64,
    /// How many scores.
    pub n: i64,
}

/// Timeliness of one division and ISO week, summed; `category` is `None` for the sellers'
/// totals (the `seller` dimension) and the category id for the `category` dimension.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimelinessSum {
    /// The sellers' division code.
    pub division: String,
    /// `YYYY-Www`.
    pub week: String,
    /// The category, or `None` for all records.
    pub category: Option<String>,
    /// `(within_deadline, completed, overdue)`.
    pub counts: Counts,
}

/// What the overview of one scope shows (sellers and open alerts are read live: they change
/// between runs).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OverviewFigures {
    /// `(month, average score)`, the last [`TREND_MONTHS`] months with scores, oldest first.
    pub score_trend: Vec<(String, f64)>,
    /// `(week, share within deadline, records due)`, oldest first, weeks with nothing due left
    /// out.
    pub weekly: Vec<(String, f64, i64)>,
    /// `(region, average score, sellers)` of the latest month, one level below the scope (the
    /// province nationally, the city in a province, the county in a city or county).
    pub regions: Vec<(String, f64, i64)>,
    /// `(category, share within deadline, records due)` over the scope's last [`WORST_WEEKS`]
    /// weeks, worst first, at most [`WORST_CATEGORIES`].
    pub worst_categories: Vec<(String, f64, i64)>,
    /// Records overdue as of the run.
    pub overdue: i64,
}

impl OverviewFigures {
    /// The latest month with scores.
    pub fn latest_month(&self) -> Option<&str> {
        self.score_trend.last().map(|(p, _)| p.as_str())
    }

    /// The average score of the latest month.
    pub fn average(&self) -> Option<f64> {
        self.score_trend.last().map(|(_, a)| *a)
    }
}

/// The scopes a division belongs to: the nation and its 2-, 4- and 6-digit prefixes.
fn scopes_of(division: &str) -> impl Iterator<Item = String> + '_ {
    std::iter::once(String::new()).chain(
        [2, 4, 6]
            .into_iter()
            .filter(move |&len| division.len() >= len && division.is_char_boundary(len))
            .map(move |len| division[..len].to_owned()),
    )
}

/// The region a division is shown under in a scope's overview: the province nationally, the
/// city in a province, the county in a city or county.
fn region_of(scope: &str, division: &str) -> String {
    let len = match scope.len() {
        0 => 2,
        2 => 4,
        _ => 6,
    };
    division.chars().take(len).collect()
}

#[derive(Default)]
struct Acc {
    /// month → (sum, n)
    months: BTreeMap<String, (f64, i64)>,
    /// month → region → (sum, n)
    regions: BTreeMap<String, BTreeMap<String, (f64, i64)>>,
    weekly: Vec<(String, Counts)>,
    categories: Vec<(String, String, Counts)>,
    overdue: i64,
}

/// The overview figures of every scope that has results, by scope (`""` for the nation).
/// `overdue` is `(division, records overdue)`.
pub fn overviews(
    scores: &[ScoreSum],
    timeliness: &[TimelinessSum],
    overdue: &[(String, i64)],
) -> BTreeMap<String, OverviewFigures> {
    let mut acc: BTreeMap<String, Acc> = BTreeMap::new();
    for s in scores {
        for scope in scopes_of(&s.division) {
            let region = region_of(&scope, &s.division);
            let a = acc.entry(scope).or_default();
            let m = a.months.entry(s.period.clone()).or_default();
            m.0 += s.sum;
            m.1 += s.n;
            let r = a
                .regions
                .entry(s.period.clone())
                .or_default()
                .entry(region)
                .or_default();
            r.0 += s.sum;
            r.1 += s.n;
        }
    }
    for t in timeliness {
        for scope in scopes_of(&t.division) {
            let a = acc.entry(scope).or_default();
            match &t.category {
                None => a.weekly.push((t.week.clone(), t.counts)),
                Some(c) => a.categories.push((t.week.clone(), c.clone(), t.counts)),
            }
        }
    }
    for (division, n) in overdue {
        for scope in scopes_of(division) {
            acc.entry(scope).or_default().overdue += n;
        }
    }
    acc.into_iter()
        .map(|(scope, a)| {
            let mut trend: Vec<(String, f64)> = a
                .months
                .iter()
                .filter(|(_, (_, n))| *n > 0)
                .map(|(p, (sum, n))| (p.clone(), sum / *n as f64))
                .collect();
            trend.drain(..trend.len().saturating_sub(TREND_MONTHS));
            let regions = trend
                .last()
                .and_then(|(p, _)| a.regions.get(p))
                .map(|r| {
                    r.iter()
                        .filter(|(_, (_, n))| *n > 0)
                        .map(|(k, (sum, n))| (k.clone(), sum / *n as f64, *n))
                        .collect()
                })
                .unwrap_or_default();
            let mut weekly = share_by_key(&a.weekly);
            weekly.drain(..weekly.len().saturating_sub(TREND_WEEKS));
            let recent: Vec<&str> = weekly
                .iter()
                .rev()
                .take(WORST_WEEKS)
                .map(|w| w.0.as_str())
                .collect();
            let by_category: Vec<(String, Counts)> = a
                .categories
                .iter()
                .filter(|(w, _, _)| recent.contains(&w.as_str()))
                .map(|(_, c, counts)| (c.clone(), *counts))
                .collect();
            let figures = OverviewFigures {
                score_trend: trend,
                worst_categories: worst(&by_category, WORST_CATEGORIES),
                weekly,
                regions,
                overdue: a.overdue,
            };
            (scope, figures)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(division: &str, period: &str, sum: f64, n: i64) -> ScoreSum {
        ScoreSum {
            division: division.into(),
            period: period.into(),
            sum,
            n,
        }
    }

    fn weekly(division: &str, week: &str, category: Option<&str>, c: Counts) -> TimelinessSum {
        TimelinessSum {
            division: division.into(),
            week: week.into(),
            category: category.map(str::to_owned),
            counts: c,
        }
    }

    #[test]
    fn each_scope_sums_its_divisions_and_regions_are_one_level_below() {
        let scores = [
            score("440104", "2026-10", 80.0, 1),
            score("440104", "2026-11", 90.0, 1),
            score("440106", "2026-11", 150.0, 2),
            score("440303", "2026-11", 60.0, 1),
            score("330102", "2026-11", 40.0, 1),
        ];
        let o = overviews(&scores, &[], &[]);
        let keys: Vec<&str> = o.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "", "33", "3301", "330102", "44", "4401", "440104", "440106", "4403", "440303"
            ]
        );
        let nation = &o[""];
        assert_eq!(
            nation.score_trend,
            [("2026-10".into(), 80.0), ("2026-11".into(), 340.0 / 5.0)]
        );
        assert_eq!(
            nation.regions,
            [("33".into(), 40.0, 1), ("44".into(), 300.0 / 4.0, 4)]
        );
        let gd = &o["44"];
        assert_eq!(gd.latest_month(), Some("2026-11"));
        assert_eq!(gd.average(), Some(75.0));
        assert_eq!(
            gd.regions,
            [("4401".into(), 80.0, 3), ("4403".into(), 60.0, 1)]
        );
        // In a city, and in a county, the regions are counties.
        assert_eq!(
            o["4401"].regions,
            [("440104".into(), 90.0, 1), ("440106".into(), 75.0, 2)]
        );
        assert_eq!(o["440104"].regions, [("440104".into(), 90.0, 1)]);
        // Zhejiang's figures hold nothing of Guangdong's.
        assert_eq!(o["33"].score_trend, [("2026-11".into(), 40.0)]);
    }

    #[test]
    fn the_trend_keeps_the_last_twelve_months_and_the_regions_are_of_the_latest() {
        let mut scores: Vec<ScoreSum> = (1..=12)
            .map(|m| score("440104", &format!("2026-{m:02}"), m as f64, 1))
            .collect();
        scores.push(score("440104", "2025-12", 99.0, 1));
        scores.push(score("440303", "2025-12", 50.0, 1));
        let o = overviews(&scores, &[], &[]);
        let gd = &o["44"];
        assert_eq!(gd.score_trend.len(), TREND_MONTHS);
        assert_eq!(gd.score_trend[0], ("2026-01".into(), 1.0));
        // Shenzhen scored only in a month before the latest: not among the latest's regions.
        assert_eq!(gd.regions, [("4401".into(), 12.0, 1)]);
    }

    #[test]
    fn weekly_shares_skip_weeks_with_nothing_due_and_the_worst_categories_use_the_last_four() {
        let t = [
            weekly("440104", "2026-W40", None, (5, 10, 0)),
            weekly("440106", "2026-W40", None, (5, 5, 0)),
            weekly("440104", "2026-W41", None, (0, 0, 0)),
            weekly("440104", "2026-W42", None, (3, 3, 1)),
            weekly("440104", "2026-W43", None, (1, 1, 0)),
            weekly("440104", "2026-W44", None, (1, 2, 0)),
            weekly("440104", "2026-W45", None, (2, 2, 0)),
            // wires were bad only in W40, which is not among the last four weeks with records due
            weekly("440104", "2026-W40", Some("wires"), (0, 10, 0)),
            weekly("440104", "2026-W42", Some("ebikes"), (1, 2, 2)),
            weekly("440104", "2026-W45", Some("ebikes"), (1, 1, 0)),
            weekly("440104", "2026-W44", Some("helmets"), (1, 2, 0)),
        ];
        let o = overviews(&[], &t, &[("440104".into(), 3), ("440303".into(), 2)]);
        let gd = &o["44"];
        assert_eq!(
            gd.weekly,
            [
                ("2026-W40".into(), 10.0 / 15.0, 15),
                ("2026-W42".into(), 0.75, 4),
                ("2026-W43".into(), 1.0, 1),
                ("2026-W44".into(), 0.5, 2),
                ("2026-W45".into(), 1.0, 2),
            ]
        );
        assert_eq!(
            gd.worst_categories,
            [("ebikes".into(), 0.4, 5), ("helmets".into(), 0.5, 2)]
        );
        assert_eq!(gd.overdue, 5);
        assert_eq!(o["4401"].overdue, 3);
        assert_eq!(o["440106"].weekly, [("2026-W40".into(), 1.0, 5)]);
        assert!(gd.score_trend.is_empty() && gd.regions.is_empty());
    }

    #[test]
    fn figures_read_back_from_json_unchanged() {
        let o = overviews(
            &[score("440104", "2026-11", 91.5, 1)],
            &[weekly("440104", "2026-W45", Some("ebikes"), (1, 2, 1))],
            &[],
        );
        let json = serde_json::to_string(&o["44"]).unwrap();
        let back: OverviewFigures = serde_json::from_str(&json).unwrap();
        assert_eq!(back, o["44"]);
    }
}
