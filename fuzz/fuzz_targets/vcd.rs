//! `VcdReader`: pushed in chunks to a sink that discards or decodes every value, or to a
//! `VcdResampler` (rates per tick or per second, a given span, a small sample limit), then
//! finished.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scopekit_core::formats::vcd::{
    ChangeSink, ResampleConfig, SampleRate, Value, VcdHeader, VcdReader, VcdResampler,
};
use scopekit_fuzz::{Discard, Input};

/// Decodes each change, as the analyses do.
struct Decode;

impl ChangeSink for Decode {
    fn header(&mut self, _: &VcdHeader) -> scopekit_core::Result<()> {
        Ok(())
    }
    fn change(&mut self, _: u64, _: usize, value: Value<'_>) -> scopekit_core::Result<()> {
        std::hint::black_box(value.to_f64());
        Ok(())
    }
}

/// A resampler whose work the sample limit bounds.
fn resampler(input: &Input<'_>) -> scopekit_core::Result<VcdResampler<Discard>> {
    let (f, x) = (input.flags, input.extra);
    let rate = match x & 3 {
        0 => SampleRate::PerTick { num: 1, den: 1 },
        1 => SampleRate::PerTick {
            num: u64::from(x >> 4),
            den: u64::from(x >> 2 & 3),
        },
        2 => SampleRate::PerTick {
            num: 1,
            den: 1 << (x >> 2),
        },
        _ => SampleRate::PerSecond(input.vcd_rate().unwrap_or(1e3)),
    };
    let a = u64::from(input.flags >> 4) * 7;
    let span = match f >> 2 & 3 {
        0 => None,
        1 => Some((a, a + u64::from(x) * 13)),
        2 => Some((a + 100, a)),
        _ => Some((0, u64::MAX)),
    };
    let config = ResampleConfig {
        vars: (0..usize::from(f >> 5)).collect(),
        rate,
        span,
        max_samples: 1 << 16,
    };
    VcdResampler::try_new(config, Discard)
}

fuzz_target!(|data: &[u8]| {
    let input = Input::new(data);
    let mut reader = VcdReader::new();
    if input.flags & 2 != 0 {
        let Ok(mut resampler) = resampler(&input) else {
            return;
        };
        for piece in input.pieces() {
            if reader.push(piece, &mut resampler).is_err() {
                return;
            }
        }
        if reader.finish(&mut resampler).is_ok() {
            let _ = resampler.finish();
        }
        return;
    }
    let mut decode = Decode;
    let sink: &mut dyn ChangeSink = if input.flags & 1 == 0 {
        &mut ()
    } else {
        &mut decode
    };
    for piece in input.pieces() {
        if reader.push(piece, sink).is_err() {
            return;
        }
    }
    let _ = reader.finish(sink);
});
