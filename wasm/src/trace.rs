//! Profiler traces: `scopekit trace summary` and `scopekit trace compare` in the page.

use scopekit_core::trace::{compare, CompareConfig, Summary, TraceSummarizer};
use scopekit_core::Push as _;
use wasm_bindgen::prelude::*;

use crate::{js_error, to_js};

/// Where a trace session is: reading chunks, or finished with its summary kept for
/// [`compare_summaries`].
#[derive(Debug)]
enum State {
    Reading(Box<TraceSummarizer>),
    Done(Box<Summary>),
    Failed,
}

/// The summary of one trace (`.json` or `.json.gz`, recognised by content), fed in chunks
/// of any size.
#[wasm_bindgen]
pub struct TraceSession {
    state: State,
}

impl Default for TraceSession {
    fn default() -> Self {
        Self::new()
    }
}

#[wasm_bindgen]
impl TraceSession {
    /// A session at the start of a file.
    #[wasm_bindgen(constructor)]
    pub fn new() -> TraceSession {
        TraceSession {
            state: State::Reading(Box::default()),
        }
    }

    /// Push the next chunk. Throws on bad input, naming the byte offset; the session is
    /// unusable afterwards.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), JsError> {
        let State::Reading(summarizer) = &mut self.state else {
            return Err(JsError::new("trace session already finished"));
        };
        summarizer.push(chunk).map_err(|e| {
            self.state = State::Failed;
            js_error(e)
        })
    }

    /// Finish and return the `scopekit trace summary --json` document. The summary stays in
    /// the session for [`compare_summaries`].
    pub fn finish(&mut self) -> Result<JsValue, JsError> {
        let summary = match core::mem::replace(&mut self.state, State::Failed) {
            State::Reading(summarizer) => Box::new(summarizer.finish().map_err(js_error)?),
            State::Done(summary) => summary,
            State::Failed => return Err(JsError::new("trace session failed earlier")),
        };
        let doc = to_js(&*summary);
        self.state = State::Done(summary);
        doc
    }

    /// Whether [`TraceSession::finish`] succeeded.
    #[wasm_bindgen(getter)]
    pub fn finished(&self) -> bool {
        matches!(self.state, State::Done(_))
    }
}

impl TraceSession {
    fn summary(&self) -> Result<&Summary, JsError> {
        match &self.state {
            State::Done(s) => Ok(s),
            _ => Err(JsError::new("trace session not finished")),
        }
    }
}

/// Compare the summaries of two finished sessions (A the baseline): the `diff` of
/// `scopekit trace compare A B --json`. A name is faster or slower when its total changes
/// by more than `threshold_pct` percent of A's (finite, ≥ 0).
#[wasm_bindgen(js_name = compareSummaries)]
pub fn compare_summaries(
    a: &TraceSession,
    b: &TraceSession,
    threshold_pct: f64,
) -> Result<JsValue, JsError> {
    if !(threshold_pct.is_finite() && threshold_pct >= 0.0) {
        return Err(JsError::new("the threshold must be a percentage >= 0"));
    }
    let diff = compare(a.summary()?, b.summary()?, CompareConfig { threshold_pct });
    to_js(&diff)
}
