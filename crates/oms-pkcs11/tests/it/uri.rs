//! RFC 7512 URI parsing: the RFC's examples, reference parser behaviour, and errors.

use oms_pkcs11::{LibraryVersion, ObjectType, Pkcs11Uri, UriComponent, UriError};

fn parse(uri: &str) -> Pkcs11Uri {
    Pkcs11Uri::parse(uri).unwrap_or_else(|e| panic!("{uri}: {e}"))
}

fn parse_err(uri: &str) -> UriError {
    match Pkcs11Uri::parse(uri) {
        Ok(parsed) => panic!("{uri} parsed as {parsed:?}"),
        Err(e) => e,
    }
}

#[test]
fn rfc_empty_uri() {
    assert_eq!(parse("pkcs11:"), Pkcs11Uri::default());
}

#[test]
fn rfc_object_and_type() {
    let uri = parse("pkcs11:object=my-pubkey;type=public");
    assert_eq!(uri.object(), Some("my-pubkey"));
    assert_eq!(uri.object_type(), Some(ObjectType::Public));
    assert_eq!(uri.id(), None);
    assert_eq!(uri.pin_source(), None);
}

#[test]
fn rfc_pin_source() {
    let uri = parse("pkcs11:object=my-key;type=private?pin-source=file:/etc/token");
    assert_eq!(uri.object(), Some("my-key"));
    assert_eq!(uri.object_type(), Some(ObjectType::Private));
    assert_eq!(uri.pin_source(), Some("file:/etc/token"));
    assert_eq!(uri.pin_value(), None);
}

#[test]
fn rfc_full_token_object_with_binary_id_and_empty_serial() {
    let uri = parse(
        "pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;manufacturer=Snake%20Oil,%20Inc.;\
         model=1.0;object=my-certificate;type=cert;id=%69%95%3E%5C%F4%BD%EC%91;serial=\
         ?pin-source=file:/etc/token_pin",
    );
    assert_eq!(uri.token(), Some("The Software PKCS#11 Softtoken"));
    assert_eq!(uri.manufacturer(), Some("Snake Oil, Inc."));
    assert_eq!(uri.model(), Some("1.0"));
    assert_eq!(uri.object(), Some("my-certificate"));
    assert_eq!(uri.object_type(), Some(ObjectType::Cert));
    assert_eq!(
        uri.id(),
        Some(&[0x69, 0x95, 0x3e, 0x5c, 0xf4, 0xbd, 0xec, 0x91][..])
    );
    assert_eq!(uri.serial(), Some(""));
    assert_eq!(uri.pin_source(), Some("file:/etc/token_pin"));
}

#[test]
fn rfc_module_name_and_module_path() {
    let uri = parse("pkcs11:object=my-sign-key;type=private?module-name=mypkcs11");
    assert_eq!(uri.module_name(), Some("mypkcs11"));
    assert_eq!(uri.module_path_attribute(), None);

    let uri = parse("pkcs11:object=my-sign-key;type=private?module-path=/mnt/libmypkcs11.so.1");
    assert_eq!(uri.module_path_attribute(), Some("/mnt/libmypkcs11.so.1"));
    assert_eq!(uri.module_name(), None);
}

#[test]
fn rfc_pin_value() {
    let uri = parse(
        "pkcs11:token=Software%20PKCS%2311%20softtoken;manufacturer=Snake%20Oil,%20Inc.\
         ?pin-value=the-pin",
    );
    assert_eq!(uri.token(), Some("Software PKCS#11 softtoken"));
    assert_eq!(uri.manufacturer(), Some("Snake Oil, Inc."));
    assert_eq!(uri.pin_value(), Some("the-pin"));
    assert_eq!(uri.pin().unwrap(), Some("the-pin".to_owned()));
}

#[test]
fn rfc_slot_description() {
    let uri = parse("pkcs11:slot-description=Sun%20Metaslot");
    assert_eq!(uri.slot_description(), Some("Sun Metaslot"));
}

#[test]
fn rfc_library_attributes() {
    let uri = parse(
        "pkcs11:library-manufacturer=Snake%20Oil,%20Inc.;\
         library-description=Soft%20Token%20Library;library-version=1.23",
    );
    assert_eq!(uri.library_manufacturer(), Some("Snake Oil, Inc."));
    assert_eq!(uri.library_description(), Some("Soft Token Library"));
    assert_eq!(
        uri.library_version(),
        Some(LibraryVersion {
            major: 1,
            minor: 23
        })
    );
}

