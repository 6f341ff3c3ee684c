//! TOML suite file -> `Suite`, with errors that name the file, line and key.
//!
//! Two passes. serde reads the file into `Raw*` structs (shape, types, unknown keys) and keeps
//! the span of every value we check later; then the `resolve_*` functions check meaning (units,
//! names, paths), merge variants over the suite, and collect every error they find so that
//! `dockbench validate` can list them all at once.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use serde_spanned::Spanned;
use toml::de::{DeTable, DeValue};

use super::units::{self, Quantity};
use super::{Builder, Edit, RunSpec, Suite, Target, Variant};
use crate::metric;

/// A mistake in a suite file that the user must fix. Displays as `file:line: key: message`.
#[derive(Debug, thiserror::Error)]
#[error("{}{}: {}{}", file.display(), line.map_or(String::new(), |l| format!(":{l}")), key.as_ref().map_or(String::new(), |k| format!("`{k}`: ")), message)]
pub struct SuiteError {
    pub file: PathBuf,
    /// 1-based.
    pub line: Option<usize>,
    pub key: Option<String>,
    pub message: String,
}

const DEFAULT_RUNS: u32 = 3;
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
const DEFAULT_SETTLE: Duration = Duration::from_secs(2);
const DEFAULT_DOCKERFILE: &str = "Dockerfile";

/// Reads and checks a suite file. On failure, the first error in file order.
pub fn load_suite(path: &Path) -> Result<Suite, SuiteError> {
    load(path).map_err(|mut errors| errors.remove(0))
}

/// Every error in a suite file, in file order; empty when the suite is valid. A TOML syntax
/// or shape error (unknown key, wrong type) stops the reading, so at most one of those is listed.
pub fn validate_suite(path: &Path) -> Vec<SuiteError> {
    load(path).err().unwrap_or_default()
}

fn load(path: &Path) -> Result<Suite, Vec<SuiteError>> {
    let src = std::fs::read_to_string(path).map_err(|e| vec![unreadable(path, &e)])?;
    let raw = read_raw(path, &src).map_err(|e| vec![e])?;
    let suite_path = path
        .canonicalize()
        .map_err(|e| vec![unreadable(path, &e)])?;
    let mut ck = Checker {
        file: path,
        src: &src,
        errors: Vec::new(),
    };
    let suite = resolve_suite(&mut ck, &raw, suite_path);
    if ck.errors.is_empty() {
        Ok(suite)
    } else {
        ck.errors.sort_by_key(|e| e.line);
        Err(ck.errors)
    }
}

