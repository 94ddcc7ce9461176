//! Criterion benchmarks of the statistics pipeline on in-memory NPY data (no I/O): the
//! reader alone, reader + statistics in exact and sampled percentile modes, the histogram,
//! and the page's ingest (statistics + the viewer's pyramid from one reader).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use scopekit_benches::two_channel_f32;
use scopekit_core::dsp::{Stats, StatsConfig};
use scopekit_core::formats::{Header, NpyReader, Reader};
use scopekit_core::job::StatsJob;
use scopekit_core::kernel::Tee;
use scopekit_core::lod::LodBuilder;
use scopekit_core::{Block, BlockSink, Layout, Push as _};

/// A sink that only touches each block, to time the reader by itself.
struct Count(u64);

impl BlockSink for Count {
    fn begin(&mut self, _: Layout) -> scopekit_core::Result<()> {
        Ok(())
    }
    fn block(&mut self, block: Block<'_>) -> scopekit_core::Result<()> {
        self.0 += block.samples.len() as u64;
        Ok(())
    }
}

fn stats(c: &mut Criterion) {
    let samples = 8 << 20; // 64 MiB of data
    let file = two_channel_f32(samples);
    let mut group = c.benchmark_group("npy_f32_2ch_64MiB");
    group.throughput(Throughput::Bytes(file.len() as u64));
    group.sample_size(10);
    group.bench_function("read", |b| {
        b.iter(|| {
            let mut reader = NpyReader::new();
            let mut sink = Count(0);
            for chunk in file.chunks(4 << 20) {
                reader.push(chunk, &mut sink).expect("valid");
            }
            sink.0
        })
    });
    group.bench_function("stats_exact", |b| {
        b.iter(|| {
            let mut job = StatsJob::new(StatsConfig::default());
            for chunk in file.chunks(4 << 20) {
                job.push(chunk).expect("valid");
            }
            job.finish().expect("complete").report()
        })
    });
    // The same data as the middle of a channel too long for exact percentiles.
    let header = scopekit_core::formats::NpyHeader::parse(&file).expect("valid");
    let data = &file[header.data_offset as usize..];
    let mut long = header.clone();
    long.samples = 1 << 30;
    long.data_len = long.samples * 8;
    group.bench_function("stats_sampled", |b| {
        b.iter(|| {
            let mut job = StatsJob::resume(
                Header::Npy(long.clone()),
                0,
                data.len() as u64,
                StatsConfig::default(),
            )
            .expect("valid");
            for chunk in data.chunks(4 << 20) {
                job.push(chunk).expect("valid");
            }
            job.finish().expect("complete").report()
        })
    });
    group.finish();
}

/// The histogram kernel alone on samples in memory (f32 and f64), for a small histogram
/// (counted in interleaved copies) and a large one, and through the reader as `stats
/// --histogram` runs it.
fn histogram(c: &mut Criterion) {
    use scopekit_core::dsp::histogram::{Binning, ChannelHistogram, Histogram};
    use scopekit_core::sink_job::SinkJob;

    let n = 16 << 20;
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let xs: Vec<f32> = (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            // Roughly normal: the sum of four uniforms.
            (0..4)
                .map(|k| ((state >> (16 * k)) & 0xffff) as f32 / 65536.0)
                .sum::<f32>()
                - 2.0
        })
        .collect();
    let xs64: Vec<f64> = xs.iter().map(|&x| f64::from(x)).collect();
    let mut group = c.benchmark_group("histogram");
    group.throughput(Throughput::Elements(n as u64));
    group.sample_size(10);
    for bins in [100, 65536] {
        let binning = Binning::try_new(-2.0, 2.0, bins).expect("valid");
        group.bench_function(format!("f32_{bins}_bins"), |b| {
            b.iter(|| {
                let mut h = ChannelHistogram::new(binning);
                h.add_f32(&xs);
                h.counts()
            })
        });
        group.bench_function(format!("f64_{bins}_bins"), |b| {
            b.iter(|| {
                let mut h = ChannelHistogram::new(binning);
                h.add(&xs64);
                h.counts()
            })
        });
    }
    let file = two_channel_f32(8 << 20);
    let binning = Binning::try_new(-2.0, 4.0, 100).expect("valid");
    group.throughput(Throughput::Elements(2 * (8 << 20)));
    group.bench_function("npy_f32_2ch_read_and_histogram", |b| {
        b.iter(|| {
            let sink = Histogram::try_new(&[Some(binning), Some(binning)]).expect("valid");
            let mut job = SinkJob::new(sink);
            for chunk in file.chunks(4 << 20) {
                job.push(chunk).expect("valid");
            }
            job.finish().expect("complete").sink.reports()
        })
    });
    group.finish();
}

/// What the page runs on a dropped file (`IngestSession`): one reader whose blocks go to the
/// statistics and to the viewer's min/max pyramid, over 1 GiB of two float32 channels (the
/// same 64 MiB pushed sixteen times, with a header saying 1 GiB, so the quantiles sample and
/// the pyramid's bucket are what they are for a 1 GiB file), in the 128 KiB pieces the page
/// copies into wasm memory.
fn ingest(c: &mut Criterion) {
    let file = two_channel_f32(8 << 20);
    let mut header = scopekit_core::formats::NpyHeader::parse(&file).expect("valid");
    let data = &file[header.data_offset as usize..];
    let repeats = 16;
    header.samples = (8 << 20) * repeats;
    header.data_len = header.samples * 8;
    let header = Header::Npy(header);
    let mut group = c.benchmark_group("ingest_npy_f32_2ch_1GiB");
    group.throughput(Throughput::Bytes(data.len() as u64 * repeats));
    group.sample_size(10);
    group.bench_function("stats_and_lod", |b| {
        b.iter(|| {
            let end = data.len() as u64 * repeats;
            let mut reader = Reader::resume(header.clone(), 0, end).expect("valid");
            let mut stats = Stats::new(StatsConfig::default());
            let mut lod = LodBuilder::new();
            let mut sink = Tee(&mut stats, &mut lod);
            sink.begin(header.layout()).expect("valid");
            for _ in 0..repeats {
                for chunk in data.chunks(128 << 10) {
                    reader.push(chunk, &mut sink).expect("valid");
                }
            }
            reader.finish(&mut sink).expect("complete");
            (stats.report(), lod.finish().samples())
        })
    });
    group.finish();
}

criterion_group!(benches, stats, histogram, ingest);
criterion_main!(benches);
