//! A serde serializer that writes block-style YAML, in the layout compose files use (mappings
//! indented by two, sequence items at their key's column), with every scalar in a style that YAML
//! 1.1 (PyYAML, docker-compose 1.29) and YAML 1.2 readers read as the same value:
//!
//! - plain when no reader could take it for anything but this string;
//! - single-quoted when plain would be misread (`'22:22'`, `'no'`, `': x'`);
//! - double-quoted with escapes when it holds a character that is not printable or breaks a line
//!   (tab, CR, LF, NEL, U+2028, …), so that the file is printable ASCII/UTF-8 on one line per
//!   scalar and no string can start a new key or item.
//!
//! Writing goes straight into one `String`: no tree of values is built.

use std::fmt::{self, Write as _};

use serde::ser::{self, Serialize};

/// Why a value could not be written (a type YAML has no form for, an over-long key).
#[derive(Debug)]
pub(super) struct WriteError(pub String);

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for WriteError {}

impl ser::Error for WriteError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        WriteError(msg.to_string())
    }
}

type Result<T> = std::result::Result<T, WriteError>;

/// Appends `value` to `out` as a YAML document (no `---`, ends with a newline).
pub(super) fn write<T: Serialize + ?Sized>(out: &mut String, value: &T) -> Result<()> {
    value.serialize(Writer { out, at: At::Root })
}

/// Where the next value starts.
#[derive(Clone, Copy)]
enum At {
    /// At the start of a line, column 0 (the document itself).
    Root,
    /// Right after `key:` whose key starts at this column.
    Key(usize),
    /// Right after `- ` whose dash is at this column.
    Dash(usize),
}

struct Writer<'a> {
    out: &'a mut String,
    at: At,
}

/// YAML readers must accept implicit keys up to this many characters; longer ones are refused.
const MAX_KEY_CHARS: usize = 1024;

fn pad(out: &mut String, n: usize) {
    const SPACES: &str = "                                                                ";
    let mut n = n;
    while n > SPACES.len() {
        out.push_str(SPACES);
        n -= SPACES.len();
    }
    out.push_str(&SPACES[..n]);
}

impl<'a> Writer<'a> {
    /// Writes a scalar on the current line with `write`, then ends the line.
    fn line(self, write: impl FnOnce(&mut String)) -> Result<()> {
        if let At::Key(_) = self.at {
            self.out.push(' ');
        }
        write(self.out);
        self.out.push('\n');
        Ok(())
    }

    /// Writes a scalar already rendered as YAML text.
    fn scalar_text(self, text: &str) -> Result<()> {
        self.line(|out| out.push_str(text))
    }

    fn string(self, s: &str) -> Result<()> {
        self.line(|out| scalar(out, s))
    }

    fn collection(self, map: bool) -> Compound<'a> {
        let indent = match (self.at, map) {
            (At::Root, _) => 0,
            (At::Key(i), true) => i + 2,
            (At::Key(i), false) => i,
            (At::Dash(d), _) => d + 2,
        };
        Compound {
            out: self.out,
            start: self.at,
            indent,
            empty: true,
            map,
        }
    }
}

/// An open mapping or sequence.
struct Compound<'a> {
    out: &'a mut String,
    /// Where the collection itself started.
    start: At,
    /// The column of its keys or dashes.
    indent: usize,
    empty: bool,
    map: bool,
}

impl Compound<'_> {
    /// Moves to where the next key or dash goes.
    fn next_line(&mut self) {
        if self.empty {
            self.empty = false;
            match self.start {
                At::Key(_) => {
                    self.out.push('\n');
                    pad(self.out, self.indent);
                }
                // the first entry shares the line of the dash (or starts the document)
                At::Root | At::Dash(_) => {}
            }
        } else {
            pad(self.out, self.indent);
        }
    }

    fn key<K: Serialize + ?Sized>(&mut self, key: &K) -> Result<()> {
        self.next_line();
        key.serialize(KeyWriter { out: self.out })?;
        self.out.push(':');
        Ok(())
    }

    fn value<V: Serialize + ?Sized>(&mut self, value: &V) -> Result<()> {
        value.serialize(Writer {
            out: self.out,
            at: At::Key(self.indent),
        })
    }

    fn item<V: Serialize + ?Sized>(&mut self, value: &V) -> Result<()> {
        self.next_line();
        self.out.push_str("- ");
        value.serialize(Writer {
            out: self.out,
            at: At::Dash(self.indent),
        })
    }

    fn finish(self) -> Result<()> {
        if self.empty {
            if let At::Key(_) = self.start {
                self.out.push(' ');
            }
            self.out.push_str(if self.map { "{}\n" } else { "[]\n" });
        }
        Ok(())
    }
}

