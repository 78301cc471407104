//! RFC 7512 `pkcs11:` URI parsing.

use crate::percent::percent_decode;
use crate::uri_error::{UriComponent, UriError};

/// `type=` path attribute values (RFC 7512 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectType {
    Public,
    Private,
    Cert,
    SecretKey,
    Data,
}

/// `library-version=M[.m]`; a missing minor version means `.0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LibraryVersion {
    pub major: u8,
    pub minor: u8,
}

/// A parsed `pkcs11:` URI. Values are percent-decoded; `id` stays binary.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Pkcs11Uri {
    token: Option<String>,
    manufacturer: Option<String>,
    serial: Option<String>,
    model: Option<String>,
    library_manufacturer: Option<String>,
    library_description: Option<String>,
    library_version: Option<LibraryVersion>,
    object: Option<String>,
    object_type: Option<ObjectType>,
    id: Option<Vec<u8>>,
    slot_id: Option<u64>,
    slot_description: Option<String>,
    slot_manufacturer: Option<String>,
    pin_value: Option<String>,
    pin_source: Option<String>,
    module_name: Option<String>,
    module_path: Option<String>,
    vendor_path: Vec<(String, Vec<u8>)>,
    vendor_query: Vec<(String, Vec<u8>)>,
}

// The PIN must never end up in logs or error output through `{:?}`.
impl std::fmt::Debug for Pkcs11Uri {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pkcs11Uri")
            .field("token", &self.token)
            .field("manufacturer", &self.manufacturer)
            .field("serial", &self.serial)
            .field("model", &self.model)
            .field("library_manufacturer", &self.library_manufacturer)
            .field("library_description", &self.library_description)
            .field("library_version", &self.library_version)
            .field("object", &self.object)
            .field("object_type", &self.object_type)
            .field("id", &self.id)
            .field("slot_id", &self.slot_id)
            .field("slot_description", &self.slot_description)
            .field("slot_manufacturer", &self.slot_manufacturer)
            .field("pin_value", &self.pin_value.as_ref().map(|_| "<redacted>"))
            .field("pin_source", &self.pin_source)
            .field("module_name", &self.module_name)
            .field("module_path", &self.module_path)
            .field("vendor_path", &self.vendor_path)
            .field("vendor_query", &self.vendor_query)
            .finish()
    }
}

const SCHEME: &str = "pkcs11:";
const VENDOR_PREFIX: &str = "x-";

