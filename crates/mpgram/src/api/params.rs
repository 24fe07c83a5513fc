//! Request parameters (`protocol.md` §2): query string, urlencoded or multipart POST body, and
//! the `user` cookie, merged with the reference's precedence, plus typed getters that produce the
//! spec's errors.
//!
//! Text values are decoded leniently: the J2ME client percent-encodes characters outside the BMP
//! as two encoded surrogates (CESU-8, `client-j2me.md` §3.3), which we join back into the real
//! code point; other invalid bytes become U+FFFD. Nothing here ever fails the request: a broken
//! body is treated like PHP treats it, as parameters that are not there.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use percent_encoding::percent_decode;

use super::error::ApiError;
use super::json::Encoding;
use super::version::{ApiVersion, MIN_LOGIN_VERSION};

/// The parts of an HTTP request that parameters come from. Pass an empty `body` for anything but
/// `POST` (PHP parses only POST bodies).
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestInput<'a> {
    /// The raw query string, without `?`.
    pub query: &'a str,
    /// The `Content-Type` header of the request.
    pub content_type: Option<&'a str>,
    /// The whole request body (already de-chunked and size-limited by the server).
    pub body: &'a [u8],
    /// The `Cookie` header, if any.
    pub cookie: Option<&'a str>,
}

/// A multipart part with a file name, named `file` (the only upload the send methods read).
#[derive(Debug, Clone)]
pub struct UploadedFile {
    /// The client's file name (raw UTF-8 on J2ME), decoded leniently.
    pub file_name: String,
    pub content_type: Option<String>,
    pub data: FileData,
}

/// An upload's bytes: in memory (parsed from a body already read), or in an unnamed temporary
/// file (streamed from the socket, so a 20 MiB upload does not sit in memory).
#[derive(Debug, Clone)]
pub enum FileData {
    Memory(Bytes),
    Disk {
        file: std::sync::Arc<std::fs::File>,
        len: u64,
        /// The first bytes, for content sniffing.
        head: Bytes,
    },
}

/// How many leading bytes [`FileData::head`] keeps (enough for every magic number `infer` knows).
pub const FILE_HEAD: usize = 8192;

