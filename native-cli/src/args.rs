//! Command-line arguments (clap), turned into validated settings by `main`.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// scopekit: analyse oscilloscope and logic-analyzer captures at the speed of the hardware.
#[derive(Debug, Parser)]
#[command(name = "scopekit", version, about, propagate_version = true)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show what a capture's header says (format, type, shape, channels).
    Info {
        /// The capture file.
        file: PathBuf,
        /// Print one JSON document instead of text.
        #[arg(long)]
        json: bool,
        /// Layout of a raw binary file.
        #[command(flatten)]
        raw: RawArgs,
    },
    /// Per-channel statistics: count, min, max, mean, rms, std, p50/p95/p99.
    Stats {
        /// The capture file.
        file: PathBuf,
        /// Only this channel (0-based).
        #[arg(long, value_name = "N")]
        channel: Option<usize>,
        /// Print one JSON document instead of a table.
        #[arg(long)]
        json: bool,
        /// Also a histogram of each channel with N equal bins (default 100, at most
        /// 1000000), like numpy.histogram: over [min, max] of the channel's finite values.
        #[arg(long, value_name = "N", num_args = 0..=1, default_missing_value = "100")]
        histogram: Option<String>,
        /// The histogram's range instead of each channel's [min, max] (implies --histogram);
        /// values outside are counted as below/above.
        #[arg(long, value_name = "LO,HI", allow_hyphen_values = true)]
        histogram_range: Option<String>,
        /// Print the histograms as CSV rows `channel,lo,hi,count` (needs --histogram).
        #[arg(long, conflicts_with = "json")]
        csv: bool,
        /// Threads, a VCD's sampling rate, a raw file's layout.
        #[command(flatten)]
        input: InputArgs,
    },
    /// Convert a capture to NPY, CSV, WAV or raw binary, streaming with constant memory:
    /// `convert IN OUT`, or `convert --out-dir DIR FILES...` for many files in parallel.
    Convert {
        /// `IN OUT`, or with `--out-dir` the files to convert.
        #[arg(required = true, value_name = "FILES")]
        paths: Vec<PathBuf>,
        /// Convert every file given into this directory (as NAME.npy, or --to's extension);
        /// a bad file is reported and skipped.
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
        /// Output format (default: from the output's extension).
        #[arg(long, value_enum)]
        to: Option<Target>,
        /// Channels to write, comma-separated, in order (default: all).
        #[arg(long, value_delimiter = ',', value_name = "N,...")]
        channels: Option<Vec<usize>>,
        /// Sample type of NPY/WAV/raw output: float32, int16, f8, <i4, ... (default: the
        /// input's own; float32 for scaled LeCroy volts).
        #[arg(long, value_name = "TYPE")]
        dtype: Option<String>,
        /// Samples per second, for inputs that do not record it (WAV output needs one; a
        /// VCD is sampled at this rate).
        #[arg(long, value_name = "HZ")]
        rate: Option<f64>,
        /// Print the report (the NPY sidecar's content) as JSON.
        #[arg(long)]
        json: bool,
        /// Layout of raw binary inputs.
        #[command(flatten)]
        raw: RawArgs,
    },
    /// Edges of one channel: threshold with hysteresis (or automatic), glitch filter, edge
    /// list, counts, pulse-width statistics, frequency and duty cycle.
    Edges {
        /// The capture file.
        file: PathBuf,
        /// Channel: index or name (default 0).
        #[arg(long, value_name = "C", default_value = "0")]
        channel: String,
        /// Threshold level, or `auto` (histogram top and base of the first 2^20 samples).
        #[arg(long, value_name = "V|auto", default_value = "auto")]
        threshold: String,
        /// Hysteresis: width of the dead band around the threshold (default 0 with an explicit
        /// threshold, 10 % of the amplitude with `auto`).
        #[arg(long, value_name = "H")]
        hysteresis: Option<f64>,
        /// Drop pulses shorter than this many seconds (samples when the input has no rate).
        #[arg(long, value_name = "T", default_value_t = 0.0)]
        min_pulse: f64,
        /// Edges listed by --json (all are counted).
        #[arg(long, value_name = "N", default_value_t = 10_000)]
        limit: usize,
        /// Print one JSON document.
        #[arg(long, conflicts_with = "csv")]
        json: bool,
        /// Print every edge as CSV (time,sample,edge).
        #[arg(long)]
        csv: bool,
        /// Threads, a VCD's sampling rate, a raw file's layout.
        #[command(flatten)]
        input: InputArgs,
    },
    /// Filter channels: FIR (windowed sinc), Butterworth or Chebyshev I (second-order
    /// sections), moving average, decimation; streamed, or zero-phase in memory. Designs
    /// equal scipy's firwin / butter / cheby1(output='sos').
    Filter {
        /// The input capture.
        input: PathBuf,
        /// The output file (npy, csv, wav or raw, by extension or --to).
        output: PathBuf,
        /// Lowpass corner, Hz.
        #[arg(long, value_name = "F", group = "band")]
        lowpass: Option<f64>,
        /// Highpass corner, Hz.
        #[arg(long, value_name = "F", group = "band")]
        highpass: Option<f64>,
        /// Bandpass edges, Hz.
        #[arg(long, value_name = "F1,F2", value_delimiter = ',', group = "band")]
        bandpass: Option<Vec<f64>>,
        /// Bandstop edges, Hz.
        #[arg(long, value_name = "F1,F2", value_delimiter = ',', group = "band")]
        bandstop: Option<Vec<f64>>,
        /// Filter order (IIR prototype order, default 4; FIR order = taps - 1, default 100).
        #[arg(long, value_name = "N")]
        order: Option<usize>,
        /// Windowed-sinc FIR (Hamming).
        #[arg(long, group = "design")]
        fir: bool,
        /// Butterworth IIR (the default).
        #[arg(long, group = "design")]
        butter: bool,
        /// Chebyshev type I IIR with this passband ripple in dB.
        #[arg(long, value_name = "RIPPLE_DB", group = "design")]
        cheby1: Option<f64>,
        /// Forward-backward filtering (zero phase) of whole channels in memory (up to 2^26
        /// samples per channel), as scipy's sosfiltfilt / filtfilt.
        #[arg(long)]
        zero_phase: bool,
        /// Moving average over N samples (after the band filter).
        #[arg(long, value_name = "N")]
        moving_average: Option<usize>,
        /// Keep one sample in M after an anti-alias FIR (firwin(20M+1, 1/M)), last.
        #[arg(long, value_name = "M")]
        decimate: Option<u64>,
        /// Channels to filter and write, comma-separated (default: all).
        #[arg(long, value_delimiter = ',', value_name = "N,...")]
        channels: Option<Vec<usize>>,
        /// Output format (default: from the output's extension).
        #[arg(long, value_enum)]
        to: Option<Target>,
        /// Samples per second, for inputs that do not record it.
        #[arg(long, value_name = "HZ")]
        rate: Option<f64>,
        /// Print a JSON report (with the designed taps or sections).
        #[arg(long)]
        json: bool,
        /// Layout of a raw binary input.
        #[command(flatten)]
        raw: RawArgs,
    },
    /// Cross-correlate one channel of two captures: lag of the peak (sub-sample), Pearson
    /// coefficient and time delay; in memory for short records, streamed (overlap-save over
    /// lags -L..L) for long ones.
    Correlate {
        /// The first capture (a positive lag means it is delayed).
        a: PathBuf,
        /// The second capture.
        b: PathBuf,
        /// Channel of A: index or name.
        #[arg(long, value_name = "C", default_value = "0")]
        channel_a: String,
        /// Channel of B: index or name.
        #[arg(long, value_name = "C", default_value = "0")]
        channel_b: String,
        /// Search lags -L..L samples (needed for long records, which are streamed).
        #[arg(long, value_name = "L")]
        max_lag: Option<u64>,
        /// Write the correlation curve (lag,time,value) for |lag| <= L to this CSV file.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Always stream (overlap-save), even when the records fit in memory.
        #[arg(long)]
        stream: bool,
        /// Print one JSON document.
        #[arg(long)]
        json: bool,
        /// Worker threads of the streaming form (default: all cores).
        #[arg(long, value_name = "N")]
        threads: Option<usize>,
        /// FFT arithmetic of the streaming form: `f32`, `f64`, or `auto` (f32 when both
        /// inputs are stored as float32, as scipy computes them; f64 otherwise).
        #[arg(long, value_name = "P", default_value = "auto", value_parser = ["f32", "f64", "auto"])]
        precision: String,
    },
    /// IEEE 181 pulse measurements of one channel: top/base (histogram method), amplitude,
    /// extremes, mean, RMS, rise/fall time, slew rate, period, frequency, duty cycle, pulse
    /// widths, overshoot/undershoot/preshoot, per cycle with statistics over all cycles.
    Measure {
        /// The capture file.
        file: PathBuf,
        /// Channel: index or name (default 0).
        #[arg(long, value_name = "C", default_value = "0")]
        channel: String,
        /// Lower and upper reference levels in percent of the amplitude.
        #[arg(long, value_name = "LOW,HIGH", default_value = "10,90")]
        levels: String,
        /// Print one JSON document.
        #[arg(long)]
        json: bool,
        /// Threads, a VCD's sampling rate, a raw file's layout.
        #[command(flatten)]
        input: InputArgs,
    },
    /// Spectrum of one channel: Welch PSD (scipy.signal.welch defaults) or a periodogram,
    /// amplitude in dBV/dBFS, peaks, IEEE 1241 metrics (THD, SNR, SINAD, ENOB, SFDR).
    Spectrum {
        /// The capture file.
        file: PathBuf,
        /// Channel: index or name (default 0).
        #[arg(long, value_name = "C", default_value = "0")]
        channel: String,
        /// Window: hann, hamming, blackman, blackman-harris, flattop, rectangular, kaiser:BETA.
        #[arg(long, value_name = "W", default_value = "hann")]
        window: String,
        /// Segment (and transform) length; default 4096, or the whole record with
        /// `--average none`.
        #[arg(long, value_name = "N")]
        nfft: Option<usize>,
        /// Overlap of consecutive segments as a fraction of nfft.
        #[arg(long, value_name = "FRACTION", default_value_t = 0.5)]
        overlap: f64,
        /// `welch` (average all segments) or `none` (one periodogram).
        #[arg(long, value_name = "A", default_value = "welch")]
        average: String,
        /// `density` (V²/Hz) or `spectrum` (V²).
        #[arg(long, value_name = "S", default_value = "density")]
        scaling: String,
        /// Harmonics counted by THD (K, the fundamental being 1).
        #[arg(long, value_name = "K", default_value_t = 5)]
        harmonics: usize,
        /// Peaks listed.
        #[arg(long, value_name = "N", default_value_t = 10)]
        peaks: usize,
        /// Include spectrogram data (JSON): at most 512 rows × 1024 columns of dB.
        #[arg(long)]
        spectrogram: bool,
        /// Transform arithmetic: `f32`, `f64`, or `auto` (f32 for float32 samples, as
        /// scipy computes them; f64 otherwise).
        #[arg(long, value_name = "P", default_value = "auto", value_parser = ["f32", "f64", "auto"])]
        precision: String,
        /// Print one JSON document.
        #[arg(long, conflicts_with = "csv")]
        json: bool,
        /// Print `frequency,psd,dbv[,dbfs]` rows.
        #[arg(long)]
        csv: bool,
        /// Threads, a VCD's sampling rate, a raw file's layout.
        #[command(flatten)]
        input: InputArgs,
    },
    /// Decode a bus (UART, SPI, I2C, CAN / CAN FD) from logic or analog channels: frames with
    /// start/end samples and fields, and statistics over them.
    Decode {
        /// The protocol, its channels and options.
        #[command(subcommand)]
        protocol: DecodeProtocol,
    },
    /// Record a serial device live: binary samples, CSV/text lines or raw bytes, with a live
    /// view, derived channels and alerts (`capture --list` shows the ports).
    Capture(crate::capture::CaptureArgs),
    /// Profiler traces (Chrome trace-event JSON, .json or .json.gz): summary, compare.
    Trace {
        /// What to do with the trace.
        #[command(subcommand)]
        cmd: crate::trace::TraceCmd,
    },
    /// Serve the web page (the analysis runs in the browser; files never leave the machine).
    Serve {
        /// Address to listen on (loopback by default).
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// Port to listen on (0 picks a free one).
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Leave out the cross-origin isolation headers (COOP/COEP): the page then runs the
        /// single-threaded wasm build (to test the fallback).
        #[arg(long)]
        no_isolation: bool,
    },
}

