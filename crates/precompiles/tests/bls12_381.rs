//! EIP-2537 BLS12-381 precompiles: known answers from the EIP's test vectors, algebraic
//! identities between the operations, and every class of malformed input.

mod bls_common;

use bls_common::*;
use kestrel_precompiles::{PrecompileError, Precompiles};
use kestrel_primitives::{Address, SpecId};

// Points from the EIP-2537 test vectors (assets/eip-2537/*.json): the generators and a
// second point P of each group, and sums the EIP lists as expected outputs.
const G1_X: &str =
    "17f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb";
const G1_Y: &str =
    "08b3f481e3aaa0f1a09e30ed741d8ae4fcf5e095d5d00af600db18cb2c04b3edd03cc744a2888ae40caa232946c5e7e1";
const P1_X: &str =
    "112b98340eee2777cc3c14163dea3ec97977ac3dc5c70da32e6e87578f44912e902ccef9efe28d4a78b8999dfbca9426";
const P1_Y: &str =
    "186b28d92356c4dfec4b5201ad099dbdede3781f8998ddf929b4cd7756192185ca7b8f4ef7088f813270ac3d48868a21";
const G1_PLUS_P1: [&str; 2] = [
    "0a40300ce2dec9888b60690e9a41d3004fda4886854573974fab73b046d3147ba5b7a5bde85279ffede1b45b3918d82d",
    "06d3d887e9f53b9ec4eb6cedf5607226754b07c01ace7834f57f3e7315faefb739e59018e22c492006190fba4a870025",
];
const TWO_G1: [&str; 2] = [
    "0572cbea904d67468808c8eb50a9450c9721db309128012543902d0ac358a62ae28f75bb8f1c7c42c39a8c5529bf0f4e",
    "166a9d8cabc673a322fda673779d8e3822ba3ecb8670e461f73bb9021d5fd76a4c56d9d4cd16bd1bba86881979749d28",
];
const TWO_P1: [&str; 2] = [
    "15222cddbabdd764c4bee0b3720322a65ff4712c86fc4b1588d0c209210a0884fa9468e855d261c483091b2bf7de6a63",
    "09f9edb99bc3b75d7489735c98b16ab78b9386c5f7a1f76c7e96ac6eb5bbde30dbca31a74ec6e0f0b12229eecea33c39",
];
const G2: [&str; 4] = [
    "024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8",
    "13e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e",
    "0ce5d527727d6e118cc9cdc6da2e351aadfd9baa8cbdd3a76d429a695160d12c923ac9cc3baca289e193548608b82801",
    "0606c4a02ea734cc32acd2b02bc28b99cb3e287e85a763af267492ab572e99ab3f370d275cec1da1aaa9075ff05f79be",
];
const P2: [&str; 4] = [
    "103121a2ceaae586d240843a398967325f8eb5a93e8fea99b62b9f88d8556c80dd726a4b30e84a36eeabaf3592937f27",
    "086b990f3da2aeac0a36143b7d7c824428215140db1bb859338764cb58458f081d92664f9053b50b3fbd2e4723121b68",
    "0f9e7ba9a86a8f7624aa2b42dcc8772e1af4ae115685e60abc2c9b90242167acef3d0be4050bf935eed7c3b6fc7ba77e",
    "0d22c3652d0dc6f0fc9316e14268477c2049ef772e852108d269d9c38dba1d4802e8dae479818184c08f9a569d878451",
];
const G2_PLUS_P2: [&str; 4] = [
    "0b54a8a7b08bd6827ed9a797de216b8c9057b3a9ca93e2f88e7f04f19accc42da90d883632b9ca4dc38d013f71ede4db",
    "077eba4eecf0bd764dce8ed5f45040dd8f3b3427cb35230509482c14651713282946306247866dfe39a8e33016fcbe52",
    "14e60a76a29ef85cbd69f251b9f29147b67cfe3ed2823d3f9776b3a0efd2731941d47436dc6d2b58d9e65f8438bad073",
    "1586c3c910d95754fef7a732df78e279c3d37431c6a2b77e67a00c7c130a8fcd4d19f159cbeb997a178108fffffcbd20",
];
const TWO_G2: [&str; 4] = [
    "1638533957d540a9d2370f17cc7ed5863bc0b995b8825e0ee1ea1e1e4d00dbae81f14b0bf3611b78c952aacab827a053",
    "0a4edef9c1ed7f729f520e47730a124fd70662a904ba1074728114d1031e1572c6c886f6b57ec72a6178288c47c33577",
    "0468fb440d82b0630aeb8dca2b5256789a66da69bf91009cbfe6bd221e47aa8ae88dece9764bf3bd999d95d71e4c9899",
    "0f6d4552fa65dd2638b361543f887136a43253d9c66c411697003f7a13c308f5422e1aa0a59c8967acdefd8b6e36ccf3",
];

