//! A field of a line logged directly ([`super::direct`]): what the text and JSON writers and
//! the fallback tracing event all read.

use std::fmt;

/// One field's value.
#[derive(Clone, Copy)]
pub enum Field<'a> {
    /// As `%value`: the text as it is (control characters escaped).
    Display(&'a str),
    /// As a `&str` value: quoted, as `{:?}` writes it.
    Str(&'a str),
}

/// What tracing's layers print for this field: the fallback event's lines read the same.
impl fmt::Debug for Field<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Display(text) => f.write_str(text),
            Self::Str(text) => fmt::Debug::fmt(text, f),
        }
    }
}
