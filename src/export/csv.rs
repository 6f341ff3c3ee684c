//! `--export-csv`: one row per measured (variant, metric) with its summary, in the metric's own
//! unit (seconds, bytes, 0..1), numbers as the shortest text that reads back exactly.

use super::{measured, Exporter};
use crate::analysis::Analysis;
use crate::metric;
use crate::results::RunResults;

pub const HEADER: [&str; 9] = [
    "variant", "metric", "unit", "median", "mean", "stddev", "min", "max", "n",
];

pub struct CsvExporter;

impl Exporter for CsvExporter {
    fn serialize(&self, results: &RunResults, _: &Analysis) -> anyhow::Result<Vec<u8>> {
        let mut writer = ::csv::Writer::from_writer(Vec::new());
        writer.write_record(HEADER)?;
        for row in measured(results) {
            let s = &row.summary;
            let numbers = [s.median, s.mean, s.stddev, s.min, s.max].map(|x| x.to_string());
            writer.write_record(
                [row.variant, row.metric, metric::unit_of(row.metric).label()]
                    .into_iter()
                    .chain(numbers.iter().map(String::as_str))
                    .chain([s.samples.len().to_string().as_str()]),
            )?;
        }
        Ok(writer.into_inner()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::tests::sample_results;

    #[test]
    fn one_row_per_variant_and_metric() {
        let bytes = CsvExporter
            .serialize(
                &sample_results(),
                &crate::analysis::Analysis::of(&sample_results()),
            )
            .unwrap();
        let mut reader = ::csv::Reader::from_reader(bytes.as_slice());
        assert_eq!(reader.headers().unwrap(), HEADER.as_slice());
        let rows: Vec<::csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(
            rows.len(),
            7,
            "5 for alpine, 2 for build-only, none for broken"
        );
        for row in &rows {
            assert_eq!(row.len(), HEADER.len());
            for number in row.iter().skip(3) {
                number.parse::<f64>().unwrap();
            }
        }
        insta::assert_snapshot!(String::from_utf8(bytes).unwrap());
    }
}
