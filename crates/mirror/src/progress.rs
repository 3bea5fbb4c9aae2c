//! Progress of a batch: a bar on a terminal, plain log lines otherwise (a
//! scheduled job's log should not fill with bar redraws).

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicUsize, Ordering};

use indicatif::{ProgressBar, ProgressStyle};

#[derive(Debug)]
pub enum Progress {
    Bar(ProgressBar),
    Lines {
        total: usize,
        done: AtomicUsize,
        /// A line every `every` reports.
        every: usize,
    },
}

impl Progress {
    pub fn new(total: usize) -> Self {
        if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new(total as u64);
            if let Ok(style) =
                ProgressStyle::with_template("{bar:40} {pos}/{len} mirrors, {eta} left {msg}")
            {
                bar.set_style(style);
            }
            Self::Bar(bar)
        } else {
            Self::Lines {
                total,
                done: AtomicUsize::new(0),
                every: total.div_ceil(20).max(1),
            }
        }
    }

    /// One report finished (written, refused or failed).
    pub fn step(&self) {
        match self {
            Self::Bar(bar) => bar.inc(1),
            Self::Lines { total, done, every } => {
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                if n % every == 0 || n == *total {
                    let _ = writeln!(std::io::stderr().lock(), "rendered {n}/{total} mirrors");
                }
            }
        }
    }

    /// A message about one school, above the bar rather than through it.
    pub fn say(&self, line: &str) {
        match self {
            Self::Bar(bar) => bar.println(line),
            Self::Lines { .. } => {
                let _ = writeln!(std::io::stderr().lock(), "{line}");
            }
        }
    }

    pub fn finish(&self) {
        if let Self::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}
