//! Pass 2 for `[[edit]]`: each edit is one or more file changes (append, replace, write,
//! delete), given in the single-file form or as `[[edit.change]]` entries, and each change must
//! be possible in every variant's context.

use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::Spanned;

use super::raw::{RawChange, RawEdit};
use super::resolve::{check_names, relative_inside, Checker};
use crate::scenario::{Change, ChangeKind, Edit};

const KINDS: &str = "append, replace, write or delete";

/// A resolved change and where it was written, for per-variant checks.
pub(super) struct Located {
    pub(super) key: String,
    pub(super) file_span: Range<usize>,
    pub(super) file_text: String,
    pub(super) replace_span: Option<Range<usize>>,
}

pub(super) fn resolve_edits(
    ck: &mut Checker,
    raw: &[Spanned<RawEdit>],
) -> (Vec<Edit>, Vec<Vec<Located>>) {
    check_names(ck, "edit", raw.iter().map(|e| &e.get_ref().name));
    let mut edits = Vec::with_capacity(raw.len());
    let mut located = Vec::with_capacity(raw.len());
    for (i, edit) in raw.iter().enumerate() {
        let key = format!("edit[{}]", i + 1);
        let e = edit.get_ref();
        let name = e.name.get_ref();
        let single = e.single();
        let entries: Vec<(String, Range<usize>, RawChange)> = match (single, e.change.is_empty()) {
            (Some(single), true) => vec![(key.clone(), edit.span(), single)],
            (None, false) => e
                .change
                .iter()
                .enumerate()
                .map(|(j, c)| {
                    (
                        format!("{key}.change[{}]", j + 1),
                        c.span(),
                        c.get_ref().clone(),
                    )
                })
                .collect(),
            (Some(_), false) => {
                let message = format!(
                    "edit \"{name}\": give either `file` with one of {KINDS}, or [[edit.change]] entries, not both"
                );
                ck.error(edit.span(), key, message);
                Vec::new()
            }
            (None, true) => {
                let message = format!(
                    "edit \"{name}\" changes nothing: give `file` and one of {KINDS}, or [[edit.change]] entries"
                );
                ck.error(edit.span(), key, message);
                Vec::new()
            }
        };
        let mut changes = Vec::new();
        let mut where_ = Vec::new();
        for (key, span, change) in entries {
            if let Some((c, l)) = resolve_change(ck, name, &key, span, &change) {
                changes.push(c);
                where_.push(l);
            }
        }
        edits.push(Edit {
            name: name.clone(),
            changes,
        });
        located.push(where_);
    }
    (edits, located)
}

fn resolve_change(
    ck: &mut Checker,
    edit: &str,
    key: &str,
    span: Range<usize>,
    raw: &RawChange,
) -> Option<(Change, Located)> {
    let Some(file) = &raw.file else {
        let message = format!(
            "edit \"{edit}\": missing `file`, the file to change (relative to the context)"
        );
        ck.error(span, format!("{key}.file"), message);
        return None;
    };
    let text = file.get_ref();
    let path = match relative_inside(text) {
        Ok(path) => path,
        Err(why) => {
            ck.error(
                file.span(),
                format!("{key}.file"),
                format!("edit \"{edit}\": file `{text}` {why}"),
            );
            return None;
        }
    };
    let mut kinds = Vec::new();
    if let Some(a) = &raw.append {
        kinds.push((ChangeKind::Append(a.get_ref().clone()), a.span()));
    }
    if let Some(r) = &raw.replace {
        let r2 = r.get_ref();
        if r2.from.is_empty() {
            let message = format!("edit \"{edit}\": replace.from must not be empty");
            ck.error(r.span(), format!("{key}.replace"), message);
            return None;
        }
        let kind = ChangeKind::Replace {
            from: r2.from.clone(),
            to: r2.to.clone(),
        };
        kinds.push((kind, r.span()));
    }
    if let Some(w) = &raw.write {
        kinds.push((ChangeKind::Write(w.get_ref().clone()), w.span()));
    }
    if let Some(d) = &raw.delete {
        if !*d.get_ref() {
            let message = format!(
                "edit \"{edit}\": delete must be true (leave it out for another kind of change)"
            );
            ck.error(d.span(), format!("{key}.delete"), message);
            return None;
        }
        kinds.push((ChangeKind::Delete, d.span()));
    }
    if kinds.len() != 1 {
        let message = format!(
            "edit \"{edit}\": give exactly one of {KINDS} for `{text}`, found {}",
            kinds.len()
        );
        ck.error(span, key, message);
        return None;
    }
    let (kind, _) = kinds.remove(0);
    let located = Located {
        key: key.to_string(),
        file_span: file.span(),
        file_text: text.clone(),
        replace_span: raw.replace.as_ref().map(|r| r.span()),
    };
    Some((Change { file: path, kind }, located))
}

/// Edits apply to every variant: each file an edit reads must exist in each variant's context,
/// and each `replace` must find its text there.
pub(super) fn check_edit_files(
    ck: &mut Checker,
    variant: &str,
    context_dir: &Path,
    edits: &[Edit],
    located: &[Vec<Located>],
) {
    for (edit, places) in edits.iter().zip(located) {
        for (change, at) in edit.changes.iter().zip(places) {
            check_change(ck, variant, context_dir, &edit.name, change, at);
        }
    }
}

fn check_change(
    ck: &mut Checker,
    variant: &str,
    context_dir: &Path,
    edit: &str,
    change: &Change,
    at: &Located,
) {
    let path: PathBuf = context_dir.join(&change.file);
    if matches!(change.kind, ChangeKind::Write(_)) {
        if path.is_dir() {
            let message = format!(
                "edit \"{edit}\": `{}` is a folder in the context of variant \"{variant}\"; write needs a file path",
                at.file_text
            );
            ck.error(at.file_span.clone(), format!("{}.file", at.key), message);
        }
        return;
    }
    if !path.is_file() {
        let message = format!(
            "edit \"{edit}\": `{}` not found in the context of variant \"{variant}\" ({})",
            at.file_text,
            context_dir.display()
        );
        ck.error(at.file_span.clone(), format!("{}.file", at.key), message);
        return;
    }
    if let ChangeKind::Replace { from, .. } = &change.kind {
        let found = std::fs::read_to_string(&path).is_ok_and(|text| text.contains(from.as_str()));
        if !found {
            let message = format!(
                "edit \"{edit}\": replace.from {from:?} does not occur in `{}` (context of variant \"{variant}\", {})",
                at.file_text,
                path.display()
            );
            let span = at.replace_span.clone().unwrap_or(at.file_span.clone());
            ck.error(span, format!("{}.replace", at.key), message);
        }
    }
}