/// Output formats of `convert`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Target {
    /// numpy .npy, shape (samples, channels), with a .json sidecar.
    Npy,
    /// Comma-separated text.
    Csv,
    /// RIFF WAVE.
    Wav,
    /// Headerless interleaved samples, with a .json sidecar.
    Raw,
}

/// How a command reads its input: worker threads, the sampling of a VCD, a raw file's layout.
#[derive(Debug, Clone, clap::Args)]
pub struct InputArgs {
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Samples per second: how often a VCD's value changes are sampled (sample and hold),
    /// and the rate of inputs that record none.
    #[arg(long, value_name = "HZ")]
    pub rate: Option<f64>,
    /// Layout of a raw binary file.
    #[command(flatten)]
    pub raw: RawArgs,
}

impl InputArgs {
    /// `--threads`, or all cores; at least one.
    pub fn threads(&self) -> usize {
        threads(self.threads)
    }
}

/// The worker count of a `--threads` option: the value given, or all cores; at least one.
pub fn threads(given: Option<usize>) -> usize {
    given.unwrap_or_else(rayon::current_num_threads).max(1)
}

/// How to read a headerless binary file (formats with a header are recognised by content).
#[derive(Debug, Clone, clap::Args)]
pub struct RawArgs {
    /// Read the file as raw binary samples of this type (float32, int16, f4, <i2, >f8, ...).
    #[arg(long, value_name = "TYPE")]
    pub raw: Option<String>,
    /// Raw: number of channels.
    #[arg(long, value_name = "N", default_value_t = 1, requires = "raw")]
    pub raw_channels: u64,
    /// Raw: each channel whole after the previous, instead of interleaved samples.
    #[arg(long, requires = "raw")]
    pub raw_planar: bool,
    /// Raw: bytes to skip before the data.
    #[arg(long, value_name = "BYTES", default_value_t = 0, requires = "raw")]
    pub raw_offset: u64,
    /// Raw: samples per second.
    #[arg(long, value_name = "HZ", requires = "raw")]
    pub raw_rate: Option<f64>,
}

