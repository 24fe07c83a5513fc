//! Our JSON value type and writer.
//!
//! Why not `serde_json`: clients depend on the byte-level conventions of PHP's `json_encode`
//! (`protocol.md` §8) and on the J2ME client's parser limits (`client-j2me.md` §5.4): lowercase
//! `\uXXXX` escapes for everything outside ASCII unless the client asked for raw UTF-8, unescaped
//! slashes, never `\u005c`, insertion-ordered keys, no whitespace. `serde_json` writes raw UTF-8
//! and cannot be told otherwise.
//!
//! "Absent", `null` and `false` are three different things on the wire (the client tests several
//! flags with `has`), so [`Object`] offers [`Object::insert_some`] and [`Object::flag`] to make
//! leaving a key out the easy path.

use std::fmt::Write as _;

/// A JSON value as we emit it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// Every integer we write fits in signed 64 bits (`client-j2me.md` §5.4 rule 4).
    Int(i64),
    /// Only inside raw Telegram objects; written like PHP does (`1.0` → `1`, `1e25` → `1.0e+25`).
    Float(f64),
    Str(String),
    Array(Vec<Value>),
    Object(Object),
}

/// A JSON object whose keys keep insertion order (PHP arrays do; `models.md` lists keys in the
/// reference's order).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Object {
    entries: Vec<(String, Value)>,
}

/// How to write a response: chosen per request (`X-mpgram-unicode` / `utf`, `pretty`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Encoding {
    /// Write non-ASCII as raw UTF-8 (except U+2028/U+2029), instead of `\uXXXX` escapes.
    pub unicode: bool,
    /// PHP `JSON_PRETTY_PRINT` layout (4 spaces, `"key": value`).
    pub pretty: bool,
}

impl Encoding {
    /// The default answer: pure ASCII, no whitespace. What every phone can read.
    pub const ASCII: Self = Self {
        unicode: false,
        pretty: false,
    };
    /// Raw UTF-8 for clients that sent `X-mpgram-unicode` or `utf`.
    pub const UNICODE: Self = Self {
        unicode: true,
        pretty: false,
    };
}

impl Value {
    /// A peer/user/chat ID in the string form the models use (`models.md` §2): `"-1001234567890"`.
    pub fn id(id: i64) -> Self {
        Value::Str(id.to_string())
    }

    /// A string from bytes that may not be valid UTF-8: invalid sequences become U+FFFD, because an
    /// encoder failure would send an empty body (`protocol.md` §8.3).
    pub fn from_utf8_lossy(bytes: &[u8]) -> Self {
        Value::Str(String::from_utf8_lossy(bytes).into_owned())
    }

    /// An unsigned 64-bit number: as a JSON integer when it fits `i64`, else as a decimal string,
    /// since no client can read a number above 2^63 (`client-j2me.md` §5.4 rule 4).
    pub fn from_u64(n: u64) -> Self {
        i64::try_from(n).map_or_else(|_| Value::Str(n.to_string()), Value::Int)
    }

    pub fn as_object(&self) -> Option<&Object> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Serialises into a new buffer.
    pub fn to_vec(&self, enc: Encoding) -> Vec<u8> {
        let mut out = Vec::with_capacity(128);
        self.write_to(&mut out, enc);
        out
    }

    /// Serialises into a `String` (the output is always valid UTF-8).
    pub fn to_json_string(&self, enc: Encoding) -> String {
        let mut out = String::with_capacity(128);
        write_value(&mut out, self, enc, 0);
        out
    }

    /// Appends the serialised value to `out`.
    pub fn write_to(&self, out: &mut Vec<u8>, enc: Encoding) {
        // Writing into a String keeps the escaping code on `char`s; the copy is cheap next to a
        // network write.
        out.extend_from_slice(self.to_json_string(enc).as_bytes());
    }
}

impl Object {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_capacity(n: usize) -> Self {
        Self {
            entries: Vec::with_capacity(n),
        }
    }

