//! The size policy end to end: the largest models the reference signs verify here too. A
//! signature of 200,000 files with 165-byte names is 85 MB (the reference writes and verifies
//! it); a verifier that read at most 64 MiB refused it. Slow-ish (about 25 s in a debug build):
//! 200,000 files are written, signed and verified.

use crate::common;

use std::fs;

use common::pki::{ec_key, Curve, KeyFormat};
use common::tempdir;

#[test]
fn a_signature_of_200_000_long_file_names_is_signed_and_verified() {
    let dir = tempdir();
    let model = dir.path().join("model");
    for d in 0..200 {
        let folder = model.join(format!("s{d:03}{}", "x".repeat(60)));
        fs::create_dir_all(&folder).unwrap();
        for f in 0..1000 {
            fs::write(
                folder.join(format!("f{f:04}{}", "y".repeat(95))),
                f.to_string(),
            )
            .unwrap();
        }
    }
    let key = ec_key(dir.path(), "k", Curve::P256, KeyFormat::Pkcs8);
    let signature = dir.path().join("model.sig");
    key.sign(&model, &signature).run().signed();
    let size = fs::metadata(&signature).unwrap().len();
    assert!(
        size > 64 << 20,
        "the signature is {size} bytes, expected over 64 MiB"
    );
    key.verify(&model, &signature).run().verified();
}
