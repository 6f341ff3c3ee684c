//! Dockerfile syntax that not every builder reads: heredocs, `COPY --link` and `--chmod`,
//! `RUN --mount`, and a `# syntax=` line naming a frontend image. When a build fails on one of
//! them, the builder's own words ("unknown instruction: APK") do not say why; `explain` does.
//!
//! Read with parse-dockerfile, which follows BuildKit's grammar (heredocs, `escape`).

use parse_dockerfile::{Instruction, Source};

/// One use of such syntax.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feature {
    /// What it is, as a reader names it: "a heredoc (`RUN <<EOF`)".
    pub what: String,
    /// 1-based line of the Dockerfile.
    pub line: usize,
    pub kind: FeatureKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeatureKind {
    Heredoc,
    /// A flag of COPY, ADD or RUN that only BuildKit reads (`--link`, `--chmod`, `--mount`).
    BuildKitFlag,
    /// `# syntax=IMAGE`: BuildKit fetches that frontend image before it reads the file.
    Syntax,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Every use of such syntax in `text`, in file order. A file BuildKit's grammar rejects has
/// none (the builder then says what is wrong itself).
pub fn features(text: &str) -> Vec<Feature> {
    let Ok(file) = parse_dockerfile::parse(text) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    if let Some(syntax) = &file.parser_directives.syntax {
        found.push(Feature {
            what: format!("`# syntax={}`", syntax.value.value),
            line: line_of(text, syntax.span().start),
            kind: FeatureKind::Syntax,
        });
    }
    for instruction in &file.instructions {
        let (keyword, at, options, heredoc) = match instruction {
            Instruction::Run(run) => (
                "RUN",
                run.run.span.start,
                &run.options[..],
                !run.here_docs.is_empty(),
            ),
            Instruction::Copy(copy) => (
                "COPY",
                copy.copy.span.start,
                &copy.options[..],
                copy.src.iter().any(|s| matches!(s, Source::HereDoc(_))),
            ),
            Instruction::Add(add) => (
                "ADD",
                add.add.span.start,
                &add.options[..],
                add.src.iter().any(|s| matches!(s, Source::HereDoc(_))),
            ),
            _ => continue,
        };
        let line = line_of(text, at);
        if heredoc {
            found.push(Feature {
                what: format!("a heredoc (`{keyword} <<EOF`)"),
                line,
                kind: FeatureKind::Heredoc,
            });
        }
        for flag in options {
            let name = flag.name.value.as_ref();
            if ["link", "chmod", "mount", "parents", "exclude"].contains(&name) {
                found.push(Feature {
                    what: format!("`{keyword} --{name}`"),
                    line,
                    kind: FeatureKind::BuildKitFlag,
                });
            }
        }
    }
    found
}

/// Who read the Dockerfile, for the explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// Docker's classic builder: no heredocs, no BuildKit flags.
    Classic,
    /// Buildah, as Podman runs it.
    Buildah,
    /// The engine's built-in BuildKit frontend (Docker 20.10's reads no heredocs; Engine 23's
    /// and later do).
    BuildKit,
}

/// Words that mean the builder could not read the Dockerfile (or fetch its frontend), as
/// each builder says them.
const UNREAD: &[&str] = &[
    "unknown instruction",
    "dockerfile parse error",
    "unknown flag",
    "requires buildkit",
    "not supported",
    "failed to resolve source metadata",
    "failed to solve with frontend",
    "no such host",
    "pull access denied",
];

