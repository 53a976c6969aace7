//! Execution environment: ADDRESS, BALANCE, ORIGIN, CALLER, CALLVALUE, CALLDATALOAD,
//! CALLDATASIZE, CALLDATACOPY, CODESIZE, CODECOPY, GASPRICE, EXTCODESIZE, EXTCODECOPY,
//! RETURNDATASIZE, RETURNDATACOPY (EIP-211), EXTCODEHASH (EIP-1052).

use kestrel_primitives::gas::frontier::COPY_WORD;
use kestrel_primitives::{B256, U256};

use super::{cold_account_surcharge, from_address, to_address};
use crate::memory::{copy_cost, copy_padded, expand, to_saturated, window};
use crate::regs::Regs;
use crate::{Buffers, Frame, Host, Status, Step};

/// ADDRESS.
#[inline(always)]
pub(crate) fn op_address(r: &mut Regs, f: &mut Frame, _b: &mut Buffers) -> Step {
    r.sp.push(from_address(f.address));
    Ok(())
}

/// BALANCE.
#[inline]
pub(crate) fn op_balance<H: Host + ?Sized>(f: &mut Frame, _b: &mut Buffers, host: &mut H) -> Step {
    let address = to_address(*f.stack.top());
    let balance = host.balance(&address);
    f.gas.charge(cold_account_surcharge(f.spec, balance.is_cold))?;
    *f.stack.top() = balance.value;
    Ok(())
}

/// ORIGIN.
#[inline(always)]
pub(crate) fn op_origin<H: Host + ?Sized>(f: &mut Frame, _b: &mut Buffers, host: &mut H) -> Step {
    f.stack.push(from_address(host.tx().caller));
    Ok(())
}

/// CALLER.
#[inline(always)]
pub(crate) fn op_caller(r: &mut Regs, f: &mut Frame, _b: &mut Buffers) -> Step {
    r.sp.push(from_address(f.caller));
    Ok(())
}

/// CALLVALUE.
#[inline(always)]
pub(crate) fn op_callvalue(r: &mut Regs, f: &mut Frame, _b: &mut Buffers) -> Step {
    r.sp.push(f.value);
    Ok(())
}

/// CALLDATALOAD: 32 bytes of call data from an offset, zero-filled past the end.
#[inline(always)]
pub(crate) fn op_calldataload(r: &mut Regs, f: &mut Frame, b: &mut Buffers) -> Step {
    let offset = to_saturated(*r.sp.top());
    let input = f.input(b);
    let mut word = [0u8; 32];
    if offset < input.len() {
        let n = (input.len() - offset).min(32);
        word[..n].copy_from_slice(&input[offset..offset + n]);
    }
    *r.sp.top() = U256::from_be_bytes(word);
    Ok(())
}

/// CALLDATASIZE.
#[inline(always)]
pub(crate) fn op_calldatasize(r: &mut Regs, f: &mut Frame, _b: &mut Buffers) -> Step {
    r.sp.push(U256::from(f.input.1));
    Ok(())
}

/// Pops `dest, offset, len`, expands memory and charges the copy: the common start of the *COPY
/// opcodes. Returns `(dest, source offset, len)`.
#[inline]
fn copy_prologue(r: &mut Regs, f: &mut Frame, b: &mut Buffers) -> Result<(usize, usize, usize), Status> {
    let [dest, offset, len] = r.sp.popn::<3>();
    let (dest, len) = expand(&mut r.gas, b, f.memory_base, dest, len)?;
    r.gas.charge(copy_cost(COPY_WORD, len))?;
    Ok((dest, to_saturated(offset), len))
}

/// CALLDATACOPY.
#[inline]
pub(crate) fn op_calldatacopy(r: &mut Regs, f: &mut Frame, b: &mut Buffers) -> Step {
    let (dest, offset, len) = copy_prologue(r, f, b)?;
    // The call data lies before this frame's memory window (the caller's memory or the
    // transaction's data), so the two never overlap.
    let (below, window) = b.memory.split_at_mut(f.memory_base);
    copy_padded(window, dest, &below[f.input.0..f.input.0 + f.input.1], offset, len);
    Ok(())
}

