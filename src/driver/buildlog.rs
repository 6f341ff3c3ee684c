//! Build output -> Dockerfile steps and cache hits, for both builders (pure, no Docker).
//!
//! One definition for both builders, so their numbers compare: a step is a RUN, COPY or ADD
//! instruction of a stage that was built. FROM, metadata-only instructions (ENV, CMD, ...) and
//! BuildKit's internal vertexes are not steps.

use std::collections::HashMap;

use super::BuildStep;

/// The instructions that produce a layer of content and so can be served from the cache.
const STEP_INSTRUCTIONS: &[&str] = &["RUN", "COPY", "ADD"];

fn is_step_instruction(word: &str) -> bool {
    STEP_INSTRUCTIONS
        .iter()
        .any(|i| i.eq_ignore_ascii_case(word))
}

/// The text stream of a builder that is not BuildKit: Docker's classic builder, or Buildah
/// (Podman's) answering the same API. Each marks steps and cache hits in its own words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextBuilder {
    /// `Step 2/4 : COPY a /`, ` ---> Using cache`, ` ---> 3f2a...` (12 hex digits).
    Classic,
    /// `STEP 2/4: COPY a /`, `--> Using cache 3f2a...` (the full id), `--> 3f2a...` (11).
    Buildah,
}

impl TextBuilder {
    /// The instruction text of a step header line, `COPY a /` (`None`: not a header).
    fn header(self, line: &str) -> Option<&str> {
        let (prefix, separator) = match self {
            TextBuilder::Classic => ("Step ", " : "),
            TextBuilder::Buildah => ("STEP ", ": "),
        };
        // Buildah names the stage first in a multi-stage build: `[1/2] STEP 2/3: COPY ...`.
        let line = match (self, line.strip_prefix('[')) {
            (TextBuilder::Buildah, Some(rest)) => {
                let (stage, rest) = rest.split_once("] ")?;
                let numbers = stage.split_once('/')?;
                let digits = |n: &str| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit());
                if !(digits(numbers.0) && digits(numbers.1)) {
                    return None;
                }
                rest
            }
            _ => line,
        };
        let (_, instruction) = line.strip_prefix(prefix)?.split_once(separator)?;
        Some(instruction.trim())
    }

    /// What follows the arrow of a result line: `Using cache ...` or an image id.
    fn arrow(self, line: &str) -> Option<&str> {
        let arrow = match self {
            TextBuilder::Classic => "---> ",
            TextBuilder::Buildah => "--> ",
        };
        line.trim().strip_prefix(arrow).map(str::trim)
    }

    fn is_cache_hit(self, line: &str) -> bool {
        self.arrow(line)
            .is_some_and(|a| a == "Using cache" || a.starts_with("Using cache "))
    }

    /// Buildah prints ids of 11 hex digits, Docker of 12.
    fn is_image_id(self, word: &str) -> bool {
        let shortest = match self {
            TextBuilder::Classic => 12,
            TextBuilder::Buildah => 11,
        };
        word.len() >= shortest && word.chars().all(|c| c.is_ascii_hexdigit())
    }

    /// The step of this header line, when it is a RUN, COPY or ADD.
    fn step(self, line: &str) -> Option<(bool, BuildStep)> {
        let text = self.header(line)?;
        let instruction = text.split_whitespace().next().unwrap_or("");
        let is_step = is_step_instruction(instruction);
        Some((
            is_step,
            BuildStep {
                name: text.to_string(),
                instruction: instruction.to_ascii_uppercase(),
                cached: false,
                duration_s: None,
                reused_output: false,
            },
        ))
    }
}

