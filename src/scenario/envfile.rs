//! Env files: `[run] env_file` in a suite (`docker run --env-file` rules), and a compose file's
//! `env_file` and `.env` (the compose tool's rules, which differ: quotes, comments, `${VAR}`).

use std::collections::BTreeMap;

/// `docker run --env-file` rules, not a shell's: `KEY=VALUE` lines, the value taken literally
/// (quotes included); `#` lines and blank lines skipped; a bare `KEY` takes the variable from
/// dockbench's own environment, and is skipped when unset there. Errors carry the 1-based line.
pub fn parse_env_file(
    text: &str,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<BTreeMap<String, String>, (usize, String)> {
    let mut env = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, value) = match line.split_once('=') {
            Some((name, value)) => (name, Some(value.to_string())),
            None => (line.trim_end(), None),
        };
        if name.is_empty() || name.contains(char::is_whitespace) {
            return Err((
                i + 1,
                format!("variable name {name:?} must not be empty or contain whitespace"),
            ));
        }
        if let Some(value) = value.or_else(|| lookup(name)) {
            env.insert(name.to_string(), value);
        }
    }
    Ok(env)
}

/// Compose's rules, for a compose file's `.env` and its services' `env_file`s: those of the
/// compose tool (compose v2's dotenv reader, which the compose specification follows; docker-compose
/// v1 gives the same answers for the lines below, tests/stack.rs checks both):
/// - `KEY=VALUE` or `export KEY=VALUE`; blank lines and `#` lines skipped; a bare `KEY` takes
///   the value `lookup` gives it, and is skipped when it gives none;
/// - unquoted values are trimmed, and ` #` (a blank, then `#`) starts a comment: `a#b` is `a#b`;
/// - `'single'` quotes: the text as written, no escapes, no interpolation (docker-compose v1
///   interpolates there; compose v2 and its documentation do not);
/// - `"double"` quotes: `\n`, `\r`, `\t`, `\\` and `\"` are escapes; a quoted value may span lines;
/// - unquoted and double-quoted values are interpolated as a compose file is (`${VAR}`, `$VAR`,
///   `${VAR:-default}`, ...): from `lookup` first, then from the lines above.
///
/// dotenvy was tried and not used: it refuses `KEY=two words`, reads `${VAR:-default}` as a
/// variable named `VAR:-default`, and reads the process environment itself.
pub fn parse_compose_env_file(
    text: &str,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<BTreeMap<String, String>, (usize, String)> {
    let mut env = BTreeMap::new();
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let number = i + 1;
        let line = lines[i].trim_start();
        i += 1;
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").map_or(line, str::trim_start);
        let Some((name, value)) = line.split_once('=') else {
            let name = line.trim_end();
            check_name(name).map_err(|why| (number, why))?;
            if let Some(value) = lookup(name) {
                env.insert(name.to_string(), value);
            }
            continue;
        };
        let name = name.trim_end();
        check_name(name).map_err(|why| (number, why))?;
        let value = value.trim_start();
        let expand = |raw: &str| {
            super::compose::interpolate::interpolate(raw, &|n: &str| {
                lookup(n).or_else(|| env.get(n).cloned())
            })
            .map_err(|why| (number, why))
        };
        let value = match value.chars().next() {
            Some(quote @ ('\'' | '"')) => {
                let (raw, used) = quoted(&lines[i - 1..], quote).ok_or_else(|| {
                    (number, format!("{quote} opened for {name} is never closed"))
                })?;
                i += used - 1;
                if quote == '"' {
                    expand(&raw)?
                } else {
                    raw
                }
            }
            _ => expand(unquoted(value))?,
        };
        env.insert(name.to_string(), value);
    }
    Ok(env)
}

fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.contains(char::is_whitespace) {
        return Err(format!(
            "variable name {name:?} must not be empty or contain whitespace"
        ));
    }
    Ok(())
}

