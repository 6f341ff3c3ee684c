//! Where a key of a compose file is: yaml_serde keeps no positions, so the file's YAML events
//! (from yaml-rust2, which marks each with its line) give the line of every key path.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// The 1-based line of every key and sequence item, by path: `services.web.ports`,
/// `services.web.ports[0]` (0-based indexes, as serde_path_to_error writes them). Empty when
/// the text is not YAML (yaml_serde reports that, with its line).
pub fn key_lines(text: &str) -> HashMap<String, usize> {
    let mut walk = Walk::default();
    if Parser::new_from_str(text).load(&mut walk, false).is_err() {
        return HashMap::new();
    }
    walk.lines
}

/// The line of `path`, or of the nearest enclosing key that has one.
pub fn line_of(lines: &HashMap<String, usize>, path: &str) -> Option<usize> {
    let mut path = path;
    loop {
        if let Some(&line) = lines.get(path) {
            return Some(line);
        }
        let cut = path.rfind(['.', '['])?;
        path = &path[..cut];
    }
}

enum Frame {
    /// In a mapping; `key` is set while its value is being read.
    Map {
        path: String,
        key: Option<String>,
    },
    Seq {
        path: String,
        next: usize,
    },
}

#[derive(Default)]
struct Walk {
    stack: Vec<Frame>,
    lines: HashMap<String, usize>,
}

impl Walk {
    /// The path of the node that starts now, recording its line; `None` for a mapping key.
    fn enter(&mut self, line: usize, is_scalar: bool) -> Option<String> {
        match self.stack.last_mut() {
            None => Some(String::new()),
            Some(Frame::Map { key: None, .. }) if is_scalar => None,
            Some(Frame::Map { path, key }) => {
                // A complex key (a mapping as key) has no path of its own: give it a dummy one.
                let key = key.take().unwrap_or_default();
                Some(join(path, &key))
            }
            Some(Frame::Seq { path, next }) => {
                let item = format!("{path}[{next}]");
                *next += 1;
                self.lines.entry(item.clone()).or_insert(line);
                Some(item)
            }
        }
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

impl MarkedEventReceiver for Walk {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let line = mark.line();
        match ev {
            // A mapping's key: its value comes next.
            Event::Scalar(value, ..) if self.enter(line, true).is_none() => {
                if let Some(Frame::Map { path, key }) = self.stack.last_mut() {
                    self.lines.insert(join(path, &value), line);
                    *key = Some(value);
                }
            }
            Event::Alias(_) => {
                self.enter(line, false);
            }
            Event::MappingStart(..) => {
                let path = self.enter(line, false).unwrap_or_default();
                self.stack.push(Frame::Map { path, key: None });
            }
            Event::SequenceStart(..) => {
                let path = self.enter(line, false).unwrap_or_default();
                self.stack.push(Frame::Seq { path, next: 0 });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_of_keys_and_items() {
        let text = "services:\n  web:\n    image: x\n    ports:\n      - \"8000:8000\"\n      - 9000\n    environment: {A: 1,\n      B: 2}\n  db:\n    privileged: true\n";
        let lines = key_lines(text);
        assert_eq!(lines["services"], 1);
        assert_eq!(lines["services.web"], 2);
        assert_eq!(lines["services.web.image"], 3);
        assert_eq!(lines["services.web.ports"], 4);
        assert_eq!(lines["services.web.ports[1]"], 6);
        assert_eq!(lines["services.web.environment.B"], 8);
        assert_eq!(lines["services.db.privileged"], 10);
        assert_eq!(line_of(&lines, "services.web.ports[1].x"), Some(6));
        assert_eq!(line_of(&lines, "services.nope"), Some(1));
        assert_eq!(line_of(&lines, "other"), None);
    }
}
