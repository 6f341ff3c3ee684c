//! `dockbench validate`: load each suite without Docker and report every problem found, as
//! lines or (`--format json`) as one JSON document.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{Format, EXIT_OK, EXIT_UNUSABLE};
use crate::scenario::{load_suite, validate_suite, SuiteError};

/// What validate found in one suite file.
#[derive(Debug, Serialize)]
pub struct Checked {
    pub file: PathBuf,
    /// Counts of the valid suite; `None` when it has errors.
    pub suite: Option<Counts>,
    pub warnings: Vec<String>,
    pub errors: Vec<ErrorJson>,
}

#[derive(Debug, Serialize)]
pub struct Counts {
    pub name: String,
    pub variants: usize,
    pub edits: usize,
    /// Runs per variant; with `runs = "auto"`, the minimum before the first look.
    pub runs: u32,
    /// `runs = "auto"`: the cap of runs per variant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_runs: Option<u32>,
    /// `runs = "auto"`: the budget, in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget_s: Option<f64>,
    pub claims: usize,
}

/// A `SuiteError` with its parts apart, for scripts.
#[derive(Debug, Serialize)]
pub struct ErrorJson {
    pub line: Option<usize>,
    pub key: Option<String>,
    pub message: String,
    /// As the text output shows it: `file:line: key: message`.
    pub text: String,
}

impl From<SuiteError> for ErrorJson {
    fn from(e: SuiteError) -> ErrorJson {
        ErrorJson {
            text: e.to_string(),
            line: e.line,
            key: e.key,
            message: e.message,
        }
    }
}

pub fn check(path: &Path) -> Checked {
    match load_suite(path) {
        Ok(suite) => Checked {
            file: path.to_path_buf(),
            warnings: crate::measure::suite_warnings(&suite),
            suite: Some(Counts {
                name: suite.name.clone(),
                variants: suite.variants.len(),
                edits: suite.edits.len(),
                runs: suite.runs,
                max_runs: suite.sampling.map(|a| a.max_runs),
                budget_s: suite
                    .sampling
                    .and_then(|a| a.budget)
                    .map(|b| b.as_secs_f64()),
                claims: suite.claims.len(),
            }),
            errors: Vec::new(),
        },
        Err(_) => Checked {
            file: path.to_path_buf(),
            suite: None,
            warnings: Vec::new(),
            // Report every problem at once, not one per attempt.
            errors: validate_suite(path).into_iter().map(Into::into).collect(),
        },
    }
}

pub fn validate(suites: &[PathBuf], format: Format) -> i32 {
    let checked: Vec<Checked> = suites.iter().map(|p| check(p)).collect();
    match format {
        Format::Text => checked.iter().for_each(print_text),
        Format::Json => crate::outln!("{}", json(&checked)),
    }
    if checked.iter().all(|c| c.errors.is_empty()) {
        EXIT_OK
    } else {
        EXIT_UNUSABLE
    }
}

pub fn json(checked: &[Checked]) -> String {
    let ok = checked.iter().all(|c| c.errors.is_empty());
    serde_json::to_string_pretty(&serde_json::json!({ "ok": ok, "suites": checked }))
        .expect("plain data serializes")
}

fn print_text(checked: &Checked) {
    let file = checked.file.display();
    if let Some(s) = &checked.suite {
        let claims = match s.claims {
            0 => String::new(),
            n => format!(", {n} claim{}", plural(n)),
        };
        let runs = match (s.max_runs, s.budget_s) {
            (None, _) => format!("{} run{}", s.runs, plural(s.runs as usize)),
            (Some(max), budget) => format!(
                "{} to {max} runs until decided{}",
                s.runs,
                budget
                    .map(|b| format!(
                        " within {}",
                        humantime::format_duration(std::time::Duration::from_secs_f64(b))
                    ))
                    .unwrap_or_default()
            ),
        };
        crate::outln!(
            "{file}: ok ({} variant{}, {} edit{}, {runs}{claims})",
            s.variants,
            plural(s.variants),
            s.edits,
            plural(s.edits),
        );
    }
    for warning in &checked.warnings {
        eprintln!("{file}: warning: {warning}");
    }
    for e in &checked.errors {
        eprintln!("error: {}", e.text);
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_has_the_counts_of_a_good_suite_and_every_error_of_a_bad_one() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Dockerfile"), "FROM scratch\n").unwrap();
        let good = dir.path().join("good.toml");
        std::fs::write(&good, "name = \"g\"\nruns = 2\n[[variant]]\nname = \"a\"\n").unwrap();
        let bad = dir.path().join("bad.toml");
        std::fs::write(
            &bad,
            "name = \"b\"\nruns = 0\n[[variant]]\nname = \"a b\"\n",
        )
        .unwrap();
        let doc: serde_json::Value =
            serde_json::from_str(&json(&[check(&good), check(&bad)])).unwrap();
        assert_eq!(doc["ok"], false);
        let good = &doc["suites"][0];
        assert_eq!(good["suite"]["name"], "g");
        assert_eq!(good["suite"]["variants"], 1);
        assert_eq!(good["suite"]["runs"], 2);
        assert_eq!(good["errors"].as_array().unwrap().len(), 0);
        let bad = &doc["suites"][1];
        assert!(bad["suite"].is_null());
        let errors = bad["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!(errors[0]["line"], 2);
        assert_eq!(errors[0]["key"], "runs");
        assert_eq!(errors[1]["key"], "variant[1].name");
        let text = errors[1]["text"].as_str().unwrap();
        assert!(text.contains("bad.toml:4: `variant[1].name`: "), "{text}");
    }
}
