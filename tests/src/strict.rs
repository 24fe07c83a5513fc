//! A strict JSON parser that fails on everything the real J2ME client would choke on
//! (`spec/client-j2me.md` §5, §13). Every end-to-end test runs API answers through it.
//!
//! It accepts the intersection of RFC 8259 JSON and what *both* client parsers (stream and tree)
//! read correctly, so it is stricter than either one alone:
//!
//! | rejected | why |
//! |---|---|
//! | UTF-8 BOM | both parsers crash |
//! | top level not an object | every caller casts to `JSONObject` |
//! | bytes after the value (other than whitespace) | tree parser crashes |
//! | `{ }` / `[ ]` (whitespace inside an empty container) | tree parser crashes |
//! | trailing commas | `[1, ]` crashes the tree parser; not JSON anyway |
//! | raw NUL / raw control characters | stream parser stops at NUL; not JSON |
//! | `\u005c` | stream parser's string state machine breaks |
//! | `\b`, `\f` | stream parser misreads them as letters |
//! | `\u` with fewer than 4 hex digits, unknown escapes, lone surrogates | crash / garbage |
//! | escapes in object keys | tree parser does not unescape keys |
//! | integers outside signed 64 bits | tree parser crashes |
//! | non-ASCII bytes unless the request asked for Unicode | phones without the header read ISO-8859-1 |
//! | invalid UTF-8 | never valid output |
//! | duplicate keys | the client takes the last; our writer never writes one, so it is a bug |
//! | `error` that is not an object with a string `message` | crashes the client's error handler |
//!
//! Numbers with a fraction, an exponent, or `-0` parse as [`Json::Number`] (the client keeps them
//! as strings), so [`Json::get_int`] on them fails the way the client's `getInt` does.

use std::fmt;

/// A parsed value, as the client sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    /// An integer the client reads as `Integer`/`Long`.
    Int(i64),
    /// A number with `.`, `e`/`E` or `-0`: the client keeps its text as a string.
    Number(String),
    Str(String),
    Array(Vec<Json>),
    /// Keys in document order.
    Object(Vec<(String, Json)>),
}

/// What the client would choke on, and where (byte offset).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("byte {at}: {problem}")]
pub struct StrictError {
    pub at: usize,
    pub problem: Problem,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("UTF-8 byte order mark")]
    Bom,
    #[error("top-level value is not an object")]
    NotObject,
    #[error("bytes after the JSON value")]
    TrailingBytes,
    #[error("whitespace inside an empty container")]
    WhitespaceInEmpty,
    #[error("trailing comma")]
    TrailingComma,
    #[error("raw NUL byte")]
    RawNul,
    #[error("raw control character in a string")]
    ControlChar,
    #[error("non-ASCII byte in a body that must be pure ASCII")]
    NonAscii,
    #[error("invalid UTF-8")]
    InvalidUtf8,
    #[error("\\u005c escape")]
    BackslashAsUnicodeEscape,
    #[error("\\b or \\f escape (misread by the stream parser)")]
    MisreadEscape,
    #[error("unknown escape")]
    UnknownEscape,
    #[error("\\u escape without 4 hex digits")]
    ShortUnicodeEscape,
    #[error("lone UTF-16 surrogate")]
    LoneSurrogate,
    #[error("escape sequence in an object key")]
    EscapeInKey,
    #[error("integer outside signed 64 bits")]
    IntegerTooBig,
    #[error("invalid number")]
    BadNumber,
    #[error("duplicate key {0:?}")]
    DuplicateKey(String),
    #[error("`error` is not an object with a string `message`")]
    BadErrorObject,
    #[error("nesting too deep")]
    TooDeep,
    #[error("unexpected {0}")]
    Unexpected(String),
}

/// A typed access the client would fail (`JSONObject.getInt` and friends).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    #[error("no value for name {0:?}")]
    Missing(String),
    #[error("{key:?} is {got}, client reads it as {want}")]
    WrongType {
        key: String,
        want: &'static str,
        got: String,
    },
}

