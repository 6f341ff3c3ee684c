//! Pass 2, meaning: units, names and paths are checked, variants are merged over the suite, and
//! every error is collected (with its line and key) rather than stopping at the first.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use toml::Spanned;

use super::claims::{resolve_claims, resolve_reference};
use super::edits::{check_edit_files, resolve_edits, Located};
use super::locate::{is_bare, line_of};
use super::raw::{RawSuite, RawVariant};
use super::run::resolve_run;
use super::targets::{ordered_targets, resolve_targets};
use super::SuiteError;
use crate::scenario::compose::stack::ServiceImage;
use crate::scenario::dockerfile::Dockerfile;
use crate::scenario::units::{self, Quantity};
use crate::scenario::{AutoRuns, Builder, Edit, RunSpec, Suite, Target, Variant};

const DEFAULT_RUNS: u32 = 3;
/// `runs = "auto"`: the rounds before the first look (`analysis::sequential::MIN_RUNS`).
const AUTO_MIN_RUNS: u32 = crate::analysis::sequential::MIN_RUNS as u32;
/// `runs = "auto"` without `max_runs`.
const DEFAULT_MAX_RUNS: u32 = crate::analysis::sequential::DEFAULT_MAX_RUNS as u32;
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
    /// The suite names its context: a compose `build` section does not override it.
    context_given: bool,
    builder: Builder,
    builder_given: bool,
    target: Option<&'a Spanned<String>>,
    platform: Option<String>,
    build_args: &'a BTreeMap<String, String>,
    run: Option<RunSpec>,
    targets: BTreeMap<String, Target>,
    edits: Vec<Edit>,
    /// Where each edit's changes were written, for the per-variant checks.
    edit_places: Vec<Vec<Located>>,
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
    } else if !is_bare(name) {
        // It names the results folder (results/<name>/...) and export files: `../../etc` would
        // write outside it, and a space or a slash makes paths a shell splits or nests.
        let message = format!(
            "the suite name {name:?} may only contain letters, digits, `_` and `-` (it names \
             the results folder)"
        );
        ck.error(raw.name.span(), "name", message);
    }
    let (runs, sampling) = resolve_sampling(ck, raw);
    let suite_dir = suite_path
        .parent()
        .expect("a file has a folder")
        .to_path_buf();
    let (edits, edit_places) = resolve_edits(ck, &raw.edit);
    let edit_names: Vec<&str> = edits.iter().map(|e| e.name.as_str()).collect();
    let targets = resolve_targets(ck, &raw.targets, "targets", &edit_names);
    let level = SuiteLevel {
        context_dir: resolve_context(ck, &suite_dir, raw.context.as_ref(), "context", None),
        context_given: raw.context.is_some(),
        builder: resolve_builder(ck, raw.builder.as_ref(), "builder").unwrap_or(Builder::BuildKit),
        builder_given: raw.builder.is_some(),
        target: check_target_name(ck, raw.target.as_ref(), "target"),
        platform: resolve_platform(ck, raw.platform.as_ref(), "platform"),
        build_args: &raw.build_args,
        run: raw
            .run
            .as_ref()
            .map(|run| resolve_run(ck, run, "run", &suite_dir)),
        suite_dir,
        targets,
        edits,
        edit_places,
    };
    let variants = resolve_variants(ck, &raw.variant, &level);
    let variant_names: Vec<&str> = variants.iter().map(|v| v.name.as_str()).collect();
    let edit_names = level.edit_names();
    let reference = resolve_reference(ck, raw.reference.as_ref(), &variant_names);
    let claims = resolve_claims(ck, &raw.claim, &variant_names, &edit_names);
    Suite {
        name: name.clone(),
        path: suite_path,
        runs,
        sampling,
        reference,
        claims,
        claims_exit: raw.claims_exit.unwrap_or(true),
        margin: resolve_margin(ck, raw.margin.as_ref()),
        edits: level.edits,
        variants,
    }
}

/// `margin = "5%"`: the change within which two variants are the same, and beyond which a
/// significant one counts. A percentage, as `compare --threshold` takes it.
fn resolve_margin(ck: &mut Checker, margin: Option<&Spanned<String>>) -> f64 {
    let default = crate::compare::CompareSettings::default().threshold;
    let Some(margin) = margin else {
        return default;
    };
    match crate::compare::parse_threshold(margin.get_ref()) {
        Ok(m) if m > 0.0 => m,
        Ok(_) => {
            ck.error(
                margin.span(),
                "margin",
                "margin must be above 0%, like \"5%\"",
            );
            default
        }
        Err(e) => {
            ck.error(margin.span(), "margin", e.replace("threshold", "margin"));
            default
        }
    }
}

