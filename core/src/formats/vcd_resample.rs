//! Sample-and-hold resampling of VCD value changes into [`Block`]s: [`VcdResampler`], set up
//! by a [`ResampleConfig`] with a [`SampleRate`].

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

use super::{ChangeSink, Value, VarKind, VcdHeader};
use crate::kernel::{Block, BlockSink, Layout};
use crate::{Error, Result};

/// How densely [`VcdResampler`] samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SampleRate {
    /// `num / den` samples per tick: `{ num: 1, den: 1 }` samples every tick,
    /// `{ num: 1, den: 1000 }` every 1000 ticks.
    PerTick {
        /// Samples ...
        num: u64,
        /// ... per this many ticks.
        den: u64,
    },
    /// Samples per second (the file must declare a `$timescale`); at most 6 decimals.
    PerSecond(f64),
}

/// Settings of a [`VcdResampler`].
#[derive(Debug, Clone, PartialEq)]
pub struct ResampleConfig {
    /// The variables to sample (indices into [`VcdHeader::vars`]), one channel each in
    /// this order. Bit, vector (read as an unsigned integer) and real variables qualify.
    pub vars: Vec<usize>,
    /// Sampling density.
    pub rate: SampleRate,
    /// First and last tick to sample (both included), if known in advance (e.g. from a
    /// first pass, [`VcdSummary::first_time`](super::VcdSummary::first_time) and
    /// [`VcdSummary::end_time`](super::VcdSummary::end_time)). Then
    /// [`Layout::samples`] is exact. Otherwise the span runs from the first to the last
    /// time stamp of the file and [`Layout::samples`] is `u64::MAX` (unknown until
    /// [`VcdResampler::finish`] returns the count).
    pub span: Option<(u64, u64)>,
    /// Most samples per channel (a guard against an absurd rate or time stamp).
    pub max_samples: u64,
}

impl ResampleConfig {
    /// Sample `vars` at `rate` over the whole file, at most 2^32 samples per channel.
    pub fn new(vars: Vec<usize>, rate: SampleRate) -> Self {
        ResampleConfig {
            vars,
            rate,
            span: None,
            max_samples: 1 << 32,
        }
    }
}

/// Values per emitted block, summed over all channels.
const BLOCK_VALUES: usize = 1 << 16;

/// Sample-and-hold resampling of VCD changes: sample `k` lies at tick
/// `start + k / rate` and holds the last value changed at or before it (NaN before the
/// first change; see [`Value::to_f64`]); a sample exists for every such tick up to the end
/// of the span, included. A sample is decided once no later change can alter it (at the
/// next time stamp past it); decided samples go out in blocks of up to 4096 per channel
/// (fewer with many channels), all channels of a block together.
pub struct VcdResampler<S> {
    /// Where decided samples go.
    sink: S,
    state: Resampling,
}

/// A [`VcdResampler`] apart from its sink: each call is lent the sink its samples go to, so
/// a caller handed a different sink for each chunk of input keeps one resampler.
pub(crate) struct Resampling {
    config: ResampleConfig,
    /// (id, channel), sorted.
    routes: Vec<(usize, usize)>,
    /// Samples per tick = num / den.
    num: u128,
    den: u128,
    start: Option<u64>,
    last_time: Option<u64>,
    /// Samples per channel if the span is known.
    total: Option<u64>,
    values: Vec<f64>,
    /// Samples per channel decided so far (emitted or in `buf`).
    next: u64,
    buf: Vec<f64>,
    block: usize,
    fill: usize,
    block_start: u64,
    begun: bool,
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

fn config_error(text: String) -> Error {
    Error::Config(text)
}

impl<S: BlockSink> VcdResampler<S> {
    /// A resampler feeding `sink`; the variables are checked when the header arrives.
    pub fn try_new(config: ResampleConfig, sink: S) -> Result<Self> {
        Ok(VcdResampler {
            sink,
            state: Resampling::try_new(config)?,
        })
    }

