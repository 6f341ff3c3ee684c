//! Finding where a mistake is: the line of a byte offset, and the key path (`variant[2].run.port`)
//! of a span in the parsed TOML tree.

use std::fmt::Write as _;
use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Seg {
    Key(String),
    /// 0-based here, shown 1-based.
    Index(usize),
}

/// `variant[2].run.port`: array indexes are 1-based, like lines.
pub(super) fn render_path(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(key) => out = join_key(&out, key),
            Seg::Index(i) => write!(out, "[{}]", i + 1).expect("writing to a String"),
        }
    }
    out
}

/// Appends a key, quoted when it is not a bare TOML key (`targets."cache_hit_rate.source"`).
pub(super) fn join_key(prefix: &str, key: &str) -> String {
    let key = if is_bare(key) {
        key.to_string()
    } else {
        format!("{key:?}")
    };
    if prefix.is_empty() {
        key
    } else {
        format!("{prefix}.{key}")
    }
}

/// `[A-Za-z0-9_-]+`: a bare TOML key, and what edit and variant names may contain.
pub(super) fn is_bare(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The deepest key whose key or value span covers `target`. serde errors point at a key
/// (unknown field), a value (wrong type) or a table header (missing field); an empty span
/// means the document itself.
pub(super) fn locate(root: &DeTable, target: &Range<usize>) -> Vec<Seg> {
    let mut finder = Finder {
        target: target.clone(),
        path: Vec::new(),
        best: None,
    };
    if !target.is_empty() {
        finder.table(root);
    }
    finder.best.map(|(path, _)| path).unwrap_or_default()
}

struct Finder {
    target: Range<usize>,
    path: Vec<Seg>,
    /// Path and span length of the tightest match so far.
    best: Option<(Vec<Seg>, usize)>,
}

impl Finder {
    fn table(&mut self, table: &DeTable) {
        for (key, value) in table.iter() {
            self.path.push(Seg::Key(key.get_ref().to_string()));
            self.consider(key.span());
            self.value(value);
            self.path.pop();
        }
    }

    fn value(&mut self, value: &Spanned<DeValue>) {
        self.consider(value.span());
        match value.get_ref() {
            DeValue::Table(table) => self.table(table),
            DeValue::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.path.push(Seg::Index(i));
                    self.value(item);
                    self.path.pop();
                }
            }
            _ => {}
        }
    }

    fn consider(&mut self, span: Range<usize>) {
        let covers = span.start <= self.target.start && self.target.end <= span.end;
        // An array of tables shares its first header's span with its first element: the
        // element, being deeper, wins the tie.
        let better = self.best.as_ref().is_none_or(|(path, len)| {
            span.len() < *len || (span.len() == *len && self.path.len() > path.len())
        });
        if covers && better {
            self.best = Some((self.path.clone(), span.len()));
        }
    }
}

pub(super) fn line_of(src: &str, offset: usize) -> usize {
    let before = &src.as_bytes()[..offset.min(src.len())];
    before.iter().filter(|&&b| b == b'\n').count() + 1
}
