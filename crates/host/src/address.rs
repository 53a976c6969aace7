//! Addresses of new contracts (Yellow Paper §7, EIP-1014).

use kestrel_primitives::{Address, B256, keccak256};

/// Appends the RLP encoding of a byte string.
fn rlp_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    match bytes {
        [b] if *b < 0x80 => out.push(*b),
        _ if bytes.len() < 56 => {
            out.push(0x80 + bytes.len() as u8);
            out.extend_from_slice(bytes);
        }
        _ => {
            let len = bytes.len().to_be_bytes();
            let len = &len[len.iter().position(|&b| b != 0).unwrap_or(len.len() - 1)..];
            out.push(0xb7 + len.len() as u8);
            out.extend_from_slice(len);
            out.extend_from_slice(bytes);
        }
    }
}

/// Appends the RLP encoding of an unsigned integer given big-endian (leading zeros stripped).
pub(crate) fn rlp_uint(out: &mut Vec<u8>, be: &[u8]) {
    let start = be.iter().position(|&b| b != 0).unwrap_or(be.len());
    rlp_bytes(out, &be[start..]);
}

/// Wraps an RLP payload in a list header.
pub(crate) fn rlp_list(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 9);
    if payload.len() < 56 {
        out.push(0xc0 + payload.len() as u8);
    } else {
        let len = payload.len().to_be_bytes();
        let len = &len[len.iter().position(|&b| b != 0).unwrap_or(len.len() - 1)..];
        out.push(0xf7 + len.len() as u8);
        out.extend_from_slice(len);
    }
    out.extend_from_slice(payload);
    out
}

/// Appends the RLP encoding of an address.
pub(crate) fn rlp_address(out: &mut Vec<u8>, address: &Address) {
    rlp_bytes(out, address.as_slice());
}

/// CREATE: `keccak256(rlp([sender, nonce]))[12..]`. Encoded on the stack: the list is at most
/// 31 bytes (a 1-byte header, the 21-byte address, a nonce of at most 9 bytes).
pub fn create_address(sender: &Address, nonce: u64) -> Address {
    let mut buf = [0u8; 31];
    buf[1] = 0x80 + 20;
    buf[2..22].copy_from_slice(sender.as_slice());
    let be = nonce.to_be_bytes();
    let significant = &be[be.iter().position(|&b| b != 0).unwrap_or(be.len())..];
    let end = match significant {
        // Zero is the empty string; a single byte below 0x80 is itself.
        [] => {
            buf[22] = 0x80;
            23
        }
        [b] if *b < 0x80 => {
            buf[22] = *b;
            23
        }
        _ => {
            buf[22] = 0x80 + significant.len() as u8;
            buf[23..23 + significant.len()].copy_from_slice(significant);
            23 + significant.len()
        }
    };
    buf[0] = 0xc0 + (end - 1) as u8;
    Address::from_word(keccak256(&buf[..end]))
}

/// CREATE2 (EIP-1014): `keccak256(0xff ++ sender ++ salt ++ keccak256(initcode))[12..]`.
pub fn create2_address(sender: &Address, salt: &B256, init_code_hash: &B256) -> Address {
    let mut buf = [0u8; 85];
    buf[0] = 0xff;
    buf[1..21].copy_from_slice(sender.as_slice());
    buf[21..53].copy_from_slice(salt.as_slice());
    buf[53..].copy_from_slice(init_code_hash.as_slice());
    Address::from_word(keccak256(buf))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kestrel_primitives::{address, b256, hex};

    #[test]
    fn create_matches_known_addresses() {
        let sender = address!("6ac7ea33f8831ea9dcc53393aaa88b25a785dbf0");
        assert_eq!(create_address(&sender, 0), address!("cd234a471b72ba2f1ccf0a70fcaba648a5eecd8d"));
        assert_eq!(create_address(&sender, 1), address!("343c43a37d37dff08ae8c4a11544c718abb4fcf8"));
    }

    /// The encoding on the stack is the RLP the generic helpers write, for every nonce length.
    #[test]
    fn create_matches_the_generic_rlp() {
        let sender = address!("6ac7ea33f8831ea9dcc53393aaa88b25a785dbf0");
        let mut nonces = vec![0, 1, 0x7f, 0x80, 0xff, 0x100, u64::MAX];
        nonces.extend((0..64).map(|shift| (1u64 << shift) - 1));
        nonces.extend((0..64).map(|shift| 1u64 << shift));
        for nonce in nonces {
            let mut payload = Vec::new();
            rlp_address(&mut payload, &sender);
            rlp_uint(&mut payload, &nonce.to_be_bytes());
            let expected = Address::from_word(keccak256(rlp_list(&payload)));
            assert_eq!(create_address(&sender, nonce), expected, "nonce {nonce}");
        }
    }

    /// Example 1 and 5 of EIP-1014.
    #[test]
    fn create2_matches_eip_examples() {
        let zero_code = keccak256(hex!("00"));
        assert_eq!(
            create2_address(&Address::ZERO, &B256::ZERO, &zero_code),
            address!("4D1A2e2bB4F88F0250f26Ffff098B0b30B26BF38")
        );
        let salt = b256!("00000000000000000000000000000000000000000000000000000000cafebabe");
        let code = keccak256(hex!("deadbeef"));
        assert_eq!(
            create2_address(&address!("00000000000000000000000000000000deadbeef"), &salt, &code),
            address!("60f3f640a8508fC6a86d45DF051962668E1e8AC7")
        );
    }
}