// Points on the curves but outside the prime-order subgroups: the simplified-SWU map of
// u = 7 (G1) and u = 7 + 0i (G2) *without* cofactor clearing, computed with py_ecc's
// `map_to_curve_G1/G2` and checked there to be on the curve with r * P != 0.
const NON_SUB_G1: [&str; 2] = [
    "082e62c0979629891459b2ff8909d7fdd7cb7135b954da0d7580171199359d22d74bfe3bc303bd10505190a0466fff6f",
    "18cf8f6c5e632caeb58f451b9c333b5e4e597382b390d190250b5faf230d3781f353956656aa3366ee4dd1f3f07a1d4e",
];
const NON_SUB_G2: [&str; 4] = [
    "1284db4b9ad0849f9e7327c70cc56fed3a04cf1ef88f07cc8d4d7090d9b04bfd7ca5fee92d745594444d2f6d21860877",
    "047d40ac7b4562724c0d0473e9b59f58d6ca834b45013c0751c34d58bd5adde6bdfca45ba734284891f6e65f9c1e790b",
    "0fbae4d1ce94f3643723996cf0bdff7abfe5add3365b84620710af84a004fab74528be0d944bceb5639329d719e038f4",
    "183707f8893ae629701a504259b323fcf60cfae399d13c5f803688ecf72b6e981710fe31cf910eac5ebe5001a55d37e4",
];

fn g1(c: [&str; 2]) -> Vec<u8> {
    cat(&[&fp(c[0]), &fp(c[1])])
}
fn g2(c: [&str; 4]) -> Vec<u8> {
    cat(&[&fp(c[0]), &fp(c[1]), &fp(c[2]), &fp(c[3])])
}
fn g1_gen() -> Vec<u8> {
    g1([G1_X, G1_Y])
}
fn p1() -> Vec<u8> {
    g1([P1_X, P1_Y])
}
fn g2_gen() -> Vec<u8> {
    g2(G2)
}
const INF1: [u8; 128] = [0; 128];
const INF2: [u8; 256] = [0; 256];
const TRUE: [u8; 32] = {
    let mut t = [0u8; 32];
    t[31] = 1;
    t
};

/// `k * P` through G1MSM with one term.
fn g1_mul(p: &[u8], s: &[u8]) -> Vec<u8> {
    ok(G1MSM, &cat(&[p, s])).bytes.to_vec()
}
fn g2_mul(p: &[u8], s: &[u8]) -> Vec<u8> {
    ok(G2MSM, &cat(&[p, s])).bytes.to_vec()
}

#[test]
fn g1_add_eip_vectors() {
    let (g, p) = (g1_gen(), p1());
    for (input, expected) in [
        (cat(&[&g, &p]), g1(G1_PLUS_P1)),
        (cat(&[&p, &g]), g1(G1_PLUS_P1)),
        (cat(&[&g, &INF1]), g.clone()),
        (cat(&[&INF1, &p]), p.clone()),
        (cat(&[&g, &g]), g1(TWO_G1)),
        (cat(&[&p, &p]), g1(TWO_P1)),
        (cat(&[&g, &neg_g1(&g)]), INF1.to_vec()),
        (cat(&[&p, &neg_g1(&p)]), INF1.to_vec()),
        (cat(&[&INF1, &INF1]), INF1.to_vec()),
    ] {
        let out = ok(G1ADD, &input);
        assert_eq!(out.bytes.as_ref(), expected.as_slice());
        assert_eq!(out.gas_used, 375);
    }
}