    /// Emit the samples up to the end of the span and return the sink and the number of
    /// samples per channel. Call after [`VcdReader::finish`](super::VcdReader::finish).
    pub fn finish(mut self) -> Result<(S, u64)> {
        let n = self.state.finish(&mut self.sink)?;
        Ok((self.sink, n))
    }
}

impl Resampling {
    /// A resampler set up by `config` (checked now); the variables are checked when the
    /// header arrives.
    pub(crate) fn try_new(config: ResampleConfig) -> Result<Self> {
        match config.rate {
            SampleRate::PerTick { num, den } if num == 0 || den == 0 => {
                return Err(config_error(format!(
                    "sample rate {num}/{den} per tick must be positive"
                )))
            }
            SampleRate::PerSecond(r) if !(r.is_finite() && r > 0.0) => {
                return Err(config_error(format!("sample rate {r} Hz must be positive")))
            }
            _ => {}
        }
        if config.vars.is_empty() {
            return Err(config_error("no variables to sample".to_string()));
        }
        if let Some((a, b)) = config.span.filter(|(a, b)| a > b) {
            return Err(config_error(format!(
                "span {a}..={b} ends before it starts"
            )));
        }
        Ok(Resampling {
            start: config.span.map(|s| s.0),
            config,
            routes: Vec::new(),
            num: 1,
            den: 1,
            last_time: None,
            total: None,
            values: Vec::new(),
            next: 0,
            buf: Vec::new(),
            block: 0,
            fill: 0,
            block_start: 0,
            begun: false,
        })
    }

    /// Emit the samples up to the end of the span into `sink`; returns the number of
    /// samples per channel.
    pub(crate) fn finish(&mut self, sink: &mut dyn BlockSink) -> Result<u64> {
        if !self.begun {
            return Err(config_error(
                "resampler finished before the VCD header".to_string(),
            ));
        }
        let n = match (self.total, self.start, self.last_time) {
            (Some(n), _, _) => n,
            (None, Some(start), Some(last)) => self.samples_through(start, last)?,
            _ => 0,
        };
        self.run(n, sink)?;
        self.flush(sink)?;
        Ok(n)
    }

    /// Samples at ticks `start..=last`.
    fn samples_through(&self, start: u64, last: u64) -> Result<u64> {
        let n = u128::from(last - start) * self.num / self.den + 1;
        if n > u128::from(self.config.max_samples) {
            return Err(config_error(format!(
                "resampling ticks {start}..={last} gives {n} samples per channel, more than \
                 the limit of {}",
                self.config.max_samples
            )));
        }
        Ok(n as u64)
    }

    fn per_tick(&self, header: &VcdHeader) -> Result<(u128, u128)> {
        let (num, den) = match self.config.rate {
            SampleRate::PerTick { num, den } => (u128::from(num), u128::from(den)),
            SampleRate::PerSecond(rate) => {
                let ts = header.timescale.ok_or_else(|| {
                    config_error(
                        "the VCD file declares no $timescale: give the rate per tick".to_string(),
                    )
                })?;
                let mut scale = 1u64;
                let whole = loop {
                    let x = rate * scale as f64;
                    if x == crate::math::floor(x) && x < 9.0e18 {
                        break x as u64;
                    }
                    if scale == 1_000_000 {
                        return Err(config_error(format!(
                            "sample rate {rate} Hz must be below 9e18 Hz with at most 6 decimals"
                        )));
                    }
                    scale *= 10;
                };
                // rate × tick = (whole / scale) × multiplier × 10^exponent.
                let pow = 10u128.pow((-i32::from(ts.exponent)) as u32);
                (
                    u128::from(whole) * u128::from(ts.multiplier),
                    u128::from(scale) * pow,
                )
            }
        };
        let g = gcd(num, den);
        let (num, den) = (num / g, den / g);
        if num > u128::from(u64::MAX) || den > u128::from(u64::MAX) {
            return Err(config_error(format!(
                "sample rate of {num}/{den} samples per tick is out of range"
            )));
        }
        Ok((num, den))
    }

