//! A JSON value together with its path, so every error from hostile input can name the field
//! it is about (`predicate.resources[3].digest`). Shared by the bundle and statement readers,
//! each with its own error type.

use std::marker::PhantomData;

use serde_json::Value;

/// The errors a reader reports about a field.
pub(crate) trait FieldError: Sized {
    /// How the top-level value is named in messages, e.g. `(bundle)`.
    const ROOT: &'static str;
    fn missing_field(field: String) -> Self;
    fn wrong_type(field: String, expected: &'static str, found: &'static str) -> Self;
}

pub(crate) struct Node<'a, E> {
    pub(crate) value: &'a Value,
    pub(crate) path: String,
    error: PhantomData<E>,
}

impl<'a, E: FieldError> Node<'a, E> {
    pub(crate) fn root(value: &'a Value) -> Self {
        Self::at(value, String::new())
    }

    fn at(value: &'a Value, path: String) -> Self {
        Node {
            value,
            path,
            error: PhantomData,
        }
    }

    fn child_path(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    pub(crate) fn field(&self, key: &str) -> Result<Node<'a, E>, E> {
        self.opt_field(key)?
            .ok_or_else(|| E::missing_field(self.child_path(key)))
    }

    /// An absent key and an explicit `null` are both "not given" (protobuf JSON semantics).
    pub(crate) fn opt_field(&self, key: &str) -> Result<Option<Node<'a, E>>, E> {
        let map = self
            .value
            .as_object()
            .ok_or_else(|| self.wrong_type("an object"))?;
        Ok(map
            .get(key)
            .filter(|v| !v.is_null())
            .map(|value| Node::at(value, self.child_path(key))))
    }

    pub(crate) fn item(&self, index: usize, value: &'a Value) -> Node<'a, E> {
        Node::at(value, format!("{}[{index}]", self.path))
    }

    pub(crate) fn array(&self) -> Result<&'a [Value], E> {
        self.value
            .as_array()
            .map(Vec::as_slice)
            .ok_or_else(|| self.wrong_type("an array"))
    }

    pub(crate) fn str(&self) -> Result<&'a str, E> {
        self.value
            .as_str()
            .ok_or_else(|| self.wrong_type("a string"))
    }

    pub(crate) fn bool(&self) -> Result<bool, E> {
        self.value
            .as_bool()
            .ok_or_else(|| self.wrong_type("a boolean"))
    }

    pub(crate) fn wrong_type(&self, expected: &'static str) -> E {
        let field = if self.path.is_empty() {
            E::ROOT.to_string()
        } else {
            self.path.clone()
        };
        E::wrong_type(field, expected, json_type(self.value))
    }
}

pub(crate) fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
