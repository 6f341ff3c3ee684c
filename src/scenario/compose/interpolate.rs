//! Variable interpolation in compose files, as the compose tool does it: `$VAR`, `${VAR}`,
//! `${VAR:-default}` (unset or empty), `${VAR-default}` (unset), `${VAR:?message}` and
//! `${VAR?message}` (an error), `${VAR:+alt}` and `${VAR+alt}`, and `$$` for a literal `$`.
//! It applies to string values, not to keys, after the YAML is parsed.

use yaml_serde::Value;

/// A variable that had to be set (`:?`/`?`), or a `${` left open. `path` is the value's key path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterpolationError {
    pub path: String,
    pub message: String,
}

/// Interpolates every string value of `value` in place; `lookup` gives a variable's value.
pub fn interpolate_tree(
    value: &mut Value,
    path: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<(), InterpolationError> {
    match value {
        Value::String(text) => {
            *text = interpolate(text, lookup).map_err(|message| InterpolationError {
                path: path.to_string(),
                message,
            })?;
        }
        Value::Sequence(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                interpolate_tree(item, &format!("{path}[{i}]"), lookup)?;
            }
        }
        Value::Mapping(map) => {
            for (key, item) in map.iter_mut() {
                let key = key.as_str().map(str::to_string).unwrap_or_default();
                let sub = if path.is_empty() {
                    key
                } else {
                    format!("{path}.{key}")
                };
                interpolate_tree(item, &sub, lookup)?;
            }
        }
        Value::Tagged(tagged) => interpolate_tree(&mut tagged.value, path, lookup)?,
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
    Ok(())
}

/// One string. Errors are messages in the compose tool's terms.
pub fn interpolate(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(body) = after.strip_prefix('{') {
            let end = closing_brace(body)
                .ok_or_else(|| format!("`${{` without a closing `}}` in {text:?}"))?;
            out.push_str(&braced(&body[..end], lookup)?);
            rest = &body[end + 1..];
        } else {
            let len = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            if len == 0 {
                out.push('$');
            } else {
                out.push_str(&lookup(&after[..len]).unwrap_or_default());
            }
            rest = &after[len..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// The index of the `}` that closes a `${`, allowing nested `${...}` in a default.
fn closing_brace(body: &str) -> Option<usize> {
    let mut depth = 0;
    for (i, c) in body.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return Some(i),
            '}' => depth -= 1,
            _ => {}
        }
    }
    None
}

fn braced(body: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let name_len = body
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(body.len());
    let (name, op) = body.split_at(name_len);
    if name.is_empty() {
        return Err(format!("invalid variable `${{{body}}}`"));
    }
    let value = lookup(name);
    let set_nonempty = value.as_deref().is_some_and(|v| !v.is_empty());
    let arg = |prefix: &str| interpolate(&op[prefix.len()..], lookup);
    match op {
        "" => Ok(value.unwrap_or_default()),
        _ if op.starts_with(":-") => {
            if set_nonempty {
                Ok(value.unwrap())
            } else {
                arg(":-")
            }
        }
        _ if op.starts_with('-') => match value {
            Some(v) => Ok(v),
            None => arg("-"),
        },
        _ if op.starts_with(":?") => match value.filter(|v| !v.is_empty()) {
            Some(v) => Ok(v),
            None => Err(required(name, &arg(":?")?)),
        },
        _ if op.starts_with('?') => match value {
            Some(v) => Ok(v),
            None => Err(required(name, &arg("?")?)),
        },
        _ if op.starts_with(":+") => {
            if set_nonempty {
                arg(":+")
            } else {
                Ok(String::new())
            }
        }
        _ if op.starts_with('+') => {
            if value.is_some() {
                arg("+")
            } else {
                Ok(String::new())
            }
        }
        _ => Err(format!("invalid variable `${{{body}}}`")),
    }
}

fn required(name: &str, message: &str) -> String {
    if message.is_empty() {
        format!("required variable {name} is missing a value")
    } else {
        format!("required variable {name} is missing a value: {message}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "TAG" => Some("3.11".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    fn i(text: &str) -> Result<String, String> {
        interpolate(text, &env)
    }

    #[test]
    fn every_form_the_compose_tool_knows() {
        assert_eq!(i("python:${TAG}").unwrap(), "python:3.11");
        assert_eq!(i("python:$TAG-slim").unwrap(), "python:3.11-slim");
        assert_eq!(i("${NOPE}").unwrap(), "");
        assert_eq!(i("${NOPE:-5432}").unwrap(), "5432");
        assert_eq!(i("${EMPTY:-x}").unwrap(), "x", ":- also covers empty");
        assert_eq!(i("${EMPTY-x}").unwrap(), "", "- covers unset only");
        assert_eq!(i("${NOPE-x}").unwrap(), "x");
        assert_eq!(i("${TAG:+set}").unwrap(), "set");
        assert_eq!(i("${EMPTY:+set}").unwrap(), "");
        assert_eq!(i("${EMPTY+set}").unwrap(), "set");
        assert_eq!(i("${NOPE:-${TAG}}").unwrap(), "3.11", "nested default");
        assert_eq!(i("$$HOME and $$").unwrap(), "$HOME and $");
        assert_eq!(i("cost: 5$").unwrap(), "cost: 5$");
    }

    #[test]
    fn required_variables_and_mistakes_are_errors() {
        assert_eq!(
            i("${DB_PASSWORD:?set it in .env}").unwrap_err(),
            "required variable DB_PASSWORD is missing a value: set it in .env"
        );
        assert_eq!(
            i("${EMPTY?}").unwrap(),
            "",
            "? accepts an empty value, :? does not"
        );
        assert!(i("${EMPTY:?}").is_err());
        assert!(i("${TAG").unwrap_err().contains("without a closing"));
        assert!(i("${TAG%x}").unwrap_err().starts_with("invalid variable"));
    }

    #[test]
    fn trees_name_the_value_in_error() {
        let mut tree: Value =
            yaml_serde::from_str("services:\n  db:\n    image: \"postgres:${TAG}\"\n    environment:\n      - PW=${PW:?}\n")
                .unwrap();
        let err = interpolate_tree(&mut tree, "", &env).unwrap_err();
        assert_eq!(err.path, "services.db.environment[0]");
        tree["services"]["db"]["environment"][0] = Value::String("PW=x".into());
        interpolate_tree(&mut tree, "", &env).unwrap();
        assert_eq!(tree["services"]["db"]["image"], "postgres:3.11");
    }
}
