//! The [`Reader`] of one node object: typed fields out of JSON values,
//! recording every type error with the option path of the value and the
//! node's provenance, so the kinds' readers only say what their fields
//! mean.

use serde_json::{Map, Value};

use crate::error::{CompileError, FieldError, LuaError, LuaText, NodeRef};
use crate::fields::{self, Field};
use crate::lua::{self, MaybeLua};
use crate::nix::{describe_value, nix_attribute};
use crate::suggest;

/// Where in a field a value is: an element of a list, or an attribute.
#[derive(Debug, Clone)]
pub(super) enum Inside {
    /// Counted from 1, like Lua does (and like "element 2" in messages).
    Element(usize),
    Attribute(String),
}

impl Inside {
    /// In a type error: `element 2`, `env.PORT`.
    fn describe(&self, field: &str) -> String {
        match self {
            Inside::Element(position) => format!("element {position}"),
            Inside::Attribute(name) => format!("{field}.{}", nix_attribute(name)),
        }
    }
}

/// The path of a value below its node's option: `argv[2]`, `env.PORT`.
fn field_path(field: &str, inside: Option<&Inside>) -> String {
    match inside {
        None => field.to_string(),
        Some(Inside::Element(position)) => format!("{field}[{position}]"),
        Some(inside) => inside.describe(field),
    }
}

/// Reads the fields of one node object, recording type errors.
pub(super) struct Reader<'a> {
    object: &'a Map<String, Value>,
    pub(super) origin: NodeRef,
    kind_fields: &'static [Field],
    /// Fields an unknown field looked like a typo of. Their absence is a
    /// consequence of that typo and is not reported again.
    misspelled: Vec<String>,
    pub(super) errors: &'a mut Vec<CompileError>,
}

impl<'a> Reader<'a> {
    /// A reader of the node at `position` in the input's `nodes` (counted
    /// from 1), which knows only the fields every node has until
    /// [`Reader::known_kind`] says what the node is.
    pub(super) fn new(
        object: &'a Map<String, Value>,
        position: usize,
        errors: &'a mut Vec<CompileError>,
    ) -> Self {
        let origin = NodeRef {
            id: None,
            position,
            kind: None,
            declared_by: None,
            defined_in: Vec::new(),
            dag: None,
        };
        Reader { object, origin, kind_fields: &[], misspelled: Vec::new(), errors }
    }

    /// Reads the rest of the node as a `kind` node, whose own fields are
    /// `kind_fields`, and reports every field that neither every node nor
    /// this kind has.
    pub(super) fn known_kind(&mut self, kind: &'static str, kind_fields: &'static [Field]) {
        self.origin.kind = Some(kind);
        self.kind_fields = kind_fields;
        self.unknown_fields();
    }

    pub(super) fn is_misspelled(&self, field: &str) -> bool {
        self.misspelled.iter().any(|f| f == field)
    }

