//! ECDSA signing with a key held in a PKCS#11 token.

use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};

use cryptoki::error::{Error, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::types::AuthPin;

use crate::context::module_context;
use crate::curve::{curve_from_ec_params, der_signature_from_raw, digest, spki_der_from_ec_point};
use crate::error::Pkcs11Error;
use crate::token::select_token;
use crate::uri::Pkcs11Uri;
use oms_keys::Curve;

/// An open, logged-in session on the token, bound to one EC private key.
#[derive(Debug)]
pub struct Pkcs11Signer {
    // Sessions must not be used from two threads at once; the mutex makes the signer Sync.
    session: Mutex<Session>,
    key: ObjectHandle,
    curve: Curve,
    spki_der: Vec<u8>,
    token_label: String,
    module: PathBuf,
}

impl Pkcs11Signer {
    /// Loads the URI's module, opens a session on its token, logs in when the URI carries
    /// a PIN and finds the EC key pair by `id` and/or `object` (label).
    ///
    /// `type=` is ignored, as the reference does: the private key is always looked for.
    pub fn open(uri: &Pkcs11Uri, module_search_dirs: &[PathBuf]) -> Result<Self, Pkcs11Error> {
        if let Some((name, _)) = uri.vendor_path_attributes().first() {
            return Err(Pkcs11Error::UnknownVendorPathAttribute { name: name.clone() });
        }
        if uri.id().is_none() && uri.object().is_none() {
            return Err(Pkcs11Error::NoObjectSelector);
        }
        let pin = uri.pin()?;
        let module = uri.module_path(module_search_dirs)?;
        let context = module_context(&module)?;
        let token = select_token(&context, uri)?;
        let session = context
            .open_ro_session(token.slot)
            .map_err(|source| Pkcs11Error::Call {
                operation: "C_OpenSession",
                source,
            })?;
        let logged_in = pin.is_some();
        if let Some(pin) = pin {
            login(&session, pin, &token.label)?;
        }
        let selector = describe_selector(uri);
        let key = find_private_key(&session, uri, &selector, &token.label, logged_in)?;
        let (curve, ec_point) = public_key_material(&session, uri, key, &selector, &token.label)?;
        let spki_der = spki_der_from_ec_point(curve, &ec_point)?;
        Ok(Pkcs11Signer {
            session: Mutex::new(session),
            key,
            curve,
            spki_der,
            token_label: token.label,
            module,
        })
    }

    /// Signs `msg` like the reference: the curve's hash in software, `CKM_ECDSA` over the
    /// digest on the token, and the raw r||s turned into a DER `ECDSA-Sig-Value`.
    pub fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, Pkcs11Error> {
        let digest = digest(self.curve, msg);
        let raw = self
            .session
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .sign(&Mechanism::Ecdsa, self.key, &digest)
            .map_err(|source| Pkcs11Error::Call {
                operation: "C_Sign",
                source,
            })?;
        der_signature_from_raw(self.curve, &raw)
    }

    /// The public key as DER SubjectPublicKeyInfo (named curve, uncompressed point).
    pub fn spki_der(&self) -> Vec<u8> {
        self.spki_der.clone()
    }

    pub fn curve(&self) -> Curve {
        self.curve
    }

    /// `secp256r1`, `secp384r1` or `secp521r1`.
    pub fn curve_name(&self) -> &'static str {
        self.curve.sec_name()
    }

    pub fn token_label(&self) -> &str {
        &self.token_label
    }

    /// The module that was loaded.
    pub fn module(&self) -> &std::path::Path {
        &self.module
    }
}