#[test]
fn g2_add_eip_vectors() {
    let (g, p) = (g2_gen(), g2(P2));
    for (input, expected) in [
        (cat(&[&g, &p]), g2(G2_PLUS_P2)),
        (cat(&[&p, &g]), g2(G2_PLUS_P2)),
        (cat(&[&g, &INF2]), g.clone()),
        (cat(&[&g, &g]), g2(TWO_G2)),
        (cat(&[&g, &neg_g2(&g)]), INF2.to_vec()),
        (cat(&[&p, &neg_g2(&p)]), INF2.to_vec()),
    ] {
        let out = ok(G2ADD, &input);
        assert_eq!(out.bytes.as_ref(), expected.as_slice());
        assert_eq!(out.gas_used, 600);
    }
}

#[test]
fn add_needs_curve_points_but_not_subgroup_points() {
    let (q1, q2) = (g1(NON_SUB_G1), g2(NON_SUB_G2));
    // Addition accepts points outside the subgroup (EIP-2537: no subgroup check for ADD).
    ok(G1ADD, &cat(&[&q1, &g1_gen()]));
    ok(G2ADD, &cat(&[&q2, &g2_gen()]));
    assert_eq!(ok(G1ADD, &cat(&[&q1, &neg_g1(&q1)])).bytes.as_ref(), &INF1[..]);
    assert_eq!(ok(G2ADD, &cat(&[&q2, &neg_g2(&q2)])).bytes.as_ref(), &INF2[..]);
    // ... but not points off the curve: flip the low bit of y.
    let mut off1 = g1_gen();
    off1[127] ^= 1;
    fails(G1ADD, &cat(&[&off1, &g1_gen()]));
    fails(G1ADD, &cat(&[&g1_gen(), &off1]));
    let mut off2 = g2_gen();
    off2[255] ^= 1;
    fails(G2ADD, &cat(&[&off2, &g2_gen()]));
    // (0, 1) is not a valid encoding of anything: infinity is all zeros only.
    fails(G1ADD, &cat(&[&fp(""), &fp("01"), &g1_gen()]));
}

#[test]
fn msm_requires_subgroup_points() {
    let (q1, q2) = (g1(NON_SUB_G1), g2(NON_SUB_G2));
    fails(G1MSM, &cat(&[&q1, &scalar(1)]));
    fails(G2MSM, &cat(&[&q2, &scalar(1)]));
    // Even with a zero scalar, and even when another term is valid.
    fails(G1MSM, &cat(&[&g1_gen(), &scalar(1), &q1, &scalar(0)]));
    fails(G2MSM, &cat(&[&g2_gen(), &scalar(5), &q2, &scalar(0)]));
    fails(PAIRING, &cat(&[&q1, &g2_gen()]));
    fails(PAIRING, &cat(&[&g1_gen(), &q2]));
    fails(PAIRING, &cat(&[&q1, &INF2]));
    fails(PAIRING, &cat(&[&INF1, &q2]));
}

#[test]
fn g1_msm_matches_additions() {
    let (g, p) = (g1_gen(), p1());
    let r = hex(R_HEX);
    assert_eq!(g1_mul(&g, &scalar(2)), g1(TWO_G1));
    assert_eq!(g1_mul(&p, &scalar(2)), g1(TWO_P1));
    assert_eq!(g1_mul(&g, &scalar(1)), g);
    assert_eq!(g1_mul(&g, &scalar(0)), INF1);
    assert_eq!(g1_mul(&INF1, &scalar(17)), INF1);
    // Scalars are full 256-bit integers: r * G = 0, (r + 2) * G = 2G, and
    // (2^256 - 1) * G = ((2^256 - 1) mod r) * G.
    assert_eq!(g1_mul(&g, &r), INF1);
    assert_eq!(g1_mul(&g, &be_add(&r, &scalar(2))), g1(TWO_G1));
    let max = [0xffu8; 32];
    let max_mod_r = {
        // 2^256 - 1 = 2r + rest, since 2r < 2^256 - 1 < 3r.
        let two_r = be_add(&r, &r);
        be_sub(&max, &two_r)
    };
    assert_eq!(g1_mul(&g, &max), g1_mul(&g, &max_mod_r));
    // a*G + b*P as one MSM equals the sum of the two products.
    let (a, b) = (hex("1234567890abcdef1234567890abcdef"), hex("fedcba0987654321"));
    let (a, b) = (cat(&[&[0u8; 16], &a]), cat(&[&[0u8; 24], &b]));
    let msm = ok(G1MSM, &cat(&[&g, &a, &p, &b]));
    let sum = ok(G1ADD, &cat(&[&g1_mul(&g, &a), &g1_mul(&p, &b)]));
    assert_eq!(msm.bytes, sum.bytes);
    assert_eq!(msm.gas_used, 2 * 12_000 * 949 / 1000);
    // Terms that cancel: s*G + (r - s)*G = 0.
    let s = scalar(987_654_321);
    let cancel = ok(G1MSM, &cat(&[&g, &s, &g, &be_sub(&r, &s)]));
    assert_eq!(cancel.bytes.as_ref(), &INF1[..]);
    // Infinity and zero-scalar terms contribute nothing.
    let padded = ok(G1MSM, &cat(&[&INF1, &scalar(9), &g, &a, &p, &scalar(0), &p, &b]));
    assert_eq!(padded.bytes, sum.bytes);
}

