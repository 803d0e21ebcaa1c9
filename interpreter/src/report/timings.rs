//! `--timings`: how long nodes and layers took. The slowest 20 nodes by
//! default (with ten thousand links, the few slow nodes are what matter),
//! every node with `--timings=all`; then each layer and the total.

use std::fmt::Write as _;
use std::time::Duration;

use super::sections::count;
use crate::cli::Timings;
use crate::quote::printable;

/// How many nodes `--timings` lists without `=all`.
const SLOWEST: usize = 20;

#[derive(Debug)]
pub struct Times {
    which: Timings,
    /// Each node that did something, with how long it took.
    nodes: Vec<(Duration, String)>,
    /// Each layer's time, in order.
    layers: Vec<Duration>,
}

impl Times {
    pub fn new(which: Timings) -> Times {
        Times { which, nodes: Vec::new(), layers: Vec::new() }
    }

    pub fn node(&mut self, id: &str, took: Duration) {
        self.nodes.push((took, id.to_string()));
    }

    pub fn layer(&mut self, took: Duration) {
        self.layers.push(took);
    }

    /// The table, ending with the total.
    pub fn render(&self, total: Duration) -> String {
        let mut nodes: Vec<&(Duration, String)> = self.nodes.iter().collect();
        // Slowest first; equal times by id, so the order is stable.
        nodes.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        let shown = match self.which {
            Timings::Slowest => SLOWEST.min(nodes.len()),
            Timings::All => nodes.len(),
        };
        let mut text = match (self.which, nodes.len()) {
            (Timings::All, n) | (Timings::Slowest, n @ 0..=SLOWEST) => {
                format!("timings of {}:\n", count(n, "node", "nodes"))
            }
            (Timings::Slowest, n) => format!("timings of the slowest {shown} of {n} nodes:\n"),
        };
        for (took, id) in &nodes[..shown] {
            let _ = writeln!(text, "{:>11}  {}", millis(*took), printable(id));
        }
        if shown < nodes.len() {
            let _ = writeln!(
                text,
                "{:>11}  ({} more: --timings=all lists them)",
                "",
                nodes.len() - shown
            );
        }
        for (number, took) in self.layers.iter().enumerate() {
            let _ = writeln!(text, "{:>11}  layer {number}", millis(*took));
        }
        let _ = writeln!(text, "{:>11}  total", millis(total));
        text
    }
}

fn millis(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slowest_twenty_come_first_and_the_rest_is_counted() {
        let mut times = Times::new(Timings::Slowest);
        for n in 0..25u64 {
            times.node(&format!("node-{n:02}"), Duration::from_millis(n));
        }
        times.layer(Duration::from_millis(300));
        let text = times.render(Duration::from_millis(310));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "timings of the slowest 20 of 25 nodes:");
        assert_eq!(lines[1], "    24.0 ms  node-24");
        assert_eq!(lines[20], "     5.0 ms  node-05");
        assert_eq!(lines[21], "             (5 more: --timings=all lists them)");
        assert_eq!(lines[22], "   300.0 ms  layer 0");
        assert_eq!(lines[23], "   310.0 ms  total");
        let all = Times { which: Timings::All, ..times };
        assert_eq!(all.render(Duration::ZERO).lines().count(), 1 + 25 + 1 + 1);
    }
}
