//! Env files: `[run] env_file` in a suite, and a compose file's `env_file` and `.env`.

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
