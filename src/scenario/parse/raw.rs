//! Pass 1, shape: serde reads the suite into `Raw*` structs, rejecting unknown keys and wrong
//! types. Values checked later are `Spanned` so their errors can point at a line; serde's own
//! errors are reworded in the suite's terms and placed with `locate`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use toml::de::DeTable;
use toml::Spanned;

use super::locate::{join_key, line_of, locate, render_path, Seg};
use super::SuiteError;

pub(super) type RawTargets = BTreeMap<Spanned<String>, Spanned<toml::Value>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSuite {
    pub(super) name: Spanned<String>,
    pub(super) context: Option<Spanned<String>>,
    pub(super) runs: Option<Spanned<toml::Value>>,
    pub(super) max_runs: Option<Spanned<toml::Value>>,
    pub(super) budget: Option<Spanned<toml::Value>>,
    pub(super) builder: Option<Spanned<String>>,
    pub(super) target: Option<Spanned<String>>,
    pub(super) platform: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) build_args: BTreeMap<String, String>,
    pub(super) run: Option<RawRun>,
    #[serde(default)]
    pub(super) targets: RawTargets,
    #[serde(default)]
    pub(super) edit: Vec<Spanned<RawEdit>>,
    #[serde(default)]
    pub(super) variant: Vec<Spanned<RawVariant>>,
    pub(super) reference: Option<Spanned<String>>,
    pub(super) claims_exit: Option<bool>,
    pub(super) margin: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) claim: Vec<Spanned<RawClaim>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawClaim {
    pub(super) text: String,
    pub(super) source: Option<String>,
    pub(super) metric: Spanned<String>,
    pub(super) from: Spanned<String>,
    pub(super) to: Spanned<String>,
    pub(super) expect: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRun {
    pub(super) port: Option<Spanned<toml::Value>>,
    pub(super) http_probe: Option<Spanned<String>>,
    pub(super) http_status: Option<Spanned<toml::Value>>,
    pub(super) ready_log: Option<Spanned<String>>,
    pub(super) timeout: Option<Spanned<toml::Value>>,
    pub(super) settle: Option<Spanned<toml::Value>>,
    #[serde(default)]
    pub(super) env: BTreeMap<String, String>,
    pub(super) env_file: Option<Spanned<String>>,
    pub(super) command: Option<Spanned<Vec<String>>>,
    pub(super) memory: Option<Spanned<toml::Value>>,
    pub(super) cpus: Option<Spanned<toml::Value>>,
    pub(super) user: Option<Spanned<String>>,
    pub(super) tmpfs: Option<Spanned<Vec<String>>>,
    pub(super) compose: Option<Spanned<String>>,
    pub(super) service: Option<Spanned<String>>,
}

/// An edit: the single-file form (`file` plus one kind) or `[[edit.change]]` entries.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEdit {
    pub(super) name: Spanned<String>,
    // The single-file form's keys, as in `RawChange` (serde's `flatten` would lose the spans).
    pub(super) file: Option<Spanned<String>>,
    pub(super) append: Option<Spanned<String>>,
    pub(super) replace: Option<Spanned<RawReplace>>,
    pub(super) write: Option<Spanned<String>>,
    pub(super) delete: Option<Spanned<bool>>,
    #[serde(default)]
    pub(super) change: Vec<Spanned<RawChange>>,
}