#[test]
fn rfc_percent_in_token_and_mixed_case_hex_id() {
    let uri = parse(
        "pkcs11:token=My%20token%25%20created%20by%20Joe;library-version=3;\
         id=%01%02%03%Ba%dd%Ca%fe%04%05%06",
    );
    assert_eq!(uri.token(), Some("My token% created by Joe"));
    assert_eq!(
        uri.library_version(),
        Some(LibraryVersion { major: 3, minor: 0 })
    );
    assert_eq!(
        uri.id(),
        Some(&[0x01, 0x02, 0x03, 0xba, 0xdd, 0xca, 0xfe, 0x04, 0x05, 0x06][..])
    );
}

#[test]
fn rfc_escaped_delimiters_and_utf8() {
    let uri = parse(
        "pkcs11:token=A%20name%20with%20a%20substring%20%25%3B;object=my-certificate;type=cert",
    );
    assert_eq!(uri.token(), Some("A name with a substring %;"));

    let uri = parse(
        "pkcs11:token=Name%20with%20a%20small%20A%20with%20acute:%20%C3%A1;\
         object=my-certificate;type=cert",
    );
    assert_eq!(uri.token(), Some("Name with a small A with acute: á"));
}

#[test]
fn rfc_vendor_attributes() {
    let uri = parse(
        "pkcs11:token=my-token;object=my-certificate;type=cert;x-vendor-aaa=value-a\
         ?pin-source=file:/etc/token_pin&x-vendor-bbb=value-b",
    );
    assert_eq!(uri.token(), Some("my-token"));
    assert_eq!(
        uri.vendor_path_attributes(),
        &[("x-vendor-aaa".to_owned(), b"value-a".to_vec())]
    );
    assert_eq!(
        uri.vendor_query_attributes(),
        &[("x-vendor-bbb".to_owned(), b"value-b".to_vec())]
    );
}

#[test]
fn reserved_characters_stay_literal_in_values() {
    // Path values may hold '&', '=' and sub-delims; query values may hold '/' and '?'.
    let uri = parse("pkcs11:token=:[]@!$'()*+,=&?pin-value=:[]@!$'()*+,=/?");
    assert_eq!(uri.token(), Some(":[]@!$'()*+,=&"));
    assert_eq!(uri.pin_value(), Some(":[]@!$'()*+,=/?"));
}

#[test]
fn unnecessarily_escaped_characters() {
    let uri = parse("pkcs11:token=%3a%5b%5d%40%21%24%27%28%29%2a%2b%2c%26%3d-%60%20%3c%3e%7b");
    assert_eq!(uri.token(), Some(":[]@!$'()*+,&=-` <>{"));
}

#[test]
fn all_path_and_query_attributes() {
    let uri = parse(
        "pkcs11:token=t;manufacturer=m;serial=s;model=mo;library-manufacturer=lm;\
         library-description=ld;library-version=2.40;object=o;type=secret-key;id=%00%ff;\
         slot-id=18446744073709551615;slot-description=sd;slot-manufacturer=sm\
         ?module-name=softhsm2&module-path=/usr/lib/softhsm/libsofthsm2.so&pin-value=1234",
    );
    assert_eq!(uri.token(), Some("t"));
    assert_eq!(uri.manufacturer(), Some("m"));
    assert_eq!(uri.serial(), Some("s"));
    assert_eq!(uri.model(), Some("mo"));
    assert_eq!(uri.library_manufacturer(), Some("lm"));
    assert_eq!(uri.library_description(), Some("ld"));
    assert_eq!(
        uri.library_version(),
        Some(LibraryVersion {
            major: 2,
            minor: 40
        })
    );
    assert_eq!(uri.object(), Some("o"));
    assert_eq!(uri.object_type(), Some(ObjectType::SecretKey));
    assert_eq!(uri.id(), Some(&[0x00, 0xff][..]));
    assert_eq!(uri.slot_id(), Some(u64::MAX));
    assert_eq!(uri.slot_description(), Some("sd"));
    assert_eq!(uri.slot_manufacturer(), Some("sm"));
    assert_eq!(uri.module_name(), Some("softhsm2"));
    assert_eq!(
        uri.module_path_attribute(),
        Some("/usr/lib/softhsm/libsofthsm2.so")
    );
    assert_eq!(uri.pin_value(), Some("1234"));
}

