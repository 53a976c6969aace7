//! tmp
mod common;
use common::*;
use kestrel_interpreter::Status;
use kestrel_primitives::SpecId;
#[test]
fn t() {
    let o = exec(SpecId::Osaka, &Asm::new().push(2u64).push(3u64).op(ADD).ret_top().build());
    o.expect(Status::Return);
    assert_eq!(o.output[31], 5);
}
