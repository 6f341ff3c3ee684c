//! dockbench's entry point: parse the command line, run the command, exit with its code.

use clap::Parser;

#[tokio::main]
async fn main() {
    let cli = dockbench::cli::Cli::parse();
    let code = dockbench::cli::execute(cli).await;
    std::process::exit(code);
}
