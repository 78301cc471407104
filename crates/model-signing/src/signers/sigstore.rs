//! Sigstore keyless signing: the statement goes through Fulcio, Rekor and the TSAs the
//! signing config selects, signed with an identity token (explicit, ambient CI credentials
//! or an interactive login). All the protocol work is `oms_sigstore::sign`.

use oms_sigstore::sign::{sign_statement_with, LoginPrompt, SignOptions, TerminalPrompt};

use crate::{SignError, Signer};

/// Signs keylessly; the bundle carries the Fulcio certificate, one Rekor entry and the
/// RFC 3161 timestamps (docs/FORMAT.md §5.3).
pub struct SigstoreSigner {
    opts: SignOptions,
    prompt: Box<dyn LoginPrompt + Send>,
}

impl SigstoreSigner {
    /// A signer whose interactive login, if needed, uses the terminal and the system browser.
    pub fn new(opts: SignOptions) -> Self {
        Self {
            opts,
            prompt: Box::new(TerminalPrompt),
        }
    }

    /// Replaces how the interactive login opens the browser, shows messages and reads the
    /// out-of-band code.
    pub fn with_login_prompt(mut self, prompt: Box<dyn LoginPrompt + Send>) -> Self {
        self.prompt = prompt;
        self
    }

    /// The options this signer was built with.
    pub fn options(&self) -> &SignOptions {
        &self.opts
    }
}

impl Signer for SigstoreSigner {
    fn sign(&self, statement: &[u8]) -> Result<Vec<u8>, SignError> {
        Ok(sign_statement_with(
            statement,
            &self.opts,
            self.prompt.as_ref(),
        )?)
    }
}
