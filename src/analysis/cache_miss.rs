//! Why a rebuild missed the cache, and what the miss cost: from the Dockerfile (read with
//! parse-dockerfile, BuildKit's grammar: heredocs and the `escape` directive included), the
//! files an edit changed (those `.dockerignore` keeps out of the context cannot count), the
//! build arguments that changed, and the builder's own step log (which steps it served from
//! the cache, and how long the others took).
//!
//! Each step that re-ran is traced to a root: the first step of its chain that re-ran with a
//! cached parent. A root's cause is
//! - an edited file inside its sources (`COPY`/`ADD` sources, or a `RUN --mount=type=bind`
//!   source), named with the source pattern that took it in;
//! - a changed build argument it uses (`RUN` sees every `ARG` declared before it in its stage;
//!   `COPY`/`ADD` only those they name);
//! - or none that dockbench can see: then it says so, and never guesses.
//!
//! A step whose parent step re-ran, or that copies from (or is built on) a stage in which a
//! step re-ran, joins that stage's root: its seconds are that cause's cost.

use std::collections::{BTreeMap, BTreeSet};

use parse_dockerfile::{Instruction, Source};

use crate::results::engine::BuildStep;

/// A step of the Dockerfile that the builder may run or take from the cache: RUN, COPY, ADD.
#[derive(Debug, Clone, PartialEq)]
pub struct DockerfileStep {
    /// 0-based stage.
    pub stage: usize,
    /// The stage's `AS` name, or `stage-N` as BuildKit names an unnamed one.
    pub stage_label: String,
    /// 1-based position among the stage's BuildKit vertices (FROM is 1; RUN, COPY, ADD and
    /// WORKDIR count), as BuildKit's `[stage 3/5]` says.
    pub vertex: usize,
    /// 1-based line of the Dockerfile.
    pub line: usize,
    pub keyword: &'static str,
    /// The instruction as written, on one line.
    pub text: String,
    /// Context paths it reads: COPY/ADD sources, `RUN --mount=type=bind,source=…`.
    pub sources: Vec<String>,
    /// The stage it copies from or mounts (`--from`), by index.
    pub from_stage: Option<usize>,
    /// Build arguments whose value it sees.
    pub args: BTreeSet<String>,
}