#[test]
fn g2_msm_matches_additions() {
    let (g, p) = (g2_gen(), g2(P2));
    let r = hex(R_HEX);
    assert_eq!(g2_mul(&g, &scalar(2)), g2(TWO_G2));
    assert_eq!(g2_mul(&g, &scalar(1)), g);
    assert_eq!(g2_mul(&g, &scalar(0)), INF2);
    assert_eq!(g2_mul(&g, &r), INF2);
    assert_eq!(g2_mul(&g, &be_add(&r, &scalar(2))), g2(TWO_G2));
    let (a, b) = (scalar(0xdead_beef_cafe), scalar(31337));
    let msm = ok(G2MSM, &cat(&[&g, &a, &p, &b]));
    let sum = ok(G2ADD, &cat(&[&g2_mul(&g, &a), &g2_mul(&p, &b)]));
    assert_eq!(msm.bytes, sum.bytes);
    assert_eq!(msm.gas_used, 2 * 22_500); // The G2 discount for k = 2 is 1000.
}

#[test]
fn msm_gas_follows_the_discount_table() {
    let term1 = cat(&[&g1_gen(), &scalar(3)]);
    let term2 = cat(&[&g2_gen(), &scalar(3)]);
    for (k, g1_gas, g2_gas) in [
        (1u64, 12_000u64, 22_500u64),
        (3, 3 * 12_000 * 848 / 1000, 3 * 22_500 * 923 / 1000),
        (128, 128 * 12_000 * 519 / 1000, 128 * 22_500 * 524 / 1000),
        (130, 130 * 12_000 * 519 / 1000, 130 * 22_500 * 524 / 1000),
    ] {
        let input = term1.repeat(k as usize);
        assert_eq!(ok(G1MSM, &input).gas_used, g1_gas, "G1 k={k}");
        assert_eq!(call_in(SpecId::Prague, G1MSM, &input, g1_gas - 1), Err(PrecompileError::OutOfGas));
        let input = term2.repeat(k as usize);
        assert_eq!(ok(G2MSM, &input).gas_used, g2_gas, "G2 k={k}");
        assert_eq!(call_in(SpecId::Prague, G2MSM, &input, g2_gas - 1), Err(PrecompileError::OutOfGas));
    }
}

