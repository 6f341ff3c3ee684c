//! Summary statistics over raw samples. Imports nothing from the rest of the crate, so it can be
//! trusted (and tested) on its own.

pub mod interval;
pub mod significance;
#[cfg(test)]
pub(crate) mod synthetic;

use serde::{Deserialize, Serialize};

/// Summary of one metric's samples. `stddev` is the sample standard deviation (n - 1), as
/// hyperfine reports it; it is 0 for a single sample rather than undefined, so that JSON stays
/// numeric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub median: f64,
    pub mean: f64,
    pub stddev: f64,
    pub min: f64,
    pub max: f64,
    pub samples: Vec<f64>,
}

impl Summary {
    /// `None` for no samples: a metric never measured has no summary, not a zero.
    pub fn from_samples(samples: &[f64]) -> Option<Summary> {
        if samples.is_empty() || samples.iter().any(|v| !v.is_finite()) {
            return None;
        }
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        Some(Summary {
            median: median_sorted(&sorted),
            mean: mean(samples),
            stddev: stddev(samples),
            min: sorted[0],
            max: sorted[sorted.len() - 1],
            samples: samples.to_vec(),
        })
    }
}

pub fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// Sample standard deviation (Bessel's correction); 0 when fewer than two samples.
pub fn stddev(xs: &[f64]) -> f64 {
    // Identical samples have no spread. The float mean of some (0.2, 0.2, 0.2) is not exactly
    // the value, which would give a stddev of ~1e-17 and print as "± 0.0" beside a plain figure.
    if xs.len() < 2 || xs.iter().all(|&x| x == xs[0]) {
        return 0.0;
    }
    let m = mean(xs);
    let ss: f64 = xs.iter().map(|x| (x - m).powi(2)).sum();
    (ss / (xs.len() - 1) as f64).sqrt()
}

fn median_sorted(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_count() {
        let s = Summary::from_samples(&[3.0, 1.0, 2.0]).unwrap();
        assert_eq!(s.median, 2.0);
        assert_eq!(s.mean, 2.0);
        assert_eq!(s.stddev, 1.0);
        assert_eq!((s.min, s.max), (1.0, 3.0));
        assert_eq!(s.samples, vec![3.0, 1.0, 2.0], "raw order is kept");
    }

    #[test]
    fn even_count_median_is_midpoint() {
        let s = Summary::from_samples(&[4.0, 1.0, 3.0, 2.0]).unwrap();
        assert_eq!(s.median, 2.5);
        // sum of squares around 2.5 = 5, / 3
        assert!((s.stddev - (5.0f64 / 3.0).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn identical_samples_have_exactly_no_spread() {
        // The float mean of these is not exactly the value: a naive stddev gives ~3e-17.
        for x in [0.2, 0.7, 0.1 + 0.2] {
            assert_eq!(stddev(&[x, x, x]), 0.0, "{x}");
        }
        assert!(
            stddev(&[0.2, 0.2, 0.2 + 1e-15]) > 0.0,
            "any difference is a spread"
        );
    }

    #[test]
    fn single_and_empty() {
        let s = Summary::from_samples(&[7.5]).unwrap();
        assert_eq!((s.median, s.stddev), (7.5, 0.0));
        assert!(Summary::from_samples(&[]).is_none());
        assert!(Summary::from_samples(&[1.0, f64::NAN]).is_none());
    }
}
