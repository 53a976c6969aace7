//! System operations: CREATE, CALL, CALLCODE, DELEGATECALL (EIP-7), CREATE2 (EIP-1014),
//! STATICCALL (EIP-214), SELFDESTRUCT.
//!
//! The CALL and CREATE families charge their gas here, then hand a request to the caller loop
//! (`Status::Call` / `Status::Create`) instead of recursing: the host runs the child frame and
//! resumes this one with `Frame::finish_call` / `Frame::finish_create`.

use kestrel_primitives::gas::{eip150, eip2929, eip3860, frontier};
use kestrel_primitives::{B256, SpecId, U256};

use super::{cold_account_surcharge, to_address};
use crate::frame::{CallKind, CallRequest, CreateRequest, CreateScheme, FrameRequest};
use crate::gas::words;
use crate::memory::expand;
use crate::{Buffers, Frame, Host, Status, Step};

/// All but one 64th of `gas` (EIP-150): the most a frame may pass to a child.
#[inline]
pub(crate) fn all_but_one_64th(gas: u64) -> u64 {
    gas - gas / eip150::CALL_GAS_RETAINED_DIVISOR
}

/// Shared body of the four CALL opcodes.
#[inline]
fn call<H: Host + ?Sized>(f: &mut Frame, b: &mut Buffers, host: &mut H, kind: CallKind) -> Step {
    let spec = f.spec;
    let requested = f.stack.pop();
    let to = to_address(f.stack.pop());
    let value = match kind {
        CallKind::Call | CallKind::CallCode => f.stack.pop(),
        CallKind::DelegateCall | CallKind::StaticCall => U256::ZERO,
    };
    let [in_offset, in_len, out_offset, out_len] = f.stack.popn::<4>();

    // Memory for both ranges is charged before anything else (the spec sums the two expansions).
    let (in_offset, in_len) = expand(&mut f.gas, b, f.memory_base, in_offset, in_len)?;
    let (out_offset, out_len) = expand(&mut f.gas, b, f.memory_base, out_offset, out_len)?;

    let target = host.call_target(&to);
    let mut extra = cold_account_surcharge(spec, target.is_cold);
    if let Some(delegate) = target.delegate {
        // EIP-7702: loading the delegate's code is an account access of its own.
        extra += if delegate.is_cold { eip2929::COLD_ACCOUNT_ACCESS } else { eip2929::WARM_STORAGE_READ };
    }
    let has_value = !value.is_zero();
    if has_value {
        extra += frontier::CALL_VALUE;
    }
    if kind == CallKind::Call {
        let new_account = if spec.is_enabled_in(SpecId::SpuriousDragon) {
            has_value && target.is_empty
        } else {
            !target.exists
        };
        if new_account {
            extra += frontier::NEW_ACCOUNT;
        }
    }
    f.gas.charge(extra)?;
    if kind == CallKind::Call && f.is_static && has_value {
        return Err(Status::StaticViolation);
    }

    let available = f.gas.remaining();
    let requested = u64::try_from(requested).unwrap_or(u64::MAX);
    let mut gas_limit = if spec.is_enabled_in(SpecId::TangerineWhistle) {
        requested.min(all_but_one_64th(available))
    } else {
        requested
    };
    f.gas.charge(gas_limit)?;
    if has_value {
        gas_limit += frontier::CALL_STIPEND;
    }

    let (target_address, caller, child_value) = match kind {
        CallKind::Call | CallKind::StaticCall => (to, f.address, value),
        CallKind::CallCode => (f.address, f.address, value),
        CallKind::DelegateCall => (f.address, f.caller, f.value),
    };
    f.return_window = (out_offset, out_len);
    f.request = Some(FrameRequest::Call(CallRequest {
        kind,
        target: target_address,
        code_address: target.delegate.map_or(to, |d| d.value),
        delegated: target.delegate.is_some(),
        caller,
        value: child_value,
        transfers_value: matches!(kind, CallKind::Call | CallKind::CallCode),
        input_offset: in_offset,
        input_len: in_len,
        gas_limit,
        is_static: f.is_static || kind == CallKind::StaticCall,
    }));
    f.pc += 1;
    Err(Status::Call)
}

/// CALL.
#[inline(never)]
pub(crate) fn op_call<H: Host + ?Sized>(f: &mut Frame, b: &mut Buffers, host: &mut H) -> Step {
    call(f, b, host, CallKind::Call)
}