/// Steps from a text builder's stream ("Step N/M : INSTR ..." lines, or Buildah's "STEP N/M:").
///
/// A step counts as cached only if a "Using cache" line follows it: a COPY that re-ran prints
/// just its new id, with no "Running in", so "not cached" must mean "no Using cache".
pub fn text_steps(builder: TextBuilder, stream_text: &str) -> Vec<BuildStep> {
    let mut steps: Vec<BuildStep> = Vec::new();
    let mut current_is_step = false;
    for line in stream_text.lines() {
        if let Some((is_step, step)) = builder.step(line) {
            current_is_step = is_step;
            if is_step {
                steps.push(step);
            }
        } else if current_is_step && builder.is_cache_hit(line) {
            if let Some(last) = steps.last_mut() {
                last.cached = true;
            }
        }
    }
    steps
}

/// Images the text builder created in this build: the id after the arrow of every step that
/// ran (not FROM, which names an existing image, and not a cache hit, which reuses one). They
/// are dockbench's to remove: the final image's parents go with it, but the images of other
/// stages would be left behind, dangling and unlabelled.
pub fn text_created_images(builder: TextBuilder, stream_text: &str) -> Vec<String> {
    let mut created = Vec::new();
    let mut step_is_from = false;
    let mut step_cached = false;
    for line in stream_text.lines() {
        if let Some(instruction) = builder.header(line) {
            step_is_from = instruction
                .split_whitespace()
                .next()
                .is_some_and(|w| w.eq_ignore_ascii_case("FROM"));
            step_cached = false;
            continue;
        }
        let Some(arrow) = builder.arrow(line) else {
            continue;
        };
        if builder.is_cache_hit(line) {
            step_cached = true;
        } else if !step_is_from && !step_cached && builder.is_image_id(arrow) {
            created.push(arrow.to_string());
        }
    }
    created
}

/// BuildKit's vertex for writing the image once every step is done.
pub const EXPORT_VERTEX: &str = "exporting to image";

/// One BuildKit status update for a vertex. The same digest arrives several times as partial
/// updates (started, then completed, ...), so updates are merged by digest.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VertexUpdate {
    pub digest: String,
    /// Digests of the vertexes this one takes its input from.
    pub inputs: Vec<String>,
    pub name: String,
    pub cached: bool,
    /// Seconds since the Unix epoch, as BuildKit stamps them.
    pub started_s: Option<f64>,
    pub completed_s: Option<f64>,
    pub error: String,
}

/// Merged vertexes in first-seen order.
pub fn merge_vertexes(updates: &[VertexUpdate]) -> Vec<VertexUpdate> {
    let mut order: Vec<String> = Vec::new();
    let mut merged: HashMap<String, VertexUpdate> = HashMap::new();
    for u in updates {
        let entry = merged.entry(u.digest.clone()).or_insert_with(|| {
            order.push(u.digest.clone());
            VertexUpdate {
                digest: u.digest.clone(),
                ..Default::default()
            }
        });
        if !u.name.is_empty() {
            entry.name = u.name.clone();
        }
        if !u.inputs.is_empty() {
            entry.inputs = u.inputs.clone();
        }
        entry.cached |= u.cached;
        entry.started_s = u.started_s.or(entry.started_s);
        entry.completed_s = u.completed_s.or(entry.completed_s);
        if !u.error.is_empty() {
            entry.error = u.error.clone();
        }
    }
    order
        .into_iter()
        .map(|d| merged.remove(&d).unwrap())
        .collect()
}

/// The instruction of a Dockerfile-step vertex: `[stage-0 2/4] COPY a /` -> `COPY`.
/// Internal vertexes (`[internal] load ...`, `exporting to image`, ...) have no `N/M` position
/// and give `None`.
pub fn vertex_instruction(name: &str) -> Option<&str> {
    let rest = name.strip_prefix('[')?;
    let (inside, after) = rest.split_once("] ")?;
    let position = inside.rsplit(' ').next()?;
    let (n, m) = position.split_once('/')?;
    if n.parse::<u32>().is_err() || m.parse::<u32>().is_err() {
        return None;
    }
    after.split_whitespace().next()
}

