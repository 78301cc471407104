//! Text: UTF-8 without NUL.

/// True if the bytes are UTF-8 text (a multi-byte character cut at the end is allowed) with
/// no NUL.
pub fn is_text(head: &[u8]) -> bool {
    if head.contains(&0) {
        return false;
    }
    match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && head.len() - e.valid_up_to() < 4,
    }
}
