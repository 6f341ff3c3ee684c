//! Parsing of durations (`"3m"`, `"1.5s"`), sizes (`"600MB"`, `"512MiB"`) and rates (`"80%"`).
//!
//! Durations go through `humantime` (which accepts fractions such as `"1.5s"` since 2.2), sizes
//! through `bytesize` (`MB` is 10^6, `MiB` is 2^20, units case-insensitive). Rates are a plain
//! percentage, too small a grammar to justify a crate.

use std::time::Duration;

use crate::metric::Unit;

/// Why a quantity could not be read. The message is meant for the user as is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UnitError(pub String);

/// A quantity as it appears in a suite file: text with a unit, or a bare number that is taken
/// in the base unit (seconds, bytes, or a 0..1 fraction).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Quantity<'a> {
    Text(&'a str),
    Integer(i64),
    Float(f64),
}

const DURATION_EXAMPLES: &str = "write e.g. \"3m\", \"1.5s\" or \"250ms\"";
const SIZE_EXAMPLES: &str = "write e.g. \"600MB\", \"512MiB\", \"1.5GB\" or a number of bytes";

/// `"3m"`, `"1.5s"`, `"250ms"`, `"1h 30m"`. A unit is required: `"5"` is ambiguous.
pub fn parse_duration(text: &str) -> Result<Duration, UnitError> {
    humantime::parse_duration(text.trim()).map_err(|e| {
        UnitError(format!(
            "invalid duration {text:?} ({e}); {DURATION_EXAMPLES}"
        ))
    })
}

/// A bare number of seconds, as TOML allows `timeout = 1.5`.
pub fn duration_from_secs(secs: f64) -> Result<Duration, UnitError> {
    Duration::try_from_secs_f64(secs).map_err(|_| {
        UnitError(format!(
            "invalid duration {secs}: seconds must be a finite number >= 0"
        ))
    })
}

/// A duration written either way.
pub fn duration_of(quantity: Quantity) -> Result<Duration, UnitError> {
    match quantity {
        Quantity::Text(text) => parse_duration(text),
        Quantity::Integer(secs) => duration_from_secs(secs as f64),
        Quantity::Float(secs) => duration_from_secs(secs),
    }
}

/// `"600MB"` = 600_000_000, `"512MiB"` = 536_870_912, `"1.5GB"`, `"1024"` (bytes).
pub fn parse_size_bytes(text: &str) -> Result<u64, UnitError> {
    let bad = |why: &str| UnitError(format!("invalid size {text:?}{why}; {SIZE_EXAMPLES}"));
    let trimmed = text.trim();
    // bytesize would read a fractional number without unit ("1.5") as an odd unit error.
    if trimmed.is_empty() || trimmed.starts_with('-') {
        return Err(bad(""));
    }
    let bytes = trimmed
        .parse::<bytesize::ByteSize>()
        .map_err(|_| bad(""))?
        .as_u64();
    // bytesize saturates instead of failing on overflow.
    if bytes == u64::MAX {
        return Err(bad(" (too large)"));
    }
    Ok(bytes)
}

/// `"80%"` -> 0.8. Only percentages: a bare `"0.8"` string is refused so that `"80"` is never
/// silently read as 8000%.
pub fn parse_rate(text: &str) -> Result<f64, UnitError> {
    let bad = |why: &str| UnitError(format!("invalid rate {text:?}: {why}"));
    let number = text
        .trim()
        .strip_suffix('%')
        .ok_or_else(|| bad("expected a percentage like \"80%\" or a number in 0..1 like 0.8"))?;
    let percent: f64 = number
        .trim()
        .parse()
        .map_err(|_| bad("expected a number before `%`"))?;
    if !(0.0..=100.0).contains(&percent) {
        return Err(bad("a percentage must be between 0% and 100%"));
    }
    Ok(percent / 100.0)
}

/// A bare fraction: 0.8, or the integers 0 and 1.
pub fn fraction_from_number(fraction: f64) -> Result<f64, UnitError> {
    if (0.0..=1.0).contains(&fraction) {
        Ok(fraction)
    } else {
        Err(UnitError(format!(
            "invalid rate {fraction}: a fraction must be between 0 and 1 (or write a percentage like \"80%\")"
        )))
    }
}

