//! Logging: LOG0..LOG4.

use kestrel_primitives::B256;
use kestrel_primitives::gas::frontier::LOG_DATA;

use crate::memory::expand;
use crate::{Buffers, Frame, Host, Status, Step};

/// LOGn: records a log with `N` topics. The base and per-topic costs are static (in the table);
/// the data costs 8 gas a byte.
#[inline]
pub(crate) fn op_log<const N: usize, H: Host + ?Sized>(f: &mut Frame, b: &mut Buffers, host: &mut H) -> Step {
    if f.is_static {
        return Err(Status::StaticViolation);
    }
    let [offset, len] = f.stack.popn::<2>();
    let (offset, len) = expand(&mut f.gas, b, f.memory_base, offset, len)?;
    f.gas.charge(LOG_DATA * len as u64)?;
    // The topics on the native stack and the data in place: the host copies them where it
    // keeps logs, so a log costs no allocation here.
    let topics: [B256; N] = core::array::from_fn(|_| B256::from(f.stack.pop()));
    let start = f.memory_base + offset;
    host.log(&f.address, &topics, &b.memory[start..start + len]);
    Ok(())
}
