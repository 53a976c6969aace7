//! Block information: BLOCKHASH, COINBASE, TIMESTAMP, NUMBER, PREVRANDAO (EIP-4399, formerly
//! DIFFICULTY), GASLIMIT, CHAINID (EIP-1344), SELFBALANCE (EIP-1884), BASEFEE (EIP-3198),
//! BLOBHASH (EIP-4844), BLOBBASEFEE (EIP-7516).

use kestrel_primitives::{SpecId, U256};

use super::from_address;
use crate::memory::to_saturated;
use crate::{Buffers, Frame, Host, Step};

/// How many recent blocks BLOCKHASH can see.
const BLOCKHASH_WINDOW: u64 = 256;

/// BLOCKHASH: the hash of one of the 256 most recent complete blocks, else zero.
#[inline]
pub(crate) fn op_blockhash<H: Host + ?Sized>(f: &mut Frame, _b: &mut Buffers, host: &mut H) -> Step {
    let requested = *f.stack.top();
    let current = host.block().number;
    let hash = match u64::try_from(requested) {
        Ok(n) if n < current && current - n <= BLOCKHASH_WINDOW => host.block_hash(n).into(),
        _ => U256::ZERO,
    };
    *f.stack.top() = hash;
    Ok(())
}

/// COINBASE.
#[inline(always)]
pub(crate) fn op_coinbase<H: Host + ?Sized>(f: &mut Frame, _b: &mut Buffers, host: &mut H) -> Step {
    f.stack.push(from_address(host.block().coinbase));
    Ok(())
}

/// TIMESTAMP.
#[inline(always)]
pub(crate) fn op_timestamp<H: Host + ?Sized>(f: &mut Frame, _b: &mut Buffers, host: &mut H) -> Step {
    f.stack.push(U256::from(host.block().timestamp));
    Ok(())
}

/// NUMBER.
#[inline(always)]
pub(crate) fn op_number<H: Host + ?Sized>(f: &mut Frame, _b: &mut Buffers, host: &mut H) -> Step {
    f.stack.push(U256::from(host.block().number));
    Ok(())
}

/// PREVRANDAO from Paris (EIP-4399), DIFFICULTY before.
#[inline(always)]
pub(crate) fn op_prevrandao<H: Host + ?Sized>(f: &mut Frame, _b: &mut Buffers, host: &mut H) -> Step {
    let block = host.block();
    let value = match block.prevrandao {
        Some(randao) if f.spec.is_enabled_in(SpecId::Paris) => randao.into(),
        _ => block.difficulty,
    };
    f.stack.push(value);
    Ok(())
}

/// GASLIMIT.
#[inline(always)]
pub(crate) fn op_gaslimit<H: Host + ?Sized>(f: &mut Frame, _b: &mut Buffers, host: &mut H) -> Step {
    f.stack.push(U256::from(host.block().gas_limit));
    Ok(())
}

/// CHAINID (EIP-1344).
#[inline(always)]
pub(crate) fn op_chainid<H: Host + ?Sized>(f: &mut Frame, _b: &mut Buffers, host: &mut H) -> Step {
    f.stack.push(U256::from(host.chain_id()));
    Ok(())
}

/// SELFBALANCE (EIP-1884): the running account is always warm.
#[inline]
pub(crate) fn op_selfbalance<H: Host + ?Sized>(f: &mut Frame, _b: &mut Buffers, host: &mut H) -> Step {
    let balance = host.balance(&f.address).value;
    f.stack.push(balance);
    Ok(())
}

/// BASEFEE (EIP-3198).
#[inline(always)]
pub(crate) fn op_basefee<H: Host + ?Sized>(f: &mut Frame, _b: &mut Buffers, host: &mut H) -> Step {
    f.stack.push(host.block().basefee);
    Ok(())
}

/// BLOBHASH (EIP-4844): the transaction's `i`-th blob versioned hash, else zero.
#[inline]
pub(crate) fn op_blobhash<H: Host + ?Sized>(f: &mut Frame, _b: &mut Buffers, host: &mut H) -> Step {
    let index = to_saturated(*f.stack.top());
    *f.stack.top() = host.tx().blob_hashes.get(index).map_or(U256::ZERO, |h| (*h).into());
    Ok(())
}

/// BLOBBASEFEE (EIP-7516).
#[inline(always)]
pub(crate) fn op_blobbasefee<H: Host + ?Sized>(f: &mut Frame, _b: &mut Buffers, host: &mut H) -> Step {
    f.stack.push(host.blob_base_fee());
    Ok(())
}
