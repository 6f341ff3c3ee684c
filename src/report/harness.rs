//! The report's part on the machine and the harness (issue 28): which timed samples a busy
//! neighbour disturbed and by how much, and what each repetition cost outside its timed phases.

use super::document::{Block, Item, Span};
use crate::results::host::{disturbance_lines, overhead_text, DISTURBED_SHARE};
use crate::results::RunResults;

const OVERHEAD_NOTE: &str = "Own work: making the build contexts, inspects, container create \
    and remove, removing what an edit's rebuild left in the cache. Deliberate waits: the \
    dither before each build (fuse-overlayfs only) and the settle before idle memory is read. \
    Neither is in any timed figure.";

fn plain(text: String) -> Item {
    Item {
        tone: None,
        spans: vec![Span::Text(text)],
        children: Vec::new(),
    }
}

/// Its blocks; none when there is nothing to say (no disturbed sample, no overhead recorded).
pub fn blocks(results: &RunResults) -> Vec<Block> {
    let disturbed: Vec<Item> = results
        .variants
        .iter()
        .flat_map(|v| disturbance_lines(&v.name, &v.disturbed))
        .map(plain)
        .collect();
    let samples: usize = results.variants.iter().map(|v| v.disturbed.len()).sum();
    let overhead: Vec<Item> = results
        .variants
        .iter()
        .filter_map(|v| overhead_text(&v.name, &v.overhead))
        .map(plain)
        .collect();
    if disturbed.is_empty() && overhead.is_empty() {
        return Vec::new();
    }
    let mut blocks = vec![Block::Heading(2, "The machine and the harness".to_string())];
    if !disturbed.is_empty() {
        blocks.push(Block::Paragraph(vec![
            Span::Strong(format!("{samples} disturbed sample(s)")),
            Span::Text(format!(
                ": other processes than the engine's and dockbench's used more than {:.0}% of \
                 the machine's CPU while they were timed, so these figures measure the \
                 neighbour as well as the Dockerfile.",
                DISTURBED_SHARE * 100.0
            )),
        ]));
        blocks.push(Block::List(disturbed));
    }
    if !overhead.is_empty() {
        blocks.push(Block::Fold(
            "The harness's own cost per repetition".to_string(),
            vec![
                Block::List(overhead),
                Block::Note(OVERHEAD_NOTE.to_string()),
            ],
        ));
    }
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::host::{Disturbance, Overhead};

    #[test]
    fn says_which_samples_were_disturbed_and_what_the_harness_cost() {
        let mut results = crate::results::testdata::run_results(vec![
            crate::results::testdata::variant("slim", &[]),
            crate::results::testdata::variant("fast", &[]),
        ]);
        assert!(blocks(&results).is_empty(), "nothing to say");
        results.variants[1].disturbed = vec![Disturbance {
            run: 2,
            metric: "startup_s".into(),
            others_cpu_share: 0.484,
            load_1m: None,
        }];
        results.variants[0].overhead = vec![Overhead {
            run: 1,
            own_work_s: 0.42,
            waits_s: 2.0,
            anatomy_s: 0.0,
        }];
        let b = blocks(&results);
        assert_eq!(b.len(), 4, "{b:#?}");
        assert_eq!(
            b[2],
            Block::List(vec![plain(
                "repetition 2 of `fast`: others used 48% of the CPU while startup_s was timed"
                    .to_string()
            )])
        );
        let Block::Fold(summary, inner) = &b[3] else {
            panic!("{:?}", b[3]);
        };
        assert_eq!(summary, "The harness's own cost per repetition");
        assert_eq!(
            inner[0],
            Block::List(vec![plain(
                "slim: 0.42 s of own work and 2.00 s of deliberate waits per repetition \
                 (median of 1)"
                    .to_string()
            )])
        );
    }
}