fn login(session: &Session, pin: String, token: &str) -> Result<(), Pkcs11Error> {
    match session.login(UserType::User, Some(&AuthPin::from(pin))) {
        // Login state is per token and process: another signer may have logged in already.
        Ok(()) | Err(Error::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => Ok(()),
        Err(Error::Pkcs11(RvError::PinIncorrect, _)) => Err(Pkcs11Error::PinIncorrect {
            token: token.to_owned(),
        }),
        Err(Error::Pkcs11(RvError::PinLocked, _)) => Err(Pkcs11Error::PinLocked {
            token: token.to_owned(),
        }),
        Err(source) => Err(Pkcs11Error::Login {
            token: token.to_owned(),
            source,
        }),
    }
}

fn describe_selector(uri: &Pkcs11Uri) -> String {
    let mut parts = Vec::new();
    if let Some(label) = uri.object() {
        parts.push(format!("object '{label}'"));
    }
    if let Some(id) = uri.id() {
        parts.push(format!("id 0x{}", hex::encode(id)));
    }
    parts.join(" and ")
}

fn selector_template(uri: &Pkcs11Uri, class: ObjectClass) -> Vec<Attribute> {
    let mut template = vec![Attribute::Class(class)];
    if let Some(id) = uri.id() {
        template.push(Attribute::Id(id.to_vec()));
    }
    if let Some(label) = uri.object() {
        template.push(Attribute::Label(label.as_bytes().to_vec()));
    }
    template
}

fn find_first(
    session: &Session,
    template: &[Attribute],
) -> Result<Option<ObjectHandle>, Pkcs11Error> {
    let found = session
        .find_objects(template)
        .map_err(|source| Pkcs11Error::Call {
            operation: "C_FindObjects",
            source,
        })?;
    Ok(found.first().copied())
}

fn find_private_key(
    session: &Session,
    uri: &Pkcs11Uri,
    selector: &str,
    token: &str,
    logged_in: bool,
) -> Result<ObjectHandle, Pkcs11Error> {
    let any_type = selector_template(uri, ObjectClass::PRIVATE_KEY);
    let mut ec_only = any_type.clone();
    ec_only.push(Attribute::KeyType(KeyType::EC));
    if let Some(key) = find_first(session, &ec_only)? {
        return Ok(key);
    }
    // Tell an RSA/EdDSA key with that name apart from no key at all.
    if let Some(other) = find_first(session, &any_type)? {
        let key_type = session
            .get_attributes(other, &[AttributeType::KeyType])
            .ok()
            .and_then(|attrs| {
                attrs.into_iter().find_map(|a| match a {
                    Attribute::KeyType(kt) => Some(kt.to_string()),
                    _ => None,
                })
            })
            .unwrap_or_else(|| "unknown".to_owned());
        return Err(Pkcs11Error::UnsupportedKeyType {
            selector: selector.to_owned(),
            token: token.to_owned(),
            key_type,
        });
    }
    Err(Pkcs11Error::PrivateKeyNotFound {
        selector: selector.to_owned(),
        token: token.to_owned(),
        logged_in,
    })
}

/// The curve and `CKA_EC_POINT`, from the matching public key object, or from the private
/// key itself for tokens that store no public key object but expose the point there.
fn public_key_material(
    session: &Session,
    uri: &Pkcs11Uri,
    private_key: ObjectHandle,
    selector: &str,
    token: &str,
) -> Result<(Curve, Vec<u8>), Pkcs11Error> {
    let mut template = selector_template(uri, ObjectClass::PUBLIC_KEY);
    template.push(Attribute::KeyType(KeyType::EC));
    let mut holders = Vec::new();
    if let Some(public_key) = find_first(session, &template)? {
        holders.push(public_key);
    }
    holders.push(private_key);
    for holder in holders {
        let (params, point) = ec_attributes(session, holder);
        if let (Some(params), Some(point)) = (params, point) {
            return Ok((curve_from_ec_params(&params)?, point));
        }
    }
    Err(Pkcs11Error::PublicKeyNotFound {
        selector: selector.to_owned(),
        token: token.to_owned(),
    })
}

fn ec_attributes(session: &Session, object: ObjectHandle) -> (Option<Vec<u8>>, Option<Vec<u8>>) {
    let attrs = session
        .get_attributes(object, &[AttributeType::EcParams, AttributeType::EcPoint])
        .unwrap_or_default();
    let mut params = None;
    let mut point = None;
    for attr in attrs {
        match attr {
            Attribute::EcParams(v) => params = Some(v),
            Attribute::EcPoint(v) => point = Some(v),
            _ => {}
        }
    }
    (params, point)
}
