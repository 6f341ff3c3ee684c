//! What a results folder says, judged once: the pair judgement that `compare`, the relative
//! table and the claims share (`pair`), and the [`Analysis`] of one run that the terminal,
//! report.md, report.html and the exit code all read, so that no verdict is computed twice and
//! none can disagree with another.

pub mod answer;
pub mod cache_miss;
pub mod pair;
pub mod sequential;

pub use answer::Answer;
pub use pair::{judge_family, PairJudgement, Relation, Runs, TestUsed};

use crate::claims::{judge_claims, ClaimJudgement};
use crate::compare::CompareSettings;
use crate::relative::{self, RelativeTable};
use crate::results::RunResults;

/// Every verdict of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// Every other variant against the reference; `None` when there is nothing to compare
    /// (one variant, a failed or unknown reference).
    pub relative: Option<RelativeTable>,
    /// The suite's claims, in the suite's order.
    pub claims: Vec<ClaimJudgement>,
    /// What a reader needs first.
    pub answer: Answer,
}

impl Analysis {
    /// Judges `results` against its recorded reference and claims.
    pub fn of(results: &RunResults) -> Analysis {
        let settings = settings_of(results);
        let relative = relative::reference_name(results, results.reference.as_deref())
            .and_then(|reference| relative::relative_table(results, reference, &settings).ok());
        let claims = judge_claims(results, &results.claims, &settings);
        let answer = Answer::new(results, relative.as_ref(), &claims);
        Analysis {
            relative,
            claims,
            answer,
        }
    }
}

/// How a run is judged: at the suite's `margin` when it set one, else at the defaults; a run
/// sampled until decided at its looks' levels (`sequential`).
pub fn settings_of(results: &RunResults) -> CompareSettings {
    let default = CompareSettings::default();
    CompareSettings {
        threshold: results.margin.unwrap_or(default.threshold),
        looks: results.sampling.as_ref().map(|s| crate::compare::Looks {
            min_runs: s.min_runs,
            max_runs: s.max_runs,
        }),
        ..default
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::ClaimVerdict;
    use crate::report::render::Charts;

    /// Every output reads the one `Analysis`: with its verdicts tampered with, each output shows
    /// the tampered verdicts. An output that judged anything again would show the real ones.
    #[test]
    fn no_output_judges_anything_again() {
        let results = crate::report::testdata::run_results();
        let mut analysis = Analysis::of(&results);
        // Untampered, each output shows the verdicts looked for below.
        let real = [
            (
                crate::report::summary_table(&results, &analysis, 1000),
                "worse ┆",
            ),
            (
                crate::report::markdown::report_markdown(&results, &analysis, &Charts::default()),
                "| worse |",
            ),
            (
                crate::report::html::report_html(&results, &analysis, &Charts::default()),
                ">worse<",
            ),
        ];
        for (text, cell) in &real {
            let claim = text.contains("does not hold:") || text.contains("does not hold (");
            assert!(text.contains(cell) && claim, "{text}");
        }
        assert_eq!(
            analysis.claims[0].verdict,
            ClaimVerdict::Holds,
            "the real one"
        );
        // The runs too: a writer that counted the samples itself would show 3.
        let tampered_runs = Runs { base: 7, head: 9 };
        for claim in &mut analysis.claims {
            claim.verdict = ClaimVerdict::HoldsPartly;
            claim.reason = "tampered".into();
            claim.runs = Some(tampered_runs);
        }
        let table = analysis.relative.as_mut().expect("a relative table");
        assert!(table.rows.iter().any(|r| r.relation == Relation::Worse));
        for row in &mut table.rows {
            row.relation = Relation::CannotTell;
            row.runs = tampered_runs;
        }
        analysis.answer.lines = vec![answer::Line {
            level: 0,
            tone: answer::Tone::Plain,
            text: "TAMPERED ANSWER".into(),
        }];
        let terminal = crate::report::summary_table(&results, &analysis, 1000);
        let markdown =
            crate::report::markdown::report_markdown(&results, &analysis, &Charts::default());
        let html = crate::report::html::report_html(&results, &analysis, &Charts::default());
        let export =
            crate::export::render(&results, &analysis, crate::export::ExportFormat::Markdown)
                .unwrap();
        let export = String::from_utf8(export).unwrap();
        for (name, text) in [
            ("terminal", &terminal),
            ("report.md", &markdown),
            ("report.html", &html),
        ] {
            assert!(text.contains("TAMPERED ANSWER"), "{name}: {text}");
            // (The claims' note explains "does not hold"; a verdict reads `does not hold:` or
            // `does not hold (reason)`.)
            for verdict in ["does not hold:", "does not hold ("] {
                assert!(!text.contains(verdict), "{name} judged a claim again");
            }
        }
        // A pair's verdict as each output sets it in a cell.
        for (text, cell) in [
            (&terminal, "worse ┆"),
            (&markdown, "| worse |"),
            (&html, ">worse<"),
        ] {
            assert!(!text.contains(cell), "judged a pair again: {text}");
        }
        // Each verdict with the runs it was reached after, as the analysis says.
        assert!(markdown.contains("| cannot tell: "), "{markdown}");
        for (name, text, runs) in [
            ("terminal", &terminal, "after 7 vs 9 runs"),
            ("report.md", &markdown, "| 7 vs 9 |"),
            ("report.html", &html, ">7 vs 9<"),
            ("export", &export, "| 7 vs 9 |"),
        ] {
            assert!(text.contains(runs), "{name}: {text}");
            assert!(!text.contains("after 3 runs"), "{name} counted runs again");
        }
        for text in [&terminal, &markdown, &html, &export] {
            assert!(text.contains("holds partly"), "{text}");
        }
        assert!(
            !export.contains("does not hold ("),
            "the export judged a claim again"
        );
    }

    /// The suite's margin decides "same" and how far a change must go: a 7 % slowdown is
    /// "worse" at a 5 % margin and "same within ±10%" at a 10 % one.
    #[test]
    fn the_suites_margin_is_the_judgements() {
        use crate::results::testdata::{run_results, variant};
        let mut results = run_results(vec![
            variant("a", &[("startup_s", &[2.00, 2.01, 1.99, 2.00, 2.01])]),
            variant("b", &[("startup_s", &[2.14, 2.15, 2.13, 2.14, 2.15])]),
        ]);
        let relation = |results: &RunResults| {
            let analysis = Analysis::of(results);
            let table = analysis.relative.unwrap();
            let row = table.rows[0].clone();
            crate::relative::relation_text(&row, table.settings.threshold)
        };
        assert_eq!(relation(&results), "worse");
        results.margin = Some(0.10);
        assert_eq!(relation(&results), "same within ±10%");
    }
}
