//! The simulation's inner loop, compiled twice on x86-64: once portable and once for AVX2,
//! chosen at run time.
//!
//! Unsafe code: calling a function compiled with `#[target_feature(enable = "avx2")]` is unsafe
//! (it would be undefined behaviour on a processor without AVX2), so the call is made only after
//! `is_x86_feature_detected!("avx2")`. Nothing else here is unsafe.

#![allow(unsafe_code)]

use super::{exp_fast, expit, BackTransform};

/// slope[r] += c·g(m + s·z[r]) and intercept[r] += d·g(m + s·z[r]) for the back-transform g
/// and normal draws z (`(m, s)` = `normal`).
///
/// On x86-64 processors with AVX2 the same code is compiled a second time for 4-wide vectors;
/// it performs the same IEEE operations in the same order (no fused multiply-add), so results
/// are bit-identical with and without it.
pub(super) fn accumulate(
    back: BackTransform,
    y: &[f64],
    normal: (f64, f64),
    c: f64,
    d: f64,
    slope: &mut [f64],
    intercept: &mut [f64],
) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the function only requires AVX2, which was detected just above.
            unsafe { accumulate_avx2(back, y, normal, c, d, slope, intercept) };
            return;
        }
    }
    accumulate_portable(back, y, normal, c, d, slope, intercept);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn accumulate_avx2(
    back: BackTransform,
    y: &[f64],
    normal: (f64, f64),
    c: f64,
    d: f64,
    slope: &mut [f64],
    intercept: &mut [f64],
) {
    accumulate_portable(back, y, normal, c, d, slope, intercept);
}

#[inline(always)]
fn accumulate_portable(
    back: BackTransform,
    y: &[f64],
    normal: (f64, f64),
    c: f64,
    d: f64,
    slope: &mut [f64],
    intercept: &mut [f64],
) {
    #[inline(always)]
    fn kernel(
        z: &[f64],
        (m, s): (f64, f64),
        c: f64,
        d: f64,
        slope: &mut [f64],
        intercept: &mut [f64],
        g: impl Fn(f64) -> f64,
    ) {
        for ((z, b), a) in z.iter().zip(slope.iter_mut()).zip(intercept.iter_mut()) {
            let v = g(m + s * z);
            *b += c * v;
            *a += d * v;
        }
    }
    match back {
        BackTransform::Identity => kernel(y, normal, c, d, slope, intercept, |x| x),
        BackTransform::Exp => kernel(y, normal, c, d, slope, intercept, exp_fast),
        BackTransform::Expit => kernel(y, normal, c, d, slope, intercept, expit),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The AVX2 build of the back-transform loop gives bit-identical results.
    #[test]
    fn vector_paths_are_bit_identical() {
        let y: Vec<f64> = (0..1000).map(|i| -30.0 + 0.061 * i as f64).collect();
        for back in [BackTransform::Identity, BackTransform::Exp, BackTransform::Expit] {
            let (mut s1, mut a1) = (vec![0.5; 1000], vec![0.25; 1000]);
            let (mut s2, mut a2) = (s1.clone(), a1.clone());
            accumulate(back, &y, (0.4, 1.3), 0.3, -0.7, &mut s1, &mut a1);
            accumulate_portable(back, &y, (0.4, 1.3), 0.3, -0.7, &mut s2, &mut a2);
            assert!(s1.iter().zip(&s2).all(|(x, y)| x.to_bits() == y.to_bits()));
            assert!(a1.iter().zip(&a2).all(|(x, y)| x.to_bits() == y.to_bits()));
        }
    }
}