/// The vertexes with each after every vertex it takes as input, otherwise in first-seen order.
/// BuildKit 0.29 (Docker 28) announced a `RUN` before the `COPY` it runs on (seen), where older
/// ones announced them in Dockerfile order: a step list in that order read as nonsense.
pub fn dependencies_first(vertexes: Vec<VertexUpdate>) -> Vec<VertexUpdate> {
    let known: std::collections::HashSet<String> =
        vertexes.iter().map(|v| v.digest.clone()).collect();
    let mut placed: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut waiting = vertexes;
    let mut ordered = Vec::with_capacity(waiting.len());
    while !waiting.is_empty() {
        let ready = |v: &VertexUpdate| {
            v.inputs
                .iter()
                .all(|i| !known.contains(i) || placed.contains(i))
        };
        // A cycle cannot happen in a build graph; should a stream claim one, keep its order.
        let next = waiting.iter().position(ready).unwrap_or(0);
        let vertex = waiting.remove(next);
        placed.insert(vertex.digest.clone());
        ordered.push(vertex);
    }
    ordered
}

/// Steps from BuildKit's vertexes, each after the steps it depends on, otherwise in the order
/// they first appeared.
pub fn buildkit_steps(updates: &[VertexUpdate]) -> Vec<BuildStep> {
    let vertexes = dependencies_first(merge_vertexes(updates));
    let is_step = |v: &VertexUpdate| vertex_instruction(&v.name).is_some_and(is_step_instruction);
    // Steps that ran again in this build. (Internal vertexes such as the context transfer run in
    // every build, and a cached COPY from the context after them is ordinary caching.)
    let ran: std::collections::HashSet<&str> = vertexes
        .iter()
        .filter(|v| is_step(v) && !v.cached)
        .map(|v| v.digest.as_str())
        .collect();
    let reused_output: std::collections::HashSet<String> = vertexes
        .iter()
        .filter(|v| is_step(v) && v.cached && v.inputs.iter().any(|i| ran.contains(i.as_str())))
        .map(|v| v.digest.clone())
        .collect();
    vertexes
        .into_iter()
        .filter_map(|v| {
            let instruction = vertex_instruction(&v.name)?;
            if !is_step_instruction(instruction) {
                return None;
            }
            let duration_s = match (v.started_s, v.completed_s) {
                (Some(s), Some(c)) if c >= s => Some(c - s),
                _ => None,
            };
            Some(BuildStep {
                instruction: instruction.to_ascii_uppercase(),
                reused_output: reused_output.contains(&v.digest),
                name: v.name,
                cached: v.cached,
                duration_s,
            })
        })
        .collect()
}

/// What to tell the reader when an edited rebuild reused the output of an earlier build (see
/// `BuildStep::reused_output`): its time is not that of a first rebuild after such an edit.
pub fn reused_output_note(edit: &str, rep: u32, steps: &[BuildStep]) -> Option<String> {
    let reused: Vec<&BuildStep> = steps.iter().filter(|s| s.reused_output).collect();
    let first = reused.first()?;
    Some(format!(
        "edit `{edit}`, repetition {rep}: {} of {} steps reused layers that an earlier build had \
         made from the same output (first: `{}`): a step re-ran and BuildKit found what it \
         produced already in its cache, so this rebuild was shorter than the first one after \
         such an edit",
        reused.len(),
        steps.len(),
        first.name
    ))
}

