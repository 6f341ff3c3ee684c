//! Standard output that a closed pipe does not crash. `dockbench compare A B | head` closes
//! the pipe after ten lines; `println!` then panics ("failed printing to stdout: Broken pipe")
//! and the command exits 101 with a panic message. Here a closed pipe ends the printing
//! quietly and the command goes on to its own end and exit code, as ripgrep and git do. Other
//! write errors (a full disk behind `>`) are said once on stderr.

use std::io::{ErrorKind, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once stdout has failed: nothing more is written to it.
static FAILED: AtomicBool = AtomicBool::new(false);

/// Writes `text` as it is.
pub fn print(text: &str) {
    if FAILED.load(Ordering::Relaxed) {
        return;
    }
    let mut stdout = std::io::stdout().lock();
    if let Err(error) = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        FAILED.store(true, Ordering::Relaxed);
        if error.kind() != ErrorKind::BrokenPipe {
            eprintln!("dockbench: writing to stdout failed: {error}");
        }
    }
}

/// Writes `text` and a line break.
pub fn line(text: &str) {
    print(&format!("{text}\n"));
}

/// `println!` through [`line`]: a closed pipe ends the printing instead of the command.
#[macro_export]
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cli::out::line(&format!($($arg)*))
    };
}

/// `print!` through [`print`].
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::out::print(&format!($($arg)*))
    };
}
