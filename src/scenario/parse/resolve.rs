//! Pass 2, meaning: units, names and paths are checked, variants are merged over the suite, and
//! every error is collected (with its line and key) rather than stopping at the first.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use serde_spanned::Spanned;

use super::locate::{is_bare, line_of};
use super::raw::{RawEdit, RawRun, RawSuite, RawVariant};
use super::targets::{ordered_targets, resolve_targets};
use super::SuiteError;
use crate::scenario::units::{self, Quantity};
use crate::scenario::{Builder, Edit, RunSpec, Suite, Target, Variant};

const DEFAULT_RUNS: u32 = 3;
pub(super) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
pub(super) const DEFAULT_SETTLE: Duration = Duration::from_secs(2);
const DEFAULT_DOCKERFILE: &str = "Dockerfile";

pub(super) struct Checker<'a> {
    /// As given by the caller, for messages.
    pub(super) file: &'a Path,
    pub(super) src: &'a str,
    pub(super) errors: Vec<SuiteError>,
}

impl Checker<'_> {
    pub(super) fn error(
        &mut self,
        span: Range<usize>,
        key: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.errors.push(SuiteError {
            file: self.file.to_path_buf(),
            line: Some(line_of(self.src, span.start)),
            key: Some(key.into()),
            message: message.into(),
        });
    }
}

/// What every variant starts from before its own overrides.
struct SuiteLevel<'a> {
    suite_dir: PathBuf,
    /// `None` when the suite's context is broken (already reported): skip the file checks.
    context_dir: Option<PathBuf>,
    builder: Builder,
    build_args: &'a BTreeMap<String, String>,
    run: Option<RunSpec>,
    targets: BTreeMap<String, Target>,
    edits: Vec<Edit>,
    raw_edits: &'a [RawEdit],
}

impl SuiteLevel<'_> {
    fn edit_names(&self) -> Vec<&str> {
        self.edits.iter().map(|e| e.name.as_str()).collect()
    }
}

pub(super) fn resolve_suite(ck: &mut Checker, raw: &RawSuite, suite_path: PathBuf) -> Suite {
    let name = raw.name.get_ref();
    if name.trim().is_empty() {
        ck.error(raw.name.span(), "name", "the suite name must not be empty");
    }
    let runs = resolve_runs(ck, raw.runs.as_ref());
    let suite_dir = suite_path
        .parent()
        .expect("a file has a folder")
        .to_path_buf();
    let edits = resolve_edits(ck, &raw.edit);
    let edit_names: Vec<&str> = edits.iter().map(|e| e.name.as_str()).collect();
    let targets = resolve_targets(ck, &raw.targets, "targets", &edit_names);
    let level = SuiteLevel {
        context_dir: resolve_context(ck, &suite_dir, raw.context.as_ref(), "context", None),
        suite_dir,
        builder: resolve_builder(ck, raw.builder.as_ref(), "builder").unwrap_or(Builder::BuildKit),
        build_args: &raw.build_args,
        run: raw.run.as_ref().map(|run| resolve_run(ck, run, "run")),
        targets,
        edits,
        raw_edits: &raw.edit,
    };
    let variants = resolve_variants(ck, &raw.variant, &level);
    Suite {
        name: name.clone(),
        path: suite_path,
        runs,
        edits: level.edits,
        variants,
    }
}

fn resolve_runs(ck: &mut Checker, runs: Option<&Spanned<toml::Value>>) -> u32 {
    let Some(runs) = runs else {
        return DEFAULT_RUNS;
    };
    let valid = runs
        .get_ref()
        .as_integer()
        .and_then(|n| u32::try_from(n).ok());
    match valid.filter(|&n| n >= 1) {
        Some(n) => n,
        None => {
            let message = format!("runs must be an integer >= 1, found {}", runs.get_ref());
            ck.error(runs.span(), "runs", message);
            DEFAULT_RUNS
        }
    }
}

/// `None` when not given or invalid (reported).
fn resolve_builder(
    ck: &mut Checker,
    builder: Option<&Spanned<String>>,
    key: &str,
) -> Option<Builder> {
    let builder = builder?;
    match builder.get_ref().as_str() {
        "buildkit" => Some(Builder::BuildKit),
        "classic" => Some(Builder::Classic),
        other => {
            let message =
                format!("unknown builder {other:?}; expected \"buildkit\" or \"classic\"");
            ck.error(builder.span(), key, message);
            None
        }
    }
}

