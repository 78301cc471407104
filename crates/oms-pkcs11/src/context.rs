//! One initialized PKCS#11 context per module for the whole process.
//!
//! `C_Initialize` may only be called once per process until `C_Finalize`, and login state
//! is per process and token, so every signer on the same module shares one context. The
//! contexts are never finalized: finalizing one signer's module would break the others.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, PoisonError};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error, RvError};

use crate::error::Pkcs11Error;

static CONTEXTS: OnceLock<Mutex<HashMap<PathBuf, Pkcs11>>> = OnceLock::new();

pub(crate) fn module_context(path: &Path) -> Result<Pkcs11, Pkcs11Error> {
    // The same library reached through a symlink must map to the same context.
    let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let mut contexts = CONTEXTS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some(context) = contexts.get(&key) {
        return Ok(context.clone());
    }
    let context = Pkcs11::new(&key).map_err(|source| Pkcs11Error::ModuleLoad {
        path: path.to_path_buf(),
        source,
    })?;
    match context.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        // Someone else in this process (another library, a test) initialized it already.
        Ok(()) | Err(Error::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(source) => {
            return Err(Pkcs11Error::Initialize {
                path: path.to_path_buf(),
                source,
            })
        }
    }
    contexts.insert(key, context.clone());
    Ok(context)
}