/// A stage's base, when it is another stage (`FROM builder AS final`).
fn stage_base(stages: &[String], image: &str) -> Option<usize> {
    stages.iter().position(|name| name == image)
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// `$NAME` and `${NAME…}` in `text`.
fn referenced_args(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let bytes: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == '$' {
            let braced = bytes.get(i + 1) == Some(&'{');
            let start = if braced { i + 2 } else { i + 1 };
            let mut end = start;
            while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == '_') {
                end += 1;
            }
            if end > start {
                out.insert(bytes[start..end].iter().collect());
            }
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

/// The Dockerfile's RUN, COPY and ADD steps, stage by stage, with what each reads. `None` when
/// BuildKit's grammar rejects the file.
pub fn dockerfile_steps(text: &str) -> Option<(Vec<DockerfileStep>, Vec<Option<usize>>)> {
    let file = parse_dockerfile::parse(text).ok()?;
    let mut steps = Vec::new();
    // Each stage's label (for `--from`), and its base stage.
    let mut stages: Vec<String> = Vec::new();
    let mut bases: Vec<Option<usize>> = Vec::new();
    for (index, stage) in file.stages().enumerate() {
        let label = match &stage.from.as_ {
            Some((_, name)) => name.value.to_string(),
            None => format!("stage-{index}"),
        };
        bases.push(stage_base(&stages, stage.from.image.value.as_ref()));
        stages.push(label.clone());
        let mut vertex = 1;
        let mut declared: BTreeSet<String> = BTreeSet::new();
        for instruction in stage.instructions {
            let from_flag = |options: &[parse_dockerfile::Flag<'_>]| {
                options
                    .iter()
                    .find(|f| f.name.value == "from")
                    .and_then(|f| f.value.as_ref())
                    .and_then(|v| {
                        let v = v.value.as_ref();
                        // `--from=0` names a stage by its index too.
                        stages
                            .iter()
                            .position(|name| name == v)
                            .or_else(|| v.parse::<usize>().ok().filter(|&i| i < index))
                    })
            };
            let (keyword, start, end, sources, from_stage, args) = match instruction {
                Instruction::Arg(arg) => {
                    let name = arg.arguments.value.split('=').next().unwrap_or("").trim();
                    declared.insert(name.to_string());
                    continue;
                }
                Instruction::Workdir(_) => {
                    vertex += 1;
                    continue;
                }
                Instruction::Run(run) => {
                    let mut sources = Vec::new();
                    let mut from_stage = None;
                    for flag in run.options.iter().filter(|f| f.name.value == "mount") {
                        let Some(value) = &flag.value else { continue };
                        let fields: BTreeMap<&str, &str> = value
                            .value
                            .split(',')
                            .filter_map(|kv| kv.split_once('='))
                            .collect();
                        if fields.get("type").copied().unwrap_or("bind") != "bind" {
                            continue;
                        }
                        match fields.get("from") {
                            Some(from) => from_stage = stages.iter().position(|name| name == from),
                            None => sources.push(fields.get("source").unwrap_or(&".").to_string()),
                        }
                    }
                    let end = match &run.arguments {
                        parse_dockerfile::Command::Shell(s) => s.span.end,
                        parse_dockerfile::Command::Exec(e) => e.span.end,
                        // A future form: the keyword's line alone.
                        _ => run.run.span.end,
                    };
                    // A RUN step's environment holds every build argument declared before it.
                    (
                        "RUN",
                        run.run.span.start,
                        end,
                        sources,
                        from_stage,
                        declared.clone(),
                    )
                }
                Instruction::Copy(copy) => {
                    let from_stage = from_flag(&copy.options);
                    let sources = paths(&copy.src, from_stage.is_some());
                    (
                        "COPY",
                        copy.copy.span.start,
                        copy.dest.span.end,
                        sources,
                        from_stage,
                        BTreeSet::new(),
                    )
                }
                Instruction::Add(add) => {
                    let from_stage = from_flag(&add.options);
                    let sources = paths(&add.src, from_stage.is_some());
                    (
                        "ADD",
                        add.add.span.start,
                        add.dest.span.end,
                        sources,
                        from_stage,
                        BTreeSet::new(),
                    )
                }
                _ => continue,
            };
            vertex += 1;
            let written = text[start..end.min(text.len())]
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            let args = if keyword == "RUN" {
                args
            } else {
                referenced_args(&written)
                    .into_iter()
                    .filter(|a| declared.contains(a))
                    .collect()
            };
            steps.push(DockerfileStep {
                stage: index,
                stage_label: label.clone(),
                vertex,
                line: line_of(text, start),
                keyword,
                text: written,
                sources,
                from_stage,
                args,
            });
        }
    }
    Some((steps, bases))
}

/// Context paths of COPY/ADD sources: none when copying from a stage or an image, and no URL.
fn paths(sources: &[Source<'_>], from_elsewhere: bool) -> Vec<String> {
    if from_elsewhere {
        return Vec::new();
    }
    sources
        .iter()
        .filter_map(|s| match s {
            Source::Path(p) if !p.value.contains("://") => Some(p.value.to_string()),
            _ => None,
        })
        .collect()
}

/// Whether `file` (a context path, `src/app.py`) is taken in by the source pattern `source`
/// (`.`, `src/`, `requirements*.txt`, `./app`): the whole context, a folder and everything
/// under it, or a glob matched against the file or one of its folders. COPY sources are
/// `filepath.Match` globs, as `.dockerignore` patterns are, so `.dockerignore`'s matcher reads
/// them (a pattern of one line, matched against the path and its parents).
pub fn source_takes_in(source: &str, file: &str) -> bool {
    let source = source.trim_start_matches("./").trim_end_matches('/');
    let source = source.trim_start_matches('/');
    if source.is_empty() || source == "." {
        return true;
    }
    // A leading `!` is a file name here, not an exception as it would be in `.dockerignore`.
    if source.starts_with('!') {
        return file == source || file.starts_with(&format!("{source}/"));
    }
    match crate::scenario::dockerignore::Matcher::new(&[source.to_string()]) {
        Ok(matcher) => matcher.matches_using_parent(file, None).0,
        Err(_) => file == source,
    }
}

/// What set off a chain of re-run steps.
#[derive(Debug, Clone, PartialEq)]
pub enum Cause {
    /// `file` was edited and the step's source `source` takes it in.
    EditedFile { file: String, source: String },
    /// The build argument's value changed, and the step sees it.
    BuildArg { name: String },
    /// Nothing dockbench can see changed for it: the builder's reasons are its own.
    Unseen,
}

/// A step as the explanation names it.
#[derive(Debug, Clone, PartialEq)]
pub struct StepRef {
    pub stage_label: String,
    pub line: usize,
    pub text: String,
}

/// One root of re-run steps in a rebuild, and what it cost.
#[derive(Debug, Clone, PartialEq)]
pub struct Miss {
    /// The first step that re-ran.
    pub first: StepRef,
    pub cause: Cause,
    /// The steps that re-ran because of it, after the first, in the builder's order.
    pub then: Vec<StepRef>,
    /// Their seconds, the first's included; `None` when the builder gives no step times (the
    /// classic builder, Buildah).
    pub cost_s: Option<f64>,
}

/// The Dockerfile step each builder step is, when it can be told: BuildKit names it
/// (`[builder 3/5] COPY …`, `[2/4] RUN …`); the classic builder and Buildah log steps in file
/// order, matched in that order by keyword and text.
fn map_steps(log: &[BuildStep], steps: &[DockerfileStep]) -> Vec<Option<usize>> {
    let mut cursor = 0;
    log.iter()
        .map(|s| {
            if let Some(rest) = s.name.strip_prefix('[') {
                let (head, _) = rest.split_once(']')?;
                let (label, position) = match head.rsplit_once(' ') {
                    Some((label, position)) => (Some(label), position),
                    None => (None, head),
                };
                let vertex: usize = position.split('/').next()?.parse().ok()?;
                return steps.iter().position(|d| {
                    d.vertex == vertex
                        && match label {
                            Some(label) => d.stage_label == label,
                            // A one-stage file names no stage.
                            None => steps.iter().all(|o| o.stage == d.stage),
                        }
                });
            }
            let words = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
            let name = words(&s.name);
            let found = (cursor..steps.len()).find(|&i| {
                let d = &steps[i];
                d.keyword == s.instruction
                    && (name.starts_with(&d.text) || d.text.starts_with(&name))
            })?;
            cursor = found + 1;
            Some(found)
        })
        .collect()
}

/// The roots of a rebuild's re-run steps, in the builder's order, each with its cause and
/// cost. `edited` are the context paths the edit changed; `ignored` says whether
/// `.dockerignore` keeps a path out of the context; `changed_args` are the build arguments
/// whose value differs from the build before. Empty when every step was cached, or when the
/// Dockerfile cannot be read.
pub fn explain(
    dockerfile: &str,
    log: &[BuildStep],
    edited: &[String],
    ignored: &dyn Fn(&str) -> bool,
    changed_args: &[String],
) -> Vec<Miss> {
    let Some((steps, bases)) = dockerfile_steps(dockerfile) else {
        return Vec::new();
    };
    let mapped = map_steps(log, &steps);
    let in_context: Vec<&String> = edited.iter().filter(|f| !ignored(f)).collect();
    let mut misses: Vec<Miss> = Vec::new();
    // Per stage: the root its re-run steps belong to, once one re-ran.
    let mut stage_root: BTreeMap<usize, usize> = BTreeMap::new();
    // Judged stage by stage in file order, each stage's steps in order: a stage can only use
    // stages before it, so every parent is judged before its children, whatever order the
    // builder logged them in (BuildKit runs stages side by side).
    let mut order: Vec<(usize, &BuildStep)> = log
        .iter()
        .zip(&mapped)
        .filter_map(|(record, at)| at.map(|at| (at, record)))
        .collect();
    order.sort_by_key(|&(at, _)| (steps[at].stage, steps[at].vertex));
    for (at, record) in order {
        if record.cached {
            continue;
        }
        let step = &steps[at];
        let here = StepRef {
            stage_label: step.stage_label.clone(),
            line: step.line,
            text: step.text.clone(),
        };
        // A parent that re-ran: this stage's own root, or one of a stage it is built on or
        // takes files from.
        let mut upstream = stage_root.get(&step.stage).copied();
        let mut base = bases.get(step.stage).copied().flatten();
        while upstream.is_none() {
            let Some(b) = base else { break };
            upstream = stage_root.get(&b).copied();
            base = bases.get(b).copied().flatten();
        }
        if upstream.is_none() {
            upstream = step.from_stage.and_then(|s| stage_root.get(&s).copied());
        }
        let root = match upstream {
            Some(root) => {
                misses[root].then.push(here);
                root
            }
            None => {
                let file = in_context.iter().find_map(|f| {
                    step.sources
                        .iter()
                        .find(|s| source_takes_in(s, f))
                        .map(|s| (f.to_string(), s.clone()))
                });
                let cause = match file {
                    Some((file, source)) => Cause::EditedFile { file, source },
                    None => match changed_args.iter().find(|a| step.args.contains(*a)) {
                        Some(name) => Cause::BuildArg { name: name.clone() },
                        None => Cause::Unseen,
                    },
                };
                misses.push(Miss {
                    first: here,
                    cause,
                    then: Vec::new(),
                    cost_s: Some(0.0),
                });
                misses.len() - 1
            }
        };
        stage_root.entry(step.stage).or_insert(root);
        let miss = &mut misses[root];
        miss.cost_s = match (miss.cost_s, record.duration_s) {
            (Some(sum), Some(d)) => Some(sum + d),
            _ => None,
        };
    }
    misses
}

/// `editing `README.md` invalidates `COPY . /app` (Dockerfile line 6), so `RUN pip install
/// -r requirements.txt` (line 7) re-runs: 38.2 s of the 41.0 s rebuild`.
pub fn sentence(miss: &Miss, rebuild_s: Option<f64>) -> String {
    let first = format!(
        "`{}` (Dockerfile line {})",
        miss.first.text, miss.first.line
    );
    let opening = match &miss.cause {
        Cause::EditedFile { file, source } if source == "." || source == "./" => {
            format!("editing `{file}` invalidates {first}, which copies the whole context")
        }
        Cause::EditedFile { file, .. } => format!("editing `{file}` invalidates {first}"),
        Cause::BuildArg { name } => {
            format!("changing the build argument `{name}` invalidates {first}")
        }
        Cause::Unseen => format!(
            "{first} re-ran although none of its inputs that dockbench can see changed (the \
             builder's own reason)"
        ),
    };
    let then = match miss.then.as_slice() {
        [] => String::new(),
        [one] => format!(", so `{}` (line {}) re-runs", one.text, one.line),
        [one, rest @ ..] => format!(
            ", so `{}` (line {}) and {} more step(s) re-run",
            one.text,
            one.line,
            rest.len()
        ),
    };
    let cost = match (miss.cost_s, rebuild_s) {
        (Some(cost), Some(total)) => format!(
            ": {} of the {} rebuild",
            crate::format::format_seconds(cost),
            crate::format::format_seconds(total)
        ),
        (Some(cost), None) => format!(": {}", crate::format::format_seconds(cost)),
        _ => String::new(),
    };
    format!("{opening}{then}{cost}")
}

/// Dependency installs, by their commands: what a broad COPY before them makes re-run.
const INSTALLS: [&str; 9] = [
    "pip install",
    "npm ci",
    "npm install",
    "yarn install",
    "poetry install",
    "uv sync",
    "apt-get install",
    "go mod download",
    "bundle install",
];

/// The known pattern behind a miss, named once as a finding: a broad COPY (the whole context,
/// or a folder) before a dependency install that then re-runs for any edit.
pub fn pattern(miss: &Miss) -> Option<String> {
    let Cause::EditedFile { source, .. } = &miss.cause else {
        return None;
    };
    let install = miss
        .then
        .iter()
        .find(|s| s.text.starts_with("RUN") && INSTALLS.iter().any(|i| s.text.contains(i)))?;
    let broad = source == "." || !source.contains('.');
    broad.then(|| {
        format!(
            "a broad COPY before the dependency install: `{}` (line {}) copies `{source}`, so \
             any edit under it re-runs `{}` (line {}); copy the dependency manifests alone first",
            miss.first.text, miss.first.line, install.text, install.line
        )
    })
}

#[cfg(test)]
#[path = "cache_miss_tests.rs"]
mod tests;