const MAX_DEPTH: usize = 256;

/// Parses an API answer as the J2ME client would, `unicode` = the request carried
/// `X-mpgram-unicode` (else the body must be pure ASCII).
pub fn parse(body: &[u8], unicode: bool) -> Result<Json, StrictError> {
    let mut p = Parser {
        b: body,
        i: 0,
        unicode,
    };
    if body.starts_with(b"\xEF\xBB\xBF") {
        return Err(p.err(Problem::Bom));
    }
    p.skip_ws();
    if p.peek() != Some(b'{') {
        return Err(p.err(Problem::NotObject));
    }
    let v = p.value(0)?;
    p.skip_ws();
    if p.i != body.len() {
        return Err(p.err(Problem::TrailingBytes));
    }
    if let Some(e) = v.get("error") {
        let ok = matches!(e, Json::Object(_))
            && matches!(e.get("message"), Some(Json::Str(_)))
            && matches!(e.get("stack_trace"), None | Some(Json::Str(_)));
        if !ok {
            return Err(StrictError {
                at: 0,
                problem: Problem::BadErrorObject,
            });
        }
    }
    Ok(v)
}

/// Parses an answer and panics with a readable message if the client would choke on it.
/// `error.message` of an MPGram error object.
pub fn error_message(j: &Json) -> Option<String> {
    j.get("error")?.get_string("message").ok().flatten()
}

/// `"1".equals(getString("res"))`: the client accepts the number 1 or the string "1".
pub fn res_is_one(j: &Json) -> bool {
    j.get_string("res").ok().flatten().as_deref() == Some("1")
}

/// A string field the test needs, read as the client reads it; panics naming the key otherwise.
pub fn string_field(j: &Json, key: &str) -> String {
    j.get_string(key)
        .unwrap_or_else(|e| panic!("{key}: {e}"))
        .unwrap_or_else(|| panic!("{key} is null"))
}

pub fn assert_client_ok(body: &[u8], unicode: bool) -> Json {
    match parse(body, unicode) {
        Ok(v) => v,
        Err(e) => {
            let from = e.at.saturating_sub(40);
            let to = (e.at + 40).min(body.len());
            panic!(
                "the J2ME client would choke on this answer: {e}\n  near: {:?}",
                String::from_utf8_lossy(&body[from..to])
            )
        }
    }
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
    unicode: bool,
}

