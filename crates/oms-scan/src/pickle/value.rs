//! The values the emulated unpickler keeps on its stack and in its memo.

use std::cell::RefCell;
use std::rc::Rc;

/// An import (GLOBAL, STACK_GLOBAL, INST, OBJ's class, EXT) or an attribute reached from one.
#[derive(Debug)]
pub struct Imported {
    /// `module.name` (the name may be dotted).
    pub full: String,
    /// Index of its finding, if it has one (so a later call can be noted on it).
    pub finding: Option<usize>,
}

#[derive(Debug, Clone)]
pub enum V {
    None,
    Bool,
    Int(i64),
    /// An integer too big for i64 (only its presence matters).
    BigInt,
    Float,
    Str(Rc<str>),
    Bytes(Rc<[u8]>),
    /// A byte string too large to keep; only its length is known.
    LargeBytes,
    Tuple(Rc<Vec<V>>),
    List(Rc<RefCell<Vec<V>>>),
    Dict(Rc<RefCell<Vec<(V, V)>>>),
    Set,
    /// Something imported.
    Import(Rc<Imported>),
    /// What calling something returned (an instance, a tensor...).
    Object(Rc<Object>),
    /// `__import__(name)`: a module object.
    Module(Rc<str>),
    Persistent,
    Buffer,
}

#[derive(Debug)]
pub struct Object {
    /// The callable's `module.name`, when known.
    pub made_by: Option<String>,
    /// Its arguments (kept for `numpy.dtype` and joblib wrappers).
    pub args: V,
    /// State set by BUILD.
    pub state: RefCell<Option<V>>,
}

impl V {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            V::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Tuple or list items.
    pub fn items(&self) -> Option<Vec<V>> {
        match self {
            V::Tuple(t) => Some(t.as_ref().clone()),
            V::List(l) => Some(l.borrow().clone()),
            _ => None,
        }
    }

    pub fn dict_get(&self, key: &str) -> Option<V> {
        match self {
            V::Dict(d) => d
                .borrow()
                .iter()
                .rev()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v.clone()),
            _ => None,
        }
    }

    /// A printable name for what this value is, when it is an import or a module.
    pub fn dotted(&self) -> Option<String> {
        match self {
            V::Import(i) => Some(i.full.clone()),
            V::Module(m) => Some(m.to_string()),
            _ => None,
        }
    }
}
