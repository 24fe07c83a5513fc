//! Where the device token comes from, what a token may look like, and the instance password
//! (`protocol.md` §5). Pure functions: the device table lives elsewhere.

use super::error::ApiError;
use super::params::Params;

/// The one constant-time comparison of secrets (`pairing::same_secret`).
pub use crate::pairing::same_secret as constant_time_eq;

/// The token for `api.php`: header `X-mpgram-user` if present (even empty), else the `user`
/// parameter, which already has cookie > POST > GET precedence ([`Params::user`]).
pub fn api_token<'a>(header: Option<&'a str>, params: &'a Params) -> Option<&'a str> {
    header.or_else(|| params.user())
}

/// The token for `file.php`, `ava.php`, `voice.php`: the reference reads query `user`, then the
/// cookie (cut at the first `", "`), then the header. Native players fetch these URLs with only
/// `user=` in the query and no custom headers (`client-j2me.md` §11).
pub fn media_token<'a>(
    query_user: Option<&'a str>,
    cookie_user: Option<&'a str>,
    header: Option<&'a str>,
) -> Option<&'a str> {
    query_user
        .or_else(|| cookie_user.map(|c| c.split(", ").next().unwrap_or(c)))
        .or(header)
}

/// Whether `token` can be one of ours: 32–200 characters from `[A-Za-z0-9_-]`, the alphabet that
/// survives raw insertion into URLs and headers (`client-j2me.md` §2.3). Anything else is
/// `Invalid authorization` without a lookup. The one rule, the pairing core's.
pub use crate::pairing::is_well_formed as is_well_formed_token;

/// The shape check before the device lookup: a missing or malformed token is 401.
pub fn require_token(token: Option<&str>) -> Result<&str, ApiError> {
    token
        .filter(|t| is_well_formed_token(t))
        .ok_or(ApiError::InvalidAuthorization)
}

/// The instance password (`X-mpgram-instance-password` header only, no parameter): none
/// configured → pass; header missing or empty → `Instance password is required`; different →
/// `Wrong instance password`; both HTTP 403. Exact comparison, not PHP's loose `==`.
pub fn check_instance_password(
    configured: Option<&str>,
    header: Option<&str>,
) -> Result<(), ApiError> {
    let Some(expected) = configured.filter(|p| !p.is_empty()) else {
        return Ok(());
    };
    match header {
        None | Some("") => Err(ApiError::InstancePasswordRequired),
        Some(given) if constant_time_eq(given.as_bytes(), expected.as_bytes()) => Ok(()),
        Some(_) => Err(ApiError::WrongInstancePassword),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "in tests a panic is the failure report")]
mod tests {
    use super::super::params::RequestInput;
    use super::*;

    const TOKEN: &str = "snzlPC5pImcWwsjiSoldeCAq2PIeIS0uN4LbXfXICmmvy2LvNjWHFN9cv11N5NYx";

    #[test]
    fn header_wins_even_when_empty_then_cookie_post_get() {
        let p = Params::parse(&RequestInput {
            query: "user=get",
            content_type: Some("application/x-www-form-urlencoded"),
            body: b"user=post",
            cookie: Some("user=cookie"),
        });
        assert_eq!(api_token(Some("hdr"), &p), Some("hdr"));
        assert_eq!(api_token(Some(""), &p), Some(""));
        assert_eq!(api_token(None, &p), Some("cookie"));
        let p = Params::parse(&RequestInput {
            query: "user=get",
            content_type: Some("application/x-www-form-urlencoded"),
            body: b"user=post",
            cookie: None,
        });
        assert_eq!(api_token(None, &p), Some("post"));
        let p = Params::parse(&RequestInput {
            query: "user=get",
            ..RequestInput::default()
        });
        assert_eq!(api_token(None, &p), Some("get"));
        assert_eq!(api_token(None, &Params::default()), None);
    }

    #[test]
    fn media_endpoints_read_query_first() {
        assert_eq!(media_token(Some("q"), Some("c"), Some("h")), Some("q"));
        assert_eq!(media_token(None, Some("c1, c2"), Some("h")), Some("c1"));
        assert_eq!(media_token(None, None, Some("h")), Some("h"));
    }

    #[test]
    fn token_shape() {
        assert!(is_well_formed_token(TOKEN));
        assert!(is_well_formed_token(&"1".repeat(32)));
        assert!(!is_well_formed_token(&"1".repeat(31)));
        assert!(is_well_formed_token(&"a".repeat(200)));
        assert!(!is_well_formed_token(&"a".repeat(201)));
        for bad in ['.', '/', '\\', ';', ':', ' ', '?', '=', '&', '+', '%', 'é'] {
            let t = format!("{}{bad}", &TOKEN[..40]);
            assert!(!is_well_formed_token(&t), "{bad:?}");
        }
        assert_eq!(require_token(None), Err(ApiError::InvalidAuthorization));
        assert_eq!(require_token(Some("")), Err(ApiError::InvalidAuthorization));
        assert_eq!(require_token(Some(TOKEN)), Ok(TOKEN));
    }

    #[test]
    fn instance_password() {
        assert_eq!(check_instance_password(None, None), Ok(()));
        assert_eq!(check_instance_password(None, Some("x")), Ok(()));
        assert_eq!(
            check_instance_password(Some("secret"), None),
            Err(ApiError::InstancePasswordRequired)
        );
        assert_eq!(
            check_instance_password(Some("secret"), Some("")),
            Err(ApiError::InstancePasswordRequired)
        );
        assert_eq!(
            check_instance_password(Some("secret"), Some("Secret")),
            Err(ApiError::WrongInstancePassword)
        );
        // PHP's loose == would accept "1e1" for "10"; we compare exactly.
        assert_eq!(
            check_instance_password(Some("10"), Some("1e1")),
            Err(ApiError::WrongInstancePassword)
        );
        assert_eq!(
            check_instance_password(Some("secret"), Some("secret")),
            Ok(())
        );
        assert_eq!(ApiError::WrongInstancePassword.status(), 403);
    }

    #[test]
    fn constant_time_eq_compares_exactly() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
