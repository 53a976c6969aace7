//! Deploys a counter contract and calls it, against the in-memory database.
//!
//! Run with `cargo run -p kestrel --example deploy_and_call`.

use kestrel::prelude::*;

fn main() -> Result<(), TxError> {
    let user = address!("1000000000000000000000000000000000000001");
    let mut db = InMemoryDb::default();
    db.insert_account(user, AccountInfo::new(U256::from(10u64.pow(18)), 0, Bytes::new()));

    let mut evm = Evm::new(db, SpecId::Osaka, 1);
    evm.set_block(BlockEnv {
        number: 1,
        gas_limit: 30_000_000,
        basefee: U256::from(7),
        ..Default::default()
    });

    // Runtime: slot0 += 1; return slot0.
    //   PUSH0 SLOAD PUSH1 1 ADD DUP1 PUSH0 SSTORE PUSH0 MSTORE PUSH1 32 PUSH0 RETURN
    let runtime = hex!("5f54600101805f555f5260205ff3");
    let runtime = &runtime[..];
    // Initcode: copy the runtime into memory and return it.
    let mut init =
        vec![0x60, runtime.len() as u8, 0x60, 12, 0x5f, 0x39, 0x60, runtime.len() as u8, 0x5f, 0xf3];
    init.resize(12, 0x00);
    init.extend_from_slice(runtime);

    let gas_price = U256::from(10);
    let deploy =
        TxEnv { caller: user, gas_limit: 200_000, gas_price, data: init.into(), ..Default::default() };
    let deployed = evm.transact_commit(deploy)?;
    let counter = deployed.created_address.unwrap_or_else(|| panic!("deployment failed: {deployed:?}"));
    println!("deployed counter at {counter} using {} gas", deployed.gas_used);

    for nonce in 1..=3 {
        let call = TxEnv {
            caller: user,
            gas_limit: 100_000,
            gas_price,
            to: Some(counter),
            nonce,
            ..Default::default()
        };
        let result = evm.transact_commit(call)?;
        println!(
            "call {nonce}: counter = {}, gas used {}",
            U256::from_be_slice(&result.output),
            result.gas_used
        );
    }
    Ok(())
}
