// Types of scopekit-web's modules: embed.js (analyze), scopekit.js (the worker-backed
// functions) and scopekit-view.js (the <scopekit-view> element). The documents are the
// CLI's --json output; their fields are typed loosely where the CLI may add fields.

/** `scopekit stats FILE --json`. */
export interface StatsReport {
  info: {
    format: string;
    dtype: string;
    channels: number;
    samples: number | null;
    sample_rate: number | null;
    unit: string | null;
    data_offset: number;
    data_bytes: number;
    [detail: string]: unknown;
  };
  channels: Array<{
    channel: number;
    count: number;
    nan_count: number;
    min: number | null;
    max: number | null;
    mean: number | null;
    rms: number | null;
    std: number | null;
    p50: number | null;
    p95: number | null;
    p99: number | null;
    quantiles: 'exact' | 'sampled';
    quantile_sample: number;
    [more: string]: unknown;
  }>;
}

export type Protocol = 'uart' | 'spi' | 'i2c' | 'can';

/** One wired role of a decode. */
export interface Wire {
  role: string;
  channel: number;
  name?: string | null;
}

/** `scopekit decode PROTOCOL FILE ... --json`. */
export interface DecodeDocument {
  protocol: Protocol;
  sample_rate: number | null;
  roles: Array<{ role: string; channel: number; name: string | null }>;
  config: { protocol: Protocol; [option: string]: unknown };
  /** Absent when frames went to `onFrames`. */
  frames?: Array<{ start: number; end: number; time?: number; [field: string]: unknown }>;
  frames_count?: number;
  samples: number;
  stats: { frames: number; errors: number; [more: string]: unknown };
}

/** `scopekit trace summary FILE --json`. */
export type TraceSummary = Record<string, unknown>;

/** `scopekit trace compare A B --json`, with the worker kept for re-thresholding. */
export interface TraceComparison {
  a: string;
  b: string;
  diff: Record<string, unknown>;
  withThreshold(pct: number): Promise<TraceComparison>;
  close(): void;
}

export interface Progress {
  loaded: number;
  total: number;
}

// ---------------------------------------------------------------- embed.js

export type AnalysisKind = 'stats' | 'decode' | 'trace';

export interface AnalyzeOptions {
  /** 'stats' (default), 'decode' or 'trace'. */
  kind?: AnalysisKind;
  /** stats: analyse one channel only. */
  channel?: number;
  /** Sample rate in Hz: samples a VCD; the decoder's rate when the header has none. */
  rate?: number;
  /** decode: the protocol. */
  protocol?: Protocol;
  /** decode: role → channel index or name; guessed from the channel names when left out. */
  roles?: Record<string, number | string>;
  /** decode: decoder options with sigrok's names (defaults filled in). */
  config?: Record<string, unknown>;
  /** decode of analog channels: null = automatic. */
  levels?: { threshold: number | null; hysteresis: number | null };
}

export interface AnalyzeControl {
  onProgress?: (p: Progress & { kind: AnalysisKind }) => void;
  signal?: AbortSignal;
}

export const KINDS: readonly AnalysisKind[];

/** Analyse a File, a Blob or a same-origin URL; resolves to the CLI's JSON document. */
export function analyze(input: Blob | string | URL, options: AnalyzeOptions & { kind: 'decode' }, control?: AnalyzeControl): Promise<DecodeDocument>;
export function analyze(input: Blob | string | URL, options: AnalyzeOptions & { kind: 'trace' }, control?: AnalyzeControl): Promise<TraceSummary>;
export function analyze(input: Blob | string | URL, options?: AnalyzeOptions, control?: AnalyzeControl): Promise<StatsReport>;

/** A File or Blob as is; a URL fetched (same-origin or blob: only). */
export function toBlob(input: Blob | string | URL, signal?: AbortSignal): Promise<Blob>;

/** Channel names from a stats header (sigrok names, CSV columns, VCD variables). */
export function channelNames(info: StatsReport['info']): Array<string | null>;

