//! Lists, dicts and sets as the unpickler fills them (APPEND/SETITEM on a constructed object
//! calls that object's own methods), and the small decoders of integer arguments.

use super::{Stop, Vm};
use crate::pickle::value::V;
use crate::verdict::Verdict;

impl Vm<'_> {
    pub(super) fn append(&mut self, items: Vec<V>, pos: u64) -> Result<(), Stop> {
        let keep = self.count(items.len());
        match self.top()? {
            V::List(l) => {
                if keep {
                    l.borrow_mut().extend(items);
                }
                Ok(())
            }
            V::Object(o) => {
                // The unpickler calls the object's own `append`/`extend`.
                let by = o.made_by.clone().unwrap_or_default();
                self.finding(
                    Verdict::Unknown,
                    "APPEND",
                    format!("APPEND calls a method of an object made by {by}"),
                    pos,
                );
                Ok(())
            }
            _ => Err(Stop::new("APPEND on something that is not a list")),
        }
    }

    pub(super) fn set_items(&mut self, items: Vec<(V, V)>, pos: u64) -> Result<(), Stop> {
        let keep = self.count(items.len());
        match self.top()? {
            V::Dict(d) => {
                if keep {
                    d.borrow_mut().extend(items);
                }
                Ok(())
            }
            V::Object(o) => {
                // `__setitem__` of a constructed object (OrderedDict, Counter...).
                let allowed = o.made_by.as_deref().is_some_and(|m| {
                    matches!(m, "collections.OrderedDict" | "collections.Counter")
                });
                if !allowed {
                    let by = o.made_by.clone().unwrap_or_default();
                    self.finding(
                        Verdict::Unknown,
                        "SETITEM",
                        format!("SETITEM calls __setitem__ of an object made by {by}"),
                        pos,
                    );
                }
                Ok(())
            }
            _ => Err(Stop::new("SETITEM on something that is not a dict")),
        }
    }
}

pub(super) fn pairs(items: Vec<V>) -> Result<Vec<(V, V)>, Stop> {
    if !items.len().is_multiple_of(2) {
        return Err(Stop::new("odd number of items for a dict"));
    }
    let mut out = Vec::with_capacity(items.len() / 2);
    let mut it = items.into_iter();
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        out.push((k, v));
    }
    Ok(out)
}

pub(super) fn int_value(parsed: Option<Option<i64>>) -> Result<V, Stop> {
    match parsed {
        Some(Some(v)) => Ok(V::Int(v)),
        Some(None) => Ok(V::BigInt),
        None => Err(Stop::new("INT/LONG argument is not a number")),
    }
}

pub(super) fn le_signed(b: &[u8]) -> i64 {
    let mut v: i64 = 0;
    for (i, &byte) in b.iter().enumerate() {
        v |= i64::from(byte) << (8 * i);
    }
    if let Some(&last) = b.last() {
        if b.len() < 8 && last & 0x80 != 0 {
            v -= 1i64 << (8 * b.len());
        }
    }
    v
}