/// Plain words for a build that failed on syntax its reader does not read, naming the feature
/// and its line; `None` when the failure is not of that kind.
pub fn explain(features: &[Feature], reader: Reader, builder_message: &str) -> Option<String> {
    let message = builder_message.to_ascii_lowercase();
    if !UNREAD.iter().any(|w| message.contains(w)) {
        return None;
    }
    let fetch_failed = [
        "resolve source metadata",
        "no such host",
        "pull access denied",
    ]
    .iter()
    .any(|w| message.contains(w));
    if let Some(syntax) = features.iter().find(|f| f.kind == FeatureKind::Syntax) {
        if reader == Reader::BuildKit && fetch_failed {
            return Some(format!(
                "the Dockerfile's {} (line {}) asks BuildKit to fetch that frontend image, which \
                 this engine could not get; remove the line to use the engine's built-in \
                 frontend, or put the image on the engine first",
                syntax.what, syntax.line
            ));
        }
    }
    let unread: Vec<&Feature> = features
        .iter()
        .filter(|f| match (reader, f.kind) {
            (_, FeatureKind::Syntax) => false,
            (Reader::Classic | Reader::Buildah, _) => true,
            (Reader::BuildKit, kind) => kind == FeatureKind::Heredoc,
        })
        .collect();
    let first = unread.first()?;
    let reader_words = match reader {
        Reader::Classic => {
            "Docker's classic builder does not read it; BuildKit (builder = \"buildkit\") does"
        }
        Reader::Buildah => {
            "this Podman's Buildah does not read it (Buildah 1.33 and later read heredocs); \
             Docker's BuildKit does"
        }
        Reader::BuildKit => {
            "this engine's built-in Dockerfile frontend does not read it (Docker 20.10's reads \
             no heredocs; Docker Engine 23 and later's do)"
        }
    };
    let more = match unread.len() {
        1 => String::new(),
        2 => " (and 1 more such use)".to_string(),
        n => format!(" (and {} more such uses)", n - 1),
    };
    Some(format!(
        "the Dockerfile uses {} at line {}{more}, and {reader_words}",
        first.what, first.line
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODERN: &str = "# syntax=docker/dockerfile:1\n\
FROM dockbench/busybox:latest\n\
RUN <<EOF\n\
apk add curl\n\
EOF\n\
COPY --link --chmod=755 a.sh /a.sh\n\
RUN --mount=type=cache,target=/c echo hi\n\
COPY <<EOT /b.txt\n\
hello\n\
EOT\n";

    #[test]
    fn finds_heredocs_flags_and_the_syntax_line_with_their_lines() {
        let found: Vec<(String, usize)> = features(MODERN)
            .into_iter()
            .map(|f| (f.what, f.line))
            .collect();
        assert_eq!(
            found,
            [
                ("`# syntax=docker/dockerfile:1`".to_string(), 1),
                ("a heredoc (`RUN <<EOF`)".to_string(), 3),
                ("`COPY --link`".to_string(), 6),
                ("`COPY --chmod`".to_string(), 6),
                ("`RUN --mount`".to_string(), 7),
                ("a heredoc (`COPY <<EOF`)".to_string(), 8),
            ]
        );
        assert!(features("FROM x\nRUN echo <<not-a-heredoc-in-json\n").len() <= 1);
        assert_eq!(features("FROM x\nRUN echo hi\nCOPY a b\n"), []);
    }

    #[test]
    fn explains_what_the_reader_does_not_read() {
        let found = features(MODERN);
        // Docker 20.10's BuildKit frontend on the heredoc's first body line.
        let old = explain(
            &found,
            Reader::BuildKit,
            "failed to solve: dockerfile parse error line 4: unknown instruction: APK",
        )
        .unwrap();
        assert_eq!(
            old,
            "the Dockerfile uses a heredoc (`RUN <<EOF`) at line 3 (and 1 more such use), and this \
             engine's built-in Dockerfile frontend does not read it (Docker 20.10's reads no \
             heredocs; Docker Engine 23 and later's do)"
        );
        let classic = explain(&found, Reader::Classic, "Unknown flag: link").unwrap();
        assert!(
            classic
                .starts_with("the Dockerfile uses a heredoc (`RUN <<EOF`) at line 3 (and 4 more"),
            "{classic}"
        );
        assert!(classic.contains("Docker's classic builder does not read it"));
        let buildah = explain(
            &found,
            Reader::Buildah,
            "building at STEP \"APK \": Build error: Unknown instruction: \"APK\"",
        )
        .unwrap();
        assert!(buildah.contains("Buildah does not read it"), "{buildah}");
        // A frontend image that cannot be fetched is named with its line.
        let fetch = explain(
            &found,
            Reader::BuildKit,
            "failed to solve with frontend dockerfile.v0: failed to resolve source metadata for \
             docker.io/docker/dockerfile:1: dial tcp: lookup registry-1.docker.io: no such host",
        )
        .unwrap();
        assert!(
            fetch.starts_with(
                "the Dockerfile's `# syntax=docker/dockerfile:1` (line 1) asks BuildKit to fetch"
            ),
            "{fetch}"
        );
    }

    #[test]
    fn other_failures_keep_the_builders_words() {
        let found = features(MODERN);
        assert_eq!(
            explain(
                &found,
                Reader::BuildKit,
                "process \"/bin/sh -c exit 3\" exit code: 3"
            ),
            None
        );
        // BuildKit reads the flags: only heredocs can be what an old frontend missed.
        let flags_only = features("FROM x\nCOPY --link a /a\n");
        assert_eq!(
            explain(&flags_only, Reader::BuildKit, "unknown instruction: X"),
            None
        );
    }
}