/// A target limit converted to the metric's unit: seconds, bytes or a 0..1 fraction.
pub fn limit_of(unit: Unit, quantity: Quantity) -> Result<f64, UnitError> {
    match (unit, quantity) {
        (Unit::Seconds, q) => duration_of(q).map(|d| d.as_secs_f64()),
        (Unit::Bytes, Quantity::Text(text)) => parse_size_bytes(text).map(|b| b as f64),
        (Unit::Bytes, Quantity::Integer(bytes)) if bytes >= 0 => Ok(bytes as f64),
        (Unit::Bytes, Quantity::Integer(bytes)) => Err(UnitError(format!(
            "invalid size {bytes}: a number of bytes must be >= 0"
        ))),
        (Unit::Bytes, Quantity::Float(bytes)) => Err(UnitError(format!(
            "invalid size {bytes}: a bare number of bytes must be an integer; {SIZE_EXAMPLES}"
        ))),
        (Unit::Fraction, Quantity::Text(text)) => parse_rate(text),
        (Unit::Fraction, Quantity::Integer(n)) => fraction_from_number(n as f64),
        (Unit::Fraction, Quantity::Float(f)) => fraction_from_number(f),
        (Unit::Count, Quantity::Integer(n)) if n >= 0 => Ok(n as f64),
        (Unit::Count, q) => Err(UnitError(format!(
            "{} is not a count: write a whole number, like 5000",
            match q {
                Quantity::Text(t) => format!("\"{t}\""),
                Quantity::Integer(n) => n.to_string(),
                Quantity::Float(f) => f.to_string(),
            }
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg<T: std::fmt::Debug>(r: Result<T, UnitError>) -> String {
        r.unwrap_err().0
    }

    #[test]
    fn durations_with_units_and_fractions() {
        assert_eq!(parse_duration("3m").unwrap(), Duration::from_secs(180));
        assert_eq!(parse_duration("1.5s").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("0.5h").unwrap(), Duration::from_secs(1800));
        assert_eq!(parse_duration("1m 30s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration(" 2s ").unwrap(), Duration::from_secs(2));
        assert_eq!(parse_duration("0s").unwrap(), Duration::ZERO);
    }

    #[test]
    fn bad_durations() {
        assert_eq!(
            msg(parse_duration("5")),
            "invalid duration \"5\" (time unit needed, for example 5sec or 5ms); write e.g. \"3m\", \"1.5s\" or \"250ms\""
        );
        assert!(msg(parse_duration("3x"))
            .starts_with("invalid duration \"3x\" (unknown time unit \"x\""));
        assert!(parse_duration("-1s").is_err());
        assert!(parse_duration("").is_err());
        assert!(parse_duration("fast").is_err());
    }

    #[test]
    fn durations_from_numbers() {
        assert_eq!(
            duration_of(Quantity::Integer(3)).unwrap(),
            Duration::from_secs(3)
        );
        assert_eq!(
            duration_of(Quantity::Float(0.25)).unwrap(),
            Duration::from_millis(250)
        );
        assert_eq!(
            msg(duration_of(Quantity::Integer(-1))),
            "invalid duration -1: seconds must be a finite number >= 0"
        );
        assert!(duration_of(Quantity::Float(f64::NAN)).is_err());
    }

    #[test]
    fn sizes_decimal_and_binary() {
        assert_eq!(parse_size_bytes("600MB").unwrap(), 600_000_000);
        assert_eq!(parse_size_bytes("512MiB").unwrap(), 536_870_912);
        assert_eq!(parse_size_bytes("1.5GB").unwrap(), 1_500_000_000);
        assert_eq!(parse_size_bytes("1.5GiB").unwrap(), 1_610_612_736);
        assert_eq!(parse_size_bytes("2 kb").unwrap(), 2_000);
        assert_eq!(parse_size_bytes("1024").unwrap(), 1024);
        assert_eq!(parse_size_bytes("1KiB").unwrap(), 1024);
    }

    #[test]
    fn bad_sizes() {
        assert_eq!(
            msg(parse_size_bytes("600XB")),
            "invalid size \"600XB\"; write e.g. \"600MB\", \"512MiB\", \"1.5GB\" or a number of bytes"
        );
        assert!(parse_size_bytes("-5MB").is_err());
        assert!(parse_size_bytes("").is_err());
        assert!(parse_size_bytes("1.5").is_err());
        assert!(parse_size_bytes("MB").is_err());
        assert_eq!(
            msg(parse_size_bytes("100EB")),
            "invalid size \"100EB\" (too large); write e.g. \"600MB\", \"512MiB\", \"1.5GB\" or a number of bytes"
        );
    }

    #[test]
    fn rates() {
        assert_eq!(parse_rate("80%").unwrap(), 0.8);
        assert_eq!(parse_rate("0%").unwrap(), 0.0);
        assert_eq!(parse_rate("100%").unwrap(), 1.0);
        assert_eq!(parse_rate("12.5 %").unwrap(), 0.125);
        assert_eq!(fraction_from_number(0.8).unwrap(), 0.8);
    }

    #[test]
    fn bad_rates() {
        assert_eq!(
            msg(parse_rate("120%")),
            "invalid rate \"120%\": a percentage must be between 0% and 100%"
        );
        assert!(parse_rate("-1%").is_err());
        assert!(parse_rate("nan%").is_err());
        assert_eq!(
            msg(parse_rate("0.8")),
            "invalid rate \"0.8\": expected a percentage like \"80%\" or a number in 0..1 like 0.8"
        );
        assert_eq!(
            msg(parse_rate("lots%")),
            "invalid rate \"lots%\": expected a number before `%`"
        );
        assert!(fraction_from_number(1.5).is_err());
    }

    #[test]
    fn limits_follow_the_metric_unit() {
        assert_eq!(
            limit_of(Unit::Seconds, Quantity::Text("3m")).unwrap(),
            180.0
        );
        assert_eq!(limit_of(Unit::Seconds, Quantity::Float(1.5)).unwrap(), 1.5);
        assert_eq!(limit_of(Unit::Bytes, Quantity::Text("600MB")).unwrap(), 6e8);
        assert_eq!(
            limit_of(Unit::Bytes, Quantity::Integer(1024)).unwrap(),
            1024.0
        );
        assert!(limit_of(Unit::Bytes, Quantity::Float(1.5)).is_err());
        assert!(limit_of(Unit::Bytes, Quantity::Integer(-1)).is_err());
        assert_eq!(
            limit_of(Unit::Fraction, Quantity::Text("80%")).unwrap(),
            0.8
        );
        assert_eq!(limit_of(Unit::Fraction, Quantity::Integer(1)).unwrap(), 1.0);
        assert!(limit_of(Unit::Fraction, Quantity::Integer(2)).is_err());
        // A size on a seconds metric is caught by the duration parser.
        assert!(limit_of(Unit::Seconds, Quantity::Text("600MB")).is_err());
    }
}
