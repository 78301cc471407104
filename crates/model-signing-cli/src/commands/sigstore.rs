//! The `sigstore` method's signer and verifier. Keyless signing is not in this build yet;
//! verification uses the library's Sigstore verifier with embedded or given trust material.

use model_signing::verifiers::SigstoreVerifier;
use model_signing::{BundleVerifier, Error, SignError, Signer, VerifyError};
use oms_sigstore::{load_trust_material, IdentityPolicy, StringMatcher, TrustRefresh, TrustSource};

use crate::args::{SignSigstoreArgs, VerifySigstoreArgs};

pub const SIGN_UNAVAILABLE: &str = "the sigstore signing method is not yet available in this \
     build; sign with `model_signing sign key` or `model_signing sign certificate` instead";

pub fn signer(args: &SignSigstoreArgs) -> Result<Box<dyn Signer>, Error> {
    let _ = args;
    Err(Error::Sign(SignError::Other(SIGN_UNAVAILABLE.to_owned())))
}

pub fn verifier(args: &VerifySigstoreArgs) -> Result<Box<dyn BundleVerifier>, Error> {
    // --trust-config wins over --use-staging on verify, like the reference. The public-good
    // and staging roots are embedded; online, TUF refreshes them (cached), and an unreachable
    // repository falls back to the cache, then to the embedded root.
    let source = match (&args.trust_config, args.use_staging) {
        (Some(path), _) => TrustSource::ClientTrustConfigFile(path.clone()),
        (None, true) => TrustSource::Staging,
        (None, false) => TrustSource::PublicGood,
    };
    let refresh = if args.offline {
        TrustRefresh::CacheOnly
    } else {
        TrustRefresh::Online
    };
    let loaded = load_trust_material(&source, refresh).map_err(|e| sigstore_error(e.into()))?;
    for warning in &loaded.warnings {
        // Offline, falling back to the embedded root is what was asked for.
        if args.offline {
            tracing::debug!("{warning}");
        } else {
            tracing::warn!("{warning}");
        }
    }
    let identity = matcher(
        "--identity-regexp",
        args.identity.as_deref(),
        args.identity_regexp.as_deref(),
    )?;
    let issuer = matcher(
        "--identity-provider-regexp",
        args.identity_provider.as_deref(),
        args.identity_provider_regexp.as_deref(),
    )?;
    let mut policy = IdentityPolicy::new(identity, issuer);
    if let Some(repository) = &args.github_workflow_repository {
        policy = policy.with_github_workflow_repository(repository);
    }
    if let Some(git_ref) = &args.github_workflow_ref {
        policy = policy.with_github_workflow_ref(git_ref);
    }
    Ok(Box::new(SigstoreVerifier::new(loaded.material, policy)))
}

/// clap guarantees exactly one of the two.
fn matcher(
    what: &'static str,
    exact: Option<&str>,
    regexp: Option<&str>,
) -> Result<StringMatcher, Error> {
    match (exact, regexp) {
        (Some(value), _) => Ok(StringMatcher::exact(value)),
        (None, Some(pattern)) => StringMatcher::regex(what, pattern).map_err(sigstore_error),
        (None, None) => Err(Error::Verify(VerifyError::Other(format!(
            "{what} or its exact form is required"
        )))),
    }
}

fn sigstore_error(err: oms_sigstore::SigstoreError) -> Error {
    Error::Verify(VerifyError::Sigstore(err))
}