#[test]
fn pairing_identities() {
    let (g, h) = (g1_gen(), g2_gen());
    // e(G1, G2) != 1 (non-degeneracy).
    let out = ok(PAIRING, &cat(&[&g, &h]));
    assert_eq!(out.bytes.as_ref(), &[0u8; 32][..]);
    assert_eq!(out.gas_used, 37_700 + 32_600);
    // e(G1, G2) * e(-G1, G2) = 1 and e(G1, G2) * e(G1, -G2) = 1.
    assert_eq!(ok(PAIRING, &cat(&[&g, &h, &neg_g1(&g), &h])).bytes.as_ref(), &TRUE[..]);
    assert_eq!(ok(PAIRING, &cat(&[&g, &h, &g, &neg_g2(&h)])).bytes.as_ref(), &TRUE[..]);
    // Pairs with infinity contribute 1.
    assert_eq!(ok(PAIRING, &cat(&[&INF1, &INF2])).bytes.as_ref(), &TRUE[..]);
    assert_eq!(ok(PAIRING, &cat(&[&INF1, &h])).bytes.as_ref(), &TRUE[..]);
    assert_eq!(ok(PAIRING, &cat(&[&g, &INF2])).bytes.as_ref(), &TRUE[..]);
    assert_eq!(ok(PAIRING, &cat(&[&g, &INF2, &g, &h])).bytes.as_ref(), &[0u8; 32][..]);
    // Bilinearity: e(aG1, bG2) * e(-abG1, G2) = 1.
    let (a, b, ab) = (scalar(1_000_003), scalar(777_767), scalar(1_000_003 * 777_767));
    let input = cat(&[&g1_mul(&g, &a), &g2_mul(&h, &b), &neg_g1(&g1_mul(&g, &ab)), &h]);
    let out = ok(PAIRING, &input);
    assert_eq!(out.bytes.as_ref(), &TRUE[..]);
    assert_eq!(out.gas_used, 37_700 + 2 * 32_600);
    // Off by one: e(aG1, bG2) * e(-(ab+1)G1, G2) != 1.
    let wrong =
        cat(&[&g1_mul(&g, &a), &g2_mul(&h, &b), &neg_g1(&g1_mul(&g, &scalar(1_000_003 * 777_767 + 1))), &h]);
    assert_eq!(ok(PAIRING, &wrong).bytes.as_ref(), &[0u8; 32][..]);
    assert_eq!(
        call_in(SpecId::Prague, PAIRING, &input, 37_700 + 2 * 32_600 - 1),
        Err(PrecompileError::OutOfGas)
    );
}

#[test]
fn map_fp_to_g1_eip_vectors() {
    for (u, x, y) in [
        (
            "156c8a6a2c184569d69a76be144b5cdc5141d2d2ca4fe341f011e25e3969c55ad9e9b9ce2eb833c81a908e5fa4ac5f03",
            "184bb665c37ff561a89ec2122dd343f20e0f4cbcaec84e3c3052ea81d1834e192c426074b02ed3dca4e7676ce4ce48ba",
            "04407b8d35af4dacc809927071fc0405218f1401a6d15af775810e4e460064bcc9468beeba82fdc751be70476c888bf3",
        ),
        (
            "147e1ed29f06e4c5079b9d14fc89d2820d32419b990c1c7bb7dbea2a36a045124b31ffbde7c99329c05c559af1c6cc82",
            "009769f3ab59bfd551d53a5f846b9984c59b97d6842b20a2c565baa167945e3d026a3755b6345df8ec7e6acb6868ae6d",
            "1532c00cf61aa3d0ce3e5aa20c3b531a2abd2c770a790a2613818303c6b830ffc0ecf6c357af3317b9575c567f11cd2c",
        ),
        (
            "04090815ad598a06897dd89bcda860f25837d54e897298ce31e6947378134d3761dc59a572154963e8c954919ecfa82d",
            "1974dbb8e6b5d20b84df7e625e2fbfecb2cdb5f77d5eae5fb2955e5ce7313cae8364bc2fff520a6c25619739c6bdcb6a",
            "15f9897e11c6441eaa676de141c8d83c37aab8667173cbe1dfd6de74d11861b961dccebcd9d289ac633455dfcc7013a3",
        ),
        (
            "08dccd088ca55b8bfbc96fb50bb25c592faa867a8bb78d4e94a8cc2c92306190244532e91feba2b7fed977e3c3bb5a1f",
            "0a7a047c4a8397b3446450642c2ac64d7239b61872c9ae7a59707a8f4f950f101e766afe58223b3bff3a19a7f754027c",
            "1383aebba1e4327ccff7cf9912bda0dbc77de048b71ef8c8a81111d71dc33c5e3aa6edee9cf6f5fe525d50cc50b77cc9",
        ),
        (
            "0dd824886d2123a96447f6c56e3a3fa992fbfefdba17b6673f9f630ff19e4d326529db37e1c1be43f905bf9202e0278d",
            "0e7a16a975904f131682edbb03d9560d3e48214c9986bd50417a77108d13dc957500edf96462a3d01e62dc6cd468ef11",
            "0ae89e677711d05c30a48d6d75e76ca9fb70fe06c6dd6ff988683d89ccde29ac7d46c53bb97a59b1901abf1db66052db",
        ),
    ] {
        let out = ok(MAP_FP_TO_G1, &fp(u));
        assert_eq!(out.bytes.as_ref(), g1([x, y]).as_slice(), "u = {u}");
        assert_eq!(out.gas_used, 5_500);
    }
}