impl FileData {
    pub fn len(&self) -> u64 {
        match self {
            Self::Memory(b) => b.len() as u64,
            Self::Disk { len, .. } => *len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The first bytes (up to [`FILE_HEAD`]).
    pub fn head(&self) -> &[u8] {
        match self {
            Self::Memory(b) => &b[..b.len().min(FILE_HEAD)],
            Self::Disk { head, .. } => head,
        }
    }

    /// All the bytes in memory (voice conversion reads the whole recording).
    pub async fn to_bytes(&self) -> std::io::Result<Bytes> {
        match self {
            Self::Memory(b) => Ok(b.clone()),
            Self::Disk { file, len, .. } => {
                let file = std::sync::Arc::clone(file);
                let len = usize::try_from(*len).unwrap_or(usize::MAX);
                tokio::task::spawn_blocking(move || read_at(&file, 0, len).map(Bytes::from))
                    .await
                    .map_err(std::io::Error::other)?
            }
        }
    }

    /// A reader from the first byte (call within the runtime: a disk file is read by a task).
    pub fn reader(&self) -> std::io::Result<Box<dyn tokio::io::AsyncRead + Send + Unpin>> {
        match self {
            Self::Memory(b) => Ok(Box::new(std::io::Cursor::new(b.clone()))),
            Self::Disk { file, .. } => {
                // The file is read on the blocking pool and handed over through a small pipe,
                // so at most a piece or two of it are in memory at a time.
                const PIECE: usize = 128 * 1024;
                let (reader, mut writer) = tokio::io::duplex(PIECE);
                let file = std::sync::Arc::clone(file);
                tokio::spawn(async move {
                    use tokio::io::AsyncWriteExt as _;
                    let mut offset = 0u64;
                    loop {
                        let f = std::sync::Arc::clone(&file);
                        let piece =
                            tokio::task::spawn_blocking(move || read_at(&f, offset, PIECE)).await;
                        let Ok(Ok(piece)) = piece else { break };
                        if piece.is_empty() || writer.write_all(&piece).await.is_err() {
                            break;
                        }
                        offset += piece.len() as u64;
                    }
                });
                Ok(Box::new(reader))
            }
        }
    }
}

/// Up to `len` bytes of `file` from `offset` (positioned reads: the file's cursor is not used).
fn read_at(file: &std::fs::File, offset: u64, len: usize) -> std::io::Result<Vec<u8>> {
    let mut buf = vec![0; len];
    let mut filled = 0;
    while filled < len {
        #[cfg(unix)]
        let n =
            std::os::unix::fs::FileExt::read_at(file, &mut buf[filled..], offset + filled as u64)?;
        #[cfg(windows)]
        let n = std::os::windows::fs::FileExt::seek_read(
            file,
            &mut buf[filled..],
            offset + filled as u64,
        )?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    buf.truncate(filled);
    Ok(buf)
}

/// The merged parameter table (`PARAMS` of the reference).
#[derive(Debug, Clone, Default)]
pub struct Params {
    values: Table,
    /// At least one GET or POST text parameter: the cookie and files do not count (§4 step 3).
    any_request_param: bool,
    file: Option<UploadedFile>,
}

/// Name → value, a later value replacing an earlier one. Nearly every request carries a handful
/// of parameters: those live in a short list (no hashing, one allocation); a table that grows
/// past [`SMALL_TABLE`] moves to a map, so a body of many thousand names stays linear.
#[derive(Debug, Clone)]
enum Table {
    Small(Vec<(String, String)>),
    Large(HashMap<String, String>),
}

/// Most names a [`Table::Small`] holds.
const SMALL_TABLE: usize = 16;

impl Default for Table {
    fn default() -> Self {
        Self::Small(Vec::new())
    }
}

impl Table {
    fn insert(&mut self, name: String, value: String) {
        match self {
            Self::Small(list) => {
                if let Some(slot) = list.iter_mut().find(|(k, _)| *k == name) {
                    slot.1 = value;
                } else if list.len() < SMALL_TABLE {
                    list.push((name, value));
                } else {
                    let mut map: HashMap<String, String> =
                        std::mem::take(list).into_iter().collect();
                    map.insert(name, value);
                    *self = Self::Large(map);
                }
            }
            Self::Large(map) => {
                map.insert(name, value);
            }
        }
    }

    fn names(&self) -> Box<dyn Iterator<Item = &str> + '_> {
        match self {
            Self::Small(list) => Box::new(list.iter().map(|(k, _)| k.as_str())),
            Self::Large(map) => Box::new(map.keys().map(String::as_str)),
        }
    }

    fn get(&self, name: &str) -> Option<&str> {
        match self {
            Self::Small(list) => list
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str()),
            Self::Large(map) => map.get(name).map(String::as_str),
        }
    }
}

/// Body content types we parse; anything else (JSON, …) is ignored like PHP does.
enum BodyKind {
    UrlEncoded,
    Multipart(String),
    Other,
}

impl Params {
    /// Builds the table: query, then body parameters replacing same-named query ones, then the
    /// `user` cookie replacing any `user` parameter.
    pub fn parse(input: &RequestInput<'_>) -> Self {
        Self::parse_inner(input, None)
    }

    /// [`Params::parse`] with the body as shared bytes (`input.body` must be the same bytes):
    /// a multipart upload is then parsed without another copy of the whole body.
    pub fn parse_shared(input: &RequestInput<'_>, body: &Bytes) -> Self {
        Self::parse_inner(input, Some(body))
    }

    fn parse_inner(input: &RequestInput<'_>, shared: Option<&Bytes>) -> Self {
        let (fields, file) = if input.body.is_empty() {
            (Vec::new(), None)
        } else {
            match body_kind(input.content_type) {
                BodyKind::UrlEncoded => (parse_urlencoded(input.body), None),
                BodyKind::Multipart(boundary) => {
                    let body = shared
                        .filter(|b| b.len() == input.body.len())
                        .cloned()
                        .unwrap_or_else(|| Bytes::copy_from_slice(input.body));
                    parse_multipart(boundary, body)
                }
                BodyKind::Other => (Vec::new(), None),
            }
        };
        Self::assemble(input.query, fields, file, input.cookie)
    }

    /// The table from a body parsed elsewhere (a streamed multipart upload): query, then body
    /// fields replacing same-named query ones, then the `user` cookie replacing any `user`.
    pub fn assemble(
        query: &str,
        body_fields: Vec<(String, String)>,
        file: Option<UploadedFile>,
        cookie: Option<&str>,
    ) -> Self {
        let mut params = Params::default();
        for (k, v) in parse_urlencoded(query.as_bytes())
            .into_iter()
            .chain(body_fields)
        {
            params.any_request_param = true;
            params.values.insert(k, v);
        }
        params.file = file;
        if let Some(user) = cookie.and_then(|c| cookie_value(c, "user")) {
            params.values.insert("user".to_owned(), user);
        }
        params
    }