impl Pkcs11Uri {
    pub fn parse(uri: &str) -> Result<Self, UriError> {
        let rest = match uri.get(..SCHEME.len()) {
            Some(prefix) if prefix.eq_ignore_ascii_case(SCHEME) => {
                uri.get(SCHEME.len()..).unwrap_or_default()
            }
            _ => {
                return Err(UriError::NotPkcs11 {
                    found: describe_scheme(uri),
                })
            }
        };
        let (path, query) = match rest.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (rest, None),
        };
        let mut parsed = Pkcs11Uri::default();
        if !path.is_empty() {
            for part in path.split(';') {
                let (name, value) = split_attribute(part, UriComponent::Path)?;
                parsed.add_path_attribute(name, value)?;
            }
        }
        if let Some(query) = query {
            for part in query.split('&') {
                let (name, value) = split_attribute(part, UriComponent::Query)?;
                parsed.add_query_attribute(name, value)?;
            }
        }
        if parsed.pin_value.is_some() && parsed.pin_source.is_some() {
            return Err(UriError::PinSourceAndValue);
        }
        Ok(parsed)
    }

    fn add_path_attribute(&mut self, name: &str, raw: &str) -> Result<(), UriError> {
        let c = UriComponent::Path;
        match name {
            "token" => set(&mut self.token, text(name, raw)?, c, name),
            "manufacturer" => set(&mut self.manufacturer, text(name, raw)?, c, name),
            "serial" => set(&mut self.serial, text(name, raw)?, c, name),
            "model" => set(&mut self.model, text(name, raw)?, c, name),
            "library-manufacturer" => {
                set(&mut self.library_manufacturer, text(name, raw)?, c, name)
            }
            "library-description" => set(&mut self.library_description, text(name, raw)?, c, name),
            "library-version" => {
                let version = parse_library_version(&text(name, raw)?)?;
                set(&mut self.library_version, version, c, name)
            }
            "object" => set(&mut self.object, text(name, raw)?, c, name),
            "type" => {
                let object_type = parse_object_type(&text(name, raw)?)?;
                set(&mut self.object_type, object_type, c, name)
            }
            "id" => set(&mut self.id, bytes(name, raw)?, c, name),
            "slot-id" => {
                let slot_id = parse_slot_id(&text(name, raw)?)?;
                set(&mut self.slot_id, slot_id, c, name)
            }
            "slot-description" => set(&mut self.slot_description, text(name, raw)?, c, name),
            "slot-manufacturer" => set(&mut self.slot_manufacturer, text(name, raw)?, c, name),
            _ if is_vendor_name(name) => {
                // RFC 7512 §2.3: no attribute, vendor ones included, may repeat in the path.
                if self.vendor_path.iter().any(|(n, _)| n == name) {
                    return Err(duplicate(c, name));
                }
                self.vendor_path.push((name.to_owned(), bytes(name, raw)?));
                Ok(())
            }
            _ => Err(UriError::UnknownAttribute {
                component: c,
                name: name.to_owned(),
            }),
        }
    }

    fn add_query_attribute(&mut self, name: &str, raw: &str) -> Result<(), UriError> {
        let c = UriComponent::Query;
        match name {
            "pin-value" => set(&mut self.pin_value, text(name, raw)?, c, name),
            "pin-source" => set(&mut self.pin_source, text(name, raw)?, c, name),
            "module-name" => {
                let module_name = text(name, raw)?;
                if module_name.is_empty() || module_name.contains(['/', '\\']) {
                    return Err(UriError::InvalidValue {
                        attribute: "module-name",
                        expected: "a non-empty module name without path separators",
                        found: module_name,
                    });
                }
                set(&mut self.module_name, module_name, c, name)
            }
            "module-path" => {
                let module_path = text(name, raw)?;
                if !std::path::Path::new(&module_path).is_absolute() {
                    return Err(UriError::InvalidValue {
                        attribute: "module-path",
                        expected: "an absolute path",
                        found: module_path,
                    });
                }
                set(&mut self.module_path, module_path, c, name)
            }
            // RFC 7512 §2.4: vendor query attributes may repeat; every value is kept.
            _ if is_vendor_name(name) => {
                self.vendor_query.push((name.to_owned(), bytes(name, raw)?));
                Ok(())
            }
            _ => Err(UriError::UnknownAttribute {
                component: c,
                name: name.to_owned(),
            }),
        }
    }

    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }
    pub fn manufacturer(&self) -> Option<&str> {
        self.manufacturer.as_deref()
    }
    pub fn serial(&self) -> Option<&str> {
        self.serial.as_deref()
    }
    pub fn model(&self) -> Option<&str> {
        self.model.as_deref()
    }
    pub fn library_manufacturer(&self) -> Option<&str> {
        self.library_manufacturer.as_deref()
    }
    pub fn library_description(&self) -> Option<&str> {
        self.library_description.as_deref()
    }
    pub fn library_version(&self) -> Option<LibraryVersion> {
        self.library_version
    }
    /// The object label (`object=`).
    pub fn object(&self) -> Option<&str> {
        self.object.as_deref()
    }
    pub fn object_type(&self) -> Option<ObjectType> {
        self.object_type
    }
    /// The binary `CKA_ID` (`id=`), percent-decoded.
    pub fn id(&self) -> Option<&[u8]> {
        self.id.as_deref()
    }
    pub fn slot_id(&self) -> Option<u64> {
        self.slot_id
    }
    pub fn slot_description(&self) -> Option<&str> {
        self.slot_description.as_deref()
    }
    pub fn slot_manufacturer(&self) -> Option<&str> {
        self.slot_manufacturer.as_deref()
    }
    pub fn pin_value(&self) -> Option<&str> {
        self.pin_value.as_deref()
    }
    pub fn pin_source(&self) -> Option<&str> {
        self.pin_source.as_deref()
    }
    pub fn module_name(&self) -> Option<&str> {
        self.module_name.as_deref()
    }
    /// The raw `module-path` attribute; see [`Pkcs11Uri::module_path`] for resolution.
    pub fn module_path_attribute(&self) -> Option<&str> {
        self.module_path.as_deref()
    }
    /// `x-` attributes of the path component, in URI order.
    pub fn vendor_path_attributes(&self) -> &[(String, Vec<u8>)] {
        &self.vendor_path
    }
    /// `x-` attributes of the query component, in URI order (names may repeat).
    pub fn vendor_query_attributes(&self) -> &[(String, Vec<u8>)] {
        &self.vendor_query
    }
}

