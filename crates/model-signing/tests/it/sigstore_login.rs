//! Keyless signing with the interactive OAuth login against the harness issuer: the
//! browser flow with a loopback redirect, the out-of-band flow, `--client_id`,
//! `--client_secret` and an explicit OIDC issuer.

#![cfg(feature = "sigstore")]

use crate::sigstore_common as common;

use common::*;
use model_signing::signers::SigstoreSigner;
use model_signing::{no_progress, sign_model, Error, HashingConfig, SignError};
use oms_sigstore::sign::LoginPrompt;
use oms_sigstore::{SigningError, SigstoreError};
use sigstore_harness::oauth::TokenRequest;

const CAROL: &str = "carol@example.com";

fn sign_interactively(
    setup: &Setup,
    opts: oms_sigstore::SignOptions,
    prompt: Box<dyn LoginPrompt + Send>,
) -> Result<Vec<u8>, Error> {
    let signer = SigstoreSigner::new(opts).with_login_prompt(prompt);
    sign_model(
        &setup.model,
        &HashingConfig::default(),
        &signer,
        &no_progress,
    )
}

/// Shares the prompt's record with the test after the signer took ownership.
struct Shared<P>(std::sync::Arc<P>);

impl<P: LoginPrompt + Send + Sync> LoginPrompt for Shared<P> {
    fn open_browser(&self, url: &str) -> bool {
        self.0.open_browser(url)
    }
    fn notify(&self, message: &str) {
        self.0.notify(message)
    }
    fn read_code(&self) -> std::io::Result<String> {
        self.0.read_code()
    }
}

#[test]
fn browser_login_with_client_secret() {
    let setup = Setup::new(2);
    setup.harness.set_login_identity(CAROL);
    let issuer = setup.harness.issuer_url().to_owned();
    let mut opts = setup.options(None);
    opts.client_secret = Some("s3cret".into());
    let user = std::sync::Arc::new(BrowserUser::default());
    let bundle = sign_interactively(&setup, opts, Box::new(Shared(user.clone()))).unwrap();

    let verified = setup.verify(&bundle, CAROL, &issuer).unwrap();
    assert_eq!(verified.signer, format!("{CAROL} (issuer {issuer})"));
    let sig = setup.sig_path("login.sig");
    std::fs::write(&sig, &bundle).unwrap();
    assert_eq!(
        last_line(&setup.py_verify(CAROL, &issuer, &sig)),
        "Verification succeeded"
    );

    assert_eq!(
        setup.harness.token_requests(),
        [TokenRequest {
            client_id: "sigstore".into(),
            client_secret: "s3cret".into()
        }]
    );
    assert_eq!(
        *user.messages.lock().unwrap(),
        ["Waiting for browser interaction..."]
    );
    let opened = user.opened.lock().unwrap();
    assert_eq!(opened.len(), 1);
    let url = &opened[0];
    assert!(
        url.starts_with(&format!(
            "{issuer}/auth?response_type=code&client_id=sigstore&scope=openid+email&\
             redirect_uri=http%3A%2F%2Flocalhost%3A"
        )),
        "{url}"
    );
    assert!(url.contains("%2Fauth%2Fcallback&code_challenge="), "{url}");
    assert!(url.contains("&code_challenge_method=S256&state="), "{url}");
    assert!(!url.contains("s3cret"));
}

#[test]
fn out_of_band_login() {
    let setup = Setup::new(1);
    let issuer = setup.harness.issuer_url().to_owned();
    let mut opts = setup.options(None);
    opts.oauth_force_oob = true;
    let user = std::sync::Arc::new(OutOfBandUser::default());
    let bundle = sign_interactively(&setup, opts, Box::new(Shared(user.clone()))).unwrap();

    let login_identity = sigstore_harness::oauth::DEFAULT_LOGIN_IDENTITY;
    setup.verify(&bundle, login_identity, &issuer).unwrap();
    let messages = user.messages.lock().unwrap();
    assert_eq!(messages.len(), 1);
    assert!(
        messages[0].starts_with(&format!(
            "Go to the following link in a browser:\n\n\t{issuer}/auth?response_type=code&\
             client_id=sigstore&scope=openid+email&redirect_uri=urn%3Aietf%3Awg%3Aoauth%3A2.0%3Aoob&"
        )),
        "{}",
        messages[0]
    );
    assert_eq!(
        setup.harness.token_requests(),
        [TokenRequest {
            client_id: "sigstore".into(),
            client_secret: String::new()
        }]
    );
}

/// The token must be for our client id (its audience), like sigstore-python checks.
#[test]
fn custom_client_id_is_sent_and_required_as_audience() {
    let setup = Setup::new(1);
    let mut opts = setup.options(None);
    opts.oauth_force_oob = true;
    opts.client_id = Some("my-client".into());
    let err = sign_interactively(&setup, opts, Box::new(OutOfBandUser::default())).unwrap_err();
    let Error::Sign(SignError::Sigstore(SigstoreError::Signing(e))) = err else {
        panic!("expected a signing error, got {err:?}");
    };
    assert!(
        matches!(
            e,
            SigningError::IdentityToken {
                source_name: "the OAuth login",
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "identity token from the OAuth login is unusable: audience \"sigstore\" does not \
         contain the client id `my-client`"
    );
    assert_eq!(
        setup.harness.token_requests(),
        [TokenRequest {
            client_id: "my-client".into(),
            client_secret: String::new()
        }]
    );
}

/// `oidc_issuer` replaces the signing config's OIDC provider for the login.
#[test]
fn explicit_oidc_issuer_is_used() {
    let setup = Setup::new(1);
    let mut opts = setup.options(None);
    opts.oidc_issuer = Some("http://127.0.0.1:9/dex".into());
    let err = sign_interactively(&setup, opts, Box::new(OutOfBandUser::default())).unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with(
            "OAuth login with http://127.0.0.1:9/dex failed while discovering the OIDC \
             configuration: GET http://127.0.0.1:9/dex/.well-known/openid-configuration: "
        ),
        "{text}"
    );
    assert!(setup.harness.token_requests().is_empty());
}
