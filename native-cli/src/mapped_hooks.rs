//! Two of the memory hooks of the in-memory measure path that need `unsafe`: float32 bytes
//! seen in place, and the next tile prefetched. Their own file so that the criterion bench
//! of that path (`benches/benches/measure_mapped.rs`) includes these very functions rather
//! than copies. The third hook, `release` (in `measure.rs`), stays out: it drops the pages
//! of a file map, which would zero the bench's own memory, and it needs `libc`.

/// The little-endian float32 values of `bytes` (a last incomplete value dropped) seen in
/// place as `f32`, when `bytes` start 4-byte aligned on a little-endian host (NPY data
/// starts at a multiple of 64 bytes of the map); `None` otherwise (the caller copies).
/// Measured (session 8, 10^8 float32 samples, alternated, medians of 11–15): 5–9 % less
/// CPU than the copy a tile at a time (the copy's memmove reads the map instead, then the
/// passes read the copy).
pub fn f32_in_place(bytes: &[u8]) -> Option<&[f32]> {
    let aligned = bytes.as_ptr().align_offset(core::mem::align_of::<f32>()) == 0;
    if cfg!(target_endian = "big") || !aligned {
        return None;
    }
    let n = bytes.len() / core::mem::size_of::<f32>();
    // SAFETY: the pointer is non-null and aligned for `f32` (checked above), the `n`
    // values lie within `bytes` (`4 · n <= bytes.len()`), which are initialised and
    // borrowed immutably for the returned lifetime, every bit pattern is a valid `f32`,
    // and on a little-endian host its bytes are read as `f32::from_le_bytes` reads them.
    #[allow(unsafe_code)]
    let xs = unsafe { core::slice::from_raw_parts(bytes.as_ptr().cast::<f32>(), n) };
    Some(xs)
}

/// Start loading `bytes` into the level-2 cache, a line at a time (x86-64 `prefetcht1`; a
/// no-op elsewhere). The passes name the next tile of the map while they compute on one:
/// the hardware prefetcher, which only follows demand loads, leaves the head of each tile
/// to load at the tile's start. Measured (10^8 samples, medians of 11, alternated): int16
/// codes 97.8 → 94.3 ms, `.trc` 118.6 → 111.3 ms; `prefetcht0` (into L1) gained nothing,
/// and prefetching in smaller pieces cost more in the tracker's per-call work.
pub fn prefetch(bytes: &[u8]) {
    #[cfg(target_arch = "x86_64")]
    for line in bytes.chunks(64) {
        use core::arch::x86_64::{_mm_prefetch, _MM_HINT_T1};
        // SAFETY: a prefetch is a hint: it never faults, whatever the address, and reads
        // nothing into the program; this one lies within `bytes` (SSE is in every x86-64).
        #[allow(unsafe_code)]
        unsafe {
            _mm_prefetch::<_MM_HINT_T1>(line.as_ptr().cast());
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = bytes;
}