impl Parser<'_> {
    fn err(&self, problem: Problem) -> StrictError {
        StrictError {
            at: self.i,
            problem,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn unexpected(&self) -> StrictError {
        let what = match self.peek() {
            None => "end of input".to_owned(),
            Some(0) => return self.err(Problem::RawNul),
            Some(c) if c.is_ascii_graphic() => format!("{:?}", c as char),
            Some(c) => format!("byte 0x{c:02x}"),
        };
        self.err(Problem::Unexpected(what))
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, StrictError> {
        if depth > MAX_DEPTH {
            return Err(self.err(Problem::TooDeep));
        }
        match self.peek() {
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => self.string(false).map(Json::Str),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't') => self.literal("true", Json::Bool(true)),
            Some(b'f') => self.literal("false", Json::Bool(false)),
            Some(b'n') => self.literal("null", Json::Null),
            _ => Err(self.unexpected()),
        }
    }

    fn literal(&mut self, word: &str, v: Json) -> Result<Json, StrictError> {
        if self.b[self.i..].starts_with(word.as_bytes()) {
            self.i += word.len();
            Ok(v)
        } else {
            Err(self.unexpected())
        }
    }

    /// After `{` or `[`: whitespace followed by the closing bracket is the tree parser's crash.
    fn empty_container(&mut self, close: u8) -> Result<bool, StrictError> {
        let start = self.i;
        self.skip_ws();
        if self.peek() == Some(close) {
            if self.i != start {
                self.i = start;
                return Err(self.err(Problem::WhitespaceInEmpty));
            }
            self.i += 1;
            return Ok(true);
        }
        Ok(false)
    }

    fn object(&mut self, depth: usize) -> Result<Json, StrictError> {
        self.i += 1;
        let mut entries: Vec<(String, Json)> = Vec::new();
        if self.empty_container(b'}')? {
            return Ok(Json::Object(entries));
        }
        loop {
            self.skip_ws();
            if self.peek() == Some(b'}') {
                return Err(self.err(Problem::TrailingComma));
            }
            if self.peek() != Some(b'"') {
                return Err(self.unexpected());
            }
            let key_at = self.i;
            let key = self.string(true)?;
            if entries.iter().any(|(k, _)| *k == key) {
                return Err(StrictError {
                    at: key_at,
                    problem: Problem::DuplicateKey(key),
                });
            }
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(self.unexpected());
            }
            self.i += 1;
            self.skip_ws();
            let v = self.value(depth + 1)?;
            entries.push((key, v));
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Json::Object(entries));
                }
                _ => return Err(self.unexpected()),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Json, StrictError> {
        self.i += 1;
        let mut items = Vec::new();
        if self.empty_container(b']')? {
            return Ok(Json::Array(items));
        }
        loop {
            self.skip_ws();
            if self.peek() == Some(b']') {
                return Err(self.err(Problem::TrailingComma));
            }
            items.push(self.value(depth + 1)?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(Json::Array(items));
                }
                _ => return Err(self.unexpected()),
            }
        }
    }

    fn hex4(&mut self) -> Result<u16, StrictError> {
        let digits = self.b.get(self.i..self.i + 4).unwrap_or(&[]);
        if digits.len() != 4 || !digits.iter().all(u8::is_ascii_hexdigit) {
            return Err(self.err(Problem::ShortUnicodeEscape));
        }
        let text = std::str::from_utf8(digits).unwrap_or("0");
        let v = u16::from_str_radix(text, 16).map_err(|_| self.err(Problem::ShortUnicodeEscape))?;
        self.i += 4;
        Ok(v)
    }

    fn string(&mut self, is_key: bool) -> Result<String, StrictError> {
        self.i += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(self.unexpected());
            };
            match c {
                b'"' => {
                    self.i += 1;
                    return Ok(out);
                }
                0 => return Err(self.err(Problem::RawNul)),
                c if c < 0x20 => return Err(self.err(Problem::ControlChar)),
                b'\\' => {
                    if is_key {
                        return Err(self.err(Problem::EscapeInKey));
                    }
                    self.escape(&mut out)?;
                }
                c if c < 0x80 => {
                    out.push(c as char);
                    self.i += 1;
                }
                _ => {
                    if !self.unicode {
                        return Err(self.err(Problem::NonAscii));
                    }
                    let len = match c {
                        0xC2..=0xDF => 2,
                        0xE0..=0xEF => 3,
                        0xF0..=0xF4 => 4,
                        _ => return Err(self.err(Problem::InvalidUtf8)),
                    };
                    let chunk = self.b.get(self.i..self.i + len).unwrap_or(&[]);
                    let s =
                        std::str::from_utf8(chunk).map_err(|_| self.err(Problem::InvalidUtf8))?;
                    out.push_str(s);
                    self.i += len;
                }
            }
        }
    }

    fn escape(&mut self, out: &mut String) -> Result<(), StrictError> {
        let at = self.i;
        self.i += 1;
        let Some(e) = self.peek() else {
            return Err(self.unexpected());
        };
        self.i += 1;
        match e {
            b'"' => out.push('"'),
            b'\\' => out.push('\\'),
            b'/' => out.push('/'),
            b'n' => out.push('\n'),
            b'r' => out.push('\r'),
            b't' => out.push('\t'),
            b'b' | b'f' => {
                return Err(StrictError {
                    at,
                    problem: Problem::MisreadEscape,
                })
            }
            b'u' => {
                let unit = self.hex4()?;
                let lone = StrictError {
                    at,
                    problem: Problem::LoneSurrogate,
                };
                match unit {
                    0x5C => {
                        return Err(StrictError {
                            at,
                            problem: Problem::BackslashAsUnicodeEscape,
                        })
                    }
                    0xD800..=0xDBFF => {
                        if !self.b[self.i..].starts_with(b"\\u") {
                            return Err(lone);
                        }
                        self.i += 2;
                        let low = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return Err(lone);
                        }
                        let cp = 0x10000
                            + ((u32::from(unit) - 0xD800) << 10)
                            + (u32::from(low) - 0xDC00);
                        out.push(char::from_u32(cp).ok_or(lone)?);
                    }
                    0xDC00..=0xDFFF => return Err(lone),
                    _ => out.push(char::from_u32(u32::from(unit)).ok_or(lone)?),
                }
            }
            _ => {
                return Err(StrictError {
                    at,
                    problem: Problem::UnknownEscape,
                })
            }
        }
        Ok(())
    }

    fn number(&mut self) -> Result<Json, StrictError> {
        let start = self.i;
        let digits = |p: &mut Self| {
            let s = p.i;
            while matches!(p.peek(), Some(b'0'..=b'9')) {
                p.i += 1;
            }
            p.i - s
        };
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        let int_start = self.i;
        let n = digits(self);
        if n == 0 || (n > 1 && self.b[int_start] == b'0') {
            self.i = start;
            return Err(self.err(Problem::BadNumber));
        }
        let mut float = false;
        if self.peek() == Some(b'.') {
            self.i += 1;
            if digits(self) == 0 {
                return Err(self.err(Problem::BadNumber));
            }
            float = true;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if digits(self) == 0 {
                return Err(self.err(Problem::BadNumber));
            }
            float = true;
        }
        let text = std::str::from_utf8(&self.b[start..self.i]).unwrap_or_default();
        if float || text == "-0" {
            return Ok(Json::Number(text.to_owned()));
        }
        text.parse::<i64>().map(Json::Int).map_err(|_| StrictError {
            at: start,
            problem: Problem::IntegerTooBig,
        })
    }
}

