//! Real-engine test of the BuildKit session (driver/session): a small context sent by DiffCopy
//! to the engine DOCKER_HOST names (the local socket when unset), Dockerfile in a subfolder,
//! `.dockerignore` applied by the builder, and a same-length edit within the same second that
//! must reach the build. Needs the engine's `dockbench/busybox` (`bash scripts/setup.sh`).

use std::collections::BTreeMap;

use dockbench::driver::docker::DockerEngine;
use dockbench::driver::{BuildOutput, BuildRequest, Engine};
use dockbench::scenario::Builder;

/// A context tar: `(path, content)`, with `path -> target` for a symlink.
fn context(files: &[(&str, &str)]) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    for (path, content) in files {
        let mut header = tar::Header::new_gnu();
        // Every build's files in the same second, as when edits come faster than one a second.
        header.set_mtime(1_700_000_000);
        match path.split_once(" -> ") {
            Some((link, target)) => {
                header.set_entry_type(tar::EntryType::Symlink);
                header.set_mode(0o777);
                header.set_size(0);
                tar.append_link(&mut header, link, target).unwrap();
            }
            None => {
                header.set_mode(0o644);
                header.set_size(content.len() as u64);
                tar.append_data(&mut header, path, content.as_bytes())
                    .unwrap();
            }
        }
    }
    tar.into_inner().unwrap()
}

/// `nonce` makes the first step new to the engine's cache. EXPECT is declared late: a build
/// argument is part of every later RUN's cache key.
fn dockerfile(nonce: &str) -> String {
    format!(
        "FROM dockbench/busybox:latest
RUN echo step-one {nonce} > /one
COPY . /ctx
ARG EXPECT
RUN test \"$(cat /ctx/sub/c.txt)\" = \"$EXPECT\" && test ! -e /ctx/ignored.txt \
 && test -e /ctx/kept.log && test \"$(readlink /ctx/link)\" = sub/c.txt \
 && test ! -e /ctx/docker/Dockerfile.session
"
    )
}

fn request(nonce: &str, c_txt: &str, tag: &str) -> BuildRequest {
    BuildRequest {
        context_tar: context(&[
            ("docker/Dockerfile.session", &dockerfile(nonce)),
            // The builder reads it from the context and sends the lines as exclude-patterns.
            (".dockerignore", "ignored.txt\n*.log\n!kept.log\ndocker\n"),
            ("ignored.txt", "must not be sent"),
            ("kept.log", "kept"),
            ("other.log", "dropped"),
            ("sub/c.txt", c_txt),
            ("link -> sub/c.txt", ""),
        ]),
        dockerfile: "docker/Dockerfile.session".to_string(),
        builder: Builder::BuildKit,
        target: None,
        platform: None,
        build_args: BTreeMap::from([("EXPECT".to_string(), c_txt.to_string())]),
        nocache: false,
        tag: tag.to_string(),
        // A run's labels: `dockbench clean` finds what a failed test leaves behind.
        labels: dockbench::driver::run_labels(&format!("session-test-{nonce}"), &[]),
    }
}

/// Whether each step came from the cache: the first RUN, the COPY, the checking RUN.
fn cached(output: &BuildOutput) -> [bool; 3] {
    let step = |needle: &str| {
        let found = output.steps.iter().find(|s| s.name.contains(needle));
        found.unwrap_or_else(|| panic!("no step {needle} in {:?}", output.steps))
    };
    assert_eq!(output.steps.len(), 3, "{:?}", output.steps);
    [
        step("step-one").cached,
        step("COPY").cached,
        step("test").cached,
    ]
}

#[tokio::test]
async fn buildkit_context_goes_through_the_session() {
    let engine = DockerEngine::connect(None).await.unwrap();
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let tag = format!("dockbench/session-test:{}", &nonce[..12]);
    // Unique content, so that no earlier run's cache can answer.
    let first = format!("one-{}", &nonce[..8]);
    let built = engine.build(request(&nonce, &first, &tag)).await;
    let built = built.unwrap_or_else(|e| panic!("{}", e.message));
    assert_eq!(cached(&built), [false, false, false]);

    // Same length, same mtime in the tar (whole seconds): it must still be sent.
    let second = format!("two-{}", &nonce[..8]);
    assert_eq!(first.len(), second.len());
    let rebuilt = engine.build(request(&nonce, &second, &tag)).await;
    let rebuilt = rebuilt.unwrap_or_else(|e| panic!("{}", e.message));
    assert_eq!(
        cached(&rebuilt),
        [true, false, false],
        "only the edit's COPY and the step after it run again"
    );

    // And unchanged, everything comes from the cache.
    let again = engine.build(request(&nonce, &second, &tag)).await;
    let again = again.unwrap_or_else(|e| panic!("{}", e.message));
    assert_eq!(cached(&again), [true, true, true]);

    for image in [&built.image_id, &rebuilt.image_id, &again.image_id] {
        let _ = engine.remove_image(image).await;
    }
}
