//! Request and response header names and the JSON response headers (`protocol.md` §6–7).
//!
//! Response header names are spelled exactly as the reference writes them: some phone HTTP stacks
//! look headers up case-sensitively (`client-j2me.md` §5.5), so the server must write these
//! spellings verbatim (title-case / preserved case), not lowercase them.

use super::version::SERVER_API_VERSION;

// Request headers (matched case-insensitively).
pub const X_MPGRAM_USER: &str = "X-mpgram-user";
pub const X_MPGRAM_INSTANCE_PASSWORD: &str = "X-mpgram-instance-password";
pub const X_MPGRAM_APP_VERSION: &str = "X-mpgram-app-version";
pub const X_MPGRAM_DEVICE: &str = "X-mpgram-device";
pub const X_MPGRAM_SYSTEM: &str = "X-mpgram-system";
/// Present (any value): raw UTF-8 in JSON answers.
pub const X_MPGRAM_UNICODE: &str = "X-mpgram-unicode";
/// Present (any value): names keep their emoji.
pub const X_MPGRAM_KEEP_EMOJI: &str = "X-mpgram-keep-emoji";

// Response headers (exact case).
pub const X_SERVER_TIME: &str = "X-Server-Time";
pub const X_SERVER_API_VERSION: &str = "X-Server-Api-Version";
pub const X_FILE_REWRITE_SUPPORTED: &str = "X-file-rewrite-supported";
pub const X_VOICE_CONVERSION_SUPPORTED: &str = "X-voice-conversion-supported";
pub const X_ACCEL_BUFFERING: &str = "X-Accel-Buffering";
pub const CONTENT_TYPE: &str = "Content-Type";
pub const CACHE_CONTROL: &str = "Cache-Control";
pub const EXPIRES: &str = "Expires";
pub const PRAGMA: &str = "Pragma";

/// `application/json`, without a charset parameter (as the reference sends it).
pub const JSON_CONTENT_TYPE: &str = "application/json";
/// Operator proxies on old networks may cache GET answers; clients ignore the header.
pub const NO_STORE: &str = "no-store";
/// PHP's session "nocache" headers, sent by the reference on `phoneLogin`, `initLogin`,
/// `getCaptchaImg`.
pub const PHP_NOCACHE_CACHE_CONTROL: &str = "no-store, no-cache, must-revalidate";
pub const PHP_NOCACHE_EXPIRES: &str = "Thu, 19 Nov 1981 08:52:00 GMT";
pub const PHP_NOCACHE_PRAGMA: &str = "no-cache";

/// What this instance can serve; each flag adds the matching `X-…-supported: 1` header, which the
/// J2ME client remembers for its whole run (so only say it when the endpoint really works).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ServerFeatures {
    /// `file/NAME` links are served.
    pub file_rewrite: bool,
    /// `voice.php` and voice uploads convert audio.
    pub voice_conversion: bool,
}

/// Headers of every JSON answer of `api.php`, success and error alike, in the reference's order,
/// plus `Cache-Control: no-store`. `now_unix` is the current Unix time in seconds.
pub fn json_headers(now_unix: i64, features: ServerFeatures) -> Vec<(&'static str, String)> {
    let mut h = Vec::with_capacity(6);
    h.push((X_SERVER_TIME, now_unix.to_string()));
    h.push((X_SERVER_API_VERSION, SERVER_API_VERSION.to_string()));
    if features.file_rewrite {
        h.push((X_FILE_REWRITE_SUPPORTED, "1".to_owned()));
    }
    if features.voice_conversion {
        h.push((X_VOICE_CONVERSION_SUPPORTED, "1".to_owned()));
    }
    h.push((CONTENT_TYPE, JSON_CONTENT_TYPE.to_owned()));
    h.push((CACHE_CONTROL, NO_STORE.to_owned()));
    h
}

/// The nocache set the reference adds to `phoneLogin`/`initLogin`/`getCaptchaImg` answers.
/// Its `Cache-Control` replaces the plain `no-store` of [`json_headers`].
pub fn php_nocache_headers() -> [(&'static str, &'static str); 3] {
    [
        (EXPIRES, PHP_NOCACHE_EXPIRES),
        (CACHE_CONTROL, PHP_NOCACHE_CACHE_CONTROL),
        (PRAGMA, PHP_NOCACHE_PRAGMA),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_headers_with_all_features() {
        let h = json_headers(
            1_767_225_600,
            ServerFeatures {
                file_rewrite: true,
                voice_conversion: true,
            },
        );
        assert_eq!(
            h,
            vec![
                ("X-Server-Time", "1767225600".to_owned()),
                ("X-Server-Api-Version", "12".to_owned()),
                ("X-file-rewrite-supported", "1".to_owned()),
                ("X-voice-conversion-supported", "1".to_owned()),
                ("Content-Type", "application/json".to_owned()),
                ("Cache-Control", "no-store".to_owned()),
            ]
        );
    }

    #[test]
    fn unsupported_features_are_absent_not_zero() {
        let h = json_headers(0, ServerFeatures::default());
        assert!(h.iter().all(|(n, _)| !n.ends_with("-supported")));
    }
}
