//! A small seeded random number generator for the randomized tests and
//! the benchmark's workload, and the seed the tests take from the
//! environment.

/// A deterministic xorshift64* generator: the same seed gives the same
/// sequence on every machine.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        // One splitmix64 step spreads small seeds and never yields zero state
        // for xorshift, which would stay zero forever.
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Rng((z ^ (z >> 31)) | 1)
    }

    /// Starts from `state` as it is, without the splitmix step (zero, which
    /// would stay zero, becomes one): how the benchmark seeds its workload,
    /// so that its files stay those its published numbers were taken on.
    pub fn with_state(state: u64) -> Rng {
        Rng(state.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// A number in `low..=high`.
    pub fn between(&mut self, low: usize, high: usize) -> usize {
        low + self.below(high - low + 1)
    }

    /// True with the given chance in percent.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }
}

/// `AM_RANDOM_SEED` (decimal or `0x` hex) when set, else `default`.
pub fn seed_from_env(default: u64) -> u64 {
    let Ok(text) = std::env::var("AM_RANDOM_SEED") else { return default };
    let parsed = match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse(),
    };
    parsed.unwrap_or_else(|e| panic!("AM_RANDOM_SEED={text:?} is not a number: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rng_is_deterministic_and_spreads() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        let first: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        assert_eq!(first, (0..5).map(|_| b.next_u64()).collect::<Vec<_>>());
        let mut seen = [false; 6];
        for _ in 0..200 {
            seen[a.below(6)] = true;
        }
        assert!(seen.iter().all(|s| *s), "below(6) misses values: {seen:?}");
    }
}
