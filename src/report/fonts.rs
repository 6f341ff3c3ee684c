//! The chart font, bundled in the binary: charts must render the same on a CI runner or a slim
//! container with no fonts installed, so nothing is looked up on the system (no fontconfig).

use std::sync::OnceLock;

use anyhow::anyhow;
use plotters::style::{register_font, FontStyle};

/// DejaVu Sans 2.37 (Bitstream Vera license, see `assets/fonts/LICENSE-DejaVu.txt`). It covers
/// the marks the charts use (✓ ✗ – ≤ ≥ …).
pub const DEJAVU_SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// The family name charts ask for. Registering the bundled font under the generic name means the
/// SVGs also say `font-family="sans-serif"`, which any viewer can honour.
pub const FAMILY: &str = "sans-serif";

/// Makes [`FAMILY`] available to plotters. Idempotent and cheap after the first call; every
/// chart renderer calls it, so callers never need to.
pub fn ensure_registered() -> anyhow::Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    // Only the regular face is bundled (titles are set larger, not bold): plotters falls back
    // to it for any other style.
    let ok =
        *REGISTERED.get_or_init(|| register_font(FAMILY, FontStyle::Normal, DEJAVU_SANS).is_ok());
    if ok {
        Ok(())
    } else {
        Err(anyhow!("the bundled chart font could not be parsed"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registers_twice_without_error() {
        ensure_registered().unwrap();
        ensure_registered().unwrap();
    }
}