    /// Builds a table from name/value pairs (tests and internal calls).
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        let mut params = Params::default();
        for (k, v) in pairs {
            params.any_request_param = true;
            params.values.insert(k.into(), v.into());
        }
        params
    }

    /// Pipeline steps 3, 5, 6, 7 in the reference's order: some parameter, `method` set, `v`
    /// non-empty, `v` in range.
    pub fn method_and_version(&self) -> Result<(&str, ApiVersion), ApiError> {
        if !self.any_request_param {
            return Err(ApiError::NoParameters);
        }
        let method = self.get("method").ok_or(ApiError::NoMethod)?;
        let version = version_param(self.get("v"))?;
        Ok((method, version))
    }

    /// The value if the parameter is *set* (present, even empty).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name)
    }

    /// Every parameter's name, in no set order (a form whose names carry an index).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.values.names()
    }

    /// *set*: present, even with an empty value.
    pub fn is_set(&self, name: &str) -> bool {
        self.values.get(name).is_some()
    }

    /// The value if the parameter is *non-empty*: present and neither `""` nor `"0"`.
    pub fn non_empty(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.is_empty() && *v != "0")
    }

    /// An on/off flag (`read`, `media`, `text`, …): on when *non-empty* (`media=false` is on).
    pub fn flag(&self, name: &str) -> bool {
        self.non_empty(name).is_some()
    }

    /// A required parameter checked with *non-empty* (`Required parameter '<name>' is not set`).
    pub fn required(&self, name: &str) -> Result<&str, ApiError> {
        self.non_empty(name)
            .ok_or_else(|| ApiError::MissingParam(name.to_owned()))
    }

    /// A required parameter checked only with *set* (the empty string passes).
    pub fn required_set(&self, name: &str) -> Result<&str, ApiError> {
        self.get(name)
            .ok_or_else(|| ApiError::MissingParam(name.to_owned()))
    }

    /// A declared integer parameter (`offset_id`, `limit`, …, §2.3): `None` when absent; must be
    /// PHP-numeric (`Given parameter '<name>' is not integer`), then truncated (`"1.9"` → 1).
    pub fn int(&self, name: &str) -> Result<Option<i64>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => numeric(v, false)
                .map(Some)
                .ok_or_else(|| ApiError::NotInteger(name.to_owned())),
        }
    }

    /// [`Params::int`] with a default for an absent parameter.
    pub fn int_or(&self, name: &str, default: i64) -> Result<i64, ApiError> {
        Ok(self.int(name)?.unwrap_or(default))
    }

    /// Other numbers (`peer`, `id`, `max`, …): PHP's lenient `(int)` cast, `None` when absent.
    pub fn lenient(&self, name: &str) -> Option<i64> {
        self.get(name).map(lenient_int)
    }

    /// The `user` token as a parameter (cookie > POST > GET); see [`super::auth`] for the header.
    pub fn user(&self) -> Option<&str> {
        self.get("user")
    }

    /// The uploaded `file` part of a multipart POST.
    pub fn file(&self) -> Option<&UploadedFile> {
        self.file.as_ref()
    }

    /// `fields` (the reference's `checkField`): without `fields`, every default part (all but
    /// `raw`); with it, only the listed names (exact, comma-separated, no trimming).
    pub fn selects(&self, part: &str) -> bool {
        match self.get("fields") {
            None => part != "raw",
            Some(list) => list.split(',').any(|p| p == part),
        }
    }

    /// Whether to produce the `users`/`chats` map `part`: `exclude_peers` (if set) wins over
    /// `fields`.
    pub fn selects_peers(&self, part: &str) -> bool {
        !self.is_set("exclude_peers") && self.selects(part)
    }

    /// JSON encoding for the answer: raw UTF-8 if the `X-mpgram-unicode` header is present or
    /// `utf` is set; pretty if `pretty` is set.
    pub fn encoding(&self, unicode_header_present: bool) -> Encoding {
        Encoding {
            unicode: unicode_header_present || self.is_set("utf"),
            pretty: self.is_set("pretty"),
        }
    }
}

