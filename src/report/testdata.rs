//! Hand-built results for report tests: every case a report must show (targets met and missed,
//! a failed variant, per-edit metrics, layers, BuildKit and classic steps, hostile text).

use crate::driver::{BuildStep, Layer};
use crate::metric::Direction;
use crate::results::testdata::{self as shared, variant, with_targets};
use crate::results::{Environment, RunResults, Status, VariantResult};

/// The shared test host, with the OS fields filled in as the report shows them.
pub fn environment() -> Environment {
    Environment {
        cpu_physical_cores: Some(4),
        os_name: Some("Ubuntu".into()),
        os_version: Some("24.04".into()),
        kernel_version: Some("6.8.0-48-generic".into()),
        hostname: Some("ci-runner-3".into()),
        ..shared::environment("AMD EPYC 7763 64-Core Processor")
    }
}

const TARGETS: &[(&str, f64, &str, Direction)] = &[
    ("cold_build_s", 60.0, "1m", Direction::AtMost),
    ("image_size_bytes", 100e6, "100MB", Direction::AtMost),
    ("cache_hit_rate.deps", 0.5, "50%", Direction::AtLeast),
];

fn layer(size_bytes: u64, created_by: &str) -> Layer {
    Layer {
        id: "<missing>".into(),
        size_bytes,
        created_by: created_by.into(),
    }
}

fn step(name: &str, cached: bool, duration_s: Option<f64>) -> BuildStep {
    BuildStep {
        name: name.into(),
        instruction: name.split_whitespace().next().unwrap_or("RUN").into(),
        cached,
        duration_s,
        reused_output: false,
    }
}

fn alpine() -> VariantResult {
    let mut v = variant(
        "alpine",
        &[
            ("cold_build_s", &[41.2, 38.9, 40.1]),
            ("warm_build_s", &[0.41, 0.38, 0.45]),
            ("rebuild_s.deps", &[9.8, 10.4, 10.1]),
            ("cache_hit_rate", &[1.0, 1.0, 1.0]),
            ("cache_hit_rate.deps", &[0.5, 0.5, 0.5]),
            ("image_size_bytes", &[52_412_345.0; 3]),
            ("startup_s", &[0.234, 0.221, 0.250]),
        ],
    );
    v.layers = vec![
        layer(0, "CMD [\"node\" \"server.js\"]"),
        layer(1_200, "COPY . /app # buildkit"),
        layer(31_000_000, "RUN npm ci --omit=dev # buildkit"),
        layer(0, "WORKDIR /app"),
        layer(7_800_000, ""),
    ];
    v.cold_build_steps = vec![
        step(
            "[1/4] FROM registry.example/library/node:20-alpine",
            true,
            None,
        ),
        step(
            "[2/4] COPY package.json package-lock.json ./",
            false,
            Some(0.12),
        ),
        step("[3/4] RUN npm ci --omit=dev", false, Some(31.5)),
        step("[4/4] COPY . /app", false, Some(0.4)),
    ];
    with_targets(v, TARGETS)
}

/// Misses two targets; its layers hold markdown- and HTML-hostile commands.
fn debian() -> VariantResult {
    let mut v = variant(
        "debian-slim-with-build-tools",
        &[
            ("cold_build_s", &[95.0, 97.5, 93.2]),
            ("warm_build_s", &[1.2, 1.1, 1.3]),
            ("rebuild_s.deps", &[44.0, 46.5, 45.1]),
            ("cache_hit_rate", &[1.0, 1.0, 1.0]),
            ("cache_hit_rate.deps", &[0.25, 0.25, 0.25]),
            ("image_size_bytes", &[612_000_000.0; 3]),
            ("startup_s", &[1.42, 1.38, 1.51]),
        ],
    );
    v.layers = (1..=7)
        .map(|i| {
            layer(
                i * 10_000_000,
                &format!("/bin/sh -c echo {i} | tee `x` <y> && true"),
            )
        })
        .collect();
    v.cold_build_steps = vec![
        step("[1/3] FROM registry.example/library/debian:12-slim", true, None),
        step(
            "[2/3] RUN apt-get update && apt-get install -y --no-install-recommends build-essential \
             python3 python3-pip git curl ca-certificates && rm -rf /var/lib/apt/lists/*",
            false,
            Some(71.3),
        ),
        step("[3/3] COPY . /app", true, Some(0.0)),
    ];
    v.notes = vec!["edit `deps`, repetition 2: 1 of 3 steps reused <layers> `x`".to_string()];
    v.settings = crate::results::VariantSettings {
        target: Some("runtime".into()),
        platform: None,
        limits: crate::scenario::Limits {
            memory_bytes: Some(512 << 20),
            memory_text: Some("512MiB".into()),
            cpus: Some(1.5),
        },
    };
    with_targets(v, TARGETS)
}

fn classic() -> VariantResult {
    let mut v = variant(
        "classic",
        &[
            ("cold_build_s", &[52.0, 55.0, 50.5]),
            ("image_size_bytes", &[80e6, 80e6, 80e6]),
        ],
    );
    v.builder = "classic".into();
    v.cold_build_steps = vec![
        step("COPY package.json ./", false, None),
        step("RUN npm ci", false, None),
    ];
    with_targets(v, TARGETS)
}

fn broken() -> VariantResult {
    let mut v = with_targets(variant("broken <b>&\"x\"</b>", &[]), TARGETS);
    v.status = Status::Failed;
    v.error = Some(
        "process \"/bin/sh -c npm run build\" did not complete successfully: exit code: 1\n\
         ```\n<script>alert('x')</script> & more"
            .into(),
    );
    v
}

