//! A progress bar for long test runs: shown only when stderr is a terminal
//! and the run has several targets; otherwise nothing.

use indicatif::{ProgressBar, ProgressStyle};

use crate::diagnose::{ConnectionReport, Progress, TargetRef};
use crate::output::Printer;

pub struct Bar {
    bar: Option<ProgressBar>,
}

impl Bar {
    pub fn new(printer: &Printer, total: usize, wanted: bool) -> Self {
        let show = wanted && printer.stderr_is_terminal() && total > 1;
        let bar = show.then(|| {
            let bar = ProgressBar::new(total as u64);
            if let Ok(style) =
                ProgressStyle::with_template("{spinner} testing {pos}/{len} {wide_bar} {elapsed}")
            {
                bar.set_style(style);
            }
            bar
        });
        Bar { bar }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Progress for Bar {
    fn target_started(&self, _target: &TargetRef) {}

    fn target_finished(&self, _report: &ConnectionReport) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }
}
