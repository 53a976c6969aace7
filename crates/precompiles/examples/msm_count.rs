//! One MSM call, for callgrind: `msm_count G1|G2 N THREADS`.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (g2, n, threads): (bool, usize, usize) =
        (args[1] == "G2", args[2].parse().unwrap(), args[3].parse().unwrap());
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/bench/workloads");
    let text = std::fs::read_to_string(format!("{dir}/precompile-bls12-381.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let name = if g2 { "g2_msm_256" } else { "g1_msm_256" };
    let s = json[&format!("precompile/bls12_381/{name}")]["transaction"]["data"][0].as_str().unwrap();
    let s = s.trim_start_matches("0x");
    let full: Vec<u8> =
        (0..s.len() / 2).map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap()).collect();
    let pair = if g2 { 288 } else { 160 };
    let f = kestrel_precompiles::Precompiles::for_spec(kestrel_primitives::SpecId::Prague)
        .get(&kestrel_primitives::Address::with_last_byte(if g2 { 0x0e } else { 0x0c }))
        .unwrap();
    kestrel_precompiles::set_max_threads(threads);
    std::hint::black_box(f(&full[..n * pair], u64::MAX).unwrap());
}
