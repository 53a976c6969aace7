//! ns per Keccak-f[1600] permutation when hashing 65,281 bytes (the EEST
//! `keccak_max_permutations` input length), AVX-512 path vs keccak-asm, alternated,
//! medians and the process CPU time.

fn cpu_ns() -> u128 {
    let mut ts = libc_timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: a valid out pointer.
    unsafe { clock_gettime(2, &mut ts) };
    ts.tv_sec as u128 * 1_000_000_000 + ts.tv_nsec as u128
}
#[repr(C)]
struct libc_timespec {
    tv_sec: i64,
    tv_nsec: i64,
}
unsafe extern "C" {
    fn clock_gettime(clk: i32, ts: *mut libc_timespec) -> i32;
}

fn main() {
    for len in [32usize, 64, 136, 1024, 65_281] {
        let data: Vec<u8> = (0..len as u32).map(|i| (i.wrapping_mul(2654435761) >> 7) as u8).collect();
        let reps = (2_000_000 / (len + 64)).max(50);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for _ in 0..15 {
            let c = cpu_ns();
            for _ in 0..reps {
                std::hint::black_box(kestrel_primitives::keccak::keccak256_avx512(std::hint::black_box(
                    &data,
                )));
            }
            a.push((cpu_ns() - c) as f64 / reps as f64);
            let c = cpu_ns();
            for _ in 0..reps {
                std::hint::black_box(kestrel_primitives::keccak::keccak256_asm(std::hint::black_box(&data)));
            }
            b.push((cpu_ns() - c) as f64 / reps as f64);
        }
        a.sort_by(f64::total_cmp);
        b.sort_by(f64::total_cmp);
        let perms = (len / 136 + 1) as f64;
        println!(
            "{len:>6} B: avx512 {:>9.1} ns ({:.1}/perm), keccak-asm {:>9.1} ns ({:.1}/perm), asm/avx512 {:.3}",
            a[7],
            a[7] / perms,
            b[7],
            b[7] / perms,
            b[7] / a[7]
        );
    }
}