/// CODESIZE.
#[inline(always)]
pub(crate) fn op_codesize(r: &mut Regs, f: &mut Frame, _b: &mut Buffers) -> Step {
    r.sp.push(U256::from(f.code.len()));
    Ok(())
}

/// CODECOPY.
#[inline]
pub(crate) fn op_codecopy(r: &mut Regs, f: &mut Frame, b: &mut Buffers) -> Step {
    let (dest, offset, len) = copy_prologue(r, f, b)?;
    copy_padded(window(f.memory_base, b), dest, f.code.original(), offset, len);
    Ok(())
}

/// GASPRICE.
#[inline(always)]
pub(crate) fn op_gasprice<H: Host + ?Sized>(f: &mut Frame, _b: &mut Buffers, host: &mut H) -> Step {
    f.stack.push(host.effective_gas_price());
    Ok(())
}

/// EXTCODESIZE.
#[inline]
pub(crate) fn op_extcodesize<H: Host + ?Sized>(f: &mut Frame, _b: &mut Buffers, host: &mut H) -> Step {
    let address = to_address(*f.stack.top());
    let size = host.code_size(&address);
    f.gas.charge(cold_account_surcharge(f.spec, size.is_cold))?;
    *f.stack.top() = U256::from(size.value);
    Ok(())
}

/// EXTCODECOPY.
#[inline]
pub(crate) fn op_extcodecopy<H: Host + ?Sized>(f: &mut Frame, b: &mut Buffers, host: &mut H) -> Step {
    let address = to_address(f.stack.pop());
    let [dest, offset, len] = f.stack.popn::<3>();
    let (dest, len) = expand(&mut f.gas, b, f.memory_base, dest, len)?;
    f.gas.charge(copy_cost(COPY_WORD, len))?;
    let code = host.code(&address);
    f.gas.charge(cold_account_surcharge(f.spec, code.is_cold))?;
    copy_padded(window(f.memory_base, b), dest, &code.value, to_saturated(offset), len);
    Ok(())
}

/// RETURNDATASIZE (EIP-211).
#[inline(always)]
pub(crate) fn op_returndatasize(r: &mut Regs, _f: &mut Frame, b: &mut Buffers) -> Step {
    r.sp.push(U256::from(b.return_data.len()));
    Ok(())
}

/// RETURNDATACOPY (EIP-211): reading past the end of the return data is an exceptional halt.
#[inline]
pub(crate) fn op_returndatacopy(r: &mut Regs, f: &mut Frame, b: &mut Buffers) -> Step {
    let [dest, offset, len] = r.sp.popn::<3>();
    let end = offset.checked_add(len).unwrap_or(U256::MAX);
    if end > U256::from(b.return_data.len()) {
        return Err(Status::ReturnDataOutOfBounds);
    }
    let (dest, len) = expand(&mut r.gas, b, f.memory_base, dest, len)?;
    r.gas.charge(copy_cost(COPY_WORD, len))?;
    if len > 0 {
        let offset = to_saturated(offset);
        let start = f.memory_base + dest;
        let Buffers { memory, return_data, .. } = b;
        memory[start..start + len].copy_from_slice(&return_data[offset..offset + len]);
    }
    Ok(())
}

/// EXTCODEHASH (EIP-1052): zero for an account that does not exist or is empty.
#[inline]
pub(crate) fn op_extcodehash<H: Host + ?Sized>(f: &mut Frame, _b: &mut Buffers, host: &mut H) -> Step {
    let address = to_address(*f.stack.top());
    let hash = host.code_hash(&address);
    f.gas.charge(cold_account_surcharge(f.spec, hash.is_cold))?;
    *f.stack.top() = if hash.value == B256::ZERO { U256::ZERO } else { hash.value.into() };
    Ok(())
}
