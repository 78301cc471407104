//! Choosing the slot whose token a URI names.

use cryptoki::context::Pkcs11;
use cryptoki::slot::{Slot, SlotInfo, TokenInfo};

use crate::error::Pkcs11Error;
use crate::uri::Pkcs11Uri;

pub(crate) struct SelectedToken {
    pub slot: Slot,
    pub label: String,
}

/// Picks the token: by `slot-id` when given, else the single initialized token matching
/// every token, slot and library attribute in the URI.
pub(crate) fn select_token(
    context: &Pkcs11,
    uri: &Pkcs11Uri,
) -> Result<SelectedToken, Pkcs11Error> {
    let wanted = describe_wanted(uri);
    let library_matches = library_matches(context, uri)?;
    let candidates: Vec<Slot> = match uri.slot_id() {
        Some(id) => vec![Slot::try_from(id).map_err(|source| Pkcs11Error::Call {
            operation: "slot-id conversion",
            source,
        })?],
        None => context
            .get_slots_with_token()
            .map_err(|source| Pkcs11Error::Call {
                operation: "C_GetSlotList",
                source,
            })?,
    };
    let mut matching = Vec::new();
    for slot in candidates {
        // A slot-id naming an empty or unknown slot is simply not a match.
        let (Ok(token), Ok(slot_info)) =
            (context.get_token_info(slot), context.get_slot_info(slot))
        else {
            continue;
        };
        let usable = uri.slot_id().is_some() || token.token_initialized();
        if library_matches && usable && token_matches(uri, &token, &slot_info) {
            matching.push((slot, token));
        }
    }
    match matching.as_slice() {
        [(slot, token)] => Ok(SelectedToken {
            slot: *slot,
            label: token.label().to_owned(),
        }),
        [] => Err(Pkcs11Error::TokenNotFound {
            wanted,
            available: available_tokens(context),
        }),
        _ => Err(Pkcs11Error::AmbiguousToken {
            wanted,
            matching: matching
                .iter()
                .map(|(slot, token)| describe_token(*slot, token))
                .collect(),
        }),
    }
}

fn library_matches(context: &Pkcs11, uri: &Pkcs11Uri) -> Result<bool, Pkcs11Error> {
    if uri.library_manufacturer().is_none()
        && uri.library_description().is_none()
        && uri.library_version().is_none()
    {
        return Ok(true);
    }
    let info = context
        .get_library_info()
        .map_err(|source| Pkcs11Error::Call {
            operation: "C_GetInfo",
            source,
        })?;
    let version = info.library_version();
    Ok(
        text_matches(uri.library_manufacturer(), info.manufacturer_id())
            && text_matches(uri.library_description(), info.library_description())
            && uri
                .library_version()
                .is_none_or(|v| v.major == version.major() && v.minor == version.minor()),
    )
}

fn token_matches(uri: &Pkcs11Uri, token: &TokenInfo, slot: &SlotInfo) -> bool {
    text_matches(uri.token(), token.label())
        && text_matches(uri.manufacturer(), token.manufacturer_id())
        && text_matches(uri.model(), token.model())
        && text_matches(uri.serial(), token.serial_number())
        && text_matches(uri.slot_description(), slot.slot_description())
        && text_matches(uri.slot_manufacturer(), slot.manufacturer_id())
}

// PKCS#11 pads these fixed-width fields with spaces; cryptoki trims the padding.
fn text_matches(wanted: Option<&str>, found: &str) -> bool {
    wanted.is_none_or(|w| w.trim_end_matches(' ') == found.trim_end_matches(' '))
}

fn describe_wanted(uri: &Pkcs11Uri) -> String {
    let mut parts = Vec::new();
    if let Some(id) = uri.slot_id() {
        parts.push(format!("slot-id={id}"));
    }
    let texts = [
        ("token", uri.token()),
        ("manufacturer", uri.manufacturer()),
        ("model", uri.model()),
        ("serial", uri.serial()),
        ("slot-description", uri.slot_description()),
        ("slot-manufacturer", uri.slot_manufacturer()),
        ("library-manufacturer", uri.library_manufacturer()),
        ("library-description", uri.library_description()),
    ];
    for (name, value) in texts {
        if let Some(value) = value {
            parts.push(format!("{name}='{value}'"));
        }
    }
    if let Some(v) = uri.library_version() {
        parts.push(format!("library-version={}.{}", v.major, v.minor));
    }
    if parts.is_empty() {
        "any initialized token".to_owned()
    } else {
        parts.join(", ")
    }
}

fn available_tokens(context: &Pkcs11) -> Vec<String> {
    // Only used to describe what is available in an error message: a token listing that
    // itself fails leaves the description empty rather than hiding the original error.
    let Ok(slots) = context.get_slots_with_token() else {
        return Vec::new();
    };
    slots
        .into_iter()
        .filter_map(|slot| {
            let token = context.get_token_info(slot).ok()?;
            Some(describe_token(slot, &token))
        })
        .collect()
}

fn describe_token(slot: Slot, token: &TokenInfo) -> String {
    if token.token_initialized() {
        format!(
            "'{}' (slot-id={}, serial={})",
            token.label(),
            slot.id(),
            token.serial_number()
        )
    } else {
        format!("uninitialized token (slot-id={})", slot.id())
    }
}
