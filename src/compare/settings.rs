//! What `dockbench compare` is asked for: the threshold, the significance level and the output
//! format, parsed from the command line's text and checked here so the CLI stays thin.

use std::str::FromStr;

use serde::Serialize;

/// Thresholds above this are surely a typo (`500%` for `5%`): refused.
const MAX_THRESHOLD_PERCENT: f64 = 1000.0;

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CompareSettings {
    /// A change of the median counts only beyond this fraction of the base median (0.05 = 5 %).
    pub threshold: f64,
    /// Significance level for the Benjamini–Hochberg-adjusted p-values: the whole run's, or
    /// with `looks`, the α that the looks share between them.
    pub alpha: f64,
    /// A run sampled until decided (`runs = "auto"`) looked at its comparisons after each round
    /// from the minimum to the cap: each pair is then judged at the level of the look its
    /// sample count stands for (`alpha_for`), so that the looks together spend `alpha`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub looks: Option<Looks>,
}

/// The looks of a run sampled until decided: after each round from `min_runs` to `max_runs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Looks {
    pub min_runs: u32,
    pub max_runs: u32,
}

impl CompareSettings {
    /// The significance level of a pair with `samples` samples on its fewer side: `alpha` for
    /// a run of a fixed number of runs; in a run sampled until decided, the α its look spends
    /// (`analysis::sequential::look_alpha`).
    pub fn alpha_for(&self, samples: usize) -> f64 {
        match self.looks {
            None => self.alpha,
            Some(looks) => crate::analysis::sequential::look_alpha(
                self.alpha,
                samples,
                looks.min_runs as usize,
                looks.max_runs as usize,
            ),
        }
    }
}

impl Default for CompareSettings {
    fn default() -> Self {
        CompareSettings {
            threshold: 0.05,
            alpha: 0.05,
            looks: None,
        }
    }
}

/// `5%` -> 0.05. The `%` is required: a bare `5` or `0.05` would leave the reader guessing.
pub fn parse_threshold(text: &str) -> Result<f64, String> {
    let number = text
        .trim()
        .strip_suffix('%')
        .ok_or_else(|| format!("threshold `{text}` must be a percentage, like 5%"))?;
    let percent: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("threshold `{text}` is not a number followed by %"))?;
    if !(0.0..=MAX_THRESHOLD_PERCENT).contains(&percent) {
        return Err(format!(
            "threshold `{text}` must be between 0% and {MAX_THRESHOLD_PERCENT}%"
        ));
    }
    Ok(percent / 100.0)
}

/// `--format` of `dockbench compare`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    /// A pull-request comment.
    #[default]
    Markdown,
    Json,
    /// A terminal table.
    Text,
}

impl OutputFormat {
    pub const NAMES: [&'static str; 3] = ["markdown", "json", "text"];
}

impl FromStr for OutputFormat {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "markdown" | "md" => Ok(OutputFormat::Markdown),
            "json" => Ok(OutputFormat::Json),
            "text" => Ok(OutputFormat::Text),
            _ => Err(format!(
                "unknown format `{text}` (expected one of: {})",
                Self::NAMES.join(", ")
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_are_percentages() {
        assert_eq!(parse_threshold("5%"), Ok(0.05));
        assert_eq!(parse_threshold(" 2.5 % "), Ok(0.025));
        assert_eq!(parse_threshold("0%"), Ok(0.0));
        assert!(parse_threshold("5").unwrap_err().contains("percentage"));
        assert!(parse_threshold("x%").unwrap_err().contains("not a number"));
        assert!(parse_threshold("-1%").is_err());
        assert!(parse_threshold("5000%").is_err());
        assert!(parse_threshold("NaN%").is_err());
    }

    #[test]
    fn formats_by_name() {
        for name in OutputFormat::NAMES {
            assert!(name.parse::<OutputFormat>().is_ok(), "{name}");
        }
        assert_eq!("md".parse(), Ok(OutputFormat::Markdown));
        assert!("html"
            .parse::<OutputFormat>()
            .unwrap_err()
            .contains("markdown, json, text"));
    }
}