fn unreadable(path: &Path, err: &std::io::Error) -> SuiteError {
    SuiteError {
        file: path.to_path_buf(),
        line: None,
        key: None,
        message: format!("cannot read the suite file: {err}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Pass 1: shape. Values checked later are `Spanned` so their errors can point at a line.

type RawTargets = BTreeMap<Spanned<String>, Spanned<toml::Value>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSuite {
    name: Spanned<String>,
    context: Option<Spanned<String>>,
    runs: Option<Spanned<toml::Value>>,
    builder: Option<Spanned<String>>,
    #[serde(default)]
    build_args: BTreeMap<String, String>,
    run: Option<RawRun>,
    #[serde(default)]
    targets: RawTargets,
    #[serde(default)]
    edit: Vec<RawEdit>,
    #[serde(default)]
    variant: Vec<Spanned<RawVariant>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRun {
    port: Spanned<toml::Value>,
    http_probe: Option<Spanned<String>>,
    timeout: Option<Spanned<toml::Value>>,
    settle: Option<Spanned<toml::Value>>,
    #[serde(default)]
    env: BTreeMap<String, String>,
    command: Option<Spanned<Vec<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEdit {
    name: Spanned<String>,
    file: Spanned<String>,
    append: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVariant {
    name: Spanned<String>,
    dockerfile: Option<Spanned<String>>,
    context: Option<Spanned<String>>,
    builder: Option<Spanned<String>>,
    #[serde(default)]
    build_args: BTreeMap<String, String>,
    run: Option<RawRun>,
    #[serde(default)]
    targets: RawTargets,
}

fn read_raw(file: &Path, src: &str) -> Result<RawSuite, SuiteError> {
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
            let message = format!(
                "unknown key `{field}` {}; expected one of: {}",
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

fn describe_section(section: &[Seg]) -> String {
    if section.is_empty() {
        "at the top level".to_string()
    } else {
        format!("in [{}]", render_path(section))
    }
}

// ---------------------------------------------------------------------------------------------
// Finding the key of a span.

#[derive(Debug, Clone, PartialEq)]
enum Seg {
    Key(String),
    /// 0-based here, shown 1-based.
    Index(usize),
}

/// `variant[2].run.port`: array indexes are 1-based, like lines.
fn render_path(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(key) => out = join_key(&out, key),
            Seg::Index(i) => write!(out, "[{}]", i + 1).expect("writing to a String"),
        }
    }
    out
}

/// Appends a key, quoted when it is not a bare TOML key (`targets."cache_hit_rate.source"`).
fn join_key(prefix: &str, key: &str) -> String {
    let key = if is_bare(key) {
        key.to_string()
    } else {
        format!("{key:?}")
    };
    if prefix.is_empty() {
        key
    } else {
        format!("{prefix}.{key}")
    }
}

/// `[A-Za-z0-9_-]+`: a bare TOML key, and what edit and variant names may contain.
fn is_bare(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The deepest key whose key or value span covers `target`. serde errors point at a key
/// (unknown field), a value (wrong type) or a table header (missing field); an empty span
/// means the document itself.
fn locate(root: &DeTable, target: &Range<usize>) -> Vec<Seg> {
    let mut finder = Finder {
        target: target.clone(),
        path: Vec::new(),
        best: None,
    };
    if !target.is_empty() {
        finder.table(root);
    }
    finder.best.map(|(path, _)| path).unwrap_or_default()
}

struct Finder {
    target: Range<usize>,
    path: Vec<Seg>,
    /// Path and span length of the tightest match so far.
    best: Option<(Vec<Seg>, usize)>,
}

impl Finder {
    fn table(&mut self, table: &DeTable) {
        for (key, value) in table.iter() {
            self.path.push(Seg::Key(key.get_ref().to_string()));
            self.consider(key.span());
            self.value(value);
            self.path.pop();
        }
    }

    fn value(&mut self, value: &Spanned<DeValue>) {
        self.consider(value.span());
        match value.get_ref() {
            DeValue::Table(table) => self.table(table),
            DeValue::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.path.push(Seg::Index(i));
                    self.value(item);
                    self.path.pop();
                }
            }
            _ => {}
        }
    }

    fn consider(&mut self, span: Range<usize>) {
        let covers = span.start <= self.target.start && self.target.end <= span.end;
        // An array of tables shares its first header's span with its first element: the
        // element, being deeper, wins the tie.
        let better = self.best.as_ref().is_none_or(|(path, len)| {
            span.len() < *len || (span.len() == *len && self.path.len() > path.len())
        });
        if covers && better {
            self.best = Some((self.path.clone(), span.len()));
        }
    }
}

fn line_of(src: &str, offset: usize) -> usize {
    let before = &src.as_bytes()[..offset.min(src.len())];
    before.iter().filter(|&&b| b == b'\n').count() + 1
}

// ---------------------------------------------------------------------------------------------
// Pass 2: meaning.

struct Checker<'a> {
    /// As given by the caller, for messages.
    file: &'a Path,
    src: &'a str,
    errors: Vec<SuiteError>,
}

impl Checker<'_> {
    fn error(&mut self, span: Range<usize>, key: impl Into<String>, message: impl Into<String>) {
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

fn resolve_suite(ck: &mut Checker, raw: &RawSuite, suite_path: PathBuf) -> Suite {
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
fn quantity(value: &toml::Value) -> Result<Quantity<'_>, String> {
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

fn resolve_targets(
    ck: &mut Checker,
    raw: &RawTargets,
    prefix: &str,
    edit_names: &[&str],
) -> BTreeMap<String, Target> {
    let mut targets = BTreeMap::new();
    for (metric_name, limit) in raw {
        let key = join_key(prefix, metric_name.get_ref());
        if let Err(message) = check_metric(metric_name.get_ref(), edit_names) {
            ck.error(metric_name.span(), key, message);
            continue;
        }
        match target(metric_name.get_ref(), limit.get_ref()) {
            Ok(target) => {
                targets.insert(target.metric.clone(), target);
            }
            Err(message) => ck.error(limit.span(), key, message),
        }
    }
    targets
}

fn check_metric(name: &str, edit_names: &[&str]) -> Result<(), String> {
    if name == metric::REBUILD_S {
        return Err("`rebuild_s` is measured per edit: write `rebuild_s.<edit>`".to_string());
    }
    if !metric::is_known(name) {
        return Err(format!(
            "unknown metric `{name}`; expected one of: {}",
            known_metrics()
        ));
    }
    match metric::edit_name(name) {
        Some(edit) if !edit_names.contains(&edit) => {
            let edits = if edit_names.is_empty() {
                "the suite has no [[edit]]".to_string()
            } else {
                format!("the suite's edits are: {}", edit_names.join(", "))
            };
            Err(format!("target on unknown edit `{edit}`; {edits}"))
        }
        _ => Ok(()),
    }
}

fn known_metrics() -> String {
    let names: Vec<String> = metric::BASE_METRICS
        .iter()
        .map(|&base| match base {
            metric::REBUILD_S => format!("{base}.<edit>"),
            metric::CACHE_HIT_RATE => format!("{base}, {base}.<edit>"),
            _ => base.to_string(),
        })
        .collect();
    names.join(", ")
}

fn target(metric_name: &str, limit: &toml::Value) -> Result<Target, String> {
    let unit = metric::unit_of(metric_name);
    let value = units::limit_of(unit, quantity(limit)?).map_err(|e| e.0)?;
    let limit_text = match limit {
        toml::Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    Ok(Target {
        metric: metric_name.to_string(),
        limit: value,
        limit_text,
        direction: metric::direction_of(metric_name),
    })
}

/// Targets in the order reports list metrics; per-edit ones in edit order.
fn ordered_targets(targets: BTreeMap<String, Target>, edit_names: &[&str]) -> Vec<Target> {
    let rank = |name: &str| {
        let base = metric::BASE_METRICS
            .iter()
            .position(|&b| b == metric::base_name(name));
        let edit = metric::edit_name(name).and_then(|e| edit_names.iter().position(|&n| n == e));
        (base, edit.map_or(0, |i| i + 1))
    };
    let mut targets: Vec<Target> = targets.into_values().collect();
    targets.sort_by_key(|t| rank(&t.metric));
    targets
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metric::Direction;
    use tempfile::TempDir;

    const FIXTURE: &str = "tests/fixtures/suites/python-api/suite.toml";

    /// A suite folder: `suite.toml` with `text`, and the given files (empty), or folders when
    /// the name ends with `/`.
    fn suite_dir(text: &str, files: &[&str]) -> (TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        for file in files {
            let path = dir.path().join(file);
            if file.ends_with('/') {
                std::fs::create_dir_all(&path).unwrap();
            } else {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, "").unwrap();
            }
        }
        let suite = dir.path().join("suite.toml");
        std::fs::write(&suite, text).unwrap();
        (dir, suite)
    }

    /// The first error as (line, key, message), and the canonical folder for path messages.
    fn first_error(
        text: &str,
        files: &[&str],
    ) -> ((Option<usize>, Option<String>, String), String) {
        let (dir, suite) = suite_dir(text, files);
        let err = load_suite(&suite).unwrap_err();
        assert_eq!(err.file, suite);
        let root = dir.path().canonicalize().unwrap().display().to_string();
        ((err.line, err.key, err.message), root)
    }

    fn expect(line: usize, key: &str, message: &str) -> (Option<usize>, Option<String>, String) {
        (Some(line), Some(key.to_string()), message.to_string())
    }

    const FILES: &[&str] = &["Dockerfile", "src/main.py"];
    const RUN_KEYS: &str = "port, http_probe, timeout, settle, env, command";

    // ---- a valid suite -------------------------------------------------------------------

    #[test]
    fn full_suite_with_overrides_and_merging() {
        let suite = load_suite(Path::new(FIXTURE)).unwrap();
        let root = Path::new(FIXTURE).parent().unwrap().canonicalize().unwrap();
        assert_eq!(suite.name, "python-api");
        assert_eq!(suite.path, root.join("suite.toml"));
        assert!(suite.path.is_absolute());
        assert_eq!(suite.runs, 5);
        let edit_files: Vec<_> = suite
            .edits
            .iter()
            .map(|e| (e.name.as_str(), e.file.clone()))
            .collect();
        assert_eq!(
            edit_files,
            [
                ("source", PathBuf::from("src/main.py")),
                ("deps", PathBuf::from("requirements.txt"))
            ]
        );
        assert_eq!(suite.edits[0].append, "\n# edited\n");

        let [baseline, alpine] = &suite.variants[..] else {
            panic!("two variants expected")
        };
        assert_eq!(baseline.name, "baseline");
        assert_eq!(baseline.context_dir, root.join("app"));
        assert_eq!(baseline.dockerfile, PathBuf::from("Dockerfile.baseline"));
        assert_eq!(baseline.builder, Builder::BuildKit);
        let run = baseline.run.as_ref().unwrap();
        assert_eq!(run.port, 8000);
        assert_eq!(run.http_probe.as_deref(), Some("/health"));
        assert_eq!(run.timeout, Duration::from_secs(90));
        assert_eq!(run.settle, Duration::from_millis(1500));
        assert_eq!(run.env["WORKERS"], "2");
        assert_eq!(run.command.as_ref().unwrap()[0], "uvicorn");

        assert_eq!(alpine.context_dir, root.join("app-alpine"));
        assert_eq!(alpine.dockerfile, PathBuf::from("docker/Dockerfile"));
        assert_eq!(alpine.builder, Builder::Classic);
        // build_args merged key by key, the variant wins.
        let args: Vec<_> = alpine
            .build_args
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            args,
            [("BASE", "python:3.13-alpine"), ("PIP_NO_CACHE_DIR", "1")]
        );
        assert_eq!(baseline.build_args["BASE"], "python:3.13-slim");
        // A variant's run replaces the suite's whole: defaults, not the suite's values.
        let expected_run = RunSpec {
            port: 9000,
            http_probe: None,
            timeout: DEFAULT_TIMEOUT,
            settle: DEFAULT_SETTLE,
            env: BTreeMap::new(),
            command: None,
        };
        assert_eq!(alpine.run.as_ref(), Some(&expected_run));
    }

    fn summary(targets: &[Target]) -> Vec<(&str, f64, &str)> {
        targets
            .iter()
            .map(|t| (t.metric.as_str(), t.limit, t.limit_text.as_str()))
            .collect()
    }

    #[test]
    fn targets_converted_merged_and_ordered() {
        let suite = load_suite(Path::new(FIXTURE)).unwrap();
        let (baseline, alpine) = (&suite.variants[0], &suite.variants[1]);
        assert_eq!(
            summary(&baseline.targets),
            [
                ("cold_build_s", 180.0, "3m"),
                ("rebuild_s.deps", 0.25, "250ms"),
                ("cache_hit_rate.source", 0.8, "80%"),
                ("image_size_bytes", 600_000_000.0, "600MB"),
                ("startup_s", 2.0, "2"),
                ("memory_peak_bytes", 536_870_912.0, "512MiB"),
            ]
        );
        assert_eq!(
            summary(&alpine.targets),
            [
                ("cold_build_s", 180.0, "3m"),
                ("rebuild_s.deps", 0.25, "250ms"),
                ("cache_hit_rate.source", 0.9, "0.9"),
                ("image_size_bytes", 1_500_000_000.0, "1.5GB"),
                ("startup_s", 2.0, "2"),
                ("memory_peak_bytes", 536_870_912.0, "512MiB"),
            ]
        );
        assert_eq!(alpine.targets[2].direction, Direction::AtLeast);
        assert_eq!(alpine.targets[3].direction, Direction::AtMost);
    }

    #[test]
    fn defaults() {
        let (dir, path) = suite_dir("name = \"s\"\n[[variant]]\nname = \"a\"\n", &["Dockerfile"]);
        let suite = load_suite(&path).unwrap();
        assert_eq!(suite.runs, 3);
        let variant = &suite.variants[0];
        assert_eq!(variant.context_dir, dir.path().canonicalize().unwrap());
        assert_eq!(variant.dockerfile, PathBuf::from("Dockerfile"));
        assert_eq!(variant.builder, Builder::BuildKit);
        assert!(variant.run.is_none());
        assert!(variant.targets.is_empty());
        assert!(validate_suite(&path).is_empty());
    }

    // ---- shape errors ------------------------------------------------------------------------

    #[test]
    fn toml_syntax_error() {
        let (got, _) = first_error("name = \"s\"\n\n[run\nport = 1\n", FILES);
        assert_eq!(
            got,
            (Some(3), None, "unclosed table, expected `]`".to_string())
        );
    }

    #[test]
    fn duplicate_key() {
        let (got, _) = first_error("name = \"s\"\nruns = 1\nruns = 2\n", FILES);
        assert_eq!(got, expect(3, "runs", "duplicate key"));
    }

    #[test]
    fn unknown_key_at_top_level() {
        let (got, _) = first_error("name = \"s\"\nrnus = 3\n", FILES);
        let message = "unknown key `rnus` at the top level; expected one of: \
                       name, context, runs, builder, build_args, run, targets, edit, variant";
        assert_eq!(got, expect(2, "rnus", message));
    }

    #[test]
    fn unknown_key_in_run() {
        let (got, _) = first_error("name = \"s\"\n[run]\nport = 80\ntimeot = \"5s\"\n", FILES);
        let message = format!("unknown key `timeot` in [run]; expected one of: {RUN_KEYS}");
        assert_eq!(got, expect(4, "run.timeot", &message));
    }

    #[test]
    fn unknown_key_in_variant() {
        let text = "name = \"s\"\n[[variant]]\nname = \"a\"\n\n[[variant]]\nname = \"b\"\ndockerfle = \"D\"\n";
        let (got, _) = first_error(text, FILES);
        let message = "unknown key `dockerfle` in [variant[2]]; expected one of: \
                       name, dockerfile, context, builder, build_args, run, targets";
        assert_eq!(got, expect(7, "variant[2].dockerfle", message));
    }

    #[test]
    fn unknown_key_in_variant_run_and_edit() {
        let text = "name = \"s\"\n[[variant]]\nname = \"a\"\nrun = { port = 1, probe = \"/\" }\n";
        let (got, _) = first_error(text, FILES);
        let message =
            format!("unknown key `probe` in [variant[1].run]; expected one of: {RUN_KEYS}");
        assert_eq!(got, expect(4, "variant[1].run.probe", &message));

        let text = "name = \"s\"\n[[edit]]\nname = \"e\"\nfile = \"f\"\nappend = \"\"\nmode = 1\n";
        let (got, _) = first_error(text, FILES);
        let message = "unknown key `mode` in [edit[1]]; expected one of: name, file, append";
        assert_eq!(got, expect(6, "edit[1].mode", message));
    }

    #[test]
    fn missing_required_keys() {
        let (got, _) = first_error("runs = 3\n[[variant]]\nname = \"a\"\n", FILES);
        assert_eq!(
            got,
            expect(1, "name", "missing required key `name` at the top level")
        );

        let (got, _) = first_error(
            "name = \"s\"\n[[variant]]\nname = \"a\"\n[[variant]]\ndockerfile = \"D\"\n",
            FILES,
        );
        assert_eq!(
            got,
            expect(
                4,
                "variant[2].name",
                "missing required key `name` in [variant[2]]"
            )
        );

        let (got, _) = first_error(
            "name = \"s\"\n[[variant]]\nname = \"a\"\n[variant.run]\nsettle = \"1s\"\n",
            FILES,
        );
        assert_eq!(
            got,
            expect(
                4,
                "variant[1].run.port",
                "missing required key `port` in [variant[1].run]"
            )
        );
    }

    #[test]
    fn wrong_types_name_their_key() {
        let (got, _) = first_error(
            "name = \"s\"\n[run]\nport = 80\nenv = { WORKERS = 2 }\n",
            FILES,
        );
        assert_eq!(
            got,
            expect(
                4,
                "run.env.WORKERS",
                "invalid type: integer `2`, expected a string"
            )
        );

        let (got, _) = first_error(
            "name = \"s\"\n[run]\nport = 80\ncommand = \"uvicorn\"\n",
            FILES,
        );
        assert_eq!(
            got,
            expect(
                4,
                "run.command",
                "invalid type: string \"uvicorn\", expected an array"
            )
        );
    }

    // ---- value errors ------------------------------------------------------------------------

    const ONE_VARIANT: &str = "[[variant]]\nname = \"a\"\n";

    fn with_variant(text: &str) -> String {
        format!("{text}{ONE_VARIANT}")
    }

    #[test]
    fn bad_duration() {
        let text = with_variant("name = \"s\"\n[run]\nport = 80\ntimeout = \"60x\"\n");
        let (got, _) = first_error(&text, FILES);
        let message = "invalid duration \"60x\" (unknown time unit \"x\", supported units: ns, us/µs, ms, sec, \
                       min, hours, days, weeks, months, years (and few variations)); write e.g. \"3m\", \"1.5s\" or \"250ms\"";
        assert_eq!(got, expect(4, "run.timeout", message));
    }

    #[test]
    fn zero_timeout_but_zero_settle_is_fine() {
        let text = with_variant("name = \"s\"\n[run]\nport = 80\nsettle = \"0s\"\ntimeout = 0\n");
        let (got, _) = first_error(&text, FILES);
        assert_eq!(
            got,
            expect(5, "run.timeout", "timeout must be greater than 0")
        );
    }

    #[test]
    fn bad_run_values() {
        let text = with_variant(
            "name = \"s\"\n[run]\nport = 70000\nhttp_probe = \"health\"\ncommand = []\n",
        );
        let (dir, path) = suite_dir(&text, FILES);
        let got: Vec<_> = validate_suite(&path)
            .into_iter()
            .map(|e| (e.line, e.key.unwrap(), e.message))
            .collect();
        drop(dir);
        assert_eq!(
            got,
            [
                (Some(3), "run.port".into(), "port must be an integer in 1..=65535, found 70000".into()),
                (Some(4), "run.http_probe".into(), "http_probe must be a path starting with \"/\", like \"/health\", found \"health\"".into()),
                (Some(5), "run.command".into(), "command must not be empty; leave it out to use the image's CMD".to_string()),
            ]
        );
    }

    #[test]
    fn bad_size() {
        let text = with_variant("name = \"s\"\n[targets]\nimage_size_bytes = \"600XB\"\n");
        let (got, _) = first_error(&text, FILES);
        let message = "invalid size \"600XB\"; write e.g. \"600MB\", \"512MiB\", \"1.5GB\" or a number of bytes";
        assert_eq!(got, expect(3, "targets.image_size_bytes", message));
    }

    #[test]
    fn bad_rate() {
        let text = with_variant("name = \"s\"\n[targets]\ncache_hit_rate = \"120%\"\n");
        let (got, _) = first_error(&text, FILES);
        let message = "invalid rate \"120%\": a percentage must be between 0% and 100%";
        assert_eq!(got, expect(3, "targets.cache_hit_rate", message));
    }

    #[test]
    fn unknown_metric() {
        let text = with_variant("name = \"s\"\n[targets]\nbuild_time = \"3m\"\n");
        let (got, _) = first_error(&text, FILES);
        let message = "unknown metric `build_time`; expected one of: cold_build_s, warm_build_s, \
                       rebuild_s.<edit>, cache_hit_rate, cache_hit_rate.<edit>, image_size_bytes, startup_s, \
                       healthy_s, memory_idle_bytes, memory_peak_bytes";
        assert_eq!(got, expect(3, "targets.build_time", message));

        let text = with_variant("name = \"s\"\n[targets]\nrebuild_s = \"3m\"\n");
        let (got, _) = first_error(&text, FILES);
        let message = "`rebuild_s` is measured per edit: write `rebuild_s.<edit>`";
        assert_eq!(got, expect(3, "targets.rebuild_s", message));
    }

    #[test]
    fn target_on_unknown_edit() {
        let text =
            "name = \"s\"\n[[edit]]\nname = \"source\"\nfile = \"src/main.py\"\nappend = \"#\"\n\
                    [[variant]]\nname = \"a\"\ntargets = { \"rebuild_s.deps\" = \"30s\" }\n";
        let (got, _) = first_error(text, FILES);
        let message = "target on unknown edit `deps`; the suite's edits are: source";
        assert_eq!(
            got,
            expect(8, "variant[1].targets.\"rebuild_s.deps\"", message)
        );
    }

    #[test]
    fn bad_runs_and_builder() {
        let text = with_variant("name = \"s\"\nruns = 0\nbuilder = \"kaniko\"\n");
        let (dir, path) = suite_dir(&text, FILES);
        let got: Vec<_> = validate_suite(&path)
            .into_iter()
            .map(|e| e.to_string())
            .collect();
        drop(dir);
        let file = path.display();
        assert_eq!(
            got,
            [
                format!("{file}:2: `runs`: runs must be an integer >= 1, found 0"),
                format!("{file}:3: `builder`: unknown builder \"kaniko\"; expected \"buildkit\" or \"classic\""),
            ]
        );
    }

    // ---- names -------------------------------------------------------------------------------

    #[test]
    fn duplicate_variant_names() {
        let text = "name = \"s\"\n[[variant]]\nname = \"a\"\n[[variant]]\nname = \"a\"\n";
        let (got, _) = first_error(text, FILES);
        assert_eq!(
            got,
            expect(
                5,
                "variant[2].name",
                "duplicate variant name \"a\" (first used on line 3)"
            )
        );
    }

    #[test]
    fn bad_names() {
        let text =
            "name = \"\"\n[[edit]]\nname = \"my edit\"\nfile = \"src/main.py\"\nappend = \"\"\n\
                    [[variant]]\nname = \"\"\n";
        let (dir, path) = suite_dir(text, FILES);
        let got: Vec<_> = validate_suite(&path)
            .into_iter()
            .map(|e| (e.line.unwrap(), e.message))
            .collect();
        drop(dir);
        assert_eq!(
            got,
            [
                (1, "the suite name must not be empty".to_string()),
                (3, "edit name \"my edit\" may only contain letters, digits, `_` and `-` (it is used in metric and file names)".to_string()),
                (7, "variant name must not be empty".to_string()),
            ]
        );
    }

    #[test]
    fn no_variants() {
        let (got, _) = first_error("name = \"s\"\nruns = 2\n", FILES);
        assert_eq!(
            got,
            expect(
                1,
                "variant",
                "the suite has no [[variant]]; add at least one"
            )
        );
    }

    // ---- paths -------------------------------------------------------------------------------

    #[test]
    fn missing_dockerfile() {
        let text = "name = \"s\"\n[[variant]]\nname = \"a\"\n[[variant]]\nname = \"fast\"\ndockerfile = \"Dockerfile.fast\"\n";
        let (got, root) = first_error(text, FILES);
        let message = format!(
            "variant \"fast\": Dockerfile `Dockerfile.fast` not found in its context {root}"
        );
        assert_eq!(got, expect(6, "variant[2].dockerfile", &message));
    }

    #[test]
    fn missing_default_dockerfile_points_at_the_variant() {
        let (got, root) = first_error("name = \"s\"\n\n[[variant]]\nname = \"a\"\n", &["src/"]);
        let message =
            format!("variant \"a\": Dockerfile `Dockerfile` not found in its context {root}");
        assert_eq!(got, expect(3, "variant[1].dockerfile", &message));
    }

    #[test]
    fn dockerfile_outside_the_context() {
        let text = "name = \"s\"\ncontext = \"app\"\n[[variant]]\nname = \"a\"\ndockerfile = \"../Dockerfile\"\n";
        let (got, _) = first_error(text, &["Dockerfile", "app/"]);
        let message = "variant \"a\": dockerfile `../Dockerfile` must stay inside the context";
        assert_eq!(got, expect(5, "variant[1].dockerfile", message));
    }

    #[test]
    fn missing_context() {
        let text = with_variant("name = \"s\"\ncontext = \"app\"\n");
        let (got, root) = first_error(&text, FILES);
        let message = format!("context folder `app` does not exist (looked for {root}/app)");
        assert_eq!(got, expect(2, "context", &message));
        // The variants' file checks are skipped rather than piled on.
        let (dir, path) = suite_dir(&text, FILES);
        assert_eq!(validate_suite(&path).len(), 1);
        drop(dir);

        let text = "name = \"s\"\n[[variant]]\nname = \"a\"\ncontext = \"Dockerfile\"\n";
        let (got, root) = first_error(text, FILES);
        let message =
            format!("variant \"a\": context `Dockerfile` is not a folder ({root}/Dockerfile)");
        assert_eq!(got, expect(4, "variant[1].context", &message));
    }

    #[test]
    fn missing_edited_file() {
        let text =
            "name = \"s\"\n[[edit]]\nname = \"source\"\nfile = \"src/main.py\"\nappend = \"#\"\n\
                    [[variant]]\nname = \"a\"\n[[variant]]\nname = \"b\"\ncontext = \"other\"\n";
        let (got, root) = first_error(text, &["Dockerfile", "src/main.py", "other/Dockerfile"]);
        let message = format!("edit \"source\": `src/main.py` not found in the context of variant \"b\" ({root}/other)");
        assert_eq!(got, expect(4, "edit[1].file", &message));
    }

    #[test]
    fn unreadable_file() {
        let err = load_suite(Path::new("no/such/suite.toml")).unwrap_err();
        assert_eq!((err.line, err.key.as_deref()), (None, None));
        assert!(
            err.message.starts_with("cannot read the suite file: "),
            "{}",
            err.message
        );
        assert!(err
            .to_string()
            .starts_with("no/such/suite.toml: cannot read"));
    }

    #[test]
    fn display_format() {
        let (dir, path) = suite_dir("name = \"s\"\nrnus = 3\n", FILES);
        let shown = load_suite(&path).unwrap_err().to_string();
        drop(dir);
        assert!(
            shown.starts_with(&format!("{}:2: `rnus`: unknown key `rnus`", path.display())),
            "{shown}"
        );
    }
}