    /// The field's value, treating `null` as absent.
    pub(super) fn get(&self, name: &str) -> Option<&'a Value> {
        self.object.get(name).filter(|v| !v.is_null())
    }

    pub(super) fn is_set(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    pub(super) fn missing(&mut self, field: &'static str) {
        self.errors.push(FieldError::MissingField { node: self.origin.clone(), field }.into());
    }

    /// Reports a required field as missing, unless it is there with a wrong
    /// type, which was reported already.
    pub(super) fn missing_unless_set(&mut self, field: &'static str) {
        if !self.is_set(field) && !self.is_misspelled(field) {
            self.missing(field);
        }
    }

    pub(super) fn wrong_type(&mut self, name: &str, found: String, inside: Option<String>) {
        // Only names from the field tables reach here; the fallback keeps a
        // typo in this file from ever becoming a panic.
        let Some(field) = fields::lookup(self.kind_fields, name) else { return };
        self.errors.push(
            FieldError::WrongType {
                node: self.origin.clone(),
                field: field.name,
                expected: field.shape.describe(),
                found,
                inside,
                example: field.example,
            }
            .into(),
        );
    }

    /// Reports a value of the wrong type. A Lua value gets a message of its
    /// own: the fix is not another type but a value known at build time.
    pub(super) fn mismatch(&mut self, name: &str, value: &Value, inside: Option<&Inside>) {
        if lua::is_inline(value) {
            let (node, field) = (self.origin.clone(), field_path(name, inside));
            self.errors.push(LuaError::LuaNotAllowed { node, field }.into());
        } else {
            self.wrong_type(name, describe_value(value), inside.map(|i| i.describe(name)));
        }
    }

    pub(super) fn string(&mut self, name: &str) -> Option<String> {
        let value = self.get(name)?;
        self.plain(name, value, None)
    }

    /// A string or a Lua value.
    pub(super) fn text(&mut self, name: &str) -> Option<MaybeLua> {
        let value = self.get(name)?;
        self.plain_or_lua(name, value, None)
    }

    /// A string, at `inside` of the field `name`.
    fn plain(&mut self, name: &str, value: &Value, inside: Option<&Inside>) -> Option<String> {
        match value {
            Value::String(s) => Some(s.clone()),
            other => {
                self.mismatch(name, other, inside);
                None
            }
        }
    }

    /// A string or a Lua value, at `inside` of the field `name`.
    pub(super) fn plain_or_lua(
        &mut self,
        name: &str,
        value: &Value,
        inside: Option<&Inside>,
    ) -> Option<MaybeLua> {
        if let Value::String(s) = value {
            return Some(MaybeLua::Literal(s.clone()));
        }
        if let Some(expr) = lua::inline_expr(value) {
            return Some(self.lua_expression(field_path(name, inside), expr));
        }
        if lua::is_inline(value) {
            let found = "a Lua value whose `expr` is not a string".to_string();
            self.wrong_type(name, found, inside.map(|i| i.describe(name)));
        } else {
            self.mismatch(name, value, inside);
        }
        None
    }

    /// A Lua value at `field` (a path such as `argv[2]`), syntax-checked.
    /// A value with a syntax error is kept, so that the node is not also
    /// reported as missing it.
    pub(super) fn lua_expression(&mut self, field: String, expr: &str) -> MaybeLua {
        if let Some(error) = lua::syntax::check_expression(expr) {
            let node = self.origin.clone();
            self.errors
                .push(LuaError::LuaSyntax { node, field, text: LuaText::Expression, error }.into());
        }
        MaybeLua::Lua(expr.to_string())
    }

    pub(super) fn bool(&mut self, name: &str) -> Option<bool> {
        match self.get(name)? {
            Value::Bool(b) => Some(*b),
            other => {
                self.mismatch(name, other, None);
                None
            }
        }
    }

    /// A whole number of seconds, at least 1 and at most `u32::MAX`.
    pub(super) fn seconds(&mut self, name: &str) -> Option<u32> {
        let value = self.get(name)?;
        let seconds = value.as_u64().filter(|&n| n >= 1).and_then(|n| u32::try_from(n).ok());
        if seconds.is_none() {
            self.mismatch(name, value, None);
        }
        seconds
    }

    pub(super) fn string_list(&mut self, name: &str) -> Option<Vec<String>> {
        self.list(name, Reader::plain)
    }

    /// A list, each element read by `item`. One bad element makes the
    /// whole field unusable, and only the first one is reported to keep the
    /// report short.
    pub(super) fn list<T>(&mut self, name: &str, item: Item<'a, T>) -> Option<Vec<T>> {
        let value = self.get(name)?;
        let Value::Array(elements) = value else {
            self.mismatch(name, value, None);
            return None;
        };
        let mut items = Vec::with_capacity(elements.len());
        for (index, element) in elements.iter().enumerate() {
            items.push(item(self, name, element, Some(&Inside::Element(index + 1)))?);
        }
        Some(items)
    }

    /// An attribute set, each value read by `item`, sorted by name
    /// (serde_json's map is ordered, and sorting again keeps that from
    /// being an assumption). One bad value makes the whole field unusable.
    pub(super) fn map<T>(&mut self, name: &str, item: Item<'a, T>) -> Option<Vec<(String, T)>> {
        let value = self.get(name)?;
        let Some(entries) = lua::plain_object(value) else {
            self.mismatch(name, value, None);
            return None;
        };
        let mut pairs = Vec::with_capacity(entries.len());
        for (key, element) in entries {
            let inside = Inside::Attribute(key.clone());
            pairs.push((key.clone(), item(self, name, element, Some(&inside))?));
        }
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        Some(pairs)
    }

    /// Reports every field that neither every node nor this kind has.
    fn unknown_fields(&mut self) {
        let unknown: Vec<String> = self
            .object
            .keys()
            .filter(|key| fields::lookup(self.kind_fields, key).is_none())
            .cloned()
            .collect();
        let allowed: Vec<&'static str> = self
            .kind_fields
            .iter()
            .map(|f| f.name)
            .chain(fields::COMMON_USER_FIELDS.iter().copied())
            .collect();
        for field in unknown {
            let synonym = fields::SYNONYMS
                .iter()
                .find(|(other, ours)| *other == field && allowed.contains(ours))
                .map(|(_, ours)| *ours);
            let suggestion = synonym
                .or_else(|| suggest::closest(&field, allowed.iter().copied()))
                .map(String::from);
            self.misspelled.extend(suggestion.clone());
            let node = self.origin.clone();
            self.errors.push(
                FieldError::UnknownField { node, field, allowed: allowed.clone(), suggestion }
                    .into(),
            );
        }
    }
}

/// Reads one element of a list or value of an attribute set.
pub(super) type Item<'a, T> = fn(&mut Reader<'a>, &str, &Value, Option<&Inside>) -> Option<T>;
