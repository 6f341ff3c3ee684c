//! Synthetic noise for the statistics' tests (fixed seeds, so the rates the tests assert are
//! the same on every machine), and their float comparison.

/// A tiny deterministic generator (SplitMix64) with normal draws (Box–Muller), so the
/// false-alarm numbers below are the same on every machine.
pub(crate) struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1].
    pub fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 / (1u64 << 53) as f64
    }

    pub fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }

    /// `n` timings around `center` with relative noise `cv`; `skewed` draws them log-normal,
    /// with the right tail of real build times.
    pub fn timings(&mut self, n: usize, center: f64, cv: f64, skewed: bool) -> Vec<f64> {
        (0..n)
            .map(|_| {
                let z = self.normal();
                if skewed {
                    center * (cv * z).exp()
                } else {
                    center * (1.0 + cv * z)
                }
            })
            .collect()
    }
}

/// Asserts that `actual` is within `tolerance` of `expected`, saying both when not.
pub(crate) fn close(actual: f64, expected: f64, tolerance: f64) {
    assert!(
        (actual - expected).abs() <= tolerance,
        "{actual} is not within {tolerance} of {expected}"
    );
}