/// Whether a body of this content type is multipart (and its boundary).
pub fn multipart_boundary(content_type: Option<&str>) -> Option<String> {
    match body_kind(content_type) {
        BodyKind::Multipart(b) => Some(b),
        _ => None,
    }
}

fn body_kind(content_type: Option<&str>) -> BodyKind {
    let Some(ct) = content_type else {
        return BodyKind::Other;
    };
    let essence = ct.split(';').next().unwrap_or("").trim();
    if essence.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        BodyKind::UrlEncoded
    } else if essence.eq_ignore_ascii_case("multipart/form-data") {
        match multer::parse_boundary(ct) {
            Ok(b) => BodyKind::Multipart(b),
            Err(_) => BodyKind::Other,
        }
    } else {
        BodyKind::Other
    }
}

/// `a=1&b=x+y&c` → `[("a","1"),("b","x y"),("c","")]`. Duplicates are returned in order; the caller's
/// map keeps the last (PHP). Pieces with an empty name are dropped (PHP does the same).
pub fn parse_urlencoded(input: &[u8]) -> Vec<(String, String)> {
    input
        .split(|&b| b == b'&')
        .filter(|piece| !piece.is_empty())
        .filter_map(|piece| {
            let (k, v) = match piece.iter().position(|&b| b == b'=') {
                Some(i) => (&piece[..i], &piece[i + 1..]),
                None => (piece, &b""[..]),
            };
            let k = form_decode(k);
            (!k.is_empty()).then(|| (k, form_decode(v)))
        })
        .collect()
}

/// `+` is a space, then percent-decoding, then lenient UTF-8/CESU-8.
fn form_decode(raw: &[u8]) -> String {
    // Most names and values (`method=me`, `v=12`, a token) need no decoding: one copy.
    if !raw.iter().any(|&b| b == b'+' || b == b'%') {
        return decode_text(raw);
    }
    let plus_fixed: Vec<u8> = raw
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    let bytes: Vec<u8> = percent_decode(&plus_fixed).collect();
    decode_text(&bytes)
}

/// Decodes UTF-8, joining CESU-8 surrogate pairs (`ED A0 BD ED B8 80` → 😀, what the J2ME client
/// sends for emoji) and replacing anything else invalid with U+FFFD.
pub fn decode_text(bytes: &[u8]) -> String {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return s.to_owned();
    }
    let mut out = String::with_capacity(bytes.len());
    let mut rest = bytes;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                out.push_str(s);
                break;
            }
            Err(e) => {
                let (valid, bad) = rest.split_at(e.valid_up_to());
                out.push_str(std::str::from_utf8(valid).unwrap_or_default());
                if let Some(c) = cesu_pair(bad) {
                    out.push(c);
                    rest = &bad[6..];
                } else if is_encoded_surrogate(bad) {
                    // A lone surrogate: one replacement for its three bytes.
                    out.push('\u{FFFD}');
                    rest = &bad[3..];
                } else {
                    out.push('\u{FFFD}');
                    let skip = e.error_len().unwrap_or(bad.len()).max(1);
                    rest = &bad[skip.min(bad.len())..];
                }
            }
        }
    }
    out
}

fn is_encoded_surrogate(b: &[u8]) -> bool {
    b.len() >= 3 && b[0] == 0xED && (0xA0..=0xBF).contains(&b[1]) && (0x80..=0xBF).contains(&b[2])
}

fn cesu_pair(b: &[u8]) -> Option<char> {
    if b.len() < 6 || !is_encoded_surrogate(b) || !is_encoded_surrogate(&b[3..]) {
        return None;
    }
    let unit = |s: &[u8]| 0xD000 | (u32::from(s[1] & 0x3F) << 6) | u32::from(s[2] & 0x3F);
    let (hi, lo) = (unit(b), unit(&b[3..]));
    if !(0xD800..0xDC00).contains(&hi) || !(0xDC00..0xE000).contains(&lo) {
        return None;
    }
    char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
}

/// The first cookie named `name` (PHP keeps the first of duplicates), URL-decoded like PHP does.
pub(crate) fn cookie_value(header: &str, name: &str) -> Option<String> {
    header.split(';').find_map(|pair| {
        let (k, v) = pair.trim_start().split_once('=')?;
        (k.trim_end() == name).then(|| form_decode(v.trim().as_bytes()))
    })
}

