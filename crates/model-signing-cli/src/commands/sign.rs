//! `model_signing sign <method>`: hash the model, sign the statement, write the bundle.

use model_signing::signers::{
    CertificateSigner, KeySigner, Pkcs11CertificateSigner, Pkcs11KeySigner,
};
use model_signing::{sign_model, Error, HashAlgorithm, HashingConfig, Method, Signer};

use crate::args::{HashAlgorithmArg, HashingArgs, MethodArg, SignCommon, SignMethod};
use crate::commands::sigstore;
use crate::ignore::cli_ignore_paths;
use crate::output::{self, Status};
use crate::password::with_password;
use crate::progress::HashProgress;

pub fn run(method: &SignMethod) -> Status {
    if method.common().scan.warn_only {
        eprintln!("error: --scan-warn-only is for verify: signing a model that fails the scan is refused, or not scanned");
        return Status::Usage;
    }
    if method.common().scan.scan {
        if let Some(refused) = scan_first(method.common()) {
            return refused;
        }
    }
    let progress = HashProgress::on_terminal();
    let result = execute(method, &progress);
    progress.finish();
    match result {
        Ok(()) => output::success(output::SIGN_OK),
        Err(err @ Error::EmptyFileInShards { .. }) => output::failure(
            output::SIGN_FAILED,
            &format_args!("{err}; pass --allow-empty-files-in-shards to sign it anyway"),
        ),
        Err(err) => output::failure(output::SIGN_FAILED, &err),
    }
}

/// `sign --scan`: scans before anything is signed; `Some(status)` when signing must not go on.
fn scan_first(common: &SignCommon) -> Option<Status> {
    let policy = match super::scan::policy_or_usage(common.scan.allow_list.as_deref()) {
        Ok(p) => p,
        Err(status) => return Some(status),
    };
    let report = match super::scan::scan(&common.model, Some(&common.signature), policy) {
        Ok(r) => r,
        Err(e) => return Some(output::failure(output::SIGN_FAILED, &e)),
    };
    match super::scan::gate(&report, &common.scan) {
        Ok(()) => None,
        Err(msg) => {
            let _ =
                super::scan::write_text(&mut std::io::stderr(), &report, common.scan.allow_unknown);
            Some(output::failure(output::SIGN_FAILED, &msg))
        }
    }
}

/// Signs and writes the signature file.
pub fn execute(method: &SignMethod, progress: &HashProgress) -> Result<(), Error> {
    let common = method.common();
    let signer = signer(method)?;
    let config = hashing_config(common)?;
    let bundle = sign_model(&common.model.model_path, &config, signer.as_ref(), progress)?;
    model_signing::write_signature(&common.signature, &bundle)
}

pub(super) fn signer(method: &SignMethod) -> Result<Box<dyn Signer>, Error> {
    // Module search folders for PKCS#11 `module-name`: the URI's module-path covers the CLI.
    let no_module_paths = &[];
    Ok(match method {
        SignMethod::Sigstore(args) => sigstore::signer(args)?,
        SignMethod::Key(args) => Box::new(with_password(
            &args.private_key,
            args.password.as_deref(),
            |password| KeySigner::from_pem_file(&args.private_key, password),
        )?),
        SignMethod::Certificate(args) => Box::new(with_password(
            &args.private_key,
            args.password.as_deref(),
            |password| {
                CertificateSigner::from_files(
                    &args.private_key,
                    password,
                    &args.signing_certificate,
                    &args.certificate_chain,
                )
            },
        )?),
        SignMethod::Pkcs11Key(args) => {
            Box::new(Pkcs11KeySigner::open(&args.pkcs11_uri, no_module_paths)?)
        }
        SignMethod::Pkcs11Certificate(args) => Box::new(Pkcs11CertificateSigner::open(
            &args.pkcs11_uri,
            no_module_paths,
            &args.signing_certificate,
            &args.certificate_chain,
        )?),
    })
}

pub fn hashing_config(common: &SignCommon) -> Result<HashingConfig, Error> {
    let model = &common.model;
    Ok(HashingConfig {
        method: method(&common.hashing),
        algorithm: algorithm(common.hashing.hash_algorithm),
        allow_symlinks: model.allow_symlinks,
        ignore_paths: cli_ignore_paths(
            &model.model_path,
            &model.ignore_paths,
            Some(&common.signature),
        )?,
        ignore_git_paths: model.ignore_git_paths(),
        workers: common.hashing.workers,
        allow_empty_files_in_shards: common.hashing.allow_empty_files_in_shards,
    })
}

fn method(hashing: &HashingArgs) -> Method {
    match hashing.method {
        MethodArg::Files => Method::Files,
        MethodArg::Shards => Method::Shards {
            shard_size: hashing.shard_size,
        },
    }
}

fn algorithm(arg: HashAlgorithmArg) -> HashAlgorithm {
    match arg {
        HashAlgorithmArg::Sha256 => HashAlgorithm::Sha256,
        HashAlgorithmArg::Blake2b => HashAlgorithm::Blake2b,
        HashAlgorithmArg::Blake3 => HashAlgorithm::Blake3,
    }
}