/// CALLCODE.
#[inline(never)]
pub(crate) fn op_callcode<H: Host + ?Sized>(f: &mut Frame, b: &mut Buffers, host: &mut H) -> Step {
    call(f, b, host, CallKind::CallCode)
}

/// DELEGATECALL (EIP-7).
#[inline(never)]
pub(crate) fn op_delegatecall<H: Host + ?Sized>(f: &mut Frame, b: &mut Buffers, host: &mut H) -> Step {
    call(f, b, host, CallKind::DelegateCall)
}

/// STATICCALL (EIP-214).
#[inline(never)]
pub(crate) fn op_staticcall<H: Host + ?Sized>(f: &mut Frame, b: &mut Buffers, host: &mut H) -> Step {
    call(f, b, host, CallKind::StaticCall)
}

/// Shared body of CREATE and CREATE2.
#[inline]
fn create(f: &mut Frame, b: &mut Buffers, create2: bool) -> Step {
    let spec = f.spec;
    let [value, offset, len] = f.stack.popn::<3>();
    let salt = if create2 { B256::from(f.stack.pop()) } else { B256::ZERO };
    let (offset, len) = expand(&mut f.gas, b, f.memory_base, offset, len)?;
    if spec.is_enabled_in(SpecId::Shanghai) {
        // EIP-3860: initcode is metered per word, and oversized initcode is an exceptional halt.
        f.gas.charge(eip3860::INITCODE_WORD * words(len as u64))?;
    }
    if create2 {
        // Hashing the initcode for the address.
        f.gas.charge(frontier::KECCAK256_WORD * words(len as u64))?;
    }
    if spec.is_enabled_in(SpecId::Shanghai) && len > eip3860::MAX_INITCODE_SIZE {
        return Err(Status::OutOfGas);
    }
    if f.is_static {
        return Err(Status::StaticViolation);
    }
    let gas_limit = if spec.is_enabled_in(SpecId::TangerineWhistle) {
        all_but_one_64th(f.gas.remaining())
    } else {
        f.gas.remaining()
    };
    f.gas.charge(gas_limit)?;
    f.return_window = (0, 0);
    f.request = Some(FrameRequest::Create(CreateRequest {
        scheme: if create2 { CreateScheme::Create2 { salt } } else { CreateScheme::Create },
        caller: f.address,
        value,
        init_offset: offset,
        init_len: len,
        gas_limit,
    }));
    f.pc += 1;
    Err(Status::Create)
}

/// CREATE.
#[inline(never)]
pub(crate) fn op_create<H: Host + ?Sized>(f: &mut Frame, b: &mut Buffers, _host: &mut H) -> Step {
    create(f, b, false)
}

/// CREATE2 (EIP-1014).
#[inline(never)]
pub(crate) fn op_create2<H: Host + ?Sized>(f: &mut Frame, b: &mut Buffers, _host: &mut H) -> Step {
    create(f, b, true)
}

/// SELFDESTRUCT: the host moves the balance and applies the fork's deletion rule (EIP-6780).
#[inline(never)]
pub(crate) fn op_selfdestruct<H: Host + ?Sized>(f: &mut Frame, _b: &mut Buffers, host: &mut H) -> Step {
    if f.is_static {
        return Err(Status::StaticViolation);
    }
    let spec = f.spec;
    let beneficiary = to_address(f.stack.pop());
    let result = host.selfdestruct(&f.address, &beneficiary);
    let facts = result.value;
    let mut cost = 0;
    if result.is_cold && spec.is_enabled_in(SpecId::Berlin) {
        cost += eip2929::COLD_ACCOUNT_ACCESS;
    }
    let new_account = if spec.is_enabled_in(SpecId::SpuriousDragon) {
        facts.had_value && facts.target_is_empty
    } else {
        spec.is_enabled_in(SpecId::TangerineWhistle) && !facts.target_exists
    };
    if new_account {
        cost += eip150::SELFDESTRUCT_NEW_ACCOUNT;
    }
    f.gas.charge(cost)?;
    if !spec.is_enabled_in(SpecId::London) && !facts.previously_destroyed {
        f.gas.refunded += frontier::SELFDESTRUCT_REFUND as i64;
    }
    Err(Status::SelfDestruct)
}
