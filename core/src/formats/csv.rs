//! CSV captures (placeholder: being written).