/// The absolute context folder, relative to the suite file; `"."` when not given. `variant`
/// names the variant in messages when the context is its own.
fn resolve_context(
    ck: &mut Checker,
    suite_dir: &Path,
    context: Option<&Spanned<String>>,
    key: &str,
    variant: Option<&str>,
) -> Option<PathBuf> {
    let Some(context) = context else {
        return Some(suite_dir.to_path_buf());
    };
    let text = context.get_ref();
    let dir = suite_dir.join(text);
    let why = match dir.canonicalize() {
        Ok(abs) if abs.is_dir() => return Some(abs),
        Ok(abs) => format!("context `{text}` is not a folder ({})", abs.display()),
        Err(_) => format!(
            "context folder `{text}` does not exist (looked for {})",
            dir.display()
        ),
    };
    let message = match variant {
        Some(name) => format!("variant \"{name}\": {why}"),
        None => why,
    };
    ck.error(context.span(), key, message);
    None
}

fn resolve_run(ck: &mut Checker, raw: &RawRun, key: &str) -> RunSpec {
    let sub = |name: &str| format!("{key}.{name}");
    let port = raw
        .port
        .get_ref()
        .as_integer()
        .and_then(|p| u16::try_from(p).ok());
    let port = port.filter(|&p| p >= 1).unwrap_or_else(|| {
        let message = format!(
            "port must be an integer in 1..=65535, found {}",
            raw.port.get_ref()
        );
        ck.error(raw.port.span(), sub("port"), message);
        0
    });
    if let Some(probe) = raw
        .http_probe
        .as_ref()
        .filter(|p| !p.get_ref().starts_with('/'))
    {
        let message = format!(
            "http_probe must be a path starting with \"/\", like \"/health\", found {:?}",
            probe.get_ref()
        );
        ck.error(probe.span(), sub("http_probe"), message);
    }
    let timeout = resolve_duration(ck, raw.timeout.as_ref(), &sub("timeout"));
    if let (Some(Duration::ZERO), Some(value)) = (timeout, &raw.timeout) {
        ck.error(
            value.span(),
            sub("timeout"),
            "timeout must be greater than 0",
        );
    }
    let settle = resolve_duration(ck, raw.settle.as_ref(), &sub("settle"));
    let command = raw.command.as_ref().map(|command| {
        if command.get_ref().is_empty() {
            let message = "command must not be empty; leave it out to use the image's CMD";
            ck.error(command.span(), sub("command"), message);
        }
        command.get_ref().clone()
    });
    RunSpec {
        port,
        http_probe: raw.http_probe.as_ref().map(|p| p.get_ref().clone()),
        timeout: timeout.unwrap_or(DEFAULT_TIMEOUT),
        settle: settle.unwrap_or(DEFAULT_SETTLE),
        env: raw.env.clone(),
        command,
    }
}

/// `None` when not given or invalid (reported).
fn resolve_duration(
    ck: &mut Checker,
    value: Option<&Spanned<toml::Value>>,
    key: &str,
) -> Option<Duration> {
    let value = value?;
    let parsed = quantity(value.get_ref()).and_then(|q| units::duration_of(q).map_err(|e| e.0));
    parsed
        .map_err(|message| ck.error(value.span(), key, message))
        .ok()
}

/// A TOML value as a quantity; anything but a string or a number is a mistake.
pub(super) fn quantity(value: &toml::Value) -> Result<Quantity<'_>, String> {
    match value {
        toml::Value::String(text) => Ok(Quantity::Text(text)),
        toml::Value::Integer(n) => Ok(Quantity::Integer(*n)),
        toml::Value::Float(f) => Ok(Quantity::Float(*f)),
        other => Err(format!(
            "expected a string with a unit or a number, found a {}",
            other.type_str()
        )),
    }
}

fn resolve_edits(ck: &mut Checker, raw: &[RawEdit]) -> Vec<Edit> {
    check_names(ck, "edit", raw.iter().map(|e| &e.name));
    let mut edits = Vec::with_capacity(raw.len());
    for (i, edit) in raw.iter().enumerate() {
        let text = edit.file.get_ref();
        // An empty path marks a file already reported, so variants skip it.
        let file = relative_inside(text).unwrap_or_else(|why| {
            let message = format!("edit \"{}\": file `{text}` {why}", edit.name.get_ref());
            ck.error(edit.file.span(), format!("edit[{}].file", i + 1), message);
            PathBuf::new()
        });
        edits.push(Edit {
            name: edit.name.get_ref().clone(),
            file,
            append: edit.append.clone(),
        });
    }
    edits
}

/// Edit and variant names end up in metric names and file names.
fn check_names<'a>(ck: &mut Checker, kind: &str, names: impl Iterator<Item = &'a Spanned<String>>) {
    let mut first_line: HashMap<&str, usize> = HashMap::new();
    for (i, name) in names.enumerate() {
        let key = format!("{kind}[{}].name", i + 1);
        let text = name.get_ref().as_str();
        let line = line_of(ck.src, name.span().start);
        let message = if text.is_empty() {
            format!("{kind} name must not be empty")
        } else if !is_bare(text) {
            format!("{kind} name {text:?} may only contain letters, digits, `_` and `-` (it is used in metric and file names)")
        } else if let Some(first) = first_line.get(text) {
            format!("duplicate {kind} name {text:?} (first used on line {first})")
        } else {
            first_line.insert(text, line);
            continue;
        };
        ck.error(name.span(), key, message);
    }
}

