//! Storage: SLOAD, SSTORE (net metering: EIP-1283, EIP-2200, EIP-2929, EIP-3529), TLOAD and
//! TSTORE (EIP-1153).

use kestrel_primitives::SpecId;
use kestrel_primitives::gas::{eip2200, eip2929, eip3529, frontier};

use crate::host::SStoreValues;
use crate::{Buffers, Frame, Host, Status, Step};

/// SLOAD; the table charges the warm (or pre-Berlin flat) cost, a cold slot adds the rest.
#[inline]
pub(crate) fn op_sload<H: Host + ?Sized>(f: &mut Frame, _b: &mut Buffers, host: &mut H) -> Step {
    let key = *f.stack.top();
    let value = host.sload(&f.address, &key);
    if value.is_cold && f.spec.is_enabled_in(SpecId::Berlin) {
        f.gas.charge(eip2929::COLD_SLOAD - eip2929::WARM_STORAGE_READ)?;
    }
    *f.stack.top() = value.value;
    Ok(())
}

/// The SSTORE parameters of one fork.
struct SStoreRules {
    /// Cost of a no-op or dirty write under net metering (the "SLOAD_GAS" of EIP-2200).
    noop: u64,
    /// Cost of changing a clean non-zero slot.
    reset: u64,
    /// Refund for clearing a slot.
    clear_refund: i64,
}

impl SStoreRules {
    fn for_spec(spec: SpecId) -> Self {
        if spec.is_enabled_in(SpecId::London) {
            // EIP-3529 on top of EIP-2929.
            Self {
                noop: eip2929::WARM_STORAGE_READ,
                reset: eip2929::SSTORE_RESET,
                clear_refund: eip3529::SSTORE_CLEARS_REFUND as i64,
            }
        } else if spec.is_enabled_in(SpecId::Berlin) {
            Self {
                noop: eip2929::WARM_STORAGE_READ,
                reset: eip2929::SSTORE_RESET,
                clear_refund: frontier::SSTORE_CLEARS_REFUND as i64,
            }
        } else if spec.is_enabled_in(SpecId::Istanbul) {
            Self {
                noop: eip2200::SLOAD_GAS,
                reset: frontier::SSTORE_RESET,
                clear_refund: frontier::SSTORE_CLEARS_REFUND as i64,
            }
        } else {
            // Constantinople's EIP-1283.
            Self {
                noop: eip2200::SLOAD_GAS_EIP1283,
                reset: frontier::SSTORE_RESET,
                clear_refund: frontier::SSTORE_CLEARS_REFUND as i64,
            }
        }
    }
}

/// Net gas metering (EIP-1283 / EIP-2200): cost and refund change from the slot's original,
/// current and new values.
fn net_metered(rules: &SStoreRules, v: &SStoreValues) -> (u64, i64) {
    let SStoreValues { original, present, new } = *v;
    let cost = if original == present && present != new {
        if original.is_zero() { frontier::SSTORE_SET } else { rules.reset }
    } else {
        rules.noop
    };
    let mut refund = 0i64;
    if present != new {
        if !original.is_zero() && !present.is_zero() && new.is_zero() {
            refund += rules.clear_refund;
        }
        if !original.is_zero() && present.is_zero() {
            refund -= rules.clear_refund;
        }
        if original == new {
            refund += if original.is_zero() {
                (frontier::SSTORE_SET - rules.noop) as i64
            } else {
                (rules.reset - rules.noop) as i64
            };
        }
    }
    (cost, refund)
}

/// The Frontier rule (and Petersburg's, which dropped EIP-1283): 20000 to set a zero slot,
/// 5000 otherwise, 15000 refunded for clearing.
fn legacy(v: &SStoreValues) -> (u64, i64) {
    let cost =
        if v.present.is_zero() && !v.new.is_zero() { frontier::SSTORE_SET } else { frontier::SSTORE_RESET };
    let refund =
        if !v.present.is_zero() && v.new.is_zero() { frontier::SSTORE_CLEARS_REFUND as i64 } else { 0 };
    (cost, refund)
}

/// SSTORE.
#[inline]
pub(crate) fn op_sstore<H: Host + ?Sized>(f: &mut Frame, _b: &mut Buffers, host: &mut H) -> Step {
    if f.is_static {
        return Err(Status::StaticViolation);
    }
    let spec = f.spec;
    // EIP-2200: SSTORE must not run on the call stipend alone.
    if spec.is_enabled_in(SpecId::Istanbul) && f.gas.remaining() <= eip2200::SSTORE_SENTRY {
        return Err(Status::OutOfGas);
    }
    let [key, value] = f.stack.popn::<2>();
    let result = host.sstore(&f.address, &key, &value);
    let net = spec == SpecId::Constantinople || spec.is_enabled_in(SpecId::Istanbul);
    let (mut cost, refund) =
        if net { net_metered(&SStoreRules::for_spec(spec), &result.value) } else { legacy(&result.value) };
    if result.is_cold && spec.is_enabled_in(SpecId::Berlin) {
        cost += eip2929::COLD_SLOAD;
    }
    f.gas.charge(cost)?;
    f.gas.refunded += refund;
    Ok(())
}

/// TLOAD (EIP-1153).
#[inline]
pub(crate) fn op_tload<H: Host + ?Sized>(f: &mut Frame, _b: &mut Buffers, host: &mut H) -> Step {
    let key = *f.stack.top();
    *f.stack.top() = host.tload(&f.address, &key);
    Ok(())
}

/// TSTORE (EIP-1153).
#[inline]
pub(crate) fn op_tstore<H: Host + ?Sized>(f: &mut Frame, _b: &mut Buffers, host: &mut H) -> Step {
    if f.is_static {
        return Err(Status::StaticViolation);
    }
    let [key, value] = f.stack.popn::<2>();
    host.tstore(&f.address, &key, &value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use kestrel_primitives::U256;

    fn v(original: u64, present: u64, new: u64) -> SStoreValues {
        SStoreValues { original: U256::from(original), present: U256::from(present), new: U256::from(new) }
    }

    /// Rows of the EIP-2200 test table (Istanbul, original → present → new).
    #[test]
    fn eip2200_table() {
        let rules = SStoreRules::for_spec(SpecId::Istanbul);
        assert_eq!(net_metered(&rules, &v(0, 0, 0)), (800, 0));
        assert_eq!(net_metered(&rules, &v(0, 0, 1)), (20000, 0));
        assert_eq!(net_metered(&rules, &v(1, 1, 0)), (5000, 15000));
        assert_eq!(net_metered(&rules, &v(1, 0, 1)), (800, -15000 + 4200));
        assert_eq!(net_metered(&rules, &v(0, 1, 0)), (800, 19200));
        assert_eq!(net_metered(&rules, &v(1, 2, 0)), (800, 15000));
    }

    /// EIP-3529 examples (London, warm slot).
    #[test]
    fn eip3529_clear_refund() {
        let rules = SStoreRules::for_spec(SpecId::London);
        assert_eq!(net_metered(&rules, &v(1, 1, 0)), (2900, 4800));
        assert_eq!(net_metered(&rules, &v(0, 1, 0)), (100, 19900));
    }

    #[test]
    fn legacy_rule() {
        assert_eq!(legacy(&v(0, 0, 1)), (20000, 0));
        assert_eq!(legacy(&v(0, 1, 0)), (5000, 15000));
        assert_eq!(legacy(&v(0, 1, 2)), (5000, 0));
    }
}