impl RawEdit {
    /// The single-file form's keys as a change, or `None` when none of them is given.
    pub(super) fn single(&self) -> Option<RawChange> {
        let given = self.file.is_some()
            || self.append.is_some()
            || self.replace.is_some()
            || self.write.is_some()
            || self.delete.is_some();
        given.then(|| RawChange {
            file: self.file.clone(),
            append: self.append.clone(),
            replace: self.replace.clone(),
            write: self.write.clone(),
            delete: self.delete.clone(),
        })
    }
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub(super) struct RawChange {
    pub(super) file: Option<Spanned<String>>,
    pub(super) append: Option<Spanned<String>>,
    pub(super) replace: Option<Spanned<RawReplace>>,
    pub(super) write: Option<Spanned<String>>,
    pub(super) delete: Option<Spanned<bool>>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub(super) struct RawReplace {
    pub(super) from: String,
    pub(super) to: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawVariant {
    pub(super) name: Spanned<String>,
    pub(super) dockerfile: Option<Spanned<String>>,
    pub(super) context: Option<Spanned<String>>,
    pub(super) builder: Option<Spanned<String>>,
    pub(super) target: Option<Spanned<String>>,
    pub(super) platform: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) build_args: BTreeMap<String, String>,
    pub(super) run: Option<RawRun>,
    #[serde(default)]
    pub(super) targets: RawTargets,
}

pub(super) fn read_raw(file: &Path, src: &str) -> Result<RawSuite, SuiteError> {
    let tree = DeTable::parse(src).map_err(|e| syntax_error(file, src, &e))?;
    // The tree is kept to find which key a serde error's span belongs to.
    RawSuite::deserialize(toml::de::Deserializer::from(tree.clone()))
        .map_err(|e| shape_error(file, src, &e, tree.get_ref()))
}

fn syntax_error(file: &Path, src: &str, err: &toml::de::Error) -> SuiteError {
    let span = err.span();
    // A duplicate key's span is the key itself: worth naming.
    let key = span
        .clone()
        .filter(|_| err.message() == "duplicate key")
        .and_then(|s| src.get(s))
        .map(str::to_string);
    SuiteError {
        file: file.to_path_buf(),
        line: span.map(|s| line_of(src, s.start)),
        key,
        message: err.message().to_string(),
    }
}

fn shape_error(file: &Path, src: &str, err: &toml::de::Error, tree: &DeTable) -> SuiteError {
    let span = err.span();
    let path = span.as_ref().map(|s| locate(tree, s)).unwrap_or_default();
    let (key, message) = explain(&path, err.message());
    SuiteError {
        file: file.to_path_buf(),
        line: span.map(|s| line_of(src, s.start)),
        key,
        message,
    }
}

/// Rewrites serde's messages in the suite's words; `path` is where the error's span lies.
fn explain(path: &[Seg], message: &str) -> (Option<String>, String) {
    // serde quotes field names in backticks: "unknown field `x`, expected one of `a`, `b`".
    let names: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
    match names.split_first() {
        Some((field, expected)) if message.starts_with("unknown field") => {
            let section = match path.split_last() {
                Some((Seg::Key(last), section)) if last == field => section,
                _ => path,
            };
            let suggestion = nearest(field, expected)
                .map(|near| format!("did you mean `{near}`? "))
                .unwrap_or_default();
            let message = format!(
                "unknown key `{field}` {}; {suggestion}expected one of: {}",
                describe_section(section),
                expected.join(", ")
            );
            (Some(join_key(&render_path(section), field)), message)
        }
        Some((field, _)) if message.starts_with("missing field") => {
            let message = format!("missing required key `{field}` {}", describe_section(path));
            (Some(join_key(&render_path(path), field)), message)
        }
        _ => {
            let key = (!path.is_empty()).then(|| render_path(path));
            let message = message
                .replace("expected a sequence", "expected an array")
                .replace("expected a map", "expected a table");
            (key, message)
        }
    }
}

/// The known key a misspelt `field` most likely meant: the closest by edit distance (a swap of
/// two letters counts as one edit), if it is close enough to be a typo rather than another word:
/// at most one edit per three letters, and at least one.
fn nearest<'a>(field: &str, known: &[&'a str]) -> Option<&'a str> {
    let allowed = (field.chars().count() / 3).max(1);
    known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(field, k), *k))
        .filter(|(distance, _)| *distance <= allowed)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, k)| k)
}

fn describe_section(section: &[Seg]) -> String {
    if section.is_empty() {
        "at the top level".to_string()
    } else {
        format!("in [{}]", render_path(section))
    }
}
