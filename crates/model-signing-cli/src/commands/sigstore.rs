//! The `sigstore` method's signer and verifier (keyless: Fulcio, Rekor, TSA and OIDC as the
//! trust material's signing config says).

use model_signing::signers::SigstoreSigner;
use model_signing::verifiers::SigstoreVerifier;
use model_signing::{BundleVerifier, Error, Signer, VerifyError};
use oms_sigstore::{
    load_trust_material, IdentityPolicy, SignOptions, StringMatcher, TrustRefresh, TrustSource,
};

use crate::args::{SignSigstoreArgs, VerifySigstoreArgs};

pub fn signer(args: &SignSigstoreArgs) -> Result<Box<dyn Signer>, Error> {
    let trust = TrustSource::for_signing(args.use_staging, args.trust_config.as_deref());
    let mut opts = SignOptions::new(trust);
    opts.identity_token = args.identity_token.clone();
    opts.use_ambient_credentials = args.use_ambient_credentials;
    opts.oauth_force_oob = args.oauth_force_oob;
    opts.client_id = args.client_id.clone();
    opts.client_secret = args.client_secret.clone();
    opts.oidc_issuer = args.identity_provider.clone();
    Ok(Box::new(SigstoreSigner::new(opts)))
}

pub fn verifier(args: &VerifySigstoreArgs) -> Result<Box<dyn BundleVerifier>, Error> {
    // The public-good and staging roots are embedded; online, TUF refreshes them (cached), and
    // an unreachable repository falls back to the cache, then to the embedded root.
    let source = TrustSource::for_verifying(args.trust_config.as_deref(), args.use_staging);
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
