//! `Args<T>`: every argument of a Socket.IO event, in order.
//!
//! socketioxide hands a non-tuple type only the first argument of an event, and emits anything
//! that is not tuple-like as a single argument. `Args` (de)serializes as a tuple of any length,
//! so handlers see, and can send back, all the arguments a client sent.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeTuple, Serializer};

#[derive(Debug, Clone, PartialEq)]
pub struct Args<T>(pub Vec<T>);

impl<T: Serialize> Serialize for Args<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut tuple = serializer.serialize_tuple(self.0.len())?;
        for arg in &self.0 {
            tuple.serialize_element(arg)?;
        }
        tuple.end()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Args<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ArgsVisitor<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for ArgsVisitor<T> {
            type Value = Args<T>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of event arguments")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                // Capped so a hostile size hint cannot make us reserve a huge vector.
                let mut args = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(16));
                while let Some(arg) = seq.next_element()? {
                    args.push(arg);
                }
                Ok(Args(args))
            }
        }

        deserializer.deserialize_tuple(usize::MAX, ArgsVisitor(PhantomData))
    }
}

impl fmt::Display for Args<serde_json::Value> {
    /// One argument prints as itself, several as a JSON array.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_slice() {
            [one] => write!(f, "{one}"),
            many => write!(f, "{}", serde_json::Value::Array(many.to_vec())),
        }
    }
}