impl Json {
    /// The member `key` of an object (`None` for missing keys and non-objects).
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// `JSONObject.has`: true even when the value is `null`.
    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    fn require(&self, key: &str) -> Result<&Json, AccessError> {
        self.get(key)
            .ok_or_else(|| AccessError::Missing(key.to_owned()))
    }

    fn wrong(key: &str, want: &'static str, got: &Json) -> AccessError {
        AccessError::WrongType {
            key: key.to_owned(),
            want,
            got: got.kind().to_owned(),
        }
    }

    /// The JSON type name, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "boolean",
            Json::Int(_) => "integer",
            Json::Number(_) => "non-integer number",
            Json::Str(_) => "string",
            Json::Array(_) => "array",
            Json::Object(_) => "object",
        }
    }

    /// `getInt`: only a JSON integer, and it must fit signed 32 bits (the client truncates
    /// silently otherwise, which we count as a failure).
    pub fn get_int(&self, key: &str) -> Result<i32, AccessError> {
        match self.require(key)? {
            Json::Int(n) => {
                i32::try_from(*n).map_err(|_| Self::wrong(key, "32-bit int", &Json::Int(*n)))
            }
            other => Err(Self::wrong(key, "int", other)),
        }
    }

    /// `getLong`: only a JSON integer.
    pub fn get_long(&self, key: &str) -> Result<i64, AccessError> {
        match self.require(key)? {
            Json::Int(n) => Ok(*n),
            other => Err(Self::wrong(key, "long", other)),
        }
    }

    /// `getString`: any scalar converts to its text; `null` is `None`; a missing key fails.
    pub fn get_string(&self, key: &str) -> Result<Option<String>, AccessError> {
        Ok(match self.require(key)? {
            Json::Null => None,
            Json::Str(s) | Json::Number(s) => Some(s.clone()),
            Json::Int(n) => Some(n.to_string()),
            Json::Bool(b) => Some(b.to_string()),
            other => Some(other.kind().to_owned()),
        })
    }

    /// `getBoolean`: `true`/`false` or the strings `"true"`/`"false"`; `1`/`0` fail.
    pub fn get_bool(&self, key: &str) -> Result<bool, AccessError> {
        match self.require(key)? {
            Json::Bool(b) => Ok(*b),
            Json::Str(s) if s == "true" => Ok(true),
            Json::Str(s) if s == "false" => Ok(false),
            other => Err(Self::wrong(key, "boolean", other)),
        }
    }

    /// `getObject`: must be an object (the client's `null` result would crash at next use).
    pub fn get_object(&self, key: &str) -> Result<&Json, AccessError> {
        match self.require(key)? {
            v @ Json::Object(_) => Ok(v),
            other => Err(Self::wrong(key, "object", other)),
        }
    }

    /// `getArray`: must be an array.
    pub fn get_array(&self, key: &str) -> Result<&[Json], AccessError> {
        match self.require(key)? {
            Json::Array(items) => Ok(items),
            other => Err(Self::wrong(key, "array", other)),
        }
    }

    /// `isNull`: fails on a missing key, like the client.
    pub fn is_null(&self, key: &str) -> Result<bool, AccessError> {
        Ok(matches!(self.require(key)?, Json::Null))
    }
}

