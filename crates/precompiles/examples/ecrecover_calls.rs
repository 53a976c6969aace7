//! CPU ns per ECRECOVER call on the EEST `ecrecover` block's input, repeated.
fn cpu_ns() -> u128 {
    let mut ts = [0i64; 2];
    // SAFETY: a valid out pointer to two i64 (timespec).
    unsafe { clock_gettime(2, ts.as_mut_ptr()) };
    ts[0] as u128 * 1_000_000_000 + ts[1] as u128
}
unsafe extern "C" {
    fn clock_gettime(clk: i32, ts: *mut i64) -> i32;
}
fn main() {
    let hex = "38d18acb67d25c8bb9942764b62f18e17054f66a817bd4295423adf9ed98873e000000000000000000000000000000000000000000000000000000000000001b38d18acb67d25c8bb9942764b62f18e17054f66a817bd4295423adf9ed98873e789d1dd423d25f0772d2748d60f7e4b81bb14d086eba8e8e8efb6dcff8a4ae02";
    let input: Vec<u8> =
        (0..hex.len() / 2).map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap()).collect();
    let f = kestrel_precompiles::Precompiles::for_spec(kestrel_primitives::SpecId::Osaka)
        .get(&kestrel_primitives::Address::with_last_byte(1))
        .unwrap();
    let mut v = Vec::new();
    for _ in 0..15 {
        let c = cpu_ns();
        for _ in 0..2000 {
            std::hint::black_box(f(std::hint::black_box(&input), 1 << 20).unwrap());
        }
        v.push((cpu_ns() - c) as f64 / 2000.0);
    }
    v.sort_by(f64::total_cmp);
    println!("ecrecover cpu ns/call: median {:.0} min {:.0}", v[7], v[0]);
}