/// `runs`: a number of runs per variant, or `"auto"`: the minimum of rounds, then more for
/// the variants whose comparisons are undecided, up to `max_runs` (default 10) and within
/// `budget` (a duration, none by default). `max_runs` and `budget` need `runs = "auto"`.
fn resolve_sampling(ck: &mut Checker, raw: &RawSuite) -> (u32, Option<AutoRuns>) {
    let auto = raw
        .runs
        .as_ref()
        .is_some_and(|runs| runs.get_ref().as_str() == Some("auto"));
    let runs = match &raw.runs {
        None => DEFAULT_RUNS,
        Some(_) if auto => AUTO_MIN_RUNS,
        Some(runs) => {
            let valid = runs
                .get_ref()
                .as_integer()
                .and_then(|n| u32::try_from(n).ok());
            match valid.filter(|&n| n >= 1) {
                Some(n) => n,
                None => {
                    let message = format!(
                        "runs must be an integer >= 1 or \"auto\", found {}",
                        runs.get_ref()
                    );
                    ck.error(runs.span(), "runs", message);
                    DEFAULT_RUNS
                }
            }
        }
    };
    let max_runs = raw.max_runs.as_ref().and_then(|max| {
        let valid = max
            .get_ref()
            .as_integer()
            .and_then(|n| u32::try_from(n).ok());
        match valid.filter(|&n| n >= AUTO_MIN_RUNS) {
            Some(n) => Some(n),
            None => {
                let message = format!(
                    "max_runs must be an integer >= {AUTO_MIN_RUNS} (the minimum of rounds \
                     before the first look), found {}",
                    max.get_ref()
                );
                ck.error(max.span(), "max_runs", message);
                None
            }
        }
    });
    let budget = resolve_duration(ck, raw.budget.as_ref(), "budget");
    if let (Some(Duration::ZERO), Some(value)) = (budget, &raw.budget) {
        ck.error(value.span(), "budget", "budget must be greater than 0");
    }
    if !auto {
        for (given, key) in [(&raw.max_runs, "max_runs"), (&raw.budget, "budget")] {
            if let Some(value) = given {
                let message =
                    format!("{key} applies to runs = \"auto\" only; add it, or drop {key}");
                ck.error(value.span(), key, message);
            }
        }
        return (runs, None);
    }
    let sampling = AutoRuns {
        max_runs: max_runs.unwrap_or(DEFAULT_MAX_RUNS),
        budget,
    };
    (runs, Some(sampling))
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

/// `None` when not given or invalid (reported).
pub(super) fn resolve_duration(
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

/// Edit and variant names end up in metric names and file names.
pub(super) fn check_names<'a>(
    ck: &mut Checker,
    kind: &str,
    names: impl Iterator<Item = &'a Spanned<String>>,
) {
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
pub(super) fn relative_inside(text: &str) -> Result<PathBuf, &'static str> {
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
    let run = v
        .run
        .as_ref()
        .map(|run| resolve_run(ck, run, &sub("run"), &level.suite_dir))
        .or_else(|| level.run.clone());
    // The measured service's compose `build` gives the defaults; the suite and the variant
    // override them.
    let compose_build =
        run.as_ref()
            .and_then(|r| r.stack.as_ref())
            .and_then(|s| match &s.measured().image {
                Some(ServiceImage::Build(b)) => Some(b.clone()),
                _ => None,
            });
    let context_dir = match (&v.context, &compose_build) {
        (Some(context), _) => resolve_context(
            ck,
            &level.suite_dir,
            Some(context),
            &sub("context"),
            Some(name),
        ),
        (None, Some(build)) if !level.context_given => {
            if build.context.is_dir() {
                Some(build.context.clone())
            } else {
                let message = format!(
                    "the compose build context of service `{}` is not a folder ({})",
                    run.as_ref()
                        .and_then(|r| r.stack.as_ref())
                        .map_or("", |s| &s.service),
                    build.context.display()
                );
                ck.error(raw.span(), key.clone(), message);
                None
            }
        }
        (None, _) => level.context_dir.clone(),
    };
    let default_dockerfile = compose_build
        .as_ref()
        .and_then(|b| b.dockerfile.clone())
        .unwrap_or_else(|| DEFAULT_DOCKERFILE.to_string());
    let dockerfile = resolve_dockerfile(
        ck,
        raw,
        &sub("dockerfile"),
        context_dir.as_deref(),
        &default_dockerfile,
    );
    if let Some(dir) = &context_dir {
        check_edit_files(ck, name, dir, &level.edits, &level.edit_places);
    }
    let target_key = if v.target.is_some() {
        sub("target")
    } else {
        "target".to_string()
    };
    let target = check_target_name(ck, v.target.as_ref(), &sub("target")).or(level.target);
    if let (Some(target), Some(dir)) = (target, &context_dir) {
        check_target_stage(ck, name, &dir.join(&dockerfile), target, &target_key);
    }
    let target = target
        .map(|t| t.get_ref().clone())
        .or_else(|| compose_build.as_ref().and_then(|b| b.target.clone()));
    let platform = resolve_platform(ck, v.platform.as_ref(), &sub("platform"))
        .or_else(|| level.platform.clone());
    let mut build_args = compose_build.map(|b| b.args).unwrap_or_default();
    build_args.extend(level.build_args.clone());
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
        builder_given: v.builder.is_some() || level.builder_given,
        target,
        platform,
        build_args,
        run,
        targets: ordered_targets(targets, &level.edit_names()),
    }
}