    /// Sets `key`. An existing key keeps its position and gets the new value (PHP array semantics),
    /// so an object never holds a key twice.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<Value>) -> &mut Self {
        let key = key.into();
        let value = value.into();
        if let Some(slot) = self.entries.iter_mut().find(|(k, _)| *k == key) {
            slot.1 = value;
        } else {
            self.entries.push((key, value));
        }
        self
    }

    /// Builder form of [`Object::insert`].
    #[must_use]
    pub fn with(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.insert(key, value);
        self
    }

    /// Sets `key` only when there is a value: optional fields are omitted, not `null`
    /// (`protocol.md` §8.5).
    pub fn insert_some<V: Into<Value>>(
        &mut self,
        key: impl Into<String>,
        value: Option<V>,
    ) -> &mut Self {
        if let Some(v) = value {
            self.insert(key, v);
        }
        self
    }

    /// Writes `key: true` only when `on`; flags are present only when true (`client-j2me.md` §5.3).
    pub fn flag(&mut self, key: impl Into<String>, on: bool) -> &mut Self {
        if on {
            self.insert(key, true);
        }
        self
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Removes `key`, keeping the order of the others.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let pos = self.entries.iter().position(|(k, _)| k == key)?;
        Some(self.entries.remove(pos).1)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Serialises the object (see [`Value::to_vec`]).
    pub fn to_vec(&self, enc: Encoding) -> Vec<u8> {
        let mut out = String::with_capacity(128);
        write_object(&mut out, self, enc, 0);
        out.into_bytes()
    }
}

impl FromIterator<(String, Value)> for Object {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Self {
        let mut o = Object::new();
        for (k, v) in iter {
            o.insert(k, v);
        }
        o
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

macro_rules! from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(n: $t) -> Self {
                Value::Int(i64::from(n))
            }
        }
    )*};
}
from_int!(i8, i16, i32, i64, u8, u16, u32);

impl From<u64> for Value {
    fn from(n: u64) -> Self {
        Value::from_u64(n)
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Self {
        Value::Float(f)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(s)
    }
}

impl From<&String> for Value {
    fn from(s: &String) -> Self {
        Value::Str(s.clone())
    }
}

impl From<Object> for Value {
    fn from(o: Object) -> Self {
        Value::Object(o)
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(v: Vec<T>) -> Self {
        Value::Array(v.into_iter().map(Into::into).collect())
    }
}

/// `None` is JSON `null`: for the few fields that are present as `null` (`fn`/`ln`, media
/// `size`, …). Use [`Object::insert_some`] to omit a key instead.
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

fn write_value(out: &mut String, v: &Value, enc: Encoding, depth: usize) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Int(n) => {
            let _ = write!(out, "{n}");
        }
        Value::Float(f) => write_php_float(out, *f),
        Value::Str(s) => write_str(out, s, enc.unicode),
        Value::Array(items) => {
            if items.is_empty() {
                // Never `[ ]`: the tree parser crashes on whitespace in an empty container.
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline_indent(out, enc, depth + 1);
                write_value(out, item, enc, depth + 1);
            }
            newline_indent(out, enc, depth);
            out.push(']');
        }
        Value::Object(o) => write_object(out, o, enc, depth),
    }
}

fn write_object(out: &mut String, o: &Object, enc: Encoding, depth: usize) {
    if o.entries.is_empty() {
        out.push_str("{}");
        return;
    }
    out.push('{');
    for (i, (k, v)) in o.entries.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        newline_indent(out, enc, depth + 1);
        write_str(out, k, enc.unicode);
        out.push(':');
        if enc.pretty {
            out.push(' ');
        }
        write_value(out, v, enc, depth + 1);
    }
    newline_indent(out, enc, depth);
    out.push('}');
}

fn newline_indent(out: &mut String, enc: Encoding, depth: usize) {
    if enc.pretty {
        out.push('\n');
        for _ in 0..depth {
            out.push_str("    ");
        }
    }
}

/// Writes a JSON string with PHP's escaping (`protocol.md` §8.1–8.2), except that backspace and
/// form feed are written `\u0008`/`\u000c` instead of `\b`/`\f`: the J2ME stream parser misreads
/// the short forms as letters (`client-j2me.md` §5.4 rule 6), and both decode the same.
fn write_str(out: &mut String, s: &str, unicode: bool) {
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => push_u_escape(out, c as u16),
            c if c.is_ascii() => out.push(c),
            // PHP keeps these two escaped even with JSON_UNESCAPED_UNICODE (they end JavaScript
            // lines).
            '\u{2028}' | '\u{2029}' => push_u_escape(out, ch as u16),
            c if unicode => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    push_u_escape(out, *unit);
                }
            }
        }
    }
    out.push('"');
}

fn push_u_escape(out: &mut String, unit: u16) {
    let _ = write!(out, "\\u{unit:04x}");
}

