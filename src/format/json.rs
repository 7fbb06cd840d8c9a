//! Reading the manifest's JSON exactly as FORMAT.md section 3 allows, and nothing more.
//!
//! serde's derived `Deserialize` accepts more than the format: a struct may also be written as
//! an array of its member values in field order, `null` passes for an optional member, and
//! every refusal is a free-form string. Two readers must give the same signed bytes the same
//! meaning, so the manifest's structs are read here instead, member by member: objects only
//! where the format has objects, no `null` anywhere, integers only in plain digits, and every
//! refusal a typed [`ManifestError`] naming the member.
//!
//! A first pass ([`count_values`]) walks the whole document keeping nothing: it refuses
//! duplicate member names, more than [`MAX_MANIFEST_VALUES`] values and nesting deeper than
//! [`MAX_JSON_DEPTH`], so the second pass, which builds the structs, is bounded.

use std::cell::RefCell;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::Sha256Digest;
use super::manifest::{Found, ManifestError, Name};
use super::path::EditionPath;

/// The most JSON values a manifest may hold: every object, array, string, number, `true`,
/// `false` and `null`, at any depth and the top-level object included, and every member name,
/// counts one. Parsed into structs, a value can take ten times its bytes of JSON (a 4-byte
/// `"a",` becomes a 24-byte String and an allocation of its own), so the count, not only the
/// byte size, bounds a reader's memory: 1.5 million values take at most about 75 MB. A
/// legitimate manifest at the size limit (16.8 MB) holds about a million.
pub const MAX_MANIFEST_VALUES: u64 = 1_500_000;
/// Deepest nesting of arrays and objects; the manifest's own object is level 1. A recursive
/// parser must not overflow its stack, and the manifest itself needs 4 levels.
pub const MAX_JSON_DEPTH: usize = 128;

/// Where the first refusal is kept while serde unwinds: serde errors are strings, and the
/// reader wants the typed error back.
#[derive(Default)]
pub(crate) struct Context {
    error: RefCell<Option<ManifestError>>,
}

impl Context {
    /// Records `error` (the first one wins) and returns a serde error carrying its message.
    pub(crate) fn fail<E: de::Error>(&self, error: ManifestError) -> E {
        let message = error.to_string();
        let mut slot = self.error.borrow_mut();
        if slot.is_none() {
            *slot = Some(error);
        }
        E::custom(message)
    }

    /// The typed error behind a serde_json error: the one recorded, else a syntax error.
    pub(crate) fn error(&self, error: &serde_json::Error) -> ManifestError {
        self.error
            .borrow_mut()
            .take()
            .unwrap_or(ManifestError::Json {
                line: error.line(),
                column: error.column(),
            })
    }
}

/// Runs the counting pass over `bytes`, then reads a `T` from them.
pub(crate) fn read_strict<T: Member>(bytes: &[u8], name: Name) -> Result<T, ManifestError> {
    let context = Context::default();
    let mut counting = serde_json::Deserializer::from_slice(bytes);
    // The depth is limited by the counting pass itself, exactly at MAX_JSON_DEPTH.
    counting.disable_recursion_limit();
    let mut count = 0;
    count_values(&context, &mut count, &mut counting)
        .and_then(|()| counting.end())
        .map_err(|e| context.error(&e))?;
    let mut reading = serde_json::Deserializer::from_slice(bytes);
    reading.disable_recursion_limit();
    let value = MemberSeed::<T>::new(&context, name)
        .deserialize(&mut reading)
        .and_then(|value| reading.end().map(|()| value))
        .map_err(|e| context.error(&e))?;
    Ok(value)
}

/// Reads a `T` strictly from any serde deserializer (the library's records, tests).
pub(crate) fn deserialize_strict<'de, T: Member, D: serde::Deserializer<'de>>(
    deserializer: D,
    name: Name,
) -> Result<T, D::Error> {
    let context = Context::default();
    MemberSeed::<T>::new(&context, name).deserialize(deserializer)
}

/// Counts the values of a JSON document as serde_json parses it, keeping none of them.
pub(crate) fn count_values<'de, D: serde::Deserializer<'de>>(
    context: &Context,
    count: &mut u64,
    deserializer: D,
) -> Result<(), D::Error> {
    ValueCounter {
        context,
        count,
        depth: 0,
    }
    .deserialize(deserializer)
}

struct ValueCounter<'a> {
    context: &'a Context,
    count: &'a mut u64,
    /// Levels of arrays and objects around this value.
    depth: usize,
}

impl ValueCounter<'_> {
    fn one<E: de::Error>(&mut self) -> Result<(), E> {
        *self.count += 1;
        if *self.count > MAX_MANIFEST_VALUES {
            return Err(self.context.fail(ManifestError::TooManyValues));
        }
        Ok(())
    }

    /// Enters an array or object: refused before any of its contents is parsed if it would
    /// be deeper than the limit.
    fn nest<E: de::Error>(&mut self) -> Result<usize, E> {
        self.one()?;
        let depth = self.depth + 1;
        if depth > MAX_JSON_DEPTH {
            return Err(self.context.fail(ManifestError::TooDeep));
        }
        Ok(depth)
    }
}

