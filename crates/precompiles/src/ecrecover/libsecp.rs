//! The libsecp256k1 backend, through the `secp256k1` crate and its global context.

use secp256k1::{
    Message, SECP256K1,
    ecdsa::{RecoverableSignature, RecoveryId},
};

use super::Backend;

/// libsecp256k1.
pub(crate) struct Libsecp;

impl Backend for Libsecp {
    #[inline]
    fn recover(hash: &[u8; 32], r: &[u8; 32], s: &[u8; 32], y_odd: bool) -> Option<[u8; 64]> {
        let mut compact = [0u8; 64];
        compact[..32].copy_from_slice(r);
        compact[32..].copy_from_slice(s);
        let recid = if y_odd { RecoveryId::One } else { RecoveryId::Zero };
        // Parsing rejects r or s >= n; recovery rejects zero r or s, an r that is no
        // x-coordinate and a key at infinity. Recovery ids 0 and 1 take R.x = r itself.
        let signature = RecoverableSignature::from_compact(&compact, recid).ok()?;
        let public = SECP256K1.recover_ecdsa(Message::from_digest(*hash), &signature).ok()?;
        let uncompressed = public.serialize_uncompressed();
        let mut out = [0u8; 64];
        out.copy_from_slice(&uncompressed[1..]);
        Some(out)
    }
}
