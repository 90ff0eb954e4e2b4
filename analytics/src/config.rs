//! What the computations may be tuned by: score weights, grade thresholds, alert thresholds.
//! Defaults below; a TOML file may override any of them (missing keys keep their default):
//!
//! ```toml
//! max_records_per_component = 20
//! claim_grace_days = 7
//!
//! [weights]          # points each component is worth (any positive total; scores are scaled to 100)
//! coverage = 20.0
//! completeness = 15.0
//! timeliness = 25.0
//! authenticity = 15.0
//! corrections = 5.0
//! submissions = 10.0
//! claims = 10.0
//!
//! [grades]           # lowest score of each grade; below `c` is D
//! a = 90.0
//! b = 75.0
//! c = 60.0
//!
//! [alerts]
//! score_drop = 10.0           # points fallen against the previous month
//! timeliness_min = 0.9        # share within deadline under this raises an alert
//! reminder_grace_hours = 48   # a transfer unclaimed this long after its last reminder
//! ```

use serde::{Deserialize, Serialize};

/// Everything the computations may be tuned by.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AnalyticsConfig {
    /// Points per score component.
    pub weights: Weights,
    /// Grade thresholds.
    pub grades: Grades,
    /// Alert thresholds.
    pub alerts: AlertThresholds,
    /// At most this many record ids explain each component's loss.
    pub max_records_per_component: u32,
    /// A business transfer counts against the claim rate once this many days old and unclaimed.
    pub claim_grace_days: u32,
}

impl Default for AnalyticsConfig {
    fn default() -> Self {
        AnalyticsConfig {
            weights: Weights::default(),
            grades: Grades::default(),
            alerts: AlertThresholds::default(),
            max_records_per_component: 20,
            claim_grace_days: 7,
        }
    }
}

/// Points each score component is worth. The score is `100 * (total - lost) / total`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Weights {
    /// Live catalogue listings showing a code, registered sales carrying codes.
    pub coverage: f64,
    /// Records with every required data element.
    pub completeness: f64,
    /// Records registered within their deadline (overdue ones count against).
    pub timeliness: f64,
    /// Coded records raising no suspicious-code flag.
    pub authenticity: f64,
    /// Records that needed no correction.
    pub corrections: f64,
    /// Trace-platform submissions accepted (pending ones do not count).
    pub submissions: f64,
    /// Business transfers claimed by the next tier.
    pub claims: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            coverage: 20.0,
            completeness: 15.0,
            timeliness: 25.0,
            authenticity: 15.0,
            corrections: 5.0,
            submissions: 10.0,
            claims: 10.0,
        }
    }
}

impl Weights {
    /// `(component, weight)` in the documented order.
    pub fn components(&self) -> [(&'static str, f64); 7] {
        [
            ("coverage", self.coverage),
            ("completeness", self.completeness),
            ("timeliness", self.timeliness),
            ("authenticity", self.authenticity),
            ("corrections", self.corrections),
            ("submissions", self.submissions),
            ("claims", self.claims),
        ]
    }

    /// The sum of all weights.
    pub fn total(&self) -> f64 {
        self.components().iter().map(|(_, w)| w).sum()
    }
}

/// Lowest score of grades A, B and C (market regulators' four credit-risk classes: A low risk,
/// B fairly low, C fairly high, D high).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Grades {
    /// A from this score.
    pub a: f64,
    /// B from this score.
    pub b: f64,
    /// C from this score; below is D.
    pub c: f64,
}

impl Default for Grades {
    fn default() -> Self {
        Grades {
            a: 90.0,
            b: 75.0,
            c: 60.0,
        }
    }
}

impl Grades {
    /// The grade of a score.
    pub fn grade(&self, score: f64) -> &'static str {
        if score >= self.a {
            "A"
        } else if score >= self.b {
            "B"
        } else if score >= self.c {
            "C"
        } else {
            "D"
        }
    }
}

/// When alerts are raised.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlertThresholds {
    /// The score fell by at least this many points against the previous month.
    pub score_drop: f64,
    /// Share within deadline (of the latest month) under this.
    pub timeliness_min: f64,
    /// A transfer still unclaimed this many hours after its last reminder.
    pub reminder_grace_hours: u32,
}

impl Default for AlertThresholds {
    fn default() -> Self {
        AlertThresholds {
            score_drop: 10.0,
            timeliness_min: 0.9,
            reminder_grace_hours: 48,
        }
    }
}

/// Why a configuration was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Not TOML of this shape.
    #[error("analytics configuration: {0}")]
    Toml(#[from] toml::de::Error),
    /// A value out of range, named.
    #[error("analytics configuration: {0}")]
    Invalid(String),
}

impl AnalyticsConfig {
    /// Reads TOML (missing keys keep their default) and checks the values.
    pub fn from_toml_str(s: &str) -> Result<AnalyticsConfig, ConfigError> {
        let c: AnalyticsConfig = toml::from_str(s)?;
        c.validate()?;
        Ok(c)
    }

    /// Checks the values, naming the first bad one.
    pub fn validate(&self) -> Result<(), ConfigError> {
        for (name, w) in self.weights.components() {
            if !(w.is_finite() && w >= 0.0) {
                return Err(ConfigError::Invalid(format!(
                    "weights.{name} must be a number >= 0, got {w}"
                )));
            }
        }
        if self.weights.total() <= 0.0 {
            return Err(ConfigError::Invalid("weights must not all be 0".to_owned()));
        }
        let g = &self.grades;
        if !(g.a >= g.b && g.b >= g.c && g.a <= 100.0 && g.c >= 0.0) {
            return Err(ConfigError::Invalid(format!(
                "grades must satisfy 100 >= a >= b >= c >= 0, got a={} b={} c={}",
                g.a, g.b, g.c
            )));
        }
        if !(0.0..=1.0).contains(&self.alerts.timeliness_min) {
            return Err(ConfigError::Invalid(format!(
                "alerts.timeliness_min must be between 0 and 1, got {}",
                self.alerts.timeliness_min
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_weigh_one_hundred_points_and_toml_overrides_only_what_it_names() {
        assert_eq!(AnalyticsConfig::default().weights.total(), 100.0);
        let c = AnalyticsConfig::from_toml_str(
            "[weights]\ntimeliness = 40.0\n[alerts]\nscore_drop = 5.0",
        )
        .unwrap();
        assert_eq!(c.weights.timeliness, 40.0);
        assert_eq!(c.weights.coverage, 20.0);
        assert_eq!(c.alerts.score_drop, 5.0);
        assert_eq!(c.grades, Grades::default());
    }

    #[test]
    fn a_bad_value_is_refused_by_name() {
        let e = AnalyticsConfig::from_toml_str("[grades]\na = 50.0").unwrap_err();
        assert!(e.to_string().contains("grades"), "{e}");
        let e = AnalyticsConfig::from_toml_str("[weights]\nclaims = -1.0").unwrap_err();
        assert!(e.to_string().contains("weights.claims"), "{e}");
        let e = AnalyticsConfig::from_toml_str("[weights]\nclams = 1.0").unwrap_err();
        assert!(e.to_string().contains("clams"), "{e}");
    }

    #[test]
    fn grades_follow_the_thresholds() {
        let g = Grades::default();
        assert_eq!(g.grade(100.0), "A");
        assert_eq!(g.grade(90.0), "A");
        assert_eq!(g.grade(89.99), "B");
        assert_eq!(g.grade(75.0), "B");
        assert_eq!(g.grade(60.0), "C");
        assert_eq!(g.grade(59.9), "D");
    }
}
