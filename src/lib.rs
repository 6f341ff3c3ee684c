//! dockbench: benchmark Dockerfile variants on a real Docker engine.
//!
//! The modules follow the pipeline, in order:
//! `scenario` (suite file -> validated `Suite`) -> `driver` (the only code that talks to Docker)
//! -> `runner` (a suite's variants × repetitions, resumed, recorded as it goes)
//! -> `measure` (phases -> raw `Sample`s; `anatomy` reads each image's layers) -> `stats` (summaries) -> `targets` (pass/miss)
//! -> `analysis` (the one judgement of a pair) -> `results` (the results folder, written as we go) -> `compare` / `history` (across runs)
//! -> `report` / `export` (tables, charts, files for other tools) -> `cli`.

pub mod analysis;
pub mod anatomy;
pub mod claims;
pub mod cli;
pub mod compare;
pub mod driver;
pub mod export;
pub mod format;
pub mod history;
pub mod measure;
pub mod metric;
pub mod relative;
pub mod report;
pub mod results;
pub mod runner;
pub mod scenario;
pub mod stats;
pub mod targets;
