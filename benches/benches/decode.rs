//! Criterion benchmarks of the protocol decoders on the 10M-sample captures written by
//! `benches/gen_bus.py` (run by `benches/compare_decode.sh`, which sets
//! `SCOPEKIT_BUS_DIR`): per protocol, in memory, one core,
//! - `analog`: float32 samples (noisy, slow edges) → thresholds → transitions → frames;
//! - `logic`: the `.sr` file's bytes → inflate → transitions → frames;
//! - `frames`: the decoder alone on prepared transitions.

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use scopekit_core::decode::{AnyDecoder, DecodeSink, Levels, ProtocolConfig, Wire};
use scopekit_core::formats::sigrok::SigrokReader;
use scopekit_core::formats::Reader;
use scopekit_core::logic::{decode_all, transitions_of_sr};
use scopekit_core::testkit::Collect;

const RATE: f64 = 10e6;

fn dir() -> Option<PathBuf> {
    std::env::var_os("SCOPEKIT_BUS_DIR").map(PathBuf::from)
}

fn protocols() -> Vec<(&'static str, ProtocolConfig, Vec<&'static str>)> {
    let config = |json: &str| serde_json::from_str::<ProtocolConfig>(json).expect("valid config");
    vec![
        (
            "uart",
            config(r#"{"protocol":"uart","baudrate":115200}"#),
            vec!["tx"],
        ),
        (
            "spi",
            config(r#"{"protocol":"spi"}"#),
            vec!["clk", "miso", "mosi", "cs"],
        ),
        ("i2c", config(r#"{"protocol":"i2c"}"#), vec!["scl", "sda"]),
        (
            "can",
            config(r#"{"protocol":"can","nominal_bitrate":500000}"#),
            vec!["can_rx"],
        ),
    ]
}

fn wires(roles: &[&str]) -> Vec<Wire> {
    roles
        .iter()
        .enumerate()
        .map(|(channel, r)| Wire {
            role: (*r).to_string(),
            channel,
            name: None,
        })
        .collect()
}

fn decoder(config: &ProtocolConfig, roles: &[&str]) -> AnyDecoder {
    config.decoder(Some(RATE), roles).expect("valid decoder")
}

fn decode(c: &mut Criterion) {
    let Some(dir) = dir() else {
        eprintln!("SCOPEKIT_BUS_DIR not set: run benches/compare_decode.sh");
        return;
    };
    let levels = Levels {
        threshold: Some(1.65),
        hysteresis: Some(0.5),
    };
    for (name, config, roles) in protocols() {
        let npy = std::fs::read(dir.join(format!("{name}.npy"))).expect("gen_bus.py output");
        let sr = std::fs::read(dir.join(format!("{name}.sr"))).expect("gen_bus.py output");
        // Channels as f64, the readers' block type, decoded once outside the timing.
        let mut all = Collect::default();
        let mut reader = Reader::new();
        reader.push(&npy, &mut all).expect("valid npy");
        reader.finish(&mut all).expect("complete");
        let samples = all.channels[0].len();
        let w = wires(&roles);
        let mut group = c.benchmark_group(format!("decode_{name}_10M"));
        group.sample_size(10);
        group.throughput(Throughput::Elements(samples as u64));
        group.bench_function("analog", |b| {
            b.iter(|| {
                let mut sink =
                    DecodeSink::analog(decoder(&config, &roles), &levels.lines(&w)).expect("ok");
                for start in (0..samples).step_by(1 << 16) {
                    let end = (start + (1 << 16)).min(samples);
                    for (channel, xs) in all.channels.iter().enumerate() {
                        scopekit_core::BlockSink::block(
                            &mut sink,
                            scopekit_core::Block {
                                channel,
                                start: start as u64,
                                samples: &xs[start..end],
                            },
                        )
                        .expect("ok");
                    }
                }
                sink.finish().len()
            })
        });
        let channels: Vec<usize> = (0..roles.len()).collect();
        group.bench_function("logic", |b| {
            b.iter(|| {
                let mut sink = DecodeSink::logic(decoder(&config, &roles), &channels).expect("ok");
                SigrokReader::read_slice(&sr, &mut sink).expect("valid sr");
                sink.finish().len()
            })
        });
        let (transitions, _) = transitions_of_sr(&sr, &channels).expect("valid sr");
        group.bench_function("frames", |b| {
            b.iter(|| decode_all(decoder(&config, &roles), &transitions, samples as u64).len())
        });
        group.finish();
    }
}

criterion_group!(benches, decode);
criterion_main!(benches);
