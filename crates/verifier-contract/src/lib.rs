//! The contract between `model-validation-operator` and the verifier it injects into pods (the
//! `model_signing` CLI), so that the two agree through types, not strings:
//!
//! * [`VerifierArgs`]: what the operator asks the verifier to do, turned into the CLI's argument
//!   vector by [`VerifierArgs::to_argv`]. The flag names are the constants of [`flags`], which
//!   the CLI's argument parser also uses: a flag renamed in one place is renamed in both, and a
//!   flag removed from [`flags`] fails to compile in both.
//! * [`Verdict`]: the small versioned JSON document the verifier writes to its termination log
//!   (result, counts, first reasons, and the hash of the arguments it ran with); the controller
//!   parses it with [`Verdict::parse`] instead of matching English text. The controller does not
//!   require the hash to match its injection yet: the test kubelet simulation rewrites the
//!   container's paths, so the argv the verifier sees differs there. The human line stays in
//!   the verifier's log (`kubectl logs`).

pub mod flags;
mod verdict;
mod verifier_args;

pub use verdict::{Counts, Outcome, Verdict, VerdictError, MAX_VERDICT_BYTES, VERDICT_VERSION};
pub use verifier_args::{args_hash, Scan, SigstoreIdentity, VerifierArgs, VerifierMethod};
