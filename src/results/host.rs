//! What the machine and the harness did around the measurements: the timed samples that a busy
//! neighbour disturbed, and the wall time each repetition spent outside its timed phases.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::{Sample, VariantResult};

/// A sample is disturbed when others used more than this share of the machine's CPU capacity
/// while it was timed: a quarter is half a core of a 2-core runner, more than any idle
/// machine's background (0–3 % here) and less than one busy neighbour on up to 4 cores.
pub const DISTURBED_SHARE: f64 = 0.25;

/// A timed sample during which others used more than `DISTURBED_SHARE` of the CPU.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Disturbance {
    /// The repetition (1-based).
    pub run: u32,
    /// The sample's metric (`startup_s`, `rebuild_s.deps`, ...).
    pub metric: String,
    /// Others' share of the machine's CPU capacity while it was timed (1.0 = every CPU).
    pub others_cpu_share: f64,
    /// The 1-minute load average at the end of the phase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_1m: Option<f64>,
}

/// The wall time one repetition of a variant spent outside its timed phases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Overhead {
    pub run: u32,
    /// The harness's own work: making the context tars, inspects, the image anatomy (once per
    /// variant), container create and remove, removing an edit's images and cache records.
    pub own_work_s: f64,
    /// Its deliberate waits: the dither before each timed build, the settle before reading
    /// idle memory.
    pub waits_s: f64,
    /// Of `own_work_s`, the image anatomy (`docker save` and reading it), which runs once per
    /// variant and is not counted against the harness's per-repetition cost.
    #[serde(default)]
    pub anatomy_s: f64,
}

/// The disturbed samples among `samples`, in their order.
pub fn disturbances(samples: &[Sample]) -> Vec<Disturbance> {
    samples
        .iter()
        .filter_map(|s| {
            let share = s.others_cpu_share?;
            (share > DISTURBED_SHARE).then(|| Disturbance {
                run: s.run,
                metric: s.metric.clone(),
                others_cpu_share: share,
                load_1m: s.load_1m,
            })
        })
        .collect()
}

/// The repetitions of a variant with at least one disturbed sample: the rounds a `--runs auto`
/// run measures again.
pub fn disturbed_runs(result: &VariantResult) -> BTreeSet<u32> {
    result.disturbed.iter().map(|d| d.run).collect()
}

/// One line per disturbed repetition of `variant`, its samples with others' share each:
/// "repetition 2 of `fast`: others used 48% of the CPU while cold_build_s was timed, 52% while
/// startup_s was (1-minute load up to 2.31)".
pub fn disturbance_lines(variant: &str, disturbed: &[Disturbance]) -> Vec<String> {
    let runs: BTreeSet<u32> = disturbed.iter().map(|d| d.run).collect();
    runs.into_iter()
        .map(|run| {
            let of_run: Vec<&Disturbance> = disturbed.iter().filter(|d| d.run == run).collect();
            let shares: Vec<String> = of_run
                .iter()
                .enumerate()
                .map(|(i, d)| {
                    let share = d.others_cpu_share * 100.0;
                    if i == 0 {
                        format!("{share:.0}% of the CPU while {} was timed", d.metric)
                    } else {
                        format!("{share:.0}% while {} was", d.metric)
                    }
                })
                .collect();
            let load = of_run
                .iter()
                .filter_map(|d| d.load_1m)
                .fold(None, |m: Option<f64>, l| Some(m.map_or(l, |m| m.max(l))))
                .map(|l| format!(" (1-minute load up to {l:.2})"))
                .unwrap_or_default();
            format!(
                "repetition {run} of `{variant}`: others used {}{load}",
                shares.join(", ")
            )
        })
        .collect()
}

/// `fast: 0.21 s of own work and 2.00 s of waits per repetition (median of 3), anatomy aside`.
pub fn overhead_text(variant: &str, overhead: &[Overhead]) -> Option<String> {
    let median = |xs: Vec<f64>| crate::stats::Summary::from_samples(&xs).map(|s| s.median);
    let own = median(
        overhead
            .iter()
            .map(|o| o.own_work_s - o.anatomy_s)
            .collect(),
    )?;
    let waits = median(overhead.iter().map(|o| o.waits_s).collect())?;
    let anatomy: f64 = overhead.iter().map(|o| o.anatomy_s).sum();
    let anatomy = if anatomy > 0.0 {
        format!(", and {anatomy:.2} s of image anatomy")
    } else {
        String::new()
    };
    let n = overhead.len();
    Some(format!(
        "{variant}: {own:.2} s of own work and {waits:.2} s of deliberate waits per repetition \
         (median of {n}){anatomy}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(metric: &str, run: u32, share: Option<f64>) -> Sample {
        Sample {
            variant: "fast".into(),
            metric: metric.into(),
            run,
            value: 1.0,
            started_at: None,
            others_cpu_share: share,
            load_1m: share.map(|s| s * 4.0),
        }
    }

    /// Known answer: only the samples above a quarter of the CPU are disturbed, a quarter
    /// itself is not, and an unmeasured sample never is.
    #[test]
    fn samples_above_a_quarter_are_disturbed() {
        let samples = [
            sample("cold_build_s", 1, Some(0.02)),
            sample("startup_s", 1, None),
            sample("cold_build_s", 2, Some(0.25)),
            sample("startup_s", 2, Some(0.48)),
            sample("rebuild_s.deps", 3, Some(0.9)),
        ];
        let d = disturbances(&samples);
        assert_eq!(
            d,
            [
                Disturbance {
                    run: 2,
                    metric: "startup_s".into(),
                    others_cpu_share: 0.48,
                    load_1m: Some(1.92)
                },
                Disturbance {
                    run: 3,
                    metric: "rebuild_s.deps".into(),
                    others_cpu_share: 0.9,
                    load_1m: Some(3.6)
                }
            ]
        );
        assert_eq!(
            disturbance_lines("fast", &d),
            [
                "repetition 2 of `fast`: others used 48% of the CPU while startup_s was timed \
                 (1-minute load up to 1.92)",
                "repetition 3 of `fast`: others used 90% of the CPU while rebuild_s.deps was \
                 timed (1-minute load up to 3.60)"
            ]
        );
        let two = [
            Disturbance {
                load_1m: None,
                ..d[0].clone()
            },
            Disturbance {
                metric: "healthy_s".into(),
                others_cpu_share: 0.5,
                load_1m: None,
                ..d[0].clone()
            },
        ];
        assert_eq!(
            disturbance_lines("fast", &two),
            [
                "repetition 2 of `fast`: others used 48% of the CPU while startup_s was timed, \
              50% while healthy_s was"
            ]
        );
        let mut result = crate::results::testdata::variant("fast", &[]);
        result.disturbed = d;
        assert_eq!(
            disturbed_runs(&result).into_iter().collect::<Vec<_>>(),
            [2, 3]
        );
    }

    #[test]
    fn overhead_is_the_median_per_repetition_with_the_anatomy_apart() {
        let o = |run, own_work_s, waits_s, anatomy_s| Overhead {
            run,
            own_work_s,
            waits_s,
            anatomy_s,
        };
        let text = overhead_text(
            "fast",
            &[
                o(1, 1.3, 2.0, 1.0),
                o(2, 0.2, 2.5, 0.0),
                o(3, 0.4, 2.1, 0.0),
            ],
        );
        assert_eq!(
            text.as_deref(),
            Some(
                "fast: 0.30 s of own work and 2.10 s of deliberate waits per repetition \
                 (median of 3), and 1.00 s of image anatomy"
            )
        );
        assert_eq!(overhead_text("fast", &[]), None);
    }
}
