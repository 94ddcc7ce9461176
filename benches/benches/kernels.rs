//! Criterion benchmarks of the statistics pipeline on in-memory NPY data (no I/O): the
//! reader alone, and reader + statistics, in exact and sampled percentile modes.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use scopekit_benches::two_channel_f32;
use scopekit_core::dsp::StatsConfig;
use scopekit_core::formats::{Header, NpyReader};
use scopekit_core::job::StatsJob;
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

criterion_group!(benches, stats);
criterion_main!(benches);
