//! Glitch filter: drop pulses shorter than a minimum width.

use alloc::vec::Vec;

use super::Edge;

/// Removes every pulse (high or low) shorter than `min_width` samples, as a stage on the edge
/// stream: an edge is held until the next one proves the pulse it starts long enough; an edge
/// that comes too soon cancels itself and the held one.
#[derive(Debug, Clone)]
pub struct Deglitch {
    min_width: f64,
    held: Option<Edge>,
    /// Pulses removed.
    pub removed: u64,
}

impl Deglitch {
    /// A filter of pulses shorter than `min_width` samples (0 passes everything).
    pub fn new(min_width: f64) -> Self {
        Deglitch {
            min_width,
            held: None,
            removed: 0,
        }
    }

    /// Filter `edges` (in time order), appending the confirmed ones to `out`.
    pub fn push(&mut self, edges: &[Edge], out: &mut Vec<Edge>) {
        if self.min_width <= 0.0 {
            out.extend_from_slice(edges);
            return;
        }
        for &e in edges {
            match self.held.take() {
                Some(h) if e.time - h.time < self.min_width => self.removed += 1,
                Some(h) => {
                    out.push(h);
                    self.held = Some(e);
                }
                None => self.held = Some(e),
            }
        }
    }

    /// Release edges that can no longer be cancelled: the input has reached sample `now`.
    pub fn release(&mut self, now: u64, out: &mut Vec<Edge>) {
        if let Some(h) = self.held {
            if now as f64 - h.time >= self.min_width {
                out.push(h);
                self.held = None;
            }
        }
    }

    /// The input ended: release the held edge.
    pub fn finish(&mut self, out: &mut Vec<Edge>) {
        out.extend(self.held.take());
    }
}