pub fn run_results() -> RunResults {
    let claim = |text: &str, metric: &str, to: &str, expect: &str| crate::claims::ClaimSpec {
        text: text.into(),
        source: Some("review <i>of</i> alpine".into()),
        metric: metric.into(),
        from: "alpine".into(),
        to: to.into(),
        expect: expect.into(),
    };
    RunResults {
        environment: environment(),
        claims: vec![
            claim(
                "Debian starts slower | much",
                "startup_s",
                "debian-slim-with-build-tools",
                "at least +100%",
            ),
            claim(
                "The classic build is smaller",
                "image_size_bytes",
                "classic",
                "-20%",
            ),
            claim(
                "The broken one builds faster",
                "cold_build_s",
                "broken <b>&\"x\"</b>",
                "lower",
            ),
        ],
        ..shared::run_results(vec![alpine(), debian(), classic(), broken()])
    }
}

/// `variants` variants with every base metric and `samples` samples each, with long names.
pub fn large_run(variants: usize, samples: usize) -> RunResults {
    let mut results = run_results();
    let metrics = [
        "cold_build_s",
        "warm_build_s",
        "rebuild_s.deps",
        "cache_hit_rate",
        "cache_hit_rate.deps",
        "image_size_bytes",
        "startup_s",
        "healthy_s",
        "memory_idle_bytes",
        "memory_peak_bytes",
    ];
    results.variants = (0..variants)
        .map(|i| {
            let values: Vec<Vec<f64>> = metrics
                .iter()
                .map(|m| {
                    let scale = if m.ends_with("_bytes") { 1e7 } else { 1.0 };
                    let scale = if m.starts_with("cache") { 0.01 } else { scale };
                    (0..samples)
                        .map(|k| scale * (1.0 + i as f64 * 0.7 + (k % 7) as f64 * 0.05))
                        .collect()
                })
                .collect();
            let pairs: Vec<(&str, &[f64])> = metrics
                .iter()
                .zip(&values)
                .map(|(m, xs)| (*m, xs.as_slice()))
                .collect();
            let mut v = variant(&format!("node-20-bookworm-slim-variant-{i:02}"), &pairs);
            v.cold_build_steps = alpine().cold_build_steps;
            with_targets(v, TARGETS)
        })
        .collect();
    results
}

/// Two variants with the anatomy of images built here, entry by entry: `fat` installs apt
/// lists and deletes them a layer later (2 MB wasted); `slim` never writes them and adds a
/// 1.5 MB package. `fat` is the reference.
pub fn anatomy_run() -> RunResults {
    use crate::anatomy::testdata::{base, layer_tar, save_tar, E};
    let analyse =
        |layers: &[(&str, Vec<u8>)]| crate::anatomy::analyse(save_tar(layers).as_slice()).unwrap();
    let apt = || {
        layer_tar(&[
            E::D("usr/"),
            E::D("usr/bin/"),
            E::F("usr/bin/tool", 500_000),
            E::D("var/"),
            E::D("var/lib/"),
            E::D("var/lib/apt/"),
            E::D("var/lib/apt/lists/"),
            E::F(
                "var/lib/apt/lists/mirror.example_debian_bookworm_main",
                2_000_000,
            ),
        ])
    };
    let pip = |pandas: bool| {
        let mut entries = vec![
            E::D("usr/local/lib/python3.11/site-packages/numpy/"),
            E::F(
                "usr/local/lib/python3.11/site-packages/numpy/core.so",
                3_000_000,
            ),
        ];
        if pandas {
            entries.push(E::D("usr/local/lib/python3.11/site-packages/pandas/"));
            entries.push(E::F(
                "usr/local/lib/python3.11/site-packages/pandas/lib.so",
                1_500_000,
            ));
        }
        layer_tar(&entries)
    };
    let fat = analyse(&[
        ("", base()),
        ("RUN /bin/sh -c apt-get install -y tool # buildkit", apt()),
        ("RUN /bin/sh -c pip install numpy # buildkit", pip(false)),
        (
            "RUN /bin/sh -c rm -rf /var/lib/apt/lists # buildkit",
            layer_tar(&[E::D("var/lib/apt/"), E::F("var/lib/apt/.wh.lists", 0)]),
        ),
    ]);
    let slim = analyse(&[
        ("", base()),
        (
            "RUN /bin/sh -c apt-get install -y tool && rm -rf /var/lib/apt/lists # buildkit",
            layer_tar(&[
                E::D("usr/"),
                E::D("usr/bin/"),
                E::F("usr/bin/tool", 500_000),
            ]),
        ),
        (
            "RUN /bin/sh -c pip install numpy pandas # buildkit",
            pip(true),
        ),
    ]);
    let with = |name: &str, anatomy: crate::anatomy::Anatomy| {
        let mut v = variant(
            name,
            &[
                ("image_size_bytes", &[anatomy.size_bytes as f64]),
                ("image_compressed_bytes", &[anatomy.compressed_bytes as f64]),
                ("image_wasted_bytes", &[anatomy.wasted_bytes as f64]),
            ],
        );
        v.anatomy = Some(anatomy);
        v
    };
    RunResults {
        environment: environment(),
        reference: Some("fat".into()),
        ..shared::run_results(vec![with("fat", fat), with("slim", slim)])
    }
}