/// Formats a float the way PHP's `json_encode` does with `serialize_precision = -1`
/// (`php_gcvt` with 17 significant digits, shortest round-trip digits): fixed notation when the
/// decimal exponent is in `-4 < e < 17`, without a trailing `.0`; otherwise `d.ddde±x` with at
/// least one fractional digit.
fn write_php_float(out: &mut String, f: f64) {
    if !f.is_finite() {
        // PHP refuses NaN/Inf and would send an empty body; a valid document is better (§8.3).
        out.push('0');
        return;
    }
    if f == 0.0 {
        out.push_str(if f.is_sign_negative() { "-0" } else { "0" });
        return;
    }
    if f < 0.0 {
        out.push('-');
    }
    // Rust's `{:e}` gives the shortest round-trip digits: "1.2345e4", "5e-1".
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    // php_gcvt's `decpt`: value = 0.DIGITS × 10^decpt.
    let decpt = exp + 1;
    if !(-3..=17).contains(&decpt) {
        let (first, rest) = digits.split_at(1);
        out.push_str(first);
        out.push('.');
        out.push_str(if rest.is_empty() { "0" } else { rest });
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let _ = write!(out, "{}", exp.unsigned_abs());
    } else if decpt <= 0 {
        out.push_str("0.");
        for _ in 0..decpt.unsigned_abs() {
            out.push('0');
        }
        out.push_str(&digits);
    } else {
        let decpt = decpt.unsigned_abs() as usize;
        if digits.len() <= decpt {
            out.push_str(&digits);
            for _ in digits.len()..decpt {
                out.push('0');
            }
        } else {
            out.push_str(&digits[..decpt]);
            out.push('.');
            out.push_str(&digits[decpt..]);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "in tests a panic is the failure report")]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ascii(v: impl Into<Value>) -> String {
        v.into().to_json_string(Encoding::ASCII)
    }

    #[test]
    fn user_example_from_models_is_byte_exact() {
        let user = Object::new()
            .with("id", Value::id(123_456_789))
            .with("fn", "Ivan")
            .with("ln", "Petrov")
            .with("name", "ivanp")
            .with("p", true)
            .with("s", true)
            .with("w", 0);
        assert_eq!(
            ascii(user),
            r#"{"id":"123456789","fn":"Ivan","ln":"Petrov","name":"ivanp","p":true,"s":true,"w":0}"#
        );
    }

    #[test]
    fn absent_null_and_false_are_distinct() {
        let mut o = Object::new();
        o.insert("id", Value::id(555_000_111))
            .insert("fn", None::<String>)
            .insert_some("name", None::<String>)
            .flag("p", false)
            .flag("k", true)
            .insert("out", false);
        assert_eq!(
            ascii(o),
            r#"{"id":"555000111","fn":null,"k":true,"out":false}"#
        );
    }

    #[test]
    fn channel_ids_are_strings_and_big_numbers_stay_integers() {
        let o = Object::new()
            .with("peer_id", Value::id(-1_001_234_567_890))
            .with("group", 13_893_512_366_617_845_i64)
            .with("min", i64::MIN)
            .with("huge", u64::MAX);
        assert_eq!(
            ascii(o),
            r#"{"peer_id":"-1001234567890","group":13893512366617845,"min":-9223372036854775808,"huge":"18446744073709551615"}"#
        );
    }

    #[test]
    fn non_ascii_is_lowercase_utf16_escapes_by_default() {
        assert_eq!(
            ascii("Привет 😀"),
            r#""\u041f\u0440\u0438\u0432\u0435\u0442 \ud83d\ude00""#
        );
        assert_eq!(ascii("é€"), r#""\u00e9\u20ac""#);
    }

    #[test]
    fn unicode_mode_writes_raw_utf8_but_keeps_line_separators_escaped() {
        let v = Value::from("Привет 😀 \u{2028}\u{2029}");
        assert_eq!(
            v.to_json_string(Encoding::UNICODE),
            "\"Привет 😀 \\u2028\\u2029\""
        );
    }

    #[test]
    fn slashes_quotes_backslashes_and_controls() {
        assert_eq!(ascii("https://t.me/x"), r#""https://t.me/x""#);
        assert_eq!(ascii("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(ascii("\n\r\t"), r#""\n\r\t""#);
        // \b and \f in their \u form: the stream parser misreads the short escapes.
        assert_eq!(
            ascii("\u{8}\u{c}\u{0}\u{1f}"),
            r#""\u0008\u000c\u0000\u001f""#
        );
        assert_eq!(ascii("\u{7f}<>&'"), "\"\u{7f}<>&'\"");
        assert!(!ascii("\\").contains("u005c"));
    }

    #[test]
    fn empty_containers_have_no_whitespace_even_when_pretty() {
        let o = Object::new()
            .with("dialogs", Vec::<Value>::new())
            .with("m", Object::new());
        assert_eq!(ascii(o.clone()), r#"{"dialogs":[],"m":{}}"#);
        let pretty = Encoding {
            unicode: false,
            pretty: true,
        };
        assert_eq!(
            Value::from(o).to_json_string(pretty),
            "{\n    \"dialogs\": [],\n    \"m\": {}\n}"
        );
    }

    #[test]
    fn pretty_print_matches_php_layout() {
        let o = Object::new()
            .with(
                "res",
                vec![Value::from(1), Object::new().with("a", "b").into()],
            )
            .with("x", Value::Null);
        let pretty = Encoding {
            unicode: false,
            pretty: true,
        };
        assert_eq!(
            Value::from(o).to_json_string(pretty),
            "{\n    \"res\": [\n        1,\n        {\n            \"a\": \"b\"\n        }\n    ],\n    \"x\": null\n}"
        );
    }

    #[test]
    fn insert_replaces_in_place_and_remove_keeps_order() {
        let mut o = Object::new().with("a", 1).with("b", 2).with("c", 3);
        o.insert("a", 9);
        assert_eq!(ascii(o.clone()), r#"{"a":9,"b":2,"c":3}"#);
        assert_eq!(o.remove("b"), Some(Value::Int(2)));
        assert_eq!(ascii(o), r#"{"a":9,"c":3}"#);
    }

    #[test]
    fn floats_follow_php_json_encode() {
        let cases: &[(f64, &str)] = &[
            (1.0, "1"),
            (1e25, "1.0e+25"),
            (0.1, "0.1"),
            (-2.5, "-2.5"),
            (55.755_826, "55.755826"),
            (0.0001, "0.0001"),
            (0.000_01, "1.0e-5"),
            (1.5e-7, "1.5e-7"),
            (1e16, "10000000000000000"),
            (1e17, "1.0e+17"),
            (123_456.789, "123456.789"),
            (0.0, "0"),
            (f64::NAN, "0"),
        ];
        for (f, want) in cases {
            assert_eq!(ascii(*f), *want, "{f}");
        }
    }

    #[test]
    fn invalid_utf8_becomes_replacement_character() {
        assert_eq!(ascii(Value::from_utf8_lossy(b"a\xffb")), r#""a\ufffdb""#);
    }

    fn arb_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::Int),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::Float),
            any::<String>().prop_map(Value::Str),
            "[\\x00-\\x7f\u{80}-\u{7ff}\u{2028}\u{2029}\u{10000}-\u{10ffff}]{0,8}"
                .prop_map(Value::Str),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec((any::<String>(), inner), 0..6)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    fn to_serde(v: &Value) -> serde_json::Value {
        match v {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Int(n) => serde_json::Value::from(*n),
            Value::Float(f) => serde_json::Value::from(*f),
            Value::Str(s) => serde_json::Value::from(s.clone()),
            Value::Array(a) => serde_json::Value::Array(a.iter().map(to_serde).collect()),
            Value::Object(o) => serde_json::Value::Object(
                o.iter().map(|(k, v)| (k.to_owned(), to_serde(v))).collect(),
            ),
        }
    }

    /// `serde_json` reads `-0`/`1` as integers where we wrote a float; compare numbers by value.
    fn same(a: &serde_json::Value, b: &serde_json::Value) -> bool {
        use serde_json::Value as J;
        match (a, b) {
            (J::Number(x), J::Number(y)) => {
                if x.is_f64() || y.is_f64() {
                    x.as_f64() == y.as_f64()
                } else {
                    x == y
                }
            }
            (J::Array(x), J::Array(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
            }
            (J::Object(x), J::Object(y)) => {
                x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
            }
            _ => a == b,
        }
    }

    proptest! {
        #[test]
        fn output_parses_back_to_the_same_value(v in arb_value(), unicode: bool, pretty: bool) {
            let enc = Encoding { unicode, pretty };
            let bytes = v.to_vec(enc);
            let parsed: serde_json::Value = serde_json::from_slice(&bytes)
                .map_err(|e| TestCaseError::fail(format!("{e}: {}", String::from_utf8_lossy(&bytes))))?;
            prop_assert!(same(&to_serde(&v), &parsed), "{} vs {:?}", String::from_utf8_lossy(&bytes), v);
        }

        #[test]
        fn default_output_is_pure_ascii_without_backslash_u_escape(v in arb_value()) {
            let bytes = v.to_vec(Encoding::ASCII);
            prop_assert!(bytes.is_ascii());
            prop_assert!(!bytes.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u005c")));
            prop_assert!(!bytes.iter().any(|&b| b < 0x20));
            // No whitespace outside strings: every space/tab/newline is inside a string literal,
            // and literals never hold raw control characters, so only 0x20 may appear at all.
            prop_assert!(!bytes.iter().any(|&b| b == b'\n' || b == b'\t' || b == b'\r'));
        }
    }
}
