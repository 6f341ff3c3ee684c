//! `dockbench validate`: load each suite without Docker and report every problem found.

use std::path::PathBuf;

use super::{EXIT_OK, EXIT_UNUSABLE};
use crate::scenario::{load_suite, validate_suite};

pub fn validate(suites: &[PathBuf]) -> i32 {
    let mut code = EXIT_OK;
    for path in suites {
        match load_suite(path) {
            Ok(suite) => {
                let edits = suite.edits.len();
                let claims = match suite.claims.len() {
                    0 => String::new(),
                    n => format!(", {n} claim{}", plural(n)),
                };
                println!(
                    "{}: ok ({} variant{}, {edits} edit{}, {} run{}{claims})",
                    path.display(),
                    suite.variants.len(),
                    plural(suite.variants.len()),
                    plural(edits),
                    suite.runs,
                    plural(suite.runs as usize),
                );
                for warning in crate::measure::suite_warnings(&suite) {
                    eprintln!("{}: warning: {warning}", path.display());
                }
            }
            Err(_) => {
                // Report every problem at once, not one per attempt.
                for e in validate_suite(path) {
                    eprintln!("error: {e}");
                }
                code = EXIT_UNUSABLE;
            }
        }
    }
    code
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