/// Writes `s` as a YAML scalar in the first safe style: plain, single-quoted, double-quoted.
pub(super) fn scalar(out: &mut String, s: &str) {
    match style(s) {
        Style::Double => double_quoted(out, s),
        Style::Plain => out.push_str(s),
        Style::Single => {
            out.push('\'');
            let mut rest = s;
            while let Some(i) = rest.find('\'') {
                out.push_str(&rest[..=i]);
                out.push('\'');
                rest = &rest[i + 1..];
            }
            out.push_str(rest);
            out.push('\'');
        }
    }
}

enum Style {
    Plain,
    Single,
    Double,
}

/// The style `s` needs, in one pass over its bytes for the common (ASCII) case.
fn style(s: &str) -> Style {
    let b = s.as_bytes();
    let mut structure = false; // `: ` or ` #` inside
    let mut wide = false;
    let mut prev = 0u8;
    for &c in b {
        match c {
            0..=0x1f | 0x7f => return Style::Double,
            b' ' if prev == b':' => structure = true,
            b'#' if prev == b' ' => structure = true,
            0x80.. => wide = true,
            _ => {}
        }
        prev = c;
    }
    if wide && s.chars().any(needs_escape) {
        return Style::Double;
    }
    if structure || !plain_is_safe(b) || super::yaml11_misreads(s) {
        Style::Single
    } else {
        Style::Plain
    }
}

/// Characters written as an escape: everything YAML 1.1 does not call printable, and the line
/// breaks and tab, which would otherwise fold or end the scalar.
fn needs_escape(c: char) -> bool {
    matches!(c,
        '\0'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{feff}'
        | '\u{fffe}' | '\u{ffff}')
}

fn double_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if needs_escape(c) => {
                let n = u32::from(c);
                // writing into a String cannot fail
                let _ = if n <= 0xff {
                    write!(out, "\\x{n:02X}")
                } else {
                    write!(out, "\\u{n:04X}")
                };
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Whether the ends of `b` (printable, one line, without `: ` and ` #` inside) let it be
/// written plain, as a key or a block value, by the structure rules of YAML 1.1 and 1.2 (what
/// the value resolves to is [`super::yaml11_misreads`]'s question).
fn plain_is_safe(b: &[u8]) -> bool {
    let (Some(&first), Some(&last)) = (b.first(), b.last()) else {
        return false;
    };
    if first == b' ' || last == b' ' || last == b':' {
        return false;
    }
    match first {
        // `-x`, `?x`, `:x` are plain; `- x`, `? x`, `: x` are structure
        b'-' | b'?' | b':' => b.get(1).is_some_and(|&c| c != b' ') && !b.starts_with(b"---"),
        b'.' => !b.starts_with(b"..."),
        b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\''
        | b'"' | b'%' | b'@' | b'`' => false,
        _ => true,
    }
}

/// Serializes a map key: a scalar on one line, at most [`MAX_KEY_CHARS`] long.
struct KeyWriter<'a> {
    out: &'a mut String,
}

impl KeyWriter<'_> {
    fn text(self, s: &str) -> Result<()> {
        let start = self.out.len();
        scalar(self.out, s);
        // bytes bound characters: count only when the bytes could be too many
        if self.out.len() - start > MAX_KEY_CHARS {
            let written = self.out[start..].chars().count();
            if written > MAX_KEY_CHARS {
                self.out.truncate(start);
                let shown: String = s.chars().take(40).collect();
                return Err(WriteError(format!(
                    "a mapping key of {written} characters is longer than YAML allows \
                     ({MAX_KEY_CHARS}): `{}…`",
                    shown.escape_debug()
                )));
            }
        }
        Ok(())
    }
}

// writing into a String cannot fail
macro_rules! display_scalars {
    ($($method:ident: $ty:ty),*) => {
        $(fn $method(self, v: $ty) -> Result<()> {
            self.line(|out| { let _ = write!(out, "{v}"); })
        })*
    };
}

macro_rules! display_keys {
    ($($method:ident: $ty:ty),*) => {
        $(fn $method(self, v: $ty) -> Result<()> {
            let _ = write!(self.out, "{v}");
            Ok(())
        })*
    };
}

/// A float in a form both YAML versions read as a float: `.inf`, `.nan`, `1.0`, `1.0e+100`.
fn float_text(v: f64) -> String {
    if v.is_nan() {
        return ".nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { ".inf" } else { "-.inf" }.into();
    }
    let s = format!("{v:?}");
    match s.split_once('e') {
        None => s,
        Some((mantissa, exp)) => {
            let dot = if mantissa.contains('.') { "" } else { ".0" };
            let sign = if exp.starts_with('-') { "" } else { "+" };
            format!("{mantissa}{dot}e{sign}{exp}")
        }
    }
}

impl<'a> ser::Serializer for Writer<'a> {
    type Ok = ();
    type Error = WriteError;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = ser::Impossible<(), WriteError>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = ser::Impossible<(), WriteError>;

    fn serialize_bool(self, v: bool) -> Result<()> {
        self.scalar_text(if v { "true" } else { "false" })
    }

