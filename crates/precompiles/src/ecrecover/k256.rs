//! The RustCrypto `k256` backend: pure Rust, and the crate zkVMs replace with accelerated
//! versions.

use k256::{
    AffinePoint, FieldBytes, ProjectivePoint, Scalar, U256 as KU256,
    elliptic_curve::{
        Group, PrimeField,
        ops::{LinearCombination, Reduce},
        point::DecompressPoint,
        sec1::ToEncodedPoint,
        subtle::Choice,
    },
};

use super::Backend;

/// RustCrypto's `k256`.
pub(crate) struct K256;

impl Backend for K256 {
    fn recover(hash: &[u8; 32], r_bytes: &[u8; 32], s_bytes: &[u8; 32], y_odd: bool) -> Option<[u8; 64]> {
        // `from_repr` rejects values >= n; zero is rejected separately.
        let r = Option::<Scalar>::from(Scalar::from_repr(*FieldBytes::from_slice(r_bytes)))?;
        let s = Option::<Scalar>::from(Scalar::from_repr(*FieldBytes::from_slice(s_bytes)))?;
        if bool::from(r.is_zero()) || bool::from(s.is_zero()) {
            return None;
        }

        // R is the curve point with x = r (r < n < p) and the parity v selects; it exists
        // only when r³ + 7 is a square mod p.
        let big_r = Option::<AffinePoint>::from(AffinePoint::decompress(
            FieldBytes::from_slice(r_bytes),
            Choice::from(u8::from(y_odd)),
        ))?;

        // Q = r⁻¹ (s·R − z·G), with z the hash reduced mod n.
        let z = <Scalar as Reduce<KU256>>::reduce_bytes(FieldBytes::from_slice(hash));
        let r_inv = Option::<Scalar>::from(r.invert())?;
        let u1 = -(r_inv * z);
        let u2 = r_inv * s;
        let q =
            ProjectivePoint::lincomb(&ProjectivePoint::GENERATOR, &u1, &ProjectivePoint::from(big_r), &u2);
        if bool::from(q.is_identity()) {
            return None;
        }

        let encoded = q.to_affine().to_encoded_point(false);
        let mut out = [0u8; 64];
        out.copy_from_slice(&encoded.as_bytes()[1..]);
        Some(out)
    }
}