/// An unquoted value: up to a ` #` comment, trailing blanks trimmed.
fn unquoted(value: &str) -> &str {
    let end = value
        .char_indices()
        .find(|&(at, c)| c == '#' && at > 0 && value[..at].ends_with([' ', '\t']))
        .map_or(value.len(), |(at, _)| at);
    value[..end].trim_end()
}

/// A quoted value that starts in `lines[0]` (after its `=`) and may end lines later: the text
/// between the quotes (escapes applied in double quotes), and how many lines it took.
fn quoted(lines: &[&str], quote: char) -> Option<(String, usize)> {
    let first = lines[0].split_once('=')?.1.trim_start();
    let mut out = String::new();
    for (n, line) in lines.iter().enumerate() {
        let body = if n == 0 { &first[1..] } else { line };
        let mut chars = body.chars();
        while let Some(c) = chars.next() {
            match c {
                c if c == quote => return Some((out, n + 1)),
                '\\' if quote == '"' => match chars.next() {
                    Some('n') => out.push('\n'),
                    Some('r') => out.push('\r'),
                    Some('t') => out.push('\t'),
                    Some(c @ ('\\' | '"')) => out.push(c),
                    Some(c) => {
                        out.push('\\');
                        out.push(c);
                    }
                    None => out.push('\\'),
                },
                c => out.push(c),
            }
        }
        out.push('\n');
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compose(text: &str) -> BTreeMap<String, String> {
        parse_compose_env_file(text, |n| (n == "HOST_VAR").then(|| "from host".to_string()))
            .unwrap()
    }

    #[test]
    fn compose_rules_strip_quotes_drop_comments_and_interpolate() {
        let env = compose(
            "# a comment\nexport A=yes\nB=two words   # inline\nC=\"postgres://u:p@db/app\"  # c\n\
             D='a # b ${B}'\nE=a#b\nF=\nG=${B}-more\nH=${NOPE:-fallback}\nI=\"url=${C}\"\n\
             J=\"one\\ntwo \\\"q\\\"\"\nHOST_VAR\nNOT_SET\nK=$HOST_VAR\n",
        );
        assert_eq!(env["A"], "yes");
        assert_eq!(env["B"], "two words");
        assert_eq!(env["C"], "postgres://u:p@db/app");
        assert_eq!(env["D"], "a # b ${B}", "single quotes: as written");
        assert_eq!(env["E"], "a#b", "a comment needs a blank before its #");
        assert_eq!(env["F"], "");
        assert_eq!(env["G"], "two words-more");
        assert_eq!(env["H"], "fallback");
        assert_eq!(env["I"], "url=postgres://u:p@db/app");
        assert_eq!(env["J"], "one\ntwo \"q\"");
        assert_eq!(env["HOST_VAR"], "from host");
        assert!(!env.contains_key("NOT_SET"));
        assert_eq!(env["K"], "from host");
    }

    #[test]
    fn compose_quoted_values_span_lines_and_errors_name_the_line() {
        let env = compose("A=\"one\ntwo\"\nB='x\ny'\nC=after\n");
        assert_eq!(env["A"], "one\ntwo");
        assert_eq!(env["B"], "x\ny");
        assert_eq!(env["C"], "after");
        let err = parse_compose_env_file("A=1\nB=\"open\nC=2\n", |_| None).unwrap_err();
        assert_eq!(err.0, 2);
        assert!(err.1.contains("never closed"), "{}", err.1);
        let err = parse_compose_env_file("A=1\nB C=2\n", |_| None).unwrap_err();
        assert_eq!(err.0, 2);
        let err = parse_compose_env_file("A=${X:?set X}\n", |_| None).unwrap_err();
        assert_eq!(
            err,
            (1, "required variable X is missing a value: set X".into())
        );
    }

    #[test]
    fn docker_run_rules_keep_quotes_and_hashes() {
        let env = parse_env_file("A=\"q\" # c\n", |_| None).unwrap();
        assert_eq!(env["A"], "\"q\" # c");
    }
}