    display_scalars!(
        serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_i128: i128, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
        serialize_u64: u64, serialize_u128: u128
    );

    fn serialize_f32(self, v: f32) -> Result<()> {
        self.serialize_f64(f64::from(v))
    }

    fn serialize_f64(self, v: f64) -> Result<()> {
        self.scalar_text(&float_text(v))
    }

    fn serialize_char(self, v: char) -> Result<()> {
        self.string(v.encode_utf8(&mut [0; 4]))
    }

    fn serialize_str(self, v: &str) -> Result<()> {
        self.string(v)
    }

    fn serialize_bytes(self, _: &[u8]) -> Result<()> {
        Err(WriteError("bytes have no YAML form here".into()))
    }

    fn serialize_none(self) -> Result<()> {
        self.scalar_text("null")
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<()> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<()> {
        self.scalar_text("null")
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<()> {
        self.scalar_text("null")
    }

    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<()> {
        self.string(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<()> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<()> {
        let mut map = self.collection(true);
        map.key(variant)?;
        map.value(value)?;
        map.finish()
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Compound<'a>> {
        Ok(self.collection(false))
    }

    fn serialize_tuple(self, _: usize) -> Result<Compound<'a>> {
        Ok(self.collection(false))
    }

    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Compound<'a>> {
        Ok(self.collection(false))
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(unsupported_variant(variant))
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Compound<'a>> {
        Ok(self.collection(true))
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Compound<'a>> {
        Ok(self.collection(true))
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(unsupported_variant(variant))
    }
}

/// Sequences, tuples and tuple structs are all written as YAML sequences.
macro_rules! sequence_like {
    ($($trait:ident :: $method:ident),*) => {$(
        impl ser::$trait for Compound<'_> {
            type Ok = ();
            type Error = WriteError;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
                self.item(value)
            }
            fn end(self) -> Result<()> {
                self.finish()
            }
        }
    )*};
}

sequence_like!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field
);

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = WriteError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<()> {
        self.key(key)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.value(value)
    }
    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl ser::SerializeStruct for Compound<'_> {
    type Ok = ();
    type Error = WriteError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<()> {
        // field names are the compose file's own keys: identifiers, always plain
        debug_assert!(matches!(style(key), Style::Plain), "{key}");
        self.next_line();
        self.out.push_str(key);
        self.out.push(':');
        self.value(value)
    }
    fn end(self) -> Result<()> {
        self.finish()
    }
}

fn unsupported_variant(variant: &str) -> WriteError {
    WriteError(format!(
        "enum variant `{variant}` with several fields has no YAML form here"
    ))
}

impl ser::Serializer for KeyWriter<'_> {
    type Ok = ();
    type Error = WriteError;
    type SerializeSeq = ser::Impossible<(), WriteError>;
    type SerializeTuple = ser::Impossible<(), WriteError>;
    type SerializeTupleStruct = ser::Impossible<(), WriteError>;
    type SerializeTupleVariant = ser::Impossible<(), WriteError>;
    type SerializeMap = ser::Impossible<(), WriteError>;
    type SerializeStruct = ser::Impossible<(), WriteError>;
    type SerializeStructVariant = ser::Impossible<(), WriteError>;

    fn serialize_bool(self, v: bool) -> Result<()> {
        self.out.push_str(if v { "true" } else { "false" });
        Ok(())
    }

    display_keys!(
        serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_i128: i128, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
        serialize_u64: u64, serialize_u128: u128
    );

    fn serialize_f32(self, v: f32) -> Result<()> {
        self.serialize_f64(f64::from(v))
    }

    fn serialize_f64(self, v: f64) -> Result<()> {
        self.out.push_str(&float_text(v));
        Ok(())
    }

    fn serialize_char(self, v: char) -> Result<()> {
        self.text(v.encode_utf8(&mut [0; 4]))
    }

    fn serialize_str(self, v: &str) -> Result<()> {
        self.text(v)
    }

    fn serialize_bytes(self, _: &[u8]) -> Result<()> {
        Err(not_a_key("bytes"))
    }

    fn serialize_none(self) -> Result<()> {
        self.out.push_str("null");
        Ok(())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<()> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<()> {
        self.serialize_none()
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<()> {
        self.serialize_none()
    }

    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<()> {
        self.text(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<()> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<()> {
        Err(not_a_key("an enum variant with a value"))
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq> {
        Err(not_a_key("a sequence"))
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple> {
        Err(not_a_key("a tuple"))
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct> {
        Err(not_a_key("a tuple"))
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(unsupported_variant(variant))
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap> {
        Err(not_a_key("a mapping"))
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct> {
        Err(not_a_key("a mapping"))
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(unsupported_variant(variant))
    }
}

fn not_a_key(what: &str) -> WriteError {
    WriteError(format!("a YAML mapping key must be a scalar, not {what}"))
}
