//! Just enough of the Dockerfile grammar to check a suite without Docker: stages, the build args
//! they declare, the images they build FROM, and whether a stage has a HEALTHCHECK.
//!
//! It reads logical instructions (continuation lines joined, comments and parser directives
//! dropped) and never evaluates anything but `${ARG}` in FROM lines; the builder stays the
//! judge of what a Dockerfile means.

use std::collections::{BTreeMap, BTreeSet};

/// One instruction: its keyword in upper case and the rest of its (joined) line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    pub keyword: String,
    pub args: String,
}

/// One `FROM ... [AS name]` and what follows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    /// Lower-cased, as the builder compares them; `None` for an unnamed stage.
    pub name: Option<String>,
    /// The FROM argument as written (`${BASE}`, another stage's name, `scratch`).
    pub from: String,
    pub instructions: Vec<Instruction>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dockerfile {
    /// ARGs declared before the first FROM, with their defaults.
    pub global_args: BTreeMap<String, Option<String>>,
    pub stages: Vec<Stage>,
}

/// Build args Docker defines itself: passing them never draws "not consumed".
const PREDEFINED_ARGS: &[&str] = &[
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "FTP_PROXY",
    "ftp_proxy",
    "NO_PROXY",
    "no_proxy",
    "ALL_PROXY",
    "all_proxy",
];

impl Dockerfile {
    pub fn parse(text: &str) -> Dockerfile {
        let mut file = Dockerfile::default();
        for ins in instructions(text) {
            match ins.keyword.as_str() {
                "FROM" => {
                    let words: Vec<&str> = ins
                        .args
                        .split_whitespace()
                        .filter(|w| !w.starts_with("--"))
                        .collect();
                    let name = match words.as_slice() {
                        [_, kw, name] if kw.eq_ignore_ascii_case("AS") => {
                            Some(name.to_ascii_lowercase())
                        }
                        _ => None,
                    };
                    file.stages.push(Stage {
                        name,
                        from: words.first().unwrap_or(&"").to_string(),
                        instructions: Vec::new(),
                    });
                }
                "ARG" if file.stages.is_empty() => {
                    for (k, v) in arg_declarations(&ins.args) {
                        file.global_args.insert(k, v);
                    }
                }
                _ => {
                    if let Some(stage) = file.stages.last_mut() {
                        stage.instructions.push(ins);
                    }
                }
            }
        }
        file
    }

    /// The index of stage `name` (case-insensitive), as `--target` finds it.
    pub fn stage_index(&self, name: &str) -> Option<usize> {
        let name = name.to_ascii_lowercase();
        self.stages
            .iter()
            .position(|s| s.name.as_deref() == Some(&name))
    }

    /// Every ARG name declared anywhere (before FROM or in a stage).
    pub fn declared_args(&self) -> BTreeSet<String> {
        let mut names: BTreeSet<String> = self.global_args.keys().cloned().collect();
        for stage in &self.stages {
            for ins in stage.instructions.iter().filter(|i| i.keyword == "ARG") {
                names.extend(arg_declarations(&ins.args).into_iter().map(|(k, _)| k));
            }
        }
        names
    }

    /// Build args that nothing declares: the docker CLI warns "One or more build-args [...]
    /// were not consumed" for these.
    pub fn unused_build_args<'a>(
        &self,
        build_args: impl Iterator<Item = &'a String>,
    ) -> Vec<String> {
        let declared = self.declared_args();
        build_args
            .filter(|k| !declared.contains(*k) && !PREDEFINED_ARGS.contains(&k.as_str()))
            .cloned()
            .collect()
    }

    /// Whether stage `index`, or a stage it builds FROM, declares a HEALTHCHECK other than
    /// `HEALTHCHECK NONE`. One inherited from a base image cannot be seen from here.
    pub fn has_healthcheck(&self, index: usize) -> bool {
        let mut seen = BTreeSet::new();
        let mut at = Some(index);
        while let Some(i) = at.filter(|i| seen.insert(*i)) {
            let stage = &self.stages[i];
            if let Some(hc) = stage
                .instructions
                .iter()
                .rev()
                .find(|ins| ins.keyword == "HEALTHCHECK")
            {
                return !hc.args.trim().eq_ignore_ascii_case("NONE");
            }
            at = self.stage_index(&stage.from).filter(|&j| j < i);
        }
        false
    }

    /// The images the Dockerfile builds FROM, with `${ARG}`s resolved from `build_args` or the
    /// global ARG defaults. Earlier stage names and `scratch` are not images.
    pub fn base_images(&self, build_args: &BTreeMap<String, String>) -> Vec<String> {
        let mut values: BTreeMap<String, String> = self
            .global_args
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.clone()?)))
            .collect();
        values.extend(build_args.clone());
        let mut images = Vec::new();
        for (i, stage) in self.stages.iter().enumerate() {
            let image = substitute(&stage.from, &values);
            let is_stage = self.stage_index(&image).is_some_and(|j| j < i);
            if image != "scratch" && !is_stage && !images.contains(&image) {
                images.push(image);
            }
        }
        images
    }
}