impl<'de> DeserializeSeed<'de> for ValueCounter<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueCounter<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(mut self, _: bool) -> Result<(), E> {
        self.one()
    }
    fn visit_i64<E: de::Error>(mut self, _: i64) -> Result<(), E> {
        self.one()
    }
    fn visit_u64<E: de::Error>(mut self, _: u64) -> Result<(), E> {
        self.one()
    }
    fn visit_f64<E: de::Error>(mut self, _: f64) -> Result<(), E> {
        self.one()
    }
    fn visit_str<E: de::Error>(mut self, _: &str) -> Result<(), E> {
        self.one()
    }
    fn visit_unit<E: de::Error>(mut self) -> Result<(), E> {
        self.one()
    }
    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        let depth = self.nest()?;
        while seq
            .next_element_seed(ValueCounter {
                context: self.context,
                count: self.count,
                depth,
            })?
            .is_some()
        {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        let depth = self.nest()?;
        // serde_json keeps the last of two equal names; another reader could keep the first.
        // Refusing duplicates means every reader sees the same signed meaning.
        let mut names = std::collections::BTreeSet::new();
        while let Some(name) = map.next_key::<String>()? {
            self.one()?;
            if let Some(name) = names.replace(name) {
                return Err(self.context.fail(ManifestError::DuplicateMember { name }));
            }
            map.next_value_seed(ValueCounter {
                context: self.context,
                count: self.count,
                depth,
            })?;
        }
        Ok(())
    }
}

/// A value of the manifest, read from exactly one kind of JSON value. Each method is called
/// for one kind; the defaults refuse it, naming the member and what was found.
pub(crate) trait Member: Sized {
    /// What the member must be, for messages: "a string", "an object".
    const EXPECTED: &'static str;

    fn from_str(_text: &str, name: Name) -> Result<Self, ManifestError> {
        Err(wrong::<Self>(name, Found::String))
    }
    fn from_u64(_value: u64, name: Name) -> Result<Self, ManifestError> {
        Err(wrong::<Self>(name, Found::Number))
    }
    fn from_i64(_value: i64, name: Name) -> Result<Self, ManifestError> {
        Err(wrong::<Self>(name, Found::Number))
    }
    fn from_f64(_value: f64, name: Name) -> Result<Self, ManifestError> {
        Err(wrong::<Self>(name, Found::Number))
    }
    fn from_seq<'de, A: SeqAccess<'de>>(
        _seq: A,
        context: &Context,
        name: Name,
    ) -> Result<Self, A::Error> {
        Err(context.fail(wrong::<Self>(name, Found::Array)))
    }
    fn from_map<'de, A: MapAccess<'de>>(
        _map: A,
        context: &Context,
        name: Name,
    ) -> Result<Self, A::Error> {
        Err(context.fail(wrong::<Self>(name, Found::Object)))
    }
}

fn wrong<T: Member>(name: Name, found: Found) -> ManifestError {
    ManifestError::WrongType {
        name,
        expected: T::EXPECTED,
        found,
    }
}

/// Reads one `T` for the member `name`.
pub(crate) struct MemberSeed<'c, T> {
    context: &'c Context,
    name: Name,
    kind: PhantomData<T>,
}

impl<'c, T> MemberSeed<'c, T> {
    pub(crate) fn new(context: &'c Context, name: Name) -> Self {
        MemberSeed {
            context,
            name,
            kind: PhantomData,
        }
    }

    fn check<E: de::Error>(&self, result: Result<T, ManifestError>) -> Result<T, E> {
        result.map_err(|error| self.context.fail(error))
    }
}

