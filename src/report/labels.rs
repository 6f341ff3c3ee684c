//! Fitting names into charts and tables: wrapping long variant names at their natural breaks
//! (`node-20-alpine-multistage`), and cutting long texts on a character boundary with `…`.

/// Cuts `text` to at most `max_chars` characters (ending in `…` when cut), after folding runs of
/// whitespace (a multi-line `RUN` step) into single spaces.
pub fn shorten(text: &str, max_chars: usize) -> String {
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if folded.chars().count() <= max_chars {
        return folded;
    }
    let kept: String = folded.chars().take(max_chars.saturating_sub(1)).collect();
    format!("{}…", kept.trim_end())
}

/// `2026-11-23T07:39:26Z` -> `2026-11-23 07:39 UTC`; anything unparsable is shown as it is.
pub fn short_time(rfc3339: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(rfc3339) {
        Ok(time) => time
            .with_timezone(&chrono::Utc)
            .format("%Y-%m-%d %H:%M UTC")
            .to_string(),
        Err(_) => rfc3339.to_string(),
    }
}

/// Splits `name` into lines no wider than `max_width_px` (as `width_px` measures them),
/// breaking after `-`, `_`, `.`, `/`, `:` or a space, and inside a piece only when the piece alone
/// is too wide. `None` when more than `max_lines` lines would be needed.
pub fn wrap(
    name: &str,
    max_width_px: u32,
    max_lines: usize,
    width_px: impl Fn(&str) -> u32,
) -> Option<Vec<String>> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for piece in pieces(name) {
        let joined = format!("{line}{piece}");
        if width_px(&joined) <= max_width_px {
            line = joined;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        // A piece wider than a line on its own is cut by characters.
        for c in piece.chars() {
            let joined = format!("{line}{c}");
            if width_px(&joined) > max_width_px && !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                line.push(c);
            } else {
                line = joined;
            }
        }
        if lines.len() > max_lines {
            return None;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    (lines.len() <= max_lines).then_some(lines)
}

/// `node-20 alpine` -> `node-`, `20 `, `alpine`: each piece keeps the break after it.
fn pieces(name: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in name.char_indices() {
        if matches!(c, '-' | '_' | '.' | '/' | ':' | ' ') {
            let end = i + c.len_utf8();
            out.push(&name[start..end]);
            start = end;
        }
    }
    if start < name.len() {
        out.push(&name[start..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every character 10 px wide.
    fn width(text: &str) -> u32 {
        text.chars().count() as u32 * 10
    }

    #[test]
    fn shortens_on_char_boundaries() {
        assert_eq!(shorten("RUN  apt-get\n   update", 40), "RUN apt-get update");
        assert_eq!(shorten("abcdefgh", 5), "abcd…");
        assert_eq!(shorten("ééééé", 3), "éé…");
        assert_eq!(shorten("ab cdef", 4), "ab…", "no space before the ellipsis");
    }

    #[test]
    fn short_times() {
        assert_eq!(short_time("2026-11-23T07:39:26Z"), "2026-11-23 07:39 UTC");
        assert_eq!(
            short_time("2026-11-23T08:39:26+01:00"),
            "2026-11-23 07:39 UTC"
        );
        assert_eq!(short_time("yesterday"), "yesterday");
    }

    #[test]
    fn wraps_at_separators() {
        let lines = wrap("node-20-alpine-multistage", 100, 3, width).unwrap();
        assert_eq!(lines, ["node-20-", "alpine-", "multistage"]);
        assert_eq!(wrap("short", 100, 3, width).unwrap(), ["short"]);
    }

    #[test]
    fn cuts_long_pieces_and_gives_up_past_max_lines() {
        assert_eq!(
            wrap("abcdefghijkl", 50, 3, width).unwrap(),
            ["abcde", "fghij", "kl"]
        );
        assert_eq!(wrap("abcdefghijklmnop", 50, 3, width), None);
        assert_eq!(wrap("a-b-c-d", 20, 3, width), None);
    }
}
