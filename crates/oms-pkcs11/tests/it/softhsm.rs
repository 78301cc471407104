//! End-to-end signing with SoftHSM: keys are generated in a throw-away token, signed with
//! through URIs of several forms, and every signature is checked with RustCrypto.
//!
//! SoftHSM finds its tokens through the process-global `SOFTHSM2_CONF`, so every case
//! lives in the one test function below.

use std::path::{Path, PathBuf};
use std::process::Command;

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType};
use cryptoki::session::UserType;
use cryptoki::types::AuthPin;
use oms_pkcs11::{Pkcs11Error, Pkcs11Signer, Pkcs11Uri, UriError};
use p256::ecdsa::signature::Verifier;
use p256::pkcs8::DecodePublicKey;

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
const TOKEN: &str = "omstest";
const OTHER_TOKEN: &str = "second";
const PIN: &str = "1234";
const MSG: &[u8] = b"DSSEv1 28 application/vnd.in-toto+json 2 {}";

const OID_P256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const OID_P384: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22];
const OID_P521: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23];
const OID_SECP256K1: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a];

fn require_softhsm() {
    let util = Command::new("softhsm2-util").arg("--version").output();
    assert!(
        Path::new(MODULE).exists() && util.is_ok_and(|o| o.status.success()),
        "SoftHSM is not installed ({MODULE} or softhsm2-util missing): install the softhsm2 \
         package (apt-get install -y softhsm2) to run the PKCS#11 tests"
    );
}

