//! EIP-7685 execution-layer requests: EIP-6110 deposits parsed from the deposit contract's
//! logs, and the requests hash.

use kestrel_primitives::{Address, B256, Bytes, Log, address, b256};
use sha2::{Digest, Sha256};

use crate::error::BlockError;

/// EIP-6110 deposit requests.
pub const DEPOSIT_REQUEST_TYPE: u8 = 0x00;
/// EIP-7002 withdrawal requests.
pub const WITHDRAWAL_REQUEST_TYPE: u8 = 0x01;
/// EIP-7251 consolidation requests.
pub const CONSOLIDATION_REQUEST_TYPE: u8 = 0x02;
/// The mainnet deposit contract.
pub const DEPOSIT_CONTRACT_ADDRESS: Address = address!("00000000219ab540356cbb839cbe05303d7705fa");
/// keccak256 of `DepositEvent(bytes,bytes,bytes,bytes,bytes)`.
pub const DEPOSIT_EVENT_SIGNATURE_HASH: B256 =
    b256!("649bbc62d0e31342afea4e5cd82d4049e7e1ee912fc0889aa790803be39038c5");

/// `type || data`.
pub fn with_type(request_type: u8, data: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(data.len() + 1);
    out.push(request_type);
    out.extend_from_slice(data);
    out.into()
}

/// The 32-byte big-endian word at `at` of `data` as a number, if it fits in `usize`.
fn word(data: &[u8], at: usize) -> Option<usize> {
    let w = data.get(at..at + 32)?;
    if w[..24].iter().any(|&b| b != 0) {
        return None;
    }
    Some(w[24..].iter().fold(0usize, |acc, &b| (acc << 8) | usize::from(b)))
}

/// `extract_deposit_data`: the 192 bytes of one deposit from a `DepositEvent`'s ABI data,
/// whose layout must be exactly the deposit contract's.
fn extract_deposit(data: &[u8]) -> Result<[u8; 192], BlockError> {
    let bad = BlockError::InvalidDepositEventLayout;
    if data.len() != 576 {
        return Err(bad("data length"));
    }
    // (offset word position, expected offset, expected size)
    let fields = [(0, 160, 48), (32, 256, 32), (64, 320, 8), (96, 384, 96), (128, 512, 8)];
    let mut out = [0u8; 192];
    let mut at = 0;
    for (position, offset, size) in fields {
        if word(data, position) != Some(offset) {
            return Err(bad("offset"));
        }
        if word(data, offset) != Some(size) {
            return Err(bad("size"));
        }
        out[at..at + size].copy_from_slice(&data[offset + 32..offset + 32 + size]);
        at += size;
    }
    Ok(out)
}

/// The deposit requests in `logs` (the block's logs in order), concatenated.
pub fn deposit_requests<'a>(logs: impl Iterator<Item = &'a Log>) -> Result<Vec<u8>, BlockError> {
    let mut out = Vec::new();
    for log in logs {
        if log.address == DEPOSIT_CONTRACT_ADDRESS
            && log.data.topics().first() == Some(&DEPOSIT_EVENT_SIGNATURE_HASH)
        {
            out.extend_from_slice(&extract_deposit(&log.data.data)?);
        }
    }
    Ok(out)
}

/// EIP-7685: sha256 of the concatenated sha256 of each request.
pub fn requests_hash(requests: &[Bytes]) -> B256 {
    let mut outer = Sha256::new();
    for r in requests {
        outer.update(Sha256::digest(r));
    }
    B256::from_slice(&outer.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_requests_hash() {
        // sha256 of nothing.
        assert_eq!(
            requests_hash(&[]),
            b256!("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        );
    }

    #[test]
    fn deposit_layout_is_checked() {
        assert_eq!(extract_deposit(&[0; 575]), Err(BlockError::InvalidDepositEventLayout("data length")));
        assert_eq!(extract_deposit(&[0; 576]), Err(BlockError::InvalidDepositEventLayout("offset")));
        let mut data = vec![0u8; 576];
        for (position, offset, size) in
            [(0, 160, 48), (32, 256, 32), (64, 320, 8), (96, 384, 96), (128, 512, 8)]
        {
            data[position + 31] = (offset & 0xff) as u8;
            data[position + 30] = (offset >> 8) as u8;
            data[offset + 31] = size as u8;
        }
        data[160 + 32] = 0xaa;
        let out = extract_deposit(&data).unwrap();
        assert_eq!(out[0], 0xaa);
        data[512 + 31] = 9;
        assert_eq!(extract_deposit(&data), Err(BlockError::InvalidDepositEventLayout("size")));
    }
}