/// `decode` protocols, with sigrok's role and option names.
#[derive(Debug, Subcommand)]
pub enum DecodeProtocol {
    /// UART: asynchronous serial words.
    Uart {
        /// Input and output settings.
        #[command(flatten)]
        common: DecodeCommon,
        /// RX line: channel index or name.
        #[arg(long, value_name = "C")]
        rx: Option<String>,
        /// TX line: channel index or name.
        #[arg(long, value_name = "C")]
        tx: Option<String>,
        /// Bits per second, or `auto` (estimated from the shortest pulses).
        #[arg(long, value_name = "N|auto", default_value = "115200")]
        baudrate: String,
        /// Data bits per word (5-9).
        #[arg(long, value_name = "N", default_value_t = 8)]
        data_bits: u8,
        /// Parity: none, odd, even, mark, space.
        #[arg(long, value_name = "P", default_value = "none")]
        parity: String,
        /// Stop bits: 1, 1.5 or 2.
        #[arg(long, value_name = "N", default_value_t = 1.0)]
        stop_bits: f64,
        /// lsb-first or msb-first.
        #[arg(long, value_name = "ORDER", default_value = "lsb-first")]
        bit_order: String,
        /// RX idles low.
        #[arg(long)]
        invert_rx: bool,
        /// TX idles low.
        #[arg(long)]
        invert_tx: bool,
    },
    /// SPI: clocked words on MOSI/MISO, grouped into transfers by chip select.
    Spi {
        /// Input and output settings.
        #[command(flatten)]
        common: DecodeCommon,
        /// Clock line.
        #[arg(long, value_name = "C")]
        clk: Option<String>,
        /// MISO line.
        #[arg(long, value_name = "C")]
        miso: Option<String>,
        /// MOSI line.
        #[arg(long, value_name = "C")]
        mosi: Option<String>,
        /// Chip select line (optional).
        #[arg(long, value_name = "C")]
        cs: Option<String>,
        /// Clock polarity (idle level).
        #[arg(long, value_name = "0|1", default_value_t = 0)]
        cpol: u8,
        /// Clock phase (0: sample on the leading edge).
        #[arg(long, value_name = "0|1", default_value_t = 0)]
        cpha: u8,
        /// active-low or active-high.
        #[arg(long, value_name = "P", default_value = "active-low")]
        cs_polarity: String,
        /// msb-first or lsb-first.
        #[arg(long, value_name = "ORDER", default_value = "msb-first")]
        bit_order: String,
        /// Bits per word.
        #[arg(long, value_name = "N", default_value_t = 8)]
        word_size: u32,
    },
    /// I2C: START/STOP, addresses, data, ACK/NACK.
    I2c {
        /// Input and output settings.
        #[command(flatten)]
        common: DecodeCommon,
        /// Clock line.
        #[arg(long, value_name = "C")]
        scl: Option<String>,
        /// Data line.
        #[arg(long, value_name = "C")]
        sda: Option<String>,
        /// shifted (7-bit address) or unshifted (8-bit with R/W).
        #[arg(long, value_name = "F", default_value = "shifted")]
        address_format: String,
    },
    /// CAN 2.0A/B and CAN FD frames.
    Can {
        /// Input and output settings.
        #[command(flatten)]
        common: DecodeCommon,
        /// The CAN line (logic level: recessive high), e.g. a transceiver's RX.
        #[arg(long, visible_alias = "can-rx", value_name = "C")]
        can: Option<String>,
        /// Nominal (arbitration) bit rate, bit/s.
        #[arg(
            long,
            visible_alias = "nominal-bitrate",
            value_name = "N",
            default_value_t = 500_000
        )]
        bitrate: u32,
        /// CAN FD data-phase bit rate, bit/s.
        #[arg(long, value_name = "N", default_value_t = 2_000_000)]
        fast_bitrate: u32,
        /// Sample point, percent of the bit time.
        #[arg(long, value_name = "PCT", default_value_t = 70.0)]
        sample_point: f64,
    },
}

/// Input and output settings of `decode`.
#[derive(Debug, Clone, clap::Args)]
pub struct DecodeCommon {
    /// The capture file.
    pub file: PathBuf,
    /// Print one JSON document.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print one CSV row per frame.
    #[arg(long)]
    pub csv: bool,
    /// Threshold of analog channels, or `auto` (histogram top and base).
    #[arg(long, value_name = "V|auto", default_value = "auto")]
    pub threshold: String,
    /// Hysteresis of analog channels (default 0 with a threshold, 10 % of the amplitude with
    /// `auto`).
    #[arg(long, value_name = "H")]
    pub hysteresis: Option<f64>,
    /// Threads, a VCD's sampling rate, a raw file's layout.
    #[command(flatten)]
    pub input: InputArgs,
}