fn init_token(label: &str) {
    let out = Command::new("softhsm2-util")
        .args([
            "--init-token",
            "--free",
            "--label",
            label,
            "--pin",
            PIN,
            "--so-pin",
            "5678",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "softhsm2-util --init-token failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Public EC points (DER OCTET STRINGs) of the generated keys, by label.
struct GeneratedKeys {
    slot_id: u64,
    points: Vec<(&'static str, Vec<u8>)>,
}

impl GeneratedKeys {
    fn point(&self, label: &str) -> &[u8] {
        &self.points.iter().find(|(l, _)| *l == label).unwrap().1
    }
}

fn generate_keys() -> GeneratedKeys {
    let ctx = Pkcs11::new(MODULE).unwrap();
    ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK))
        .unwrap();
    let slot = ctx
        .get_slots_with_initialized_token()
        .unwrap()
        .into_iter()
        .find(|s| ctx.get_token_info(*s).unwrap().label() == TOKEN)
        .unwrap();
    let session = ctx.open_rw_session(slot).unwrap();
    session
        .login(UserType::User, Some(&AuthPin::from(PIN)))
        .unwrap();

    let mut points = Vec::new();
    let ec_keys: [(&str, u8, &[u8]); 4] = [
        ("k256", 1, OID_P256),
        ("k384", 2, OID_P384),
        ("k521", 3, OID_P521),
        ("k256k1", 5, OID_SECP256K1),
    ];
    for (label, id, oid) in ec_keys {
        let common = [
            Attribute::Token(true),
            Attribute::Id(vec![id]),
            Attribute::Label(label.as_bytes().to_vec()),
        ];
        let mut public = common.to_vec();
        public.extend([Attribute::EcParams(oid.to_vec()), Attribute::Verify(true)]);
        let mut private = common.to_vec();
        private.extend([
            Attribute::Private(true),
            Attribute::Sensitive(true),
            Attribute::Sign(true),
        ]);
        let (public_key, _) = session
            .generate_key_pair(&Mechanism::EccKeyPairGen, &public, &private)
            .unwrap_or_else(|e| panic!("generating {label}: {e}"));
        let attrs = session
            .get_attributes(public_key, &[AttributeType::EcPoint])
            .unwrap();
        let Some(Attribute::EcPoint(point)) = attrs.into_iter().next() else {
            panic!("no EC point for {label}");
        };
        points.push((label, point));
    }

    let rsa_common = [
        Attribute::Token(true),
        Attribute::Id(vec![4]),
        Attribute::Label(b"rsa".to_vec()),
    ];
    let mut rsa_public = rsa_common.to_vec();
    rsa_public.extend([
        Attribute::ModulusBits(2048.into()),
        Attribute::PublicExponent(vec![1, 0, 1]),
        Attribute::Verify(true),
    ]);
    let mut rsa_private = rsa_common.to_vec();
    rsa_private.extend([Attribute::Private(true), Attribute::Sign(true)]);
    session
        .generate_key_pair(&Mechanism::RsaPkcsKeyPairGen, &rsa_public, &rsa_private)
        .unwrap();

    let slot_id = slot.id();
    drop(session);
    ctx.finalize().unwrap();
    GeneratedKeys { slot_id, points }
}

fn open(uri: &str) -> Result<Pkcs11Signer, Pkcs11Error> {
    Pkcs11Signer::open(&Pkcs11Uri::parse(uri).unwrap(), &[])
}

fn open_err(uri: &str) -> Pkcs11Error {
    match open(uri) {
        Ok(signer) => panic!("{uri} opened a {} key", signer.curve_name()),
        Err(e) => e,
    }
}

fn verify(signer: &Pkcs11Signer, msg: &[u8], sig: &[u8]) -> bool {
    let spki = signer.spki_der();
    match signer.curve_name() {
        "secp256r1" => {
            let key = p256::ecdsa::VerifyingKey::from_public_key_der(&spki).unwrap();
            let sig = p256::ecdsa::Signature::from_der(sig).unwrap();
            key.verify(msg, &sig).is_ok()
        }
        "secp384r1" => {
            let key = p384::ecdsa::VerifyingKey::from_public_key_der(&spki).unwrap();
            let sig = p384::ecdsa::Signature::from_der(sig).unwrap();
            key.verify(msg, &sig).is_ok()
        }
        "secp521r1" => {
            let public = p521::PublicKey::from_public_key_der(&spki).unwrap();
            let key = p521::ecdsa::VerifyingKey::from_affine(*public.as_affine()).unwrap();
            let sig = p521::ecdsa::Signature::from_der(sig).unwrap();
            key.verify(msg, &sig).is_ok()
        }
        other => panic!("unexpected curve {other}"),
    }
}

/// Signs, checks the DER signature with RustCrypto, and checks the exported key is the
/// token's key (the SPKI ends with the point the token reported at generation).
fn sign_and_verify(uri: &str, curve: &str, spki_len: usize, point: &[u8]) -> Pkcs11Signer {
    let signer = open(uri).unwrap_or_else(|e| panic!("{uri}: {e}"));
    assert_eq!(signer.curve_name(), curve, "{uri}");
    assert_eq!(signer.token_label(), TOKEN);
    let spki = signer.spki_der();
    assert_eq!(spki.len(), spki_len, "{uri}");
    let point_len = match curve {
        "secp256r1" => 65,
        "secp384r1" => 97,
        _ => 133,
    };
    assert!(spki.ends_with(&point[point.len() - point_len..]), "{uri}");
    let sig = signer.sign(MSG).unwrap();
    assert_eq!(sig.first(), Some(&0x30), "{uri}: not a DER SEQUENCE");
    assert!(
        verify(&signer, MSG, &sig),
        "{uri}: signature does not verify"
    );
    assert!(
        !verify(&signer, b"another message", &sig),
        "{uri}: verifies the wrong message"
    );
    signer
}

#[test]
fn softhsm_signing_and_errors() {
    require_softhsm();
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens");
    std::fs::create_dir(&tokens).unwrap();
    let conf = dir.path().join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            tokens.display()
        ),
    )
    .unwrap();
    std::env::set_var("SOFTHSM2_CONF", &conf);
    init_token(TOKEN);
    init_token(OTHER_TOKEN);
    let keys = generate_keys();
    let pin_file = dir.path().join("pin");
    std::fs::write(&pin_file, format!("{PIN}\n")).unwrap();
    let pin_path = pin_file.display();
    let slot = keys.slot_id;

    // A wrong PIN, while no session of this process is logged in to the token.
    let err = open_err(&format!(
        "pkcs11:token={TOKEN};object=k256?module-path={MODULE}&pin-value=0000"
    ));
    assert!(
        matches!(&err, Pkcs11Error::PinIncorrect { token } if token == TOKEN),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "the PIN for PKCS#11 token 'omstest' is incorrect"
    );

    // Without a PIN the private key stays hidden.
    let err = open_err(&format!(
        "pkcs11:token={TOKEN};object=k256?module-path={MODULE}"
    ));
    assert!(
        matches!(&err, Pkcs11Error::PrivateKeyNotFound { .. }),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "no EC private key with object 'k256' on PKCS#11 token 'omstest' (no PIN was given: \
         private keys are usually visible only after login with 'pin-value' or 'pin-source')"
    );

    {
        let p256 = sign_and_verify(
            &format!("pkcs11:token={TOKEN};object=k256?module-path={MODULE}&pin-value={PIN}"),
            "secp256r1",
            91,
            keys.point("k256"),
        );
        // A second signer on the same token while the first is open (already logged in).
        let p384 = sign_and_verify(
            &format!("pkcs11:token={TOKEN};id=%02?module-name=softhsm2&pin-source=file:{pin_path}"),
            "secp384r1",
            120,
            keys.point("k384"),
        );
        let p521 = sign_and_verify(
            &format!("pkcs11:slot-id={slot};id=%03;object=k521?module-path={MODULE}&pin-source={pin_path}"),
            "secp521r1",
            158,
            keys.point("k521"),
        );
        // The first signer still works after the others opened sessions.
        let sig = p256.sign(b"again").unwrap();
        assert!(verify(&p256, b"again", &sig));
        assert_eq!(p384.curve(), oms_pkcs11::Curve::P384);
        assert_eq!(p521.module(), Path::new(MODULE));
    }

    // Token-identifying attributes narrow the choice; the matching ones are accepted.
    sign_and_verify(
        &format!(
            "pkcs11:manufacturer=SoftHSM%20project;model=SoftHSM%20v2;token={TOKEN};type=private;id=%01\
             ?module-path=/usr/lib/softhsm&module-name=softhsm2&pin-value={PIN}"
        ),
        "secp256r1",
        91,
        keys.point("k256"),
    );

    // Library attributes are matched against C_GetInfo.
    sign_and_verify(
        &format!(
            "pkcs11:library-manufacturer=SoftHSM;token={TOKEN};object=k384?module-path={MODULE}&pin-value={PIN}"
        ),
        "secp384r1",
        120,
        keys.point("k384"),
    );
    let err = open_err(&format!(
        "pkcs11:library-version=0.1;token={TOKEN};object=k384?module-path={MODULE}&pin-value={PIN}"
    ));
    assert!(
        matches!(&err, Pkcs11Error::TokenNotFound { wanted, .. } if wanted == "token='omstest', library-version=0.1"),
        "{err}"
    );

    // Two initialized tokens and neither token nor slot-id: ambiguous.
    let err = open_err(&format!(
        "pkcs11:object=k256?module-path={MODULE}&pin-value={PIN}"
    ));
    match &err {
        Pkcs11Error::AmbiguousToken { wanted, matching } => {
            assert_eq!(wanted, "any initialized token");
            assert_eq!(matching.len(), 2, "{matching:?}");
        }
        other => panic!("{other}"),
    }

    // Unknown token: the error lists what is there.
    let err = open_err(&format!(
        "pkcs11:token=nope;object=k256?module-path={MODULE}&pin-value={PIN}"
    ));
    match &err {
        Pkcs11Error::TokenNotFound { wanted, available } => {
            assert_eq!(wanted, "token='nope'");
            assert!(
                available
                    .iter()
                    .any(|t| t.starts_with(&format!("'{TOKEN}' (slot-id={slot}, serial="))),
                "{available:?}"
            );
            assert!(
                available
                    .iter()
                    .any(|t| t.starts_with("'second' (slot-id=")),
                "{available:?}"
            );
            assert!(
                available
                    .iter()
                    .any(|t| t.starts_with("uninitialized token (slot-id=")),
                "{available:?}"
            );
        }
        other => panic!("{other}"),
    }
    // The module decides the slot order, so only the shape of the message is fixed.
    let message = err.to_string();
    assert!(
        message.starts_with("no PKCS#11 token matches token='nope'; available tokens: '"),
        "{message}"
    );
    assert!(
        message.contains(&format!("'{TOKEN}' (slot-id={slot}, serial=")),
        "{message}"
    );

    // A slot-id whose token has another label, and a slot-id with no slot.
    let err = open_err(&format!(
        "pkcs11:slot-id={slot};token={OTHER_TOKEN};id=%01?module-path={MODULE}&pin-value={PIN}"
    ));
    assert!(
        matches!(&err, Pkcs11Error::TokenNotFound { wanted, .. } if wanted == &format!("slot-id={slot}, token='second'")),
        "{err}"
    );
    let err = open_err(&format!(
        "pkcs11:slot-id=4242;id=%01?module-path={MODULE}&pin-value={PIN}"
    ));
    assert!(
        matches!(&err, Pkcs11Error::TokenNotFound { wanted, .. } if wanted == "slot-id=4242"),
        "{err}"
    );
    let err = open_err(&format!(
        "pkcs11:serial=0;token={TOKEN};id=%01?module-path={MODULE}&pin-value={PIN}"
    ));
    assert!(matches!(&err, Pkcs11Error::TokenNotFound { .. }), "{err}");

    // Unknown object.
    let err = open_err(&format!(
        "pkcs11:token={TOKEN};object=missing?module-path={MODULE}&pin-value={PIN}"
    ));
    assert!(
        matches!(&err, Pkcs11Error::PrivateKeyNotFound { selector, token, .. } if selector == "object 'missing'" && token == TOKEN),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "no EC private key with object 'missing' on PKCS#11 token 'omstest'"
    );
    // id and label must both match.
    let err = open_err(&format!(
        "pkcs11:token={TOKEN};object=k256;id=%02?module-path={MODULE}&pin-value={PIN}"
    ));
    assert!(
        matches!(&err, Pkcs11Error::PrivateKeyNotFound { selector, .. } if selector == "object 'k256' and id 0x02"),
        "{err}"
    );

    // Keys OMS cannot use.
    let err = open_err(&format!(
        "pkcs11:token={TOKEN};object=rsa?module-path={MODULE}&pin-value={PIN}"
    ));
    assert!(
        matches!(&err, Pkcs11Error::UnsupportedKeyType { key_type, .. } if key_type == "CKK_RSA"),
        "{err}"
    );
    let err = open_err(&format!(
        "pkcs11:token={TOKEN};id=%05?module-path={MODULE}&pin-value={PIN}"
    ));
    assert!(
        matches!(&err, Pkcs11Error::UnsupportedCurve { oid } if oid == "1.3.132.0.10"),
        "{err}"
    );

    // No key selector, and a vendor path attribute nothing can match.
    let err = open_err(&format!(
        "pkcs11:token={TOKEN}?module-path={MODULE}&pin-value={PIN}"
    ));
    assert!(matches!(err, Pkcs11Error::NoObjectSelector), "{err}");
    let err = open_err(&format!(
        "pkcs11:token={TOKEN};object=k256;x-acme=1?module-path={MODULE}&pin-value={PIN}"
    ));
    assert!(
        matches!(&err, Pkcs11Error::UnknownVendorPathAttribute { name } if name == "x-acme"),
        "{err}"
    );

    // Missing or unusable module.
    let err = open_err(&format!(
        "pkcs11:token={TOKEN};object=k256?module-path=/nonexistent/libsofthsm2.so&pin-value={PIN}"
    ));
    assert!(
        matches!(err, Pkcs11Error::Uri(UriError::ModulePathNotFound { .. })),
        "{err}"
    );
    let err = open_err(&format!(
        "pkcs11:token={TOKEN};object=k256?module-name=oms-no-such-module&pin-value={PIN}"
    ));
    assert!(
        matches!(err, Pkcs11Error::Uri(UriError::ModuleNameNotFound { .. })),
        "{err}"
    );
    let err = open_err(&format!("pkcs11:token={TOKEN};object=k256?pin-value={PIN}"));
    assert!(
        matches!(err, Pkcs11Error::Uri(UriError::ModuleNotSpecified)),
        "{err}"
    );
    let not_a_library = dir.path().join("libbogus.so");
    std::fs::write(&not_a_library, b"not an ELF file").unwrap();
    let err = open_err(&format!(
        "pkcs11:token={TOKEN};object=k256?module-path={}&pin-value={PIN}",
        not_a_library.display()
    ));
    assert!(
        matches!(&err, Pkcs11Error::ModuleLoad { path, .. } if path == &PathBuf::from(&not_a_library)),
        "{err}"
    );

    // Unreadable PIN file.
    let err = open_err(&format!(
        "pkcs11:token={TOKEN};object=k256?module-path={MODULE}&pin-source=/nonexistent/pin"
    ));
    assert!(
        matches!(err, Pkcs11Error::Uri(UriError::PinSourceRead { .. })),
        "{err}"
    );

    // The wrong PIN is still told apart once every signer is gone.
    let err = open_err(&format!(
        "pkcs11:token={TOKEN};object=k256?module-path={MODULE}&pin-value=9999"
    ));
    assert!(matches!(err, Pkcs11Error::PinIncorrect { .. }), "{err}");
}