    /// Decide every sample before tick `t` (they can no longer change).
    fn advance(&mut self, t: u64, sink: &mut dyn BlockSink) -> Result<()> {
        let start = *self.start.get_or_insert(t);
        self.last_time = Some(self.last_time.map_or(t, |l| l.max(t)));
        if t <= start {
            return Ok(());
        }
        // First sample at or after t: ceil((t - start) · num / den).
        let k = (u128::from(t - start) * self.num).div_ceil(self.den);
        let k = match self.total {
            Some(n) => k.min(u128::from(n)),
            None if k > u128::from(self.config.max_samples) => {
                return Err(config_error(format!(
                    "resampling to tick {t} gives more than {} samples per channel",
                    self.config.max_samples
                )))
            }
            None => k,
        };
        self.run(k as u64, sink)
    }

    /// Hold the current values up to sample `to` (exclusive).
    fn run(&mut self, to: u64, sink: &mut dyn BlockSink) -> Result<()> {
        while self.next < to {
            let m = ((to - self.next) as usize).min(self.block - self.fill);
            for (ch, &v) in self.values.iter().enumerate() {
                let at = ch * self.block + self.fill;
                self.buf[at..at + m].fill(v);
            }
            self.fill += m;
            self.next += m as u64;
            if self.fill == self.block {
                self.flush(sink)?;
            }
        }
        Ok(())
    }

    fn flush(&mut self, sink: &mut dyn BlockSink) -> Result<()> {
        if self.fill == 0 {
            return Ok(());
        }
        for ch in 0..self.values.len() {
            let at = ch * self.block;
            sink.block(Block {
                channel: ch,
                start: self.block_start,
                samples: &self.buf[at..at + self.fill],
            })?;
        }
        self.block_start += self.fill as u64;
        self.fill = 0;
        Ok(())
    }
}

impl Resampling {
    /// Take the header: check the variables, derive the rate per tick, and begin `sink`.
    pub(crate) fn header(&mut self, header: &VcdHeader, sink: &mut dyn BlockSink) -> Result<()> {
        for (ch, &v) in self.config.vars.iter().enumerate() {
            let Some(var) = header.vars.get(v) else {
                return Err(config_error(format!(
                    "variable {v} does not exist (the file declares {})",
                    header.vars.len()
                )));
            };
            if matches!(var.kind, VarKind::String | VarKind::Event) {
                return Err(config_error(format!(
                    "variable {} is of type {}, which has no numeric samples",
                    var.name, var.type_name
                )));
            }
            self.routes.push((var.id, ch));
        }
        self.routes.sort_unstable();
        (self.num, self.den) = self.per_tick(header)?;
        self.total = match self.config.span {
            Some((a, b)) => Some(self.samples_through(a, b)?),
            None => None,
        };
        let channels = self.config.vars.len();
        self.block = (BLOCK_VALUES / channels).clamp(16, 4096);
        self.buf = vec![0.0; self.block * channels];
        self.values = vec![f64::NAN; channels];
        self.begun = true;
        sink.begin(Layout {
            channels,
            samples: self.total.unwrap_or(u64::MAX),
        })
    }

    /// A time stamp: every sample before it is decided.
    pub(crate) fn time(&mut self, time: u64, sink: &mut dyn BlockSink) -> Result<()> {
        self.advance(time, sink)
    }

    /// A value change of variable `id` at `time`.
    pub(crate) fn change(
        &mut self,
        time: u64,
        id: usize,
        value: Value<'_>,
        sink: &mut dyn BlockSink,
    ) -> Result<()> {
        self.advance(time, sink)?;
        let from = self.routes.partition_point(|r| r.0 < id);
        for &(_, ch) in self.routes[from..].iter().take_while(|r| r.0 == id) {
            self.values[ch] = value.to_f64();
        }
        Ok(())
    }
}

impl<S: BlockSink> ChangeSink for VcdResampler<S> {
    fn header(&mut self, header: &VcdHeader) -> Result<()> {
        self.state.header(header, &mut self.sink)
    }

    fn time(&mut self, time: u64) -> Result<()> {
        self.state.time(time, &mut self.sink)
    }

    fn change(&mut self, time: u64, id: usize, value: Value<'_>) -> Result<()> {
        self.state.change(time, id, value, &mut self.sink)
    }
}
