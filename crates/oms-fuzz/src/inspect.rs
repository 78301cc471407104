//! `model_signing inspect`: the library's [`model_signing::inspect`], the very code the CLI
//! renders, with every value it returns formatted (as rendering would).

use model_signing::SignerClaims;

/// What `inspect SIGNATURE` does with the signature file's bytes.
pub fn inspect(data: &[u8]) {
    let Ok(claims) = model_signing::inspect(data) else {
        return;
    };
    drop(format!("{claims:?}"));
    if let Err(err) = &claims.statement {
        drop(err.to_string());
    }
    if let SignerClaims::Certificate {
        certificate: Err(err),
        ..
    }
    | SignerClaims::CertificateChain {
        certificate: Err(err),
        ..
    } = &claims.signer
    {
        drop(err.to_string());
    }
}
