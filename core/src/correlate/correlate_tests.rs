use super::*;
use alloc::vec::Vec;

fn noise(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 11) as f64 / (1u64 << 53) as f64) - 0.5
        })
        .collect()
}

fn naive(a: &[f64], b: &[f64], m: i64) -> f64 {
    (0..b.len() as i64)
        .filter(|n| n + m >= 0 && n + m < a.len() as i64)
        .map(|n| a[(n + m) as usize] * b[n as usize])
        .sum()
}

#[test]
fn full_matches_the_naive_sum() {
    let (a, b) = (noise(300, 1), noise(170, 2));
    let c = correlate_full(&a, &b).unwrap();
    assert_eq!(c.len(), 469);
    for (k, v) in c.iter().enumerate() {
        let m = k as i64 - 169;
        assert!((v - naive(&a, &b, m)).abs() < 1e-10, "lag {m}");
    }
}

struct Both(StreamCorrelator, Vec<f64>, usize);

impl crate::Push<f64> for Both {
    type Output = (Vec<f64>, Option<Peak>, Option<f64>);
    /// The input is `a` then `b`, `self.2` samples each: pushed as it comes.
    fn push(&mut self, chunk: &[f64]) -> crate::Result<()> {
        for &v in chunk {
            self.1.push(v);
        }
        let n = self.2;
        while !self.1.is_empty() {
            let at = self.0.pushed();
            let total = at[0] + at[1];
            let x = self.1.remove(0);
            if (total as usize) < n {
                self.0.push_a(&[x])?;
            } else {
                self.0.push_b(&[x])?;
            }
        }
        Ok(())
    }
    fn finish(self) -> crate::Result<Self::Output> {
        self.0.finish()
    }
}

#[test]
fn streaming_matches_naive_and_finds_the_delay() {
    let b = noise(200_000, 3);
    let d = 37;
    let mut a = alloc::vec![0.0; d];
    a.extend_from_slice(&b[..b.len() - d]);
    let mut s = StreamCorrelator::new(100).unwrap();
    for (x, y) in a.chunks(7777).zip(b.chunks(7777)) {
        s.push_a(x).unwrap();
        s.push_b(y).unwrap();
    }
    let (curve, peak, coef) = s.finish().unwrap();
    let peak = peak.unwrap();
    assert_eq!(peak.lag, 37);
    assert!(coef.unwrap() > 0.99);
    for m in [-100i64, -3, 0, 37, 100] {
        let v = curve[(m + 100) as usize];
        assert!((v - naive(&a, &b, m)).abs() < 1e-8, "lag {m}");
    }
}

#[test]
fn streaming_is_chunk_invariant() {
    let n = 70_000;
    let mut input = noise(n, 4);
    input.extend(noise(n, 5));
    crate::testkit::assert_chunk_invariant(
        || Both(StreamCorrelator::new(50).unwrap(), Vec::new(), n),
        &input,
        4,
    );
}