/// Reused steps / all steps. `None` when the build had no steps at all (a rate of nothing is not
/// 0% or 100%).
pub fn cache_hit_rate(steps: &[BuildStep]) -> Option<f64> {
    if steps.is_empty() {
        return None;
    }
    let cached = steps.iter().filter(|s| s.cached).count();
    Some(cached as f64 / steps.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Shaped like the classic builder's stream on Docker 20.10 (the real engine is exercised in
    // tests/engine.rs): a warm rebuild after editing c.txt.
    const CLASSIC_EDIT: &str = "Step 1/5 : FROM dockbench/busybox:latest\n ---> 1f2e3d4c5b6a\n\
Step 2/5 : RUN echo a > /a\n ---> Using cache\n ---> 0a1b2c3d4e5f\n\
Step 3/5 : ENV X=1\n ---> Using cache\n ---> 1a1b2c3d4e5f\n\
Step 4/5 : RUN echo b > /b\n ---> Using cache\n ---> 2a1b2c3d4e5f\n\
Step 5/5 : COPY c.txt /c.txt\n ---> 3a1b2c3d4e5f\nSuccessfully built 3a1b2c3d4e5f\n";

    #[test]
    fn classic_counts_only_run_copy_add_and_using_cache() {
        let steps = text_steps(TextBuilder::Classic, CLASSIC_EDIT);
        let names: Vec<_> = steps.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            ["RUN echo a > /a", "RUN echo b > /b", "COPY c.txt /c.txt"]
        );
        let cached: Vec<_> = steps.iter().map(|s| s.cached).collect();
        assert_eq!(
            cached,
            [true, true, false],
            "COPY without 'Using cache' re-ran"
        );
        assert_eq!(cache_hit_rate(&steps), Some(2.0 / 3.0));
    }

    #[test]
    fn classic_env_using_cache_does_not_leak_into_previous_step() {
        let text = "Step 1/3 : FROM x\nStep 2/3 : RUN a\n ---> Running in 123\n ---> abc\n\
Step 3/3 : ENV A=1\n ---> Using cache\n";
        let steps = text_steps(TextBuilder::Classic, text);
        assert_eq!(steps.len(), 1);
        assert!(!steps[0].cached);
    }

    #[test]
    fn classic_multistage_and_lowercase() {
        let text = "Step 1/4 : FROM x AS b\nStep 2/4 : run make\n ---> Using cache\n\
Step 3/4 : FROM y\nStep 4/4 : COPY --from=b /out /out\n ---> 99\n";
        let steps = text_steps(TextBuilder::Classic, text);
        assert_eq!(steps.len(), 2);
        assert_eq!(steps[0].instruction, "RUN");
        assert!(steps[0].cached && !steps[1].cached);
    }

    fn v(
        digest: &str,
        name: &str,
        cached: bool,
        started: Option<f64>,
        done: Option<f64>,
    ) -> VertexUpdate {
        VertexUpdate {
            digest: digest.into(),
            name: name.into(),
            cached,
            started_s: started,
            completed_s: done,
            error: String::new(),
            inputs: Vec::new(),
        }
    }

    fn with_inputs(mut v: VertexUpdate, inputs: &[&str]) -> VertexUpdate {
        v.inputs = inputs.iter().map(|i| i.to_string()).collect();
        v
    }

    /// BuildKit 0.29's order (seen on Docker 28): the RUN announced before the COPY it runs on.
    #[test]
    fn steps_come_after_the_steps_they_run_on() {
        let updates = vec![
            with_inputs(
                v(
                    "run",
                    "[builder 3/3] RUN cat /stamp > /built",
                    false,
                    None,
                    None,
                ),
                &["copy"],
            ),
            with_inputs(
                v(
                    "copy",
                    "[builder 2/3] COPY stamp.txt /stamp",
                    false,
                    None,
                    None,
                ),
                &["from", "context"],
            ),
            v(
                "from",
                "[builder 1/3] FROM docker.io/dockbench/busybox",
                true,
                None,
                None,
            ),
            v(
                "context",
                "[internal] load build context",
                false,
                None,
                None,
            ),
        ];
        let names: Vec<String> = buildkit_steps(&updates)
            .into_iter()
            .map(|s| s.name)
            .collect();
        assert_eq!(
            names,
            [
                "[builder 2/3] COPY stamp.txt /stamp",
                "[builder 3/3] RUN cat /stamp > /built"
            ]
        );
        // Independent vertexes keep the order they came in.
        let order: Vec<String> = dependencies_first(vec![
            v("b", "b", false, None, None),
            v("a", "a", false, None, None),
        ])
        .into_iter()
        .map(|v| v.digest)
        .collect();
        assert_eq!(order, ["b", "a"]);
    }

    #[test]
    fn reused_output_note_counts_and_names_the_first() {
        let step = |name: &str, reused_output| BuildStep {
            name: name.into(),
            instruction: "COPY".into(),
            cached: reused_output,
            duration_s: None,
            reused_output,
        };
        assert_eq!(reused_output_note("deps", 1, &[step("a", false)]), None);
        let note = reused_output_note(
            "deps",
            2,
            &[step("a", false), step("b", true), step("c", true)],
        )
        .unwrap();
        assert!(
            note.starts_with("edit `deps`, repetition 2: 2 of 3 steps reused layers"),
            "{note}"
        );
        assert!(note.contains("(first: `b`)"), "{note}");
    }

    #[test]
    fn a_cached_step_after_a_step_that_ran_reused_output() {
        // A dependency edit whose pip install produced what an earlier build had produced: the
        // install ran, and the runtime's COPY --from of its output was found in the cache.
        let updates = vec![
            v(
                "ctx",
                "[internal] load build context",
                false,
                Some(0.0),
                Some(0.1),
            ),
            with_inputs(
                v(
                    "req",
                    "[deps 2/3] COPY requirements.txt .",
                    false,
                    Some(0.1),
                    Some(0.2),
                ),
                &["from-deps", "ctx"],
            ),
            with_inputs(
                v(
                    "pip",
                    "[deps 3/3] RUN pip install -r requirements.txt",
                    false,
                    Some(0.2),
                    Some(5.0),
                ),
                &["req"],
            ),
            with_inputs(
                v("src", "[stage-1 2/3] COPY src/ src/", true, None, None),
                &["from-rt", "ctx"],
            ),
            with_inputs(
                v(
                    "copy",
                    "[stage-1 3/3] COPY --from=deps /install /usr/local",
                    true,
                    None,
                    None,
                ),
                &["src", "pip"],
            ),
            // A later partial update without inputs must not erase them.
            v("copy", "", true, None, None),
        ];
        let steps = buildkit_steps(&updates);
        let reused: Vec<(&str, bool)> = steps
            .iter()
            .map(|s| (s.name.as_str(), s.reused_output))
            .collect();
        assert_eq!(
            reused,
            vec![
                ("[deps 2/3] COPY requirements.txt .", false),
                ("[deps 3/3] RUN pip install -r requirements.txt", false),
                // cached after the context transfer only: ordinary caching
                ("[stage-1 2/3] COPY src/ src/", false),
                ("[stage-1 3/3] COPY --from=deps /install /usr/local", true),
            ]
        );
    }

    #[test]
    fn vertex_names() {
        assert_eq!(vertex_instruction("[stage-0 2/4] COPY a /"), Some("COPY"));
        assert_eq!(vertex_instruction("[2/3] RUN echo b"), Some("RUN"));
        assert_eq!(
            vertex_instruction("[builder 1/3] FROM registry.example/x"),
            Some("FROM")
        );
        assert_eq!(
            vertex_instruction("[internal] load build definition from Dockerfile"),
            None
        );
        assert_eq!(vertex_instruction("exporting to image"), None);
        assert_eq!(
            vertex_instruction("[internal] load metadata for registry.example/x"),
            None
        );
    }

    #[test]
    fn buildkit_merges_partial_updates_and_skips_internal() {
        let updates = vec![
            v(
                "i1",
                "[internal] load .dockerignore",
                true,
                Some(0.0),
                Some(0.1),
            ),
            v(
                "f",
                "[1/4] FROM registry.example/library/x",
                false,
                Some(0.0),
                None,
            ),
            v("a", "[2/4] RUN echo a", false, None, None),
            v("a", "", true, Some(1.0), None),
            v("b", "[3/4] RUN echo b", false, Some(1.0), None),
            v("c", "[4/4] COPY c.txt /", false, Some(2.0), None),
            v("a", "[2/4] RUN echo a", false, None, Some(1.0)),
            v("b", "", false, None, Some(1.5)),
            v("c", "", false, None, Some(2.25)),
            v("e", "exporting to image", false, Some(3.0), Some(3.5)),
        ];
        let steps = buildkit_steps(&updates);
        let names: Vec<_> = steps.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            ["[2/4] RUN echo a", "[3/4] RUN echo b", "[4/4] COPY c.txt /"]
        );
        assert_eq!(
            steps.iter().map(|s| s.cached).collect::<Vec<_>>(),
            [true, false, false]
        );
        assert_eq!(steps[1].duration_s, Some(0.5));
        assert_eq!(steps[2].duration_s, Some(0.25));
        assert_eq!(cache_hit_rate(&steps), Some(1.0 / 3.0));
    }

    #[test]
    fn classic_created_images_skip_from_and_cache() {
        let text = "Step 1/5 : FROM base AS a\n ---> 111111111111\n\
Step 2/5 : RUN echo a > /a\n ---> Running in 0c0c0c0c0c0c\nRemoving intermediate container 0c0c0c0c0c0c\n ---> 222222222222\n\
Step 3/5 : FROM base\n ---> 111111111111\n\
Step 4/5 : ENV X=1\n ---> Using cache\n ---> 333333333333\n\
Step 5/5 : COPY --from=a /a /a\n ---> 444444444444\nSuccessfully built 444444444444\n";
        assert_eq!(
            text_created_images(TextBuilder::Classic, text),
            ["222222222222", "444444444444"]
        );
    }

    /// Podman 4.3's `/build` stream (Buildah), as it answered here: a first build, then the
    /// same again with nothing changed (every step "Using cache" with the full id, then the
    /// 11-digit short id).
    const BUILDAH_COLD: &str = "STEP 1/7: FROM dockbench/busybox:latest\n\
STEP 2/7: COPY c.txt /c.txt\n--> 897eae65db4\n\
STEP 3/7: RUN echo hi > /x\n--> fd01f7be023\n\
STEP 4/7: RUN sleep 1\n--> b184f29a7c6\n\
STEP 5/7: ENV A=1\n--> 0d45c60ef6c\n\
STEP 6/7: COPY c.txt /d.txt\n--> bfca0a25fae\n\
STEP 7/7: LABEL \"dockbench\"=\"1\"\n\
COMMIT docker.io/library/dbtest:1\n--> 5b3285ed091\n\
Successfully tagged docker.io/library/dbtest:1\n\
5b3285ed0912c9c4d189c9efca0b7af44366a4471a0b118789cd2815e70ca8b5\n\
Successfully built 5b3285ed0912\nSuccessfully tagged dbtest:1\n";
    const BUILDAH_WARM: &str = "STEP 1/6: FROM dockbench/busybox:latest\n\
STEP 2/6: COPY c.txt /c.txt\n\
--> Using cache c7a75b4db1bd61ded05d8d09e2e6af71721dbe6257ed188d1b7242a770bc0c80\n--> c7a75b4db1b\n\
STEP 3/6: RUN echo hi > /x\n\
--> Using cache e25d4d58bd6e8fa3c5d893ed7894bfcfc9f45413c3d2d7b46dd538a97cf7685f\n--> e25d4d58bd6\n\
STEP 4/6: RUN sleep 1\n\
--> Using cache ea66ad9fa6d23460c19452621f36369cadeeb026ad2d531b2b7fbb4774d9a63d\n--> ea66ad9fa6d\n\
STEP 5/6: ENV A=1\n\
--> Using cache 6dcc2bb402777f32aafbad9f0288a93178a3bd213c9f0de4653a60d3d7a94202\n--> 6dcc2bb4027\n\
STEP 6/6: COPY c.txt /d.txt\n--> 6e69e2dae61\nCOMMIT dbtest:1\n--> 6e69e2dae61\n";

    #[test]
    fn buildah_steps_and_cache_hits() {
        let cold = text_steps(TextBuilder::Buildah, BUILDAH_COLD);
        assert_eq!(
            cold.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
            [
                "COPY c.txt /c.txt",
                "RUN echo hi > /x",
                "RUN sleep 1",
                "COPY c.txt /d.txt"
            ]
        );
        assert!(cold.iter().all(|s| !s.cached));
        let warm = text_steps(TextBuilder::Buildah, BUILDAH_WARM);
        assert_eq!(
            warm.iter().map(|s| s.cached).collect::<Vec<_>>(),
            [true, true, true, false]
        );
        assert_eq!(cache_hit_rate(&warm), Some(0.75));
        // Docker's words mean nothing to the other dialect, and the other way round.
        assert!(text_steps(TextBuilder::Classic, BUILDAH_COLD).is_empty());
        assert!(text_steps(TextBuilder::Buildah, "Step 2/2 : RUN x\n").is_empty());
    }

    #[test]
    fn buildah_created_images_skip_cache_hits() {
        assert_eq!(
            text_created_images(TextBuilder::Buildah, BUILDAH_COLD),
            [
                "897eae65db4",
                "fd01f7be023",
                "b184f29a7c6",
                "0d45c60ef6c",
                "bfca0a25fae",
                "5b3285ed091"
            ]
        );
        assert_eq!(
            text_created_images(TextBuilder::Buildah, BUILDAH_WARM),
            ["6e69e2dae61", "6e69e2dae61"]
        );
    }

    /// A multi-stage build on Podman 4.3, as it answered here: each line names its stage.
    const BUILDAH_STAGES: &str = "[1/2] STEP 1/3: FROM dockbench/busybox:latest AS deps\n\
[1/2] STEP 2/3: COPY deps.txt /deps.txt\n--> c6396ff8327\n\
[1/2] STEP 3/3: RUN grep -c . /deps.txt > /count\n--> 8f348b37a03\n\
[2/2] STEP 1/5: FROM dockbench/busybox:latest\n\
[2/2] STEP 2/5: COPY --from=deps /count /count\n--> b008dee2357\n\
[2/2] STEP 3/5: RUN sleep 1\n--> 4234f593555\n\
[2/2] STEP 4/5: CMD [\"cat\", \"/count\"]\n--> 211dc09ba1c\n\
[2/2] STEP 5/5: LABEL \"dockbench\"=\"1\"\n\
[2/2] COMMIT docker.io/library/dockbench-probe-multistage:1\n--> 8e7dc6849a7\n";

    #[test]
    fn buildah_stages_are_read_too() {
        let steps = text_steps(TextBuilder::Buildah, BUILDAH_STAGES);
        assert_eq!(
            steps.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
            [
                "COPY deps.txt /deps.txt",
                "RUN grep -c . /deps.txt > /count",
                "COPY --from=deps /count /count",
                "RUN sleep 1"
            ]
        );
        assert_eq!(
            text_created_images(TextBuilder::Buildah, BUILDAH_STAGES),
            [
                "c6396ff8327",
                "8f348b37a03",
                "b008dee2357",
                "4234f593555",
                "211dc09ba1c",
                "8e7dc6849a7"
            ]
        );
        assert!(text_steps(TextBuilder::Buildah, "[x/2] STEP 2/3: RUN a\n").is_empty());
    }

    #[test]
    fn no_steps_has_no_rate() {
        assert_eq!(cache_hit_rate(&[]), None);
        assert!(text_steps(TextBuilder::Classic, "Step 1/1 : FROM x\n").is_empty());
    }
}