/// Text fields and the `file` upload of a multipart body. Parsing stops quietly at the first
/// malformed part, keeping what came before (PHP keeps what it could parse too).
fn parse_multipart(boundary: String, body: Bytes) -> (Vec<(String, String)>, Option<UploadedFile>) {
    let stream = futures_util::stream::iter([Ok::<Bytes, Infallible>(body)]);
    let mut multipart = multer::Multipart::new(stream, boundary);
    let work = async move {
        let mut fields = Vec::new();
        let mut file = None;
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(e) => {
                    tracing::debug!("multipart body cut short: {e}");
                    break;
                }
            };
            let Some(name) = field.name().map(str::to_owned) else {
                continue;
            };
            let file_name = field.file_name().map(str::to_owned);
            let content_type = field.content_type().map(ToString::to_string);
            let data = match field.bytes().await {
                Ok(d) => d,
                Err(e) => {
                    tracing::debug!("multipart part unreadable: {e}");
                    break;
                }
            };
            match file_name {
                Some(file_name) if name == "file" => {
                    file = Some(UploadedFile {
                        file_name,
                        content_type,
                        data: FileData::Memory(data),
                    });
                }
                Some(_) => {}
                None => fields.push((name, decode_text(&data))),
            }
        }
        (fields, file)
    };
    poll_ready(work).unwrap_or_default()
}

/// Runs a future that never waits: the multipart stream is a single in-memory chunk, so every
/// poll inside multer is immediately ready. `None` if it ever pended (it would never wake).
fn poll_ready<F: Future>(fut: F) -> Option<F::Output> {
    let mut fut = pin!(fut);
    match fut.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => Some(v),
        Poll::Pending => None,
    }
}

/// PHP's `is_numeric` + `(int)` (strict) or `(int)` alone (lenient, longest numeric prefix).
/// Returns `None` in strict mode when the whole string is not numeric.
fn numeric(s: &str, lenient: bool) -> Option<i64> {
    const WS: &[u8] = b" \t\n\r\x0b\x0c";
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && WS.contains(&b[i]) {
        i += 1;
    }
    let start = i;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = i - int_start;
    let mut is_float = false;
    let mut frac_digits = 0;
    if i < b.len() && b[i] == b'.' {
        let mut j = i + 1;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        frac_digits = j - i - 1;
        if int_digits + frac_digits > 0 {
            is_float = true;
            i = j;
        }
    }
    if int_digits + frac_digits == 0 {
        return if lenient { Some(0) } else { None };
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let mut j = i + 1;
        if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
            j += 1;
        }
        let exp_start = j;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        if j > exp_start {
            is_float = true;
            i = j;
        }
    }
    let end = i;
    if !lenient {
        // PHP 8 allows trailing whitespace only.
        if !b[end..].iter().all(|c| WS.contains(c)) {
            return None;
        }
    }
    let text = &s[start..end];
    if !is_float {
        if let Ok(n) = text.parse::<i64>() {
            return Some(n);
        }
    }
    // Fractions, exponents and integer overflow go through a double and saturate, as PHP's
    // `zend_dval_to_lval_cap`; infinity becomes 0 like there.
    let f: f64 = text.parse().unwrap_or(0.0);
    Some(if f.is_finite() { f as i64 } else { 0 })
}

/// PHP's `is_numeric`.
pub fn is_php_numeric(s: &str) -> bool {
    numeric(s, false).is_some()
}

/// Steps 6–7 of the pipeline: `v` must be non-empty (not `""`/`"0"`), then its lenient
/// integer cast must be in `2..=12` (`"11abc"` is 11, `"abc"` is 0 and refused).
pub fn version_param(raw: Option<&str>) -> Result<ApiVersion, ApiError> {
    let raw = match raw {
        Some(s) if !s.is_empty() && s != "0" => s,
        _ => return Err(ApiError::MissingParam("v".into())),
    };
    ApiVersion::new(lenient_int(raw)).ok_or(ApiError::UnsupportedVersion)
}

/// Login methods (`phoneLogin`, `initLogin`, `resendCode`, `completePhoneLogin`, `qrLogin`,
/// `complete2faLogin`) refuse older clients with HTTP 403.
pub fn check_login_version(v: ApiVersion) -> Result<(), ApiError> {
    if v.get() >= MIN_LOGIN_VERSION {
        Ok(())
    } else {
        Err(ApiError::LoginUnsupportedVersion)
    }
}