/// Logical instructions: `\` continuations joined, comment lines and directives skipped.
fn instructions(text: &str) -> Vec<Instruction> {
    let mut out = Vec::new();
    let mut pending = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        // Comment lines (directives included) are dropped, even inside a continuation.
        if trimmed.starts_with('#') || (trimmed.is_empty() && !pending.is_empty()) {
            continue;
        }
        match trimmed.strip_suffix('\\') {
            Some(head) => {
                pending.push_str(head);
                pending.push(' ');
            }
            None => {
                pending.push_str(trimmed);
                let logical = std::mem::take(&mut pending);
                let mut parts = logical.trim().splitn(2, char::is_whitespace);
                if let Some(keyword) = parts.next().filter(|k| !k.is_empty()) {
                    out.push(Instruction {
                        keyword: keyword.to_ascii_uppercase(),
                        args: parts.next().unwrap_or("").trim().to_string(),
                    });
                }
            }
        }
    }
    out
}

/// `ARG A=1 B` -> [("A", Some("1")), ("B", None)].
fn arg_declarations(args: &str) -> Vec<(String, Option<String>)> {
    args.split_whitespace()
        .map(|word| match word.split_once('=') {
            Some((k, v)) => (k.to_string(), Some(v.trim_matches('"').to_string())),
            None => (word.to_string(), None),
        })
        .collect()
}

fn substitute(word: &str, values: &BTreeMap<String, String>) -> String {
    // Longest names first, so that `$BASE` is not mistaken for `$B` followed by "ASE".
    let mut names: Vec<&String> = values.keys().collect();
    names.sort_by_key(|k| std::cmp::Reverse(k.len()));
    let mut out = word.to_string();
    for k in names {
        out = out
            .replace(&format!("${{{k}}}"), &values[k])
            .replace(&format!("${k}"), &values[k]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MULTI: &str = "# syntax=docker/dockerfile:1\nARG BASE=python:3.13-slim\n\
FROM ${BASE} AS builder\nARG PIP_VERSION\nRUN pip install \\\n  # a comment inside\n  uv\n\
HEALTHCHECK CMD true\n\
FROM builder AS test\nARG A=1 B\nFROM scratch AS empty\nHEALTHCHECK NONE\n\
FROM --platform=linux/amd64 $BASE\nCOPY --from=builder / /\n";

    #[test]
    fn stages_args_and_continuations() {
        let f = Dockerfile::parse(MULTI);
        let names: Vec<_> = f.stages.iter().map(|s| s.name.clone()).collect();
        assert_eq!(
            names,
            [
                Some("builder".to_string()),
                Some("test".to_string()),
                Some("empty".to_string()),
                None
            ]
        );
        assert_eq!(f.stages[0].instructions[1].args, "pip install  uv");
        assert_eq!(f.stage_index("Builder"), Some(0));
        assert_eq!(f.stage_index("nope"), None);
        let declared: Vec<_> = f.declared_args().into_iter().collect();
        assert_eq!(declared, ["A", "B", "BASE", "PIP_VERSION"]);
        let passed = ["BASE".to_string(), "HTTP_PROXY".into(), "NOPE".into()];
        assert_eq!(f.unused_build_args(passed.iter()), ["NOPE"]);
    }

    #[test]
    fn healthchecks_follow_the_stage_chain() {
        let f = Dockerfile::parse(MULTI);
        assert!(f.has_healthcheck(0));
        assert!(f.has_healthcheck(1), "inherited from `builder`");
        assert!(!f.has_healthcheck(2), "HEALTHCHECK NONE");
        assert!(!f.has_healthcheck(3));
    }

    #[test]
    fn finds_bases_resolving_args_and_skipping_stages() {
        let none = BTreeMap::new();
        let f = Dockerfile::parse(MULTI);
        assert_eq!(f.base_images(&none), ["python:3.13-slim"]);
        let args = BTreeMap::from([("BASE".to_string(), "dockbench/python:3.11-slim".to_string())]);
        assert_eq!(f.base_images(&args), ["dockbench/python:3.11-slim"]);
        let g = Dockerfile::parse("FROM a\nFROM b AS x\nFROM x\n");
        assert_eq!(g.base_images(&none), ["a", "b"]);
    }
}