fn describe_scheme(uri: &str) -> String {
    // Only echo something that is syntactically a scheme: the rest may hold a PIN.
    match uri.split_once(':') {
        Some((scheme, _))
            if scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')) =>
        {
            format!("scheme '{scheme}:'")
        }
        _ => "no scheme".to_owned(),
    }
}

fn split_attribute(part: &str, component: UriComponent) -> Result<(&str, &str), UriError> {
    match part.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name, value)),
        _ => Err(UriError::MalformedAttribute {
            component,
            text: part.to_owned(),
        }),
    }
}

fn is_vendor_name(name: &str) -> bool {
    name.strip_prefix(VENDOR_PREFIX).is_some_and(|rest| {
        !rest.is_empty()
            && rest
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    })
}

fn set<T>(
    slot: &mut Option<T>,
    value: T,
    component: UriComponent,
    name: &str,
) -> Result<(), UriError> {
    if slot.is_some() {
        return Err(duplicate(component, name));
    }
    *slot = Some(value);
    Ok(())
}

fn duplicate(component: UriComponent, name: &str) -> UriError {
    UriError::DuplicateAttribute {
        component,
        name: name.to_owned(),
    }
}

fn bytes(name: &str, raw: &str) -> Result<Vec<u8>, UriError> {
    percent_decode(raw).map_err(|position| UriError::InvalidPercentEncoding {
        attribute: name.to_owned(),
        position,
    })
}

fn text(name: &str, raw: &str) -> Result<String, UriError> {
    String::from_utf8(bytes(name, raw)?).map_err(|_| UriError::InvalidUtf8 {
        attribute: name.to_owned(),
    })
}

fn parse_slot_id(value: &str) -> Result<u64, UriError> {
    let invalid = || UriError::InvalidValue {
        attribute: "slot-id",
        expected: "a decimal number that fits in 64 bits",
        found: value.to_owned(),
    };
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    value.parse().map_err(|_| invalid())
}

fn parse_library_version(value: &str) -> Result<LibraryVersion, UriError> {
    let invalid = || UriError::InvalidValue {
        attribute: "library-version",
        expected: "M or M.m with decimal numbers of at most 255",
        found: value.to_owned(),
    };
    let number = |s: &str| -> Option<u8> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    let (major, minor) = match value.split_once('.') {
        Some((major, minor)) => (number(major), number(minor)),
        None => (number(value), Some(0)),
    };
    match (major, minor) {
        (Some(major), Some(minor)) => Ok(LibraryVersion { major, minor }),
        _ => Err(invalid()),
    }
}

fn parse_object_type(value: &str) -> Result<ObjectType, UriError> {
    match value {
        "public" => Ok(ObjectType::Public),
        "private" => Ok(ObjectType::Private),
        "cert" => Ok(ObjectType::Cert),
        "secret-key" => Ok(ObjectType::SecretKey),
        "data" => Ok(ObjectType::Data),
        _ => Err(UriError::InvalidValue {
            attribute: "type",
            expected: "one of public, private, cert, secret-key, data",
            found: value.to_owned(),
        }),
    }
}
