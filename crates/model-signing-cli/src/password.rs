//! Where the password of an encrypted private key comes from when `--password` is omitted:
//! the environment, else a no-echo terminal prompt, else an error saying how to pass it.

use std::io::IsTerminal;
use std::path::Path;

use model_signing::{Error, SignError};
use oms_keys::KeyError;

pub const PASSWORD_ENV: &str = "MODEL_SIGNING_KEY_PASSWORD";

/// Loads a key with `load`, asking for a password only if the key turns out to need one.
pub fn with_password<T>(
    key_path: &Path,
    explicit: Option<&str>,
    load: impl Fn(Option<&[u8]>) -> Result<T, Error>,
) -> Result<T, Error> {
    if let Some(password) = explicit {
        return load(Some(password.as_bytes()));
    }
    match load(None) {
        Err(err) if needs_password(&err) => {
            let password = obtain_password(key_path)?;
            load(Some(password.as_bytes()))
        }
        other => other,
    }
}

fn needs_password(err: &Error) -> bool {
    matches!(err, Error::Sign(SignError::Key(KeyError::PasswordRequired)))
}

fn obtain_password(key_path: &Path) -> Result<String, Error> {
    if let Some(password) = std::env::var_os(PASSWORD_ENV) {
        return password.into_string().map_err(|_| {
            Error::Sign(SignError::Other(format!(
                "{PASSWORD_ENV} is not valid UTF-8"
            )))
        });
    }
    if !std::io::stdin().is_terminal() {
        return Err(Error::Sign(SignError::Other(format!(
            "the private key {} is encrypted: pass --password, or set {PASSWORD_ENV}",
            key_path.display()
        ))));
    }
    rpassword::prompt_password(format!("Password for {}: ", key_path.display())).map_err(|err| {
        Error::Sign(SignError::Other(format!(
            "cannot read the password of {} from the terminal: {err}",
            key_path.display()
        )))
    })
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;

    #[test]
    fn explicit_password_is_used_first() {
        let seen = RefCell::new(Vec::new());
        let result = with_password(Path::new("k.pem"), Some("pw"), |password| {
            seen.borrow_mut().push(password.map(<[u8]>::to_vec));
            Ok(7)
        });
        assert_eq!(result.unwrap(), 7);
        assert_eq!(*seen.borrow(), [Some(b"pw".to_vec())]);
    }

    #[test]
    fn unencrypted_key_is_loaded_without_asking() {
        let seen = RefCell::new(Vec::new());
        let result = with_password(Path::new("k.pem"), None, |password| {
            seen.borrow_mut().push(password.map(<[u8]>::to_vec));
            Ok(())
        });
        assert!(result.is_ok());
        assert_eq!(*seen.borrow(), [None]);
    }

    #[test]
    fn other_errors_are_returned_as_they_are() {
        let result: Result<(), Error> = with_password(Path::new("k.pem"), None, |_| {
            Err(Error::Sign(SignError::Key(KeyError::WrongPassword)))
        });
        assert!(matches!(
            result,
            Err(Error::Sign(SignError::Key(KeyError::WrongPassword)))
        ));
    }

    #[test]
    fn only_a_missing_password_asks_for_one() {
        assert!(needs_password(&Error::Sign(SignError::Key(
            KeyError::PasswordRequired
        ))));
        assert!(!needs_password(&Error::Sign(SignError::Key(
            KeyError::WrongPassword
        ))));
    }
}