#[test]
fn map_fp2_to_g2_eip_vectors() {
    for (u, expected) in [
        (
            [
                "07355d25caf6e7f2f0cb2812ca0e513bd026ed09dda65b177500fa31714e09ea0ded3a078b526bed3307f804d4b93b04",
                "02829ce3c021339ccb5caf3e187f6370e1e2a311dec9b75363117063ab2015603ff52c3d3b98f19c2f65575e99e8b78c",
            ],
            [
                "00e7f4568a82b4b7dc1f14c6aaa055edf51502319c723c4dc2688c7fe5944c213f510328082396515734b6612c4e7bb7",
                "126b855e9e69b1f691f816e48ac6977664d24d99f8724868a184186469ddfd4617367e94527d4b74fc86413483afb35b",
                "0caead0fd7b6176c01436833c79d305c78be307da5f6af6c133c47311def6ff1e0babf57a0fb5539fce7ee12407b0a42",
                "1498aadcf7ae2b345243e281ae076df6de84455d766ab6fcdaad71fab60abb2e8b980a440043cd305db09d283c895e3d",
            ],
        ),
        (
            [
                "138879a9559e24cecee8697b8b4ad32cced053138ab913b99872772dc753a2967ed50aabc907937aefb2439ba06cc50c",
                "0a1ae7999ea9bab1dcc9ef8887a6cb6e8f1e22566015428d220b7eec90ffa70ad1f624018a9ad11e78d588bd3617f9f2",
            ],
            [
                "108ed59fd9fae381abfd1d6bce2fd2fa220990f0f837fa30e0f27914ed6e1454db0d1ee957b219f61da6ff8be0d6441f",
                "0296238ea82c6d4adb3c838ee3cb2346049c90b96d602d7bb1b469b905c9228be25c627bffee872def773d5b2a2eb57d",
                "033f90f6057aadacae7963b0a0b379dd46750c1c94a6357c99b65f63b79e321ff50fe3053330911c56b6ceea08fee656",
                "153606c417e59fb331b7ae6bce4fbf7c5190c33ce9402b5ebe2b70e44fca614f3f1382a3625ed5493843d0b0a652fc3f",
            ],
        ),
    ] {
        let out = ok(MAP_FP2_TO_G2, &cat(&[&fp(u[0]), &fp(u[1])]));
        assert_eq!(out.bytes.as_ref(), g2(expected).as_slice());
        assert_eq!(out.gas_used, 23_800);
    }
}

#[test]
fn map_outputs_are_subgroup_points() {
    // MSM subgroup-checks its points, so 1 * map(u) = map(u) proves membership.
    for u in [
        "00",
        "01",
        "1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaaa",
    ] {
        let m1 = ok(MAP_FP_TO_G1, &fp(u)).bytes.to_vec();
        assert_eq!(g1_mul(&m1, &scalar(1)), m1);
        let m2 = ok(MAP_FP2_TO_G2, &cat(&[&fp(u), &fp("05")])).bytes.to_vec();
        assert_eq!(g2_mul(&m2, &scalar(1)), m2);
    }
}

