//! LeCroy `.trc` waveforms (placeholder: being written).