/// The Dockerfile, relative to the context; `default` when not given.
fn resolve_dockerfile(
    ck: &mut Checker,
    raw: &Spanned<RawVariant>,
    key: &str,
    context_dir: Option<&Path>,
    default: &str,
) -> PathBuf {
    let v = raw.get_ref();
    let name = v.name.get_ref();
    // Without the key, point at the variant's header.
    let (text, span) = match &v.dockerfile {
        Some(file) => (file.get_ref().as_str(), file.span()),
        None => (default, raw.span()),
    };
    // Inside the context it is kept in normal form; outside it (`../x`, or absolute), as
    // `docker build -f` allows, it is kept as written and sent along with the context.
    let path = relative_inside(text).unwrap_or_else(|_| PathBuf::from(text));
    if let Some(dir) = context_dir.filter(|dir| !dir.join(&path).is_file()) {
        let message = if path.is_relative() && relative_inside(text).is_ok() {
            format!(
                "variant \"{name}\": Dockerfile `{text}` not found in its context {}",
                dir.display()
            )
        } else {
            format!(
                "variant \"{name}\": Dockerfile `{text}` not found (looked for {}, relative to the context)",
                dir.join(&path).display()
            )
        };
        ck.error(span, key, message);
    }
    path
}

/// `target` must name a stage; `None` when not given or empty (reported).
fn check_target_name<'a>(
    ck: &mut Checker,
    target: Option<&'a Spanned<String>>,
    key: &str,
) -> Option<&'a Spanned<String>> {
    let target = target?;
    if target.get_ref().trim().is_empty() {
        let message =
            "target must name a stage (`FROM ... AS name`); leave it out to build the last stage";
        ck.error(target.span(), key, message);
        return None;
    }
    Some(target)
}

fn check_target_stage(
    ck: &mut Checker,
    variant: &str,
    dockerfile: &Path,
    target: &Spanned<String>,
    key: &str,
) {
    let Ok(text) = std::fs::read_to_string(dockerfile) else {
        return; // a missing Dockerfile is reported already
    };
    let parsed = Dockerfile::parse(&text);
    if parsed.stage_index(target.get_ref()).is_some() {
        return;
    }
    let names: Vec<&str> = parsed
        .stages
        .iter()
        .filter_map(|s| s.name.as_deref())
        .collect();
    let stages = if names.is_empty() {
        "it has no named stage".to_string()
    } else {
        format!("its stages are: {}", names.join(", "))
    };
    let message = format!(
        "variant \"{variant}\": target `{}` is not a stage of {}; {stages}",
        target.get_ref(),
        dockerfile.display()
    );
    ck.error(target.span(), key, message);
}

/// `os/arch[/variant]`, as `docker build --platform` takes it.
fn resolve_platform(
    ck: &mut Checker,
    platform: Option<&Spanned<String>>,
    key: &str,
) -> Option<String> {
    let platform = platform?;
    let text = platform.get_ref().trim();
    let parts: Vec<&str> = text.split('/').collect();
    let well_formed = (2..=3).contains(&parts.len())
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    if !well_formed {
        let message = format!(
            "platform must look like \"linux/amd64\" or \"linux/arm64/v8\" (os/arch[/variant]), found {:?}",
            platform.get_ref()
        );
        ck.error(platform.span(), key, message);
        return None;
    }
    Some(text.to_string())
}