impl fmt::Display for Json {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Json::Null => f.write_str("null"),
            Json::Bool(b) => write!(f, "{b}"),
            Json::Int(n) => write!(f, "{n}"),
            Json::Number(s) => f.write_str(s),
            Json::Str(s) => write!(f, "{s:?}"),
            Json::Array(items) => {
                f.write_str("[")?;
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str("]")
            }
            Json::Object(entries) => {
                f.write_str("{")?;
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{k:?}:{v}")?;
                }
                f.write_str("}")
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "in tests a panic is the failure report")]
mod tests {
    use super::*;

    fn problem(body: &str) -> Problem {
        parse(body.as_bytes(), false)
            .expect_err("the strict parser accepted it")
            .problem
    }

    fn ok(body: &str) -> Json {
        parse(body.as_bytes(), false).unwrap_or_else(|e| panic!("{body}: {e}"))
    }

    #[test]
    fn rejects_what_crashes_the_client() {
        assert_eq!(problem("\u{feff}{}"), Problem::Bom);
        assert_eq!(problem("[]"), Problem::NotObject);
        assert_eq!(problem("\"x\""), Problem::NotObject);
        assert_eq!(problem("{}x"), Problem::TrailingBytes);
        assert_eq!(problem("{}{}"), Problem::TrailingBytes);
        assert_eq!(problem("{ }"), Problem::WhitespaceInEmpty);
        assert_eq!(problem(r#"{"a":[ ]}"#), Problem::WhitespaceInEmpty);
        assert_eq!(problem("{\"a\":[\n]}"), Problem::WhitespaceInEmpty);
        assert_eq!(problem(r#"{"a":[1, ]}"#), Problem::TrailingComma);
        assert_eq!(problem(r#"{"a":[1,]}"#), Problem::TrailingComma);
        assert_eq!(problem(r#"{"a":1,}"#), Problem::TrailingComma);
        assert_eq!(problem("{\"a\":\"x\0\"}"), Problem::RawNul);
        assert_eq!(problem("{\"a\":1}\0"), Problem::TrailingBytes);
        assert_eq!(problem("{\"a\":\"x\ny\"}"), Problem::ControlChar);
        assert_eq!(
            problem(r#"{"a":"\u005c"}"#),
            Problem::BackslashAsUnicodeEscape
        );
        assert_eq!(
            problem(r#"{"a":"\u005C"}"#),
            Problem::BackslashAsUnicodeEscape
        );
        assert_eq!(problem(r#"{"a":"\b"}"#), Problem::MisreadEscape);
        assert_eq!(problem(r#"{"a":"\f"}"#), Problem::MisreadEscape);
        assert_eq!(problem(r#"{"a":"\q"}"#), Problem::UnknownEscape);
        assert_eq!(problem(r#"{"a":"\'"}"#), Problem::UnknownEscape);
        assert_eq!(problem(r#"{"a":"\u12"}"#), Problem::ShortUnicodeEscape);
        assert_eq!(problem(r#"{"a":"\ud83d"}"#), Problem::LoneSurrogate);
        assert_eq!(problem(r#"{"a":"\ude00"}"#), Problem::LoneSurrogate);
        assert_eq!(problem(r#"{"\u0061":1}"#), Problem::EscapeInKey);
        assert_eq!(
            problem(r#"{"a":9223372036854775808}"#),
            Problem::IntegerTooBig
        );
        assert_eq!(
            problem(r#"{"a":-9223372036854775809}"#),
            Problem::IntegerTooBig
        );
        assert_eq!(problem(r#"{"a":01}"#), Problem::BadNumber);
        assert_eq!(problem(r#"{"a":+1}"#), Problem::Unexpected("'+'".into()));
        assert_eq!(problem(r#"{"a":0x1F}"#), Problem::Unexpected("'x'".into()));
        assert_eq!(problem(r#"{"a":NaN}"#), Problem::Unexpected("'N'".into()));
        assert_eq!(problem(r#"{"a":tru}"#), Problem::Unexpected("'t'".into()));
        assert_eq!(
            problem(r#"{"a":1,"a":2}"#),
            Problem::DuplicateKey("a".into())
        );
        assert_eq!(problem(r#"{"error":"text"}"#), Problem::BadErrorObject);
        assert_eq!(
            problem(r#"{"error":{"message":null}}"#),
            Problem::BadErrorObject
        );
        assert_eq!(problem(r#"{"error":{}}"#), Problem::BadErrorObject);
        assert_eq!(problem(""), Problem::NotObject);
        assert_eq!(
            problem("{\"a\":"),
            Problem::Unexpected("end of input".into())
        );
        assert_eq!(problem(&"[".repeat(300)), Problem::NotObject);
        assert_eq!(
            problem(&format!("{{\"a\":{}", "[".repeat(300))),
            Problem::TooDeep
        );
    }

    #[test]
    fn non_ascii_needs_the_unicode_header_and_valid_utf8() {
        let raw = "{\"t\":\"Привет\"}";
        assert_eq!(
            parse(raw.as_bytes(), false).unwrap_err().problem,
            Problem::NonAscii
        );
        assert_eq!(
            parse(raw.as_bytes(), true).unwrap().get("t"),
            Some(&Json::Str("Привет".into()))
        );
        assert_eq!(
            parse(b"{\"t\":\"\xff\"}", true).unwrap_err().problem,
            Problem::InvalidUtf8
        );
        assert_eq!(
            parse(b"{\"t\":\"\xed\xa0\xbd\"}", true)
                .unwrap_err()
                .problem,
            Problem::InvalidUtf8
        );
    }

    #[test]
    fn accepts_what_the_client_reads() {
        // Keep-alive spaces before the body, whitespace after it, pretty printing.
        let v = ok("   \r\n{\n    \"res\": [\n        1,\n        {}\n    ]\n}\n ");
        assert_eq!(v.get_array("res").unwrap().len(), 2);
        let v = ok(r#"{"a":[],"b":{},"s":"q\"\\\/\n\r\t\u00e9\ud83d\ude00\u0008","n":null}"#);
        assert_eq!(v.get_string("s").unwrap().unwrap(), "q\"\\/\n\r\té😀\u{8}");
        assert!(v.is_null("n").unwrap());
        let v = ok(r#"{"min":-9223372036854775808,"max":9223372036854775807,"f":1.0e+25,"z":-0}"#);
        assert_eq!(v.get_long("min").unwrap(), i64::MIN);
        assert_eq!(v.get("f"), Some(&Json::Number("1.0e+25".into())));
        assert_eq!(v.get("z"), Some(&Json::Number("-0".into())));
        let v = ok(r#"{"error":{"message":"Invalid authorization","stack_trace":"x"}}"#);
        assert!(v.has("error"));
    }

    #[test]
    fn typed_access_matches_the_client_accessors() {
        let v = ok(
            r#"{"id":"5","n":5,"big":3000000000,"f":5.0,"t":true,"ts":"true","one":1,"nul":null,"o":{},"a":[]}"#,
        );
        assert_eq!(v.get_int("n"), Ok(5));
        assert!(v.get_int("id").is_err(), "quoted integers fail getInt");
        assert!(v.get_int("f").is_err(), "floats fail getInt");
        assert!(v.get_int("big").is_err(), "beyond 32 bits");
        assert_eq!(v.get_long("big"), Ok(3_000_000_000));
        assert_eq!(v.get_bool("t"), Ok(true));
        assert_eq!(v.get_bool("ts"), Ok(true));
        assert!(
            v.get_bool("one").is_err(),
            "1 is not a boolean to the client"
        );
        assert_eq!(v.get_string("n"), Ok(Some("5".into())));
        assert_eq!(v.get_string("nul"), Ok(None));
        assert_eq!(
            v.get_string("missing"),
            Err(AccessError::Missing("missing".into()))
        );
        assert!(
            v.is_null("missing").is_err(),
            "isNull throws on a missing key"
        );
        assert!(v.has("nul"), "has() is true for null");
        assert!(v.get_object("o").is_ok() && v.get_object("nul").is_err());
        assert!(v.get_array("a").is_ok() && v.get_array("o").is_err());
    }

    #[test]
    #[should_panic(expected = "would choke")]
    fn assert_client_ok_panics_with_context() {
        assert_client_ok(b"{ }", false);
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::float_cmp,
    reason = "in tests a panic is the failure report; round trips must be exact"
)]
mod writer_agreement {
    //! Our JSON writer's output must always pass the strict parser and read back the same.
    use super::{parse, Json};
    use mpgram::api::json::{Encoding, Object, Value};
    use proptest::prelude::*;

    fn arb_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::Int),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::Float),
            any::<String>().prop_map(Value::Str),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                // Keys as the API writes them: field names and decimal ids.
                prop::collection::vec(("-?[a-z0-9_]{0,8}", inner), 0..6)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    fn same(ours: &Value, theirs: &Json) -> bool {
        match (ours, theirs) {
            (Value::Null, Json::Null) => true,
            (Value::Bool(a), Json::Bool(b)) => a == b,
            (Value::Int(a), Json::Int(b)) => a == b,
            (Value::Float(a), Json::Number(s)) => s.parse::<f64>().ok() == Some(*a),
            (Value::Float(a), Json::Int(b)) => *a == *b as f64,
            (Value::Str(a), Json::Str(b)) => a == b,
            (Value::Array(a), Json::Array(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
            }
            (Value::Object(a), Json::Object(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b)
                        .all(|((ka, va), (kb, vb))| ka == kb && same(va, vb))
            }
            _ => false,
        }
    }

    proptest! {
        #[test]
        fn writer_output_passes_the_client_rules(v in arb_value(), unicode: bool, pretty: bool) {
            let top = Value::Object(Object::new().with("res", v));
            let bytes = top.to_vec(Encoding { unicode, pretty });
            let parsed = parse(&bytes, unicode)
                .map_err(|e| TestCaseError::fail(format!("{e}: {}", String::from_utf8_lossy(&bytes))))?;
            prop_assert!(same(&top, &parsed), "{}", String::from_utf8_lossy(&bytes));
        }
    }
}

/// Written back in document order (so JSON snapshots show the keys as the phone receives them).
impl serde::Serialize for Json {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self {
            Json::Null => s.serialize_unit(),
            Json::Bool(b) => s.serialize_bool(*b),
            Json::Int(n) => s.serialize_i64(*n),
            Json::Number(text) => match text.parse::<f64>() {
                Ok(f) => s.serialize_f64(f),
                Err(_) => s.serialize_str(text),
            },
            Json::Str(t) => s.serialize_str(t),
            Json::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Json::Object(entries) => {
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}
