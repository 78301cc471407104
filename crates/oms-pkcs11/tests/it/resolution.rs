//! What a URI resolves to on this machine: the PIN (from `pin-source`) and the module.

use std::path::PathBuf;

use oms_pkcs11::{Pkcs11Uri, UriError};

fn uri(s: &str) -> Pkcs11Uri {
    Pkcs11Uri::parse(s).unwrap()
}

#[test]
fn no_pin() {
    assert_eq!(uri("pkcs11:object=a").pin().unwrap(), None);
}

#[test]
fn pin_source_as_path_and_file_uris() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pin");
    std::fs::write(&path, "1234\n").unwrap();
    let p = path.display();
    for form in [
        format!("{p}"),
        format!("file:{p}"),
        format!("file://{p}"),
        format!("file://localhost{p}"),
    ] {
        let parsed = uri(&format!("pkcs11:object=a?pin-source={form}"));
        assert_eq!(parsed.pin().unwrap(), Some("1234".to_owned()), "{form}");
    }
}

#[test]
fn pin_file_keeps_everything_but_one_line_ending() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pin");
    let source = format!("pkcs11:object=a?pin-source={}", path.display());
    std::fs::write(&path, " 12 34 \r\n").unwrap();
    assert_eq!(uri(&source).pin().unwrap(), Some(" 12 34 ".to_owned()));
    std::fs::write(&path, "1234\n\n").unwrap();
    assert_eq!(uri(&source).pin().unwrap(), Some("1234\n".to_owned()));
    std::fs::write(&path, "1234").unwrap();
    assert_eq!(uri(&source).pin().unwrap(), Some("1234".to_owned()));
}

#[test]
fn pin_source_errors() {
    let err = uri("pkcs11:object=a?pin-source=relative/pin")
        .pin()
        .unwrap_err();
    assert!(matches!(&err, UriError::PinSourceNotAbsolute { path } if path == "relative/pin"));

    let err = uri("pkcs11:object=a?pin-source=file:relative")
        .pin()
        .unwrap_err();
    assert!(matches!(&err, UriError::PinSourceNotAbsolute { path } if path == "relative"));

    let err = uri("pkcs11:object=a?pin-source=env:PIN").pin().unwrap_err();
    assert!(
        matches!(&err, UriError::PinSourceUnsupported { source_uri } if source_uri == "env:PIN")
    );
    assert_eq!(
        err.to_string(),
        "PKCS#11 URI attribute 'pin-source': only a file path or a 'file:' URI is supported, \
         found 'env:PIN'"
    );

    let err = uri("pkcs11:object=a?pin-source=|/bin/get-pin")
        .pin()
        .unwrap_err();
    assert!(matches!(err, UriError::PinSourceUnsupported { .. }));

    let err = uri("pkcs11:object=a?pin-source=file://otherhost/pin")
        .pin()
        .unwrap_err();
    assert!(matches!(err, UriError::PinSourceUnsupported { .. }));

    let err = uri("pkcs11:object=a?pin-source=/nonexistent/oms-pin")
        .pin()
        .unwrap_err();
    assert!(
        matches!(&err, UriError::PinSourceRead { path, .. } if path == &PathBuf::from("/nonexistent/oms-pin"))
    );
}

#[test]
fn module_path_file_wins() {
    let dir = tempfile::tempdir().unwrap();
    let lib = dir.path().join("libfake.so");
    std::fs::write(&lib, b"").unwrap();
    let parsed = uri(&format!(
        "pkcs11:object=a?module-path={}&module-name=other",
        lib.display()
    ));
    assert_eq!(parsed.module_path(&[]).unwrap(), lib);
}

#[test]
fn module_path_directory_is_searched_for_module_name() {
    let dir = tempfile::tempdir().unwrap();
    let lib = dir.path().join("fake.so");
    std::fs::write(&lib, b"").unwrap();
    let parsed = uri(&format!(
        "pkcs11:?module-path={}&module-name=fake",
        dir.path().display()
    ));
    assert_eq!(parsed.module_path(&[]).unwrap(), lib);

    let parsed = uri(&format!("pkcs11:?module-path={}", dir.path().display()));
    assert!(matches!(
        parsed.module_path(&[]).unwrap_err(),
        UriError::ModuleNotSpecified
    ));
}

#[test]
fn module_name_prefers_lib_prefix_and_caller_dirs_first() {
    let first = tempfile::tempdir().unwrap();
    let second = tempfile::tempdir().unwrap();
    std::fs::write(first.path().join("fake.so"), b"").unwrap();
    std::fs::write(first.path().join("libfake.so"), b"").unwrap();
    std::fs::write(second.path().join("libfake.so"), b"").unwrap();
    let parsed = uri("pkcs11:?module-name=fake");
    let dirs = [first.path().to_path_buf(), second.path().to_path_buf()];
    assert_eq!(
        parsed.module_path(&dirs).unwrap(),
        first.path().join("libfake.so")
    );
}

#[test]
fn module_errors() {
    let err = uri("pkcs11:object=a").module_path(&[]).unwrap_err();
    assert!(matches!(err, UriError::ModuleNotSpecified));

    let err = uri("pkcs11:?module-path=/nonexistent/libx.so")
        .module_path(&[])
        .unwrap_err();
    assert!(
        matches!(&err, UriError::ModulePathNotFound { path, .. } if path == &PathBuf::from("/nonexistent/libx.so"))
    );

    let err = uri("pkcs11:?module-path=/dev/null")
        .module_path(&[])
        .unwrap_err();
    assert!(matches!(err, UriError::ModulePathInvalidType { .. }));

    let dir = tempfile::tempdir().unwrap();
    let err = uri("pkcs11:?module-name=oms-no-such-module")
        .module_path(&[dir.path().to_path_buf()])
        .unwrap_err();
    match &err {
        UriError::ModuleNameNotFound { name, searched } => {
            assert_eq!(name, "oms-no-such-module");
            let mut expected = vec![dir.path().to_path_buf()];
            expected.extend(oms_pkcs11::DEFAULT_MODULE_DIRS.iter().map(PathBuf::from));
            assert_eq!(searched, &expected);
        }
        other => panic!("{other}"),
    }
    assert!(err.to_string().starts_with(
        "PKCS#11 URI attribute 'module-name': no module 'oms-no-such-module' \
                      (liboms-no-such-module.so or oms-no-such-module.so) in "
    ));
}