/// PHP's `(int)` cast of a string: `"7abc"` → 7, `"abc"` → 0, `"1e3"` → 1000, `" -5"` → -5.
pub fn lenient_int(s: &str) -> i64 {
    numeric(s, true).unwrap_or(0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "in tests a panic is the failure report")]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn input<'a>(query: &'a str, ct: Option<&'a str>, body: &'a [u8]) -> RequestInput<'a> {
        RequestInput {
            query,
            content_type: ct,
            body,
            cookie: None,
        }
    }

    #[test]
    fn the_last_value_wins_in_a_short_list_and_past_it() {
        let mut query: Vec<String> = (0..40).map(|i| format!("p{i}={i}")).collect();
        query.push("p3=again".into());
        query.push("p30=again".into());
        let p = Params::parse(&input(&query.join("&"), None, b""));
        assert_eq!(
            p.get("p3"),
            Some("again"),
            "replaced while the list was short"
        );
        assert_eq!(p.get("p30"), Some("again"), "replaced in the map");
        assert_eq!(p.get("p39"), Some("39"));
        assert_eq!(p.get("p40"), None);
        let short = Params::parse(&input("a=1&b=2&a=3", None, b""));
        assert_eq!((short.get("a"), short.get("b")), (Some("3"), Some("2")));
    }

    #[test]
    fn undecoded_and_decoded_values_agree() {
        let p = Params::parse(&input(
            "a=x+y&b=%C3%A9&c=plain&d=%ED%A0%BD%ED%B8%80",
            None,
            b"",
        ));
        assert_eq!(p.get("a"), Some("x y"));
        assert_eq!(p.get("b"), Some("é"));
        assert_eq!(p.get("c"), Some("plain"));
        assert_eq!(p.get("d"), Some("😀"));
    }

    const J2ME_CT: &str =
        "multipart/form-data; charset=UTF-8; boundary=---------------------------12345678901";
    const B: &str = "---------------------------12345678901";

    #[test]
    fn query_parameters_decode_plus_percent_and_bare_keys() {
        let p = Params::parse(&input("v=12&method=getDialogs&q=a+b%20c&a&e=", None, b""));
        assert_eq!(p.get("q"), Some("a b c"));
        assert_eq!(p.get("a"), Some(""));
        assert!(p.is_set("e"));
        assert_eq!(p.method_and_version().unwrap().0, "getDialogs");
    }

    #[test]
    fn cesu8_emoji_from_the_j2me_client_decodes_to_the_real_code_point() {
        let p = Params::parse(&input("text=hi%20%ED%A0%BD%ED%B8%80", None, b""));
        assert_eq!(p.get("text"), Some("hi 😀"));
        let p = Params::parse(&input("text=%ED%A0%BDx%FF", None, b""));
        assert_eq!(p.get("text"), Some("\u{FFFD}x\u{FFFD}"));
    }

    #[test]
    fn last_duplicate_wins_and_body_beats_query_and_cookie_beats_all() {
        let p = Params::parse(&RequestInput {
            query: "peer=1&peer=2&user=fromquery&text=q",
            content_type: Some("application/x-www-form-urlencoded"),
            body: b"text=body&user=frombody",
            cookie: Some("lang=en; user=fromcookie; user=second"),
        });
        assert_eq!(p.get("peer"), Some("2"));
        assert_eq!(p.get("text"), Some("body"));
        assert_eq!(p.user(), Some("fromcookie"));
    }

    #[test]
    fn cookie_alone_does_not_count_as_a_parameter() {
        let p = Params::parse(&RequestInput {
            cookie: Some("user=abc"),
            ..RequestInput::default()
        });
        assert_eq!(p.method_and_version().unwrap_err(), ApiError::NoParameters);
        assert_eq!(p.user(), Some("abc"));
    }

    #[test]
    fn pipeline_order_method_before_v() {
        let p = Params::from_pairs([("v", "12")]);
        assert_eq!(p.method_and_version().unwrap_err(), ApiError::NoMethod);
        let p = Params::from_pairs([("method", "me")]);
        assert_eq!(
            p.method_and_version().unwrap_err(),
            ApiError::MissingParam("v".into())
        );
        let p = Params::from_pairs([("method", ""), ("v", "12")]);
        assert_eq!(p.method_and_version().unwrap().0, "");
    }

    #[test]
    fn json_bodies_are_ignored() {
        let p = Params::parse(&input("", Some("application/json"), br#"{"method":"me"}"#));
        assert!(!p.is_set("method"));
    }

    #[test]
    fn j2me_multipart_send_with_text_and_file() {
        let body = format!(
            "--{B}\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nПривет 😀\r\n--{B}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"фото.jpg\"\r\n\r\n\x01\x02\x03\r\n--{B}--"
        );
        let p = Params::parse(&input(
            "v=12&method=sendMedia&peer=5&r=1",
            Some(J2ME_CT),
            body.as_bytes(),
        ));
        assert_eq!(p.get("text"), Some("Привет 😀"));
        assert_eq!(p.get("method"), Some("sendMedia"));
        let f = p.file().expect("file part");
        assert_eq!(f.file_name, "фото.jpg");
        assert_eq!(f.data.head(), b"\x01\x02\x03");
        assert_eq!(f.content_type, None);
    }

    #[test]
    fn multipart_text_overrides_query_and_empty_text_is_set() {
        let body = format!(
            "--{B}\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n\r\n--{B}--\r\n"
        );
        let p = Params::parse(&input(
            "text=old&v=12&method=sendMessage",
            Some(J2ME_CT),
            body.as_bytes(),
        ));
        assert_eq!(p.get("text"), Some(""));
    }

    #[test]
    fn multipart_with_zero_parts_or_garbage_keeps_query_params() {
        for body in [
            format!("--{B}--"),
            "garbage".to_owned(),
            format!("--{B}\r\nbroken"),
        ] {
            let p = Params::parse(&input(
                "v=12&method=sendMessage&peer=1",
                Some(J2ME_CT),
                body.as_bytes(),
            ));
            assert_eq!(p.get("peer"), Some("1"), "{body:?}");
            assert!(p.file().is_none());
        }
    }

    #[test]
    fn non_empty_and_flags_follow_php_empty() {
        let p = Params::from_pairs([("read", "0"), ("media", "false"), ("peer", ""), ("x", "00")]);
        assert!(!p.flag("read"));
        assert!(p.flag("media"));
        assert!(p.is_set("peer") && !p.flag("peer"));
        assert!(p.flag("x"));
        assert_eq!(
            p.required("peer").unwrap_err().to_string(),
            "Required parameter 'peer' is not set"
        );
        assert_eq!(p.required_set("peer"), Ok(""));
        assert!(p.required_set("id").is_err());
    }

    #[test]
    fn integer_parameters_follow_is_numeric_then_truncate() {
        let p = Params::from_pairs([
            ("a", "1.9"),
            ("b", "1e3"),
            ("c", " 42 "),
            ("d", "7abc"),
            ("e", ""),
            ("f", "-10"),
            ("g", "99999999999999999999"),
            ("h", "."),
            ("i", ".5"),
            ("j", "0x1A"),
        ]);
        assert_eq!(p.int("a"), Ok(Some(1)));
        assert_eq!(p.int("b"), Ok(Some(1000)));
        assert_eq!(p.int("c"), Ok(Some(42)));
        assert_eq!(
            p.int("d").unwrap_err().to_string(),
            "Given parameter 'd' is not integer"
        );
        assert!(p.int("e").is_err());
        assert_eq!(p.int("f"), Ok(Some(-10)));
        assert_eq!(p.int("g"), Ok(Some(i64::MAX)));
        assert!(p.int("h").is_err());
        assert_eq!(p.int("i"), Ok(Some(0)));
        assert!(p.int("j").is_err());
        assert_eq!(p.int("missing"), Ok(None));
        assert_eq!(p.int_or("missing", 100), Ok(100));
    }

    #[test]
    fn lenient_cast_is_phps_int_cast() {
        assert_eq!(lenient_int("7abc"), 7);
        assert_eq!(lenient_int("abc"), 0);
        assert_eq!(lenient_int("1e3"), 1000);
        assert_eq!(lenient_int("1e3x"), 1000);
        assert_eq!(lenient_int("  -5"), -5);
        assert_eq!(lenient_int("-1001234567890"), -1_001_234_567_890);
        assert_eq!(lenient_int("1e"), 1);
        assert_eq!(lenient_int("1e999"), 0);
        assert_eq!(lenient_int(""), 0);
    }

    #[test]
    fn fields_and_exclude_peers() {
        let none = Params::from_pairs([("method", "getHistory")]);
        assert!(none.selects("messages") && none.selects("status") && !none.selects("raw"));
        let some = Params::from_pairs([("fields", "status,raw")]);
        assert!(some.selects("status") && some.selects("raw") && !some.selects("messages"));
        let spaced = Params::from_pairs([("fields", "users, chats")]);
        assert!(spaced.selects("users") && !spaced.selects("chats"));
        let ex = Params::from_pairs([("fields", "users"), ("exclude_peers", "")]);
        assert!(!ex.selects_peers("users"));
    }

    #[test]
    fn encoding_from_header_or_utf_and_pretty() {
        let p = Params::from_pairs([("utf", "")]);
        assert_eq!(p.encoding(false), Encoding::UNICODE);
        let p = Params::from_pairs([("pretty", "0")]);
        assert!(p.encoding(false).pretty);
        assert_eq!(Params::default().encoding(true), Encoding::UNICODE);
        assert_eq!(Params::default().encoding(false), Encoding::ASCII);
    }

    proptest! {
        #[test]
        fn any_query_or_body_never_panics(query in ".{0,64}", body in prop::collection::vec(any::<u8>(), 0..256), ct in prop_oneof![
            Just(J2ME_CT.to_owned()),
            Just("application/x-www-form-urlencoded".to_owned()),
            ".{0,40}",
        ]) {
            let p = Params::parse(&RequestInput { query: &query, content_type: Some(&ct), body: &body, cookie: Some(&query) });
            let _ = p.method_and_version();
        }

        #[test]
        fn percent_encoded_text_round_trips(text in ".{0,40}") {
            let enc: String = percent_encoding::utf8_percent_encode(&text, percent_encoding::NON_ALPHANUMERIC).collect();
            let p = Params::parse(&input(&format!("text={enc}"), None, b""));
            prop_assert_eq!(p.get("text"), Some(text.as_str()));
        }

        #[test]
        fn cesu8_encoding_of_any_text_round_trips(text in ".{0,20}") {
            // What MP.appendUrl does: every UTF-16 unit above U+07FF as 3 bytes.
            let mut bytes = Vec::new();
            for unit in text.encode_utf16() {
                match unit {
                    0..=0x7f => bytes.push(unit as u8),
                    0x80..=0x7ff => bytes.extend([0xC0 | (unit >> 6) as u8, 0x80 | (unit & 0x3F) as u8]),
                    _ => bytes.extend([0xE0 | (unit >> 12) as u8, 0x80 | ((unit >> 6) & 0x3F) as u8, 0x80 | (unit & 0x3F) as u8]),
                }
            }
            prop_assert_eq!(decode_text(&bytes), text);
        }
    }

    fn v(raw: &str) -> Result<u8, String> {
        version_param(Some(raw))
            .map(ApiVersion::get)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn accepts_2_through_12_including_the_j2me_clients_12() {
        for n in 2..=12 {
            assert_eq!(v(&n.to_string()), Ok(n));
        }
    }

    #[test]
    fn missing_empty_or_zero_v_is_a_missing_parameter() {
        let want = Err("Required parameter 'v' is not set".to_owned());
        assert_eq!(v(""), want);
        assert_eq!(v("0"), want);
        assert_eq!(
            version_param(None).map_err(|e| e.to_string()),
            Err("Required parameter 'v' is not set".to_owned())
        );
    }

    #[test]
    fn out_of_range_and_garbage_are_unsupported_with_status_200() {
        for raw in ["1", "13", "abc", "-11", "99999999999999999999", "00"] {
            let err = version_param(Some(raw)).unwrap_err();
            assert_eq!(err.to_string(), "Unsupported API version", "{raw}");
            assert_eq!(err.status(), 200, "{raw}");
        }
    }

    #[test]
    fn lenient_cast_accepts_numeric_prefixes() {
        assert_eq!(v("11abc"), Ok(11));
        assert_eq!(v(" 12"), Ok(12));
        assert_eq!(v("5.9"), Ok(5));
        assert_eq!(v("+7"), Ok(7));
    }

    #[test]
    fn login_methods_need_v10_with_http_403() {
        let nine = ApiVersion::new(9).unwrap();
        let err = check_login_version(nine).unwrap_err();
        assert_eq!(err.to_string(), "Unsupported API version");
        assert_eq!(err.status(), 403);
        assert!(check_login_version(ApiVersion::new(10).unwrap()).is_ok());
        assert!(check_login_version(ApiVersion::V12).is_ok());
    }
}