#[test]
fn type_data_and_query_only_uri() {
    assert_eq!(
        parse("pkcs11:type=data").object_type(),
        Some(ObjectType::Data)
    );
    let uri = parse("pkcs11:?module-name=softhsm2");
    assert_eq!(uri.module_name(), Some("softhsm2"));
    assert_eq!(uri.token(), None);
}

#[test]
fn scheme_is_case_insensitive() {
    assert_eq!(parse("PKCS11:object=k").object(), Some("k"));
}

#[test]
fn debug_output_redacts_the_pin() {
    let uri = parse("pkcs11:object=k?pin-value=s3cret");
    let debug = format!("{uri:?}");
    assert!(!debug.contains("s3cret"), "{debug}");
    assert!(debug.contains("<redacted>"), "{debug}");
}

#[test]
fn missing_scheme() {
    let err = parse_err("token=mytoken");
    assert!(matches!(&err, UriError::NotPkcs11 { found } if found == "no scheme"));
    assert_eq!(
        err.to_string(),
        "malformed PKCS#11 URI: expected it to start with 'pkcs11:', found no scheme"
    );
    let err = parse_err("file:/etc/key.pem");
    assert_eq!(
        err.to_string(),
        "malformed PKCS#11 URI: expected it to start with 'pkcs11:', found scheme 'file:'"
    );
    // Never echo text that might hold a PIN.
    let err = parse_err("token=x?pin-value=1234&module-path=/a:b");
    assert!(!err.to_string().contains("1234"), "{err}");
}

#[test]
fn malformed_attributes() {
    let err = parse_err("pkcs11:token=a;;object=b");
    assert!(matches!(
        &err,
        UriError::MalformedAttribute { component: UriComponent::Path, text } if text.is_empty()
    ));
    let err = parse_err("pkcs11:object");
    assert_eq!(
        err.to_string(),
        "malformed PKCS#11 URI: path attribute 'object' is not of the form name=value"
    );
    let err = parse_err("pkcs11:object=a?module-name");
    assert_eq!(
        err.to_string(),
        "malformed PKCS#11 URI: query attribute 'module-name' is not of the form name=value"
    );
    let err = parse_err("pkcs11:object=a?");
    assert!(matches!(
        err,
        UriError::MalformedAttribute {
            component: UriComponent::Query,
            ..
        }
    ));
    let err = parse_err("pkcs11:=a");
    assert!(matches!(
        err,
        UriError::MalformedAttribute {
            component: UriComponent::Path,
            ..
        }
    ));
}

#[test]
fn duplicate_path_attributes_are_rejected() {
    let err = parse_err("pkcs11:object=a;object=b");
    assert!(matches!(
        &err,
        UriError::DuplicateAttribute { component: UriComponent::Path, name } if name == "object"
    ));
    assert_eq!(
        err.to_string(),
        "malformed PKCS#11 URI: path attribute 'object' appears more than once"
    );
    let err = parse_err("pkcs11:id=%01;id=%01");
    assert!(matches!(&err, UriError::DuplicateAttribute { name, .. } if name == "id"));
    let err = parse_err("pkcs11:x-a=1;x-a=2");
    assert!(matches!(&err, UriError::DuplicateAttribute { name, .. } if name == "x-a"));
}

#[test]
fn duplicate_standard_query_attributes_are_rejected() {
    let err = parse_err("pkcs11:object=a?pin-value=1&pin-value=2");
    assert!(matches!(
        &err,
        UriError::DuplicateAttribute { component: UriComponent::Query, name } if name == "pin-value"
    ));
}

#[test]
fn vendor_query_attributes_may_repeat() {
    let uri = parse("pkcs11:object=a?x-b=1&x-b=2");
    assert_eq!(
        uri.vendor_query_attributes(),
        &[
            ("x-b".to_owned(), b"1".to_vec()),
            ("x-b".to_owned(), b"2".to_vec())
        ]
    );
}

