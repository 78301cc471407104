//! Signed checkpoints in the signed-note format Rekor uses:
//! `<origin>\n<size>\n<b64 root>\n\n— <name> <b64(keyhint4 || sig)>\n`.
//! The key hint is the first 4 bytes of the log ID (SHA-256 of the DER SPKI),
//! which is what both sigstore-python and sigstore-verify match on.

use crate::pki::KeyPair;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

/// The checkpoint body, the part the signature covers.
pub fn note_body(origin: &str, tree_size: u64, root: &[u8; 32]) -> String {
    format!("{origin}\n{tree_size}\n{}\n", STANDARD.encode(root))
}

/// A checkpoint signed by `key` under the signer name `name`.
pub fn signed_checkpoint(
    origin: &str,
    name: &str,
    tree_size: u64,
    root: &[u8; 32],
    key: &KeyPair,
) -> String {
    checkpoint(origin, name, tree_size, root, key, false)
}

/// Like [`signed_checkpoint`] but with a signature that does not verify.
pub fn corrupted_checkpoint(
    origin: &str,
    name: &str,
    tree_size: u64,
    root: &[u8; 32],
    key: &KeyPair,
) -> String {
    checkpoint(origin, name, tree_size, root, key, true)
}

fn checkpoint(
    origin: &str,
    name: &str,
    tree_size: u64,
    root: &[u8; 32],
    key: &KeyPair,
    corrupt: bool,
) -> String {
    let body = note_body(origin, tree_size, root);
    let mut signature = key.sign_der(body.as_bytes());
    if corrupt {
        crate::faults::corrupt_signature(&mut signature);
    }
    let mut blob = key
        .key_id()
        .get(..4)
        .map(<[u8]>::to_vec)
        .unwrap_or_default();
    blob.extend(signature);
    format!("{body}\n\u{2014} {name} {}\n", STANDARD.encode(blob))
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::Verifier;
    use p256::ecdsa::{DerSignature, VerifyingKey};
    use p256::pkcs8::DecodePublicKey;

    #[test]
    fn signature_covers_the_body_and_starts_with_the_key_hint() {
        let key = KeyPair::generate();
        let text = signed_checkpoint("log.example - 1", "log.example", 3, &[7u8; 32], &key);
        let (body, sigs) = text.split_once("\n\n").unwrap();
        assert_eq!(
            format!("{body}\n"),
            format!("log.example - 1\n3\n{}\n", STANDARD.encode([7u8; 32]))
        );
        let line = sigs.strip_prefix("\u{2014} log.example ").unwrap();
        let blob = STANDARD.decode(line.trim_end()).unwrap();
        assert_eq!(&blob[..4], &key.key_id()[..4]);
        let vk = VerifyingKey::from_public_key_der(&key.spki_der()).unwrap();
        let sig = DerSignature::from_bytes(&blob[4..]).unwrap();
        vk.verify(format!("{body}\n").as_bytes(), &sig).unwrap();
    }
}
