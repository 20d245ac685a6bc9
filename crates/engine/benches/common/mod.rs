//! What the engine's benchmarks share: the `fairer` binary's allocator (so that their figures
//! are the command's), a small repeatable generator for their inputs, the process's CPU time and
//! how durations are printed. Each benchmark uses some of it.
#![allow(dead_code)]

use std::time::Duration;

/// The allocator of the `fairer` binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// xorshift64* (Vigna 2016): small, fast and repeatable; good enough for benchmark data.
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed` (0 is taken as 1: the state must not be zero).
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [lo, hi).
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// Uniform integer in lo ..= hi.
    pub fn int(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }
}

/// CPU time used so far by the whole process: every thread's, those that have ended (the
/// threads that read input ahead) included; `getrusage(RUSAGE_SELF)`, user plus system time.
/// Unsafe code: the C call, which the standard library does not wrap.
#[allow(unsafe_code)]
pub fn cpu_time() -> Duration {
    // SAFETY: `rusage` is plain data, for which all zero bytes are a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `getrusage` only writes the `rusage` it is given.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return Duration::ZERO;
    }
    let time =
        |t: libc::timeval| Duration::from_secs(t.tv_sec.max(0) as u64) + Duration::from_micros(t.tv_usec.max(0) as u64);
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// A duration as the tables print it: "1.23 s" or "456.7 ms".
pub fn fmt(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 1.0 {
        format!("{s:.2} s")
    } else {
        format!("{:.1} ms", s * 1e3)
    }
}
