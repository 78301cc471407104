//! A model signed by the reference: our digests must equal the ones in its signature.

use crate::common;

use common::*;
use oms_format::manifest::{HashAlgorithm, Method};
use oms_hashing::{hash_model, IgnoreRules};

#[test]
fn v1_1_0_elliptic_key_model_digests() {
    let model = fixtures().join("model-transparency/v1.1.0-elliptic-key");
    let mut ignore = IgnoreRules::git_defaults();
    ignore.add("model.sig").unwrap();
    ignore.add("ignore-me").unwrap();
    let res = hash_model(
        &model,
        false,
        &ignore,
        &opts(Method::Files, HashAlgorithm::Sha256),
        &|_| {},
    )
    .unwrap();
    assert_eq!(
        lines(&res),
        [
            "signme-1:bc9a717db6064a32cbe9eae6fc40651dd6d36ef1757183f590eff2b1765d7ebc",
            "signme-2:32dcb1f8e1ae52d5963e56a6ba06ab58b424c15ed2a6b70d2feca1d089370028",
        ]
    );
    assert_eq!(
        root_hex(&res),
        "92745110b1ab4368471cbe31664e10174e954b113a3df333db860317b2c6dec4"
    );
}
