//! A claim as a suite states it, and what it expects, as written in `expect`: a change
//! (`+38%`), a range of changes (`-45%..-35%`), a least change (`at least -20%`), levels
//! (`65% -> 90%`, in the metric's unit), or only a direction (`lower`, `higher`). Judging it
//! is `claims`' business.

use serde::{Deserialize, Serialize};

use crate::metric::{self, Unit};
use crate::scenario::units::{self, Quantity};

/// A claim as the suite states it; kept in results.json so a report can judge it again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimSpec {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub metric: String,
    pub from: String,
    pub to: String,
    /// As written: `+38%`, `-45%..-35%`, `at least -20%`, `65% -> 90%`, `lower`.
    pub expect: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expectation {
    /// A relative change of about this much (0.38 = +38 %).
    Change(f64),
    /// A relative change within `low..=high` (same sign, low < high).
    Range { low: f64, high: f64 },
    /// A relative change of at least this much, in its direction.
    AtLeast(f64),
    /// The `from` variant at about `from`, the `to` variant reaching `to` (metric units).
    Levels { from: f64, to: f64 },
    /// Any real change in this direction: +1 higher, −1 lower.
    Direction(f64),
}

impl Expectation {
    /// Parses `text` for a metric; the error says what forms are accepted.
    pub fn parse(metric_name: &str, text: &str) -> Result<Expectation, String> {
        let t = text.trim();
        let forms =
            "write a change like \"+38%\", a range like \"-45%..-35%\", \"at least -20%\", \
                     levels like \"65% -> 90%\", or \"lower\" / \"higher\"";
        let parsed = if t.eq_ignore_ascii_case("lower") {
            Ok(Expectation::Direction(-1.0))
        } else if t.eq_ignore_ascii_case("higher") {
            Ok(Expectation::Direction(1.0))
        } else if let Some(rest) = t.strip_prefix("at least ") {
            signed_percent(rest).map(Expectation::AtLeast)
        } else if let Some((a, b)) = t.split_once("..") {
            range(a, b)
        } else if let Some((a, b)) = t.split_once("->").or_else(|| t.split_once('→')) {
            levels(metric_name, a, b)
        } else if t.ends_with('%') {
            signed_percent(t).map(Expectation::Change)
        } else {
            Err(String::new())
        };
        parsed.map_err(|why| {
            let why = if why.is_empty() {
                String::new()
            } else {
                format!("{why}; ")
            };
            format!("expect {text:?} cannot be read: {why}{forms}")
        })
    }

    /// +1 for a rise, −1 for a fall.
    pub fn direction(&self) -> f64 {
        match *self {
            Expectation::Change(c) | Expectation::AtLeast(c) => c.signum(),
            Expectation::Range { low, .. } => low.signum(),
            Expectation::Levels { from, to } => (to - from).signum(),
            Expectation::Direction(d) => d,
        }
    }
}

/// `+38%`, `-20%`: the sign is required, so that "38%" cannot mean a rise to one reader and a
/// cut to another.
fn signed_percent(text: &str) -> Result<f64, String> {
    let t = text.trim().replace('−', "-");
    let number = t
        .strip_suffix('%')
        .ok_or_else(|| format!("`{}` is not a percentage", text.trim()))?;
    if !number.starts_with(['+', '-']) {
        return Err(format!(
            "`{}` needs a sign: +{number}% for a rise, -{number}% for a cut",
            text.trim()
        ));
    }
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("`{}` is not a number followed by %", text.trim()))?;
    if value == 0.0 {
        return Err("a claimed change of 0% is no claim".to_string());
    }
    if value <= -100.0 {
        return Err(format!("`{}`: nothing falls by 100% or more", text.trim()));
    }
    Ok(value / 100.0)
}

fn range(a: &str, b: &str) -> Result<Expectation, String> {
    let (x, y) = (signed_percent(a)?, signed_percent(b)?);
    if x.signum() != y.signum() {
        return Err("both ends of a range must go the same way".to_string());
    }
    Ok(Expectation::Range {
        low: x.min(y),
        high: x.max(y),
    })
}

fn levels(metric_name: &str, a: &str, b: &str) -> Result<Expectation, String> {
    let unit = metric::unit_of(metric_name);
    let level = |text: &str| -> Result<f64, String> {
        let text = text.trim();
        let quantity = match text.parse::<i64>() {
            Ok(n) if unit == Unit::Bytes => Quantity::Integer(n),
            _ => Quantity::Text(text),
        };
        units::limit_of(unit, quantity).map_err(|e| e.0)
    };
    let (from, to) = (level(a)?, level(b)?);
    if from == to {
        return Err("the two levels are the same: that claims no change".to_string());
    }
    Ok(Expectation::Levels { from, to })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form() {
        let p = |t: &str| Expectation::parse("startup_s", t).unwrap();
        assert_eq!(p("+38%"), Expectation::Change(0.38));
        assert_eq!(p("-20%"), Expectation::Change(-0.2));
        assert_eq!(p("−25%"), Expectation::Change(-0.25), "a typographic minus");
        assert_eq!(
            p("-45%..-35%"),
            Expectation::Range {
                low: -0.45,
                high: -0.35
            }
        );
        assert_eq!(
            p("-35%..-45%"),
            Expectation::Range {
                low: -0.45,
                high: -0.35
            }
        );
        assert_eq!(p("at least -20%"), Expectation::AtLeast(-0.2));
        assert_eq!(p("lower"), Expectation::Direction(-1.0));
        assert_eq!(p("2.5s -> 2s"), Expectation::Levels { from: 2.5, to: 2.0 });
        let hit = Expectation::parse("cache_hit_rate.source", "65% -> 90%").unwrap();
        assert_eq!(
            hit,
            Expectation::Levels {
                from: 0.65,
                to: 0.9
            }
        );
        assert_eq!(hit.direction(), 1.0);
        let size = Expectation::parse("image_size_bytes", "264MB → 170MB").unwrap();
        assert_eq!(
            size,
            Expectation::Levels {
                from: 264e6,
                to: 170e6
            }
        );
        assert_eq!(size.direction(), -1.0);
    }

    #[test]
    fn mistakes_say_what_to_write() {
        let e = |t: &str| Expectation::parse("startup_s", t).unwrap_err();
        assert!(e("38%").contains("`38%` needs a sign: +38% for a rise, -38% for a cut"));
        assert!(e("faster").starts_with("expect \"faster\" cannot be read: write a change"));
        assert!(e("-10%..+10%").contains("same way"));
        assert!(e("+0%").contains("no claim"));
        assert!(e("2s -> 2s").contains("no change"));
        assert!(e("at least 20").contains("`20` is not a percentage"));
        let bad_level = Expectation::parse("cache_hit_rate", "65% -> 190%").unwrap_err();
        assert!(bad_level.contains("190%"), "{bad_level}");
    }
}
