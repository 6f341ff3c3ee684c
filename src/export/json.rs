//! `--export-json`: a copy of `results.json`, byte for byte what the results folder holds
//! (pretty-printed, ending in a newline).

use super::Exporter;
use crate::analysis::Analysis;
use crate::results::RunResults;

pub struct JsonExporter;

impl Exporter for JsonExporter {
    fn serialize(&self, results: &RunResults, _: &Analysis) -> anyhow::Result<Vec<u8>> {
        let mut json = serde_json::to_vec_pretty(results)?;
        json.push(b'\n');
        Ok(json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::tests::sample_results;
    use crate::results::ResultsStore;

    #[test]
    fn same_bytes_as_the_results_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let results = sample_results();
        let mut store = ResultsStore::create(tmp.path(), results.clone()).unwrap();
        store.finish(results.finished_at.clone().unwrap()).unwrap();
        let on_disk = std::fs::read(tmp.path().join("results.json")).unwrap();
        assert_eq!(
            JsonExporter
                .serialize(&results, &crate::analysis::Analysis::of(&results))
                .unwrap(),
            on_disk
        );
    }
}