/// A path relative to a context that stays inside it, with `.` parts removed.
fn relative_inside(text: &str) -> Result<PathBuf, &'static str> {
    let mut out = PathBuf::new();
    for part in Path::new(text).components() {
        match part {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            Component::ParentDir if out.pop() => {}
            Component::ParentDir => return Err("must stay inside the context"),
            Component::RootDir | Component::Prefix(_) => {
                return Err("must be relative to the context")
            }
        }
    }
    if out.as_os_str().is_empty() {
        return Err("must name a file");
    }
    Ok(out)
}

fn resolve_variants(
    ck: &mut Checker,
    raw: &[Spanned<RawVariant>],
    level: &SuiteLevel,
) -> Vec<Variant> {
    if raw.is_empty() {
        ck.error(
            0..0,
            "variant",
            "the suite has no [[variant]]; add at least one",
        );
    }
    check_names(ck, "variant", raw.iter().map(|v| &v.get_ref().name));
    raw.iter()
        .enumerate()
        .map(|(i, variant)| resolve_variant(ck, i + 1, variant, level))
        .collect()
}

fn resolve_variant(
    ck: &mut Checker,
    n: usize,
    raw: &Spanned<RawVariant>,
    level: &SuiteLevel,
) -> Variant {
    let key = format!("variant[{n}]");
    let sub = |name: &str| format!("{key}.{name}");
    let v = raw.get_ref();
    let name = v.name.get_ref();
    let context_dir = match &v.context {
        Some(context) => resolve_context(
            ck,
            &level.suite_dir,
            Some(context),
            &sub("context"),
            Some(name),
        ),
        None => level.context_dir.clone(),
    };
    let dockerfile = resolve_dockerfile(ck, raw, &sub("dockerfile"), context_dir.as_deref());
    if let Some(dir) = &context_dir {
        check_edit_files(ck, name, dir, level);
    }
    let mut build_args = level.build_args.clone();
    build_args.extend(v.build_args.clone());
    let mut targets = level.targets.clone();
    targets.extend(resolve_targets(
        ck,
        &v.targets,
        &sub("targets"),
        &level.edit_names(),
    ));
    Variant {
        name: name.clone(),
        context_dir: context_dir.unwrap_or_default(),
        dockerfile,
        builder: resolve_builder(ck, v.builder.as_ref(), &sub("builder")).unwrap_or(level.builder),
        build_args,
        run: v
            .run
            .as_ref()
            .map(|run| resolve_run(ck, run, &sub("run")))
            .or_else(|| level.run.clone()),
        targets: ordered_targets(targets, &level.edit_names()),
    }
}

/// The Dockerfile, relative to the context; `Dockerfile` when not given.
fn resolve_dockerfile(
    ck: &mut Checker,
    raw: &Spanned<RawVariant>,
    key: &str,
    context_dir: Option<&Path>,
) -> PathBuf {
    let v = raw.get_ref();
    let name = v.name.get_ref();
    // Without the key, point at the variant's header.
    let (text, span) = match &v.dockerfile {
        Some(file) => (file.get_ref().as_str(), file.span()),
        None => (DEFAULT_DOCKERFILE, raw.span()),
    };
    let relative = match relative_inside(text) {
        Ok(relative) => relative,
        Err(why) => {
            ck.error(
                span,
                key,
                format!("variant \"{name}\": dockerfile `{text}` {why}"),
            );
            return PathBuf::from(text);
        }
    };
    if let Some(dir) = context_dir.filter(|dir| !dir.join(&relative).is_file()) {
        let message = format!(
            "variant \"{name}\": Dockerfile `{text}` not found in its context {}",
            dir.display()
        );
        ck.error(span, key, message);
    }
    relative
}

/// Edits apply to every variant, so each edited file must exist in each variant's context.
fn check_edit_files(ck: &mut Checker, variant: &str, context_dir: &Path, level: &SuiteLevel) {
    for (i, (edit, raw)) in level.edits.iter().zip(level.raw_edits).enumerate() {
        if edit.file.as_os_str().is_empty() || context_dir.join(&edit.file).is_file() {
            continue;
        }
        let message = format!(
            "edit \"{}\": `{}` not found in the context of variant \"{variant}\" ({})",
            edit.name,
            raw.file.get_ref(),
            context_dir.display()
        );
        ck.error(raw.file.span(), format!("edit[{}].file", i + 1), message);
    }
}
