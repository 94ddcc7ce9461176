//! The jobs end to end: `StatsJob` (reader → statistics kernel; a VCD sampled at a rate
//! from the input) pushed in chunks, its parallel form (`StatsJob::resume` per segment,
//! merged), its zip form (`StatsJob::archive`), and `ConvertJob` (reader → writer) with
//! options from the flags.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scopekit_core::dsp::StatsConfig;
use scopekit_core::formats::write::OutputFormat;
use scopekit_core::formats::{archive, Dtype, Header};
use scopekit_core::job::{ConvertJob, ConvertOptions, StatsJob};
use scopekit_core::{Merge as _, Push as _};
use scopekit_fuzz::Input;

/// Segments read per input on the parallel path.
const SEGMENTS: usize = 8;

fn config(flags: u8) -> StatsConfig {
    StatsConfig {
        channels: (flags & 2 != 0).then(|| vec![usize::from(flags >> 6)]),
    }
}

fn stats(input: &Input<'_>) {
    let job = if input.flags & 1 == 0 {
        StatsJob::new(config(input.flags))
    } else {
        StatsJob::with_file_len(config(input.flags), input.len())
    };
    let mut job = job.sampling_vcd_at(input.vcd_rate());
    for piece in input.pieces() {
        if job.push(piece).is_err() {
            return;
        }
    }
    let _ = job.header();
    if let Ok(partial) = job.finish() {
        let _ = partial.report();
    }
}

fn parallel(header: &Header, input: &Input<'_>) {
    let Some(segments) = header.segments(1 + u64::from(input.flags) * 64) else {
        return;
    };
    let data = input
        .file
        .get(usize::try_from(header.data_offset()).unwrap_or(usize::MAX)..)
        .unwrap_or_default();
    let mut total = None;
    for (start, end) in segments.into_iter().take(SEGMENTS) {
        let Ok(mut job) = StatsJob::resume(header.clone(), start, end, config(input.flags)) else {
            return;
        };
        let from = usize::try_from(start).unwrap_or(usize::MAX).min(data.len());
        let to = usize::try_from(end)
            .unwrap_or(usize::MAX)
            .clamp(from, data.len());
        for piece in input.pieces_of(&data[from..to]) {
            if job.push(piece).is_err() {
                return;
            }
        }
        let Ok(part) = job.finish() else {
            return;
        };
        match &mut total {
            None => total = Some(part),
            Some(t) => {
                if t.merge(part).is_err() {
                    return;
                }
            }
        }
    }
    if let Some(t) = total {
        let _ = t.report();
    }
}

fn convert(header: Header, input: &Input<'_>) {
    let f = input.flags;
    let format = [
        OutputFormat::Npy,
        OutputFormat::Csv,
        OutputFormat::Wav,
        OutputFormat::Raw,
    ][usize::from(f & 3)];
    let dtype = [
        None,
        Dtype::parse("f4"),
        Dtype::parse(">i2"),
        Dtype::parse("u1"),
    ][usize::from((f >> 2) & 3)];
    let channels = match (f >> 4) & 3 {
        0 => None,
        1 => Some(vec![0]),
        2 => Some(vec![1, 0]),
        _ => Some(vec![9]),
    };
    // Also the rate at which a VCD is sampled.
    let sample_rate = if f & 0x40 == 0 {
        input.vcd_rate()
    } else {
        input.bounded_rate(1e3)
    };
    let options = ConvertOptions {
        format,
        dtype,
        channels,
        sample_rate,
    };
    let Ok(mut job) = ConvertJob::new(header, options, input.len()) else {
        return;
    };
    let mut out = 0usize;
    for piece in input.pieces() {
        let pushed = job.push(piece, &mut |b| {
            out += b.len();
            true
        });
        if pushed.is_err() {
            return;
        }
    }
    let _ = job.finish();
}

fuzz_target!(|data: &[u8]| {
    let input = Input::new(data);
    stats(&input);
    // As the CLI does: a header checked against the file's length.
    if let Ok(header) = Header::parse(input.file).and_then(|h| h.with_file_len(input.len())) {
        parallel(&header, &input);
        convert(header, &input);
    }
    if let Ok(header) = archive::open(input.file) {
        let _ = StatsJob::archive(input.file, header, config(input.flags)).map(|p| p.report());
    }
});
