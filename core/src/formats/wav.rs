//! WAV audio-format captures (placeholder: being written).