// ---------------------------------------------------------------- scopekit.js

export function analyzeFile(file: Blob, options?: {
  channel?: number;
  rate?: number;
  onProgress?: (p: Progress) => void;
  onInfo?: (info: StatsReport['info']) => void;
  signal?: AbortSignal;
}): Promise<StatsReport>;

export const DECODER_DEFAULTS: Readonly<Record<Protocol, Readonly<Record<string, unknown>>>>;
export const DECODER_ROLES: Readonly<Record<Protocol, readonly string[]>>;
export const DECODER_COLUMNS: Readonly<Record<Protocol, readonly string[]>>;

/** A batch of frames delivered to `onFrames`. */
export interface FrameBatch {
  count: number;
  starts: Float64Array;
  ends: Float64Array;
  text: Uint8Array;
  offsets: Uint32Array;
}

export function frameAt(batch: FrameBatch, i: number, rate?: number | null): Record<string, unknown>;

export function decodeFile(file: Blob, options: {
  config: { protocol: Protocol; [option: string]: unknown };
  wires: Wire[];
  rate?: number | null;
  levels?: { threshold: number | null; hysteresis: number | null };
  onProgress?: (p: Progress & { frames: number }) => void;
  onFrames?: (batch: FrameBatch) => void;
  signal?: AbortSignal;
}): Promise<DecodeDocument>;

/** Options of the functions over samples in memory. */
export interface SamplesOptions {
  /** Samples per second (frequencies in Hz, delays in seconds); absent: per sample. */
  rate?: number | null;
  /** Transform precision; default f32 for a Float32Array, f64 for a Float64Array. */
  precision?: 'f32' | 'f64';
  /** Hand the arrays' buffers to the worker instead of copying them (they are detached). */
  transfer?: boolean;
  signal?: AbortSignal;
}

/** Welch PSD of samples in memory: `scopekit spectrum --json` (density scaling). */
export function spectrumOfSamples(samples: Float32Array | Float64Array, options?: SamplesOptions & {
  /** Segment length (default 4096). */
  nfft?: number;
  /** Samples shared by consecutive segments (default nfft / 2). */
  overlap?: number;
  /** Window as the CLI names it (default 'hann'). */
  window?: string;
}): Promise<Record<string, unknown>>;

/** Cross-correlation of samples in memory: `scopekit correlate A B --stream --max-lag L --json`. */
export function correlateSamples<T extends Float32Array | Float64Array>(a: T, b: T, options?: SamplesOptions & {
  /** Largest lag, in samples (default 1000). */
  maxLag?: number;
}): Promise<Record<string, unknown>>;

export function summarizeTrace(file: Blob, options?: {
  onProgress?: (p: Progress & { index: number }) => void;
  signal?: AbortSignal;
}): Promise<TraceSummary>;

export function compareTraces(a: Blob, b: Blob, options?: {
  threshold?: number;
  onProgress?: (p: Progress & { index: number }) => void;
  signal?: AbortSignal;
}): Promise<TraceComparison>;

// ---------------------------------------------------------------- scopekit-view.js

export interface ScopekitResultDetail {
  result: StatsReport | DecodeDocument | TraceSummary;
  kind: AnalysisKind;
  run: number;
}

export interface ScopekitErrorDetail {
  error: unknown;
  message: string;
  kind: AnalysisKind;
  run: number;
}

/** `<scopekit-view src kind channel rate protocol roles options label>`. */
export class ScopekitView extends HTMLElement {
  /** A File or Blob to analyse (takes precedence over `src`). */
  file: Blob | null;
  /** The last result, or null. */
  readonly result: StatsReport | DecodeDocument | TraceSummary | null;
  /** Stop the running analysis. */
  cancel(): void;
}

declare global {
  interface HTMLElementTagNameMap {
    'scopekit-view': ScopekitView;
  }
  interface HTMLElementEventMap {
    'scopekit-result': CustomEvent<ScopekitResultDetail>;
    'scopekit-error': CustomEvent<ScopekitErrorDetail>;
  }
}