impl<'de, T: Member> DeserializeSeed<'de> for MemberSeed<'_, T> {
    type Value = T;
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, T: Member> Visitor<'de> for MemberSeed<'_, T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{} for {}", T::EXPECTED, self.name)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<T, E> {
        Err(self.context.fail(wrong::<T>(self.name, Found::Bool)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<T, E> {
        Err(self.context.fail(ManifestError::Null { name: self.name }))
    }
    fn visit_none<E: de::Error>(self) -> Result<T, E> {
        self.visit_unit()
    }
    fn visit_u64<E: de::Error>(self, value: u64) -> Result<T, E> {
        self.check(T::from_u64(value, self.name))
    }
    fn visit_i64<E: de::Error>(self, value: i64) -> Result<T, E> {
        self.check(T::from_i64(value, self.name))
    }
    fn visit_f64<E: de::Error>(self, value: f64) -> Result<T, E> {
        self.check(T::from_f64(value, self.name))
    }
    fn visit_str<E: de::Error>(self, text: &str) -> Result<T, E> {
        self.check(T::from_str(text, self.name))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<T, A::Error> {
        T::from_seq(seq, self.context, self.name)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::from_map(map, self.context, self.name)
    }
}

/// Reads the value of the current member of `map` as a `T`.
pub(crate) fn value<'de, T: Member, A: MapAccess<'de>>(
    map: &mut A,
    context: &Context,
    name: Name,
) -> Result<T, A::Error> {
    map.next_value_seed(MemberSeed::<T>::new(context, name))
}

/// Skips the value of a member this version does not know (FORMAT.md section 3.3).
pub(crate) fn skip<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    map.next_value::<IgnoredAny>().map(drop)
}

/// A required member's value, or the refusal naming it.
pub(crate) fn required<T, E: de::Error>(
    value: Option<T>,
    context: &Context,
    name: Name,
) -> Result<T, E> {
    value.ok_or_else(|| context.fail(ManifestError::Missing { name }))
}

/// Integers of the manifest: JSON numbers in plain digits. serde_json hands anything else
/// (`-1`, `1.5`, `1e3`, `-0`, `18446744073709551616`) over as a signed or floating value.
fn not_an_integer(name: Name, max: &'static str, value: String) -> ManifestError {
    ManifestError::NotAnInteger { name, max, value }
}

impl Member for u64 {
    const EXPECTED: &'static str = "a whole number";
    fn from_u64(value: u64, _: Name) -> Result<u64, ManifestError> {
        Ok(value)
    }
    fn from_i64(value: i64, name: Name) -> Result<u64, ManifestError> {
        Err(not_an_integer(name, "2^64-1", value.to_string()))
    }
    fn from_f64(value: f64, name: Name) -> Result<u64, ManifestError> {
        // Debug shows 1.0 as "1.0" and 1e3 as "1000.0": visibly not plain digits.
        Err(not_an_integer(name, "2^64-1", format!("{value:?}")))
    }
}

impl Member for u32 {
    const EXPECTED: &'static str = "a whole number";
    fn from_u64(value: u64, name: Name) -> Result<u32, ManifestError> {
        u32::try_from(value).map_err(|_| not_an_integer(name, "2^32-1", value.to_string()))
    }
    fn from_i64(value: i64, name: Name) -> Result<u32, ManifestError> {
        Err(not_an_integer(name, "2^32-1", value.to_string()))
    }
    fn from_f64(value: f64, name: Name) -> Result<u32, ManifestError> {
        Err(not_an_integer(name, "2^32-1", format!("{value:?}")))
    }
}

impl Member for String {
    const EXPECTED: &'static str = "a string";
    fn from_str(text: &str, _: Name) -> Result<String, ManifestError> {
        Ok(text.to_owned())
    }
}

impl Member for Sha256Digest {
    const EXPECTED: &'static str = "a string of 64 lowercase hex digits";
    fn from_str(text: &str, name: Name) -> Result<Sha256Digest, ManifestError> {
        Sha256Digest::from_hex(text).ok_or(ManifestError::Digest { name })
    }
}

impl Member for EditionPath {
    const EXPECTED: &'static str = "a string";
    fn from_str(text: &str, _: Name) -> Result<EditionPath, ManifestError> {
        EditionPath::new(text).map_err(ManifestError::Path)
    }
}

/// A JSON array of at most `MAX` elements, refused as soon as one more appears.
pub(crate) struct List<T, const MAX: usize>(pub Vec<T>);

impl<T: Member, const MAX: usize> Member for List<T, MAX> {
    const EXPECTED: &'static str = "an array";
    fn from_seq<'de, A: SeqAccess<'de>>(
        mut seq: A,
        context: &Context,
        name: Name,
    ) -> Result<Self, A::Error> {
        let mut list = Vec::new();
        let element = Name {
            element: true,
            ..name
        };
        while let Some(value) = seq.next_element_seed(MemberSeed::<T>::new(context, element))? {
            if list.len() == MAX {
                return Err(context.fail(ManifestError::TooManyElements { name, max: MAX }));
            }
            list.push(value);
        }
        Ok(List(list))
    }
}

/// Refuses a JSON document that is not one value, or that holds a member name twice in any
/// object (names compared after unescaping): two readers could give such a document two
/// meanings. The error is serde_json's message.
pub fn refuse_duplicate_members(bytes: &[u8]) -> Result<(), String> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    serde::de::Deserializer::deserialize_any(&mut deserializer, UniqueMembers)
        .and_then(|()| deserializer.end())
        .map_err(|error| error.to_string())
}

/// Visits a JSON value and refuses any object holding a member name twice.
struct UniqueMembers;

impl<'de> serde::de::Visitor<'de> for UniqueMembers {
    type Value = ();

    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(UniqueMembersSeed)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut names = std::collections::BTreeSet::new();
        while let Some(name) = map.next_key::<String>()? {
            if !names.insert(name.clone()) {
                return Err(serde::de::Error::custom(format!(
                    "the member name {name:?} appears twice in one object"
                )));
            }
            map.next_value_seed(UniqueMembersSeed)?;
        }
        Ok(())
    }
}

struct UniqueMembersSeed;

impl<'de> serde::de::DeserializeSeed<'de> for UniqueMembersSeed {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(UniqueMembers)
    }
}