#[test]
fn field_elements_must_be_canonical() {
    let p = hex(P_HEX);
    let p_fp = cat(&[&[0u8; 16], &p]);
    fails(MAP_FP_TO_G1, &p_fp);
    fails(MAP_FP_TO_G1, &cat(&[&[0u8; 16], &[0xff; 48]]));
    // Nonzero padding, even when the low 48 bytes are a valid element.
    let mut padded = fp("01");
    padded[15] = 1;
    fails(MAP_FP_TO_G1, &padded);
    padded[15] = 0;
    padded[0] = 0x80;
    fails(MAP_FP_TO_G1, &padded);
    // p - 1 is the largest accepted element.
    ok(MAP_FP_TO_G1, &cat(&[&[0u8; 16], &be_sub(&p, &hex(&format!("{:0>96}", "01")))]));
    // In Fp2, either coefficient may be the bad one.
    fails(MAP_FP2_TO_G2, &cat(&[&p_fp, &fp("01")]));
    fails(MAP_FP2_TO_G2, &cat(&[&fp("01"), &p_fp]));
    // x = p + x(G1) would be on the curve modulo p but is not canonical.
    let g = g1_gen();
    let shifted_x = be_add(&p, &g[16..64]);
    let shifted = cat(&[&[0u8; 16], &shifted_x, &g[64..]]);
    fails(G1ADD, &cat(&[&shifted, &g]));
    fails(G1MSM, &cat(&[&shifted, &scalar(1)]));
    let mut bad_pad_point = g.clone();
    bad_pad_point[64] = 1; // top byte of y's padding
    fails(G1ADD, &cat(&[&g, &bad_pad_point]));
    let mut bad_pad_g2 = g2_gen();
    bad_pad_g2[128] = 1; // padding of y.c0
    fails(G2ADD, &cat(&[&bad_pad_g2, &g2_gen()]));
    fails(PAIRING, &cat(&[&g, &bad_pad_g2]));
}

#[test]
fn input_lengths_are_exact() {
    let g1a = cat(&[&g1_gen(), &g1_gen()]);
    let g2a = cat(&[&g2_gen(), &g2_gen()]);
    let msm1 = cat(&[&g1_gen(), &scalar(1)]);
    let msm2 = cat(&[&g2_gen(), &scalar(1)]);
    let pair = cat(&[&g1_gen(), &g2_gen()]);
    for (addr, good) in [
        (G1ADD, g1a),
        (G2ADD, g2a),
        (G1MSM, msm1),
        (G2MSM, msm2),
        (PAIRING, pair),
        (MAP_FP_TO_G1, fp("01")),
        (MAP_FP2_TO_G2, cat(&[&fp("01"), &fp("02")])),
    ] {
        ok(addr, &good);
        fails(addr, &[]);
        fails(addr, &good[..good.len() - 1]);
        fails(addr, &cat(&[&good, &[0]]));
        fails(addr, &good[..good.len() / 2 + 1]);
        // A length error wins over gas: the spec checks the length first (both
        // outcomes consume all gas, but they should be reported truthfully).
        assert!(matches!(call_in(SpecId::Prague, addr, &good[1..], 0), Err(PrecompileError::Failure(_))));
        assert_eq!(call_in(SpecId::Prague, addr, &good, 0), Err(PrecompileError::OutOfGas));
    }
}

#[test]
fn fixed_gas_costs() {
    for (addr, input, gas) in [
        (G1ADD, cat(&[&g1_gen(), &g1_gen()]), 375),
        (G2ADD, cat(&[&g2_gen(), &g2_gen()]), 600),
        (MAP_FP_TO_G1, fp("01"), 5_500),
        (MAP_FP2_TO_G2, cat(&[&fp("01"), &fp("02")]), 23_800),
    ] {
        assert_eq!(call_in(SpecId::Prague, addr, &input, gas).map(|o| o.gas_used), Ok(gas));
        assert_eq!(call_in(SpecId::Prague, addr, &input, gas - 1), Err(PrecompileError::OutOfGas));
    }
    // Gas is charged before decoding: an invalid point under-funded is out of gas.
    let mut off = g1_gen();
    off[127] ^= 1;
    assert_eq!(call_in(SpecId::Prague, G1ADD, &cat(&[&off, &off]), 374), Err(PrecompileError::OutOfGas));
}

#[test]
fn active_from_prague() {
    for addr in 0x0b..=0x11u8 {
        let a = Address::with_last_byte(addr);
        assert!(!Precompiles::for_spec(SpecId::Cancun).contains(&a), "{addr:#x} before Prague");
        assert!(Precompiles::for_spec(SpecId::Prague).contains(&a));
        assert!(Precompiles::for_spec(SpecId::Osaka).contains(&a));
    }
}