#[test]
fn unknown_attributes_are_rejected_with_their_name() {
    let err = parse_err("pkcs11:invalid=123456");
    assert!(matches!(
        &err,
        UriError::UnknownAttribute { component: UriComponent::Path, name } if name == "invalid"
    ));
    assert_eq!(
        err.to_string(),
        "malformed PKCS#11 URI: 'invalid' is not a path attribute \
         (vendor-specific attributes must start with 'x-')"
    );
    // A query attribute in the path and a path attribute in the query.
    let err = parse_err("pkcs11:pin-value=1234");
    assert!(matches!(
        &err,
        UriError::UnknownAttribute {
            component: UriComponent::Path,
            ..
        }
    ));
    let err = parse_err("pkcs11:?token=a");
    assert!(matches!(
        &err,
        UriError::UnknownAttribute { component: UriComponent::Query, name } if name == "token"
    ));
    // Names are case-sensitive, and "x-" alone is not a vendor name.
    assert!(matches!(
        parse_err("pkcs11:Token=a"),
        UriError::UnknownAttribute { .. }
    ));
    assert!(matches!(
        parse_err("pkcs11:x-=a"),
        UriError::UnknownAttribute { .. }
    ));
}

#[test]
fn bad_percent_encoding_names_the_attribute() {
    let err = parse_err("pkcs11:id=%0g");
    assert!(matches!(
        &err,
        UriError::InvalidPercentEncoding { attribute, position: 0 } if attribute == "id"
    ));
    assert_eq!(
        err.to_string(),
        "malformed PKCS#11 URI: attribute 'id' has an invalid percent-encoding at character 0: \
         expected '%' followed by two hex digits"
    );
    let err = parse_err("pkcs11:object=ab%2");
    assert!(matches!(
        &err,
        UriError::InvalidPercentEncoding { attribute, position: 2 } if attribute == "object"
    ));
}

#[test]
fn text_attributes_must_be_utf8_but_id_is_binary() {
    let err = parse_err("pkcs11:token=%00%01%02Hello%FF%FE");
    assert!(matches!(&err, UriError::InvalidUtf8 { attribute } if attribute == "token"));
    assert_eq!(parse("pkcs11:id=%FF%FE").id(), Some(&[0xff, 0xfe][..]));
}

#[test]
fn invalid_values_name_the_attribute() {
    let cases = [
        ("pkcs11:slot-id=foo", "slot-id", "foo"),
        ("pkcs11:slot-id=", "slot-id", ""),
        ("pkcs11:slot-id=-1", "slot-id", "-1"),
        (
            "pkcs11:slot-id=18446744073709551616",
            "slot-id",
            "18446744073709551616",
        ),
        ("pkcs11:library-version=foo", "library-version", "foo"),
        ("pkcs11:library-version=1.bar", "library-version", "1.bar"),
        ("pkcs11:library-version=1.", "library-version", "1."),
        ("pkcs11:library-version=256", "library-version", "256"),
        ("pkcs11:type=foobar", "type", "foobar"),
        ("pkcs11:type=", "type", ""),
        ("pkcs11:?module-path=lib/x.so", "module-path", "lib/x.so"),
        ("pkcs11:?module-name=../x", "module-name", "../x"),
        ("pkcs11:?module-name=", "module-name", ""),
    ];
    for (uri, attr, value) in cases {
        match parse_err(uri) {
            UriError::InvalidValue {
                attribute, found, ..
            } => {
                assert_eq!((attribute, found.as_str()), (attr, value), "{uri}");
            }
            other => panic!("{uri}: {other}"),
        }
    }
    assert_eq!(
        parse_err("pkcs11:type=foobar").to_string(),
        "malformed PKCS#11 URI: attribute 'type' must be one of public, private, cert, \
         secret-key, data, found 'foobar'"
    );
    assert_eq!(
        parse_err("pkcs11:?module-path=lib/x.so").to_string(),
        "malformed PKCS#11 URI: attribute 'module-path' must be an absolute path, found 'lib/x.so'"
    );
}

#[test]
fn pin_source_and_pin_value_are_exclusive() {
    let err = parse_err("pkcs11:object=a?pin-value=1&pin-source=/p");
    assert!(matches!(err, UriError::PinSourceAndValue));
}
