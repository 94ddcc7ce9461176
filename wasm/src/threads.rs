//! Parallel entry points (placeholder while the build is set up).

#[cfg(feature = "threads")]
pub use wasm_bindgen_rayon::init_thread_pool;
