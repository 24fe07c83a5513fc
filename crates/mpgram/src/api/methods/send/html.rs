//! `html=1` texts (`methods-more.md` §1.5): the reference's XML-flavoured HTML → plain text and
//! Telegram entities. Only the small tag set of the spec exists, so a strict tokenizer for
//! that XML subset is kept here; anything malformed falls back to the text as typed (never a
//! 500 for what a person typed).

use grammers_tl_types as tl;

/// Plain text and entities; `None` entities when the markup was malformed (text unchanged).
pub fn parse(input: &str) -> (String, Vec<tl::enums::MessageEntity>) {
    let with_breaks = replace_br(input);
    match parse_xml(&with_breaks) {
        Some((text, entities)) => trim(&text, entities),
        None => (input.to_owned(), Vec::new()),
    }
}

/// Every `<br>`, `<br/>`, `<br />` (any case) → line feed.
fn replace_br(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let lower: String = tail
            .chars()
            .take(6)
            .collect::<String>()
            .to_ascii_lowercase();
        let len = ["<br />", "<br/>", "<br>"]
            .iter()
            .find(|p| lower.starts_with(**p))
            .map(|p| p.len());
        if let Some(n) = len {
            out.push('\n');
            rest = &tail[n..];
        } else {
            out.push('<');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

/// An open element: the entity it makes (built when it closes) and where its text began.
struct Open {
    name: String,
    start: i32,
    kind: Option<Kind>,
}

enum Kind {
    Bold,
    Italic,
    Underline,
    Strike,
    Code,
    Pre(String),
    Blockquote,
    Spoiler,
    Url(String),
    Mention(i64),
    Emoji(i64),
}

fn utf16_len(s: &str) -> i32 {
    i32::try_from(s.encode_utf16().count()).unwrap_or(i32::MAX)
}

fn attr<'a>(attrs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn id_after(s: &str, prefixes: &[&str]) -> Option<i64> {
    prefixes
        .iter()
        .find_map(|p| s.strip_prefix(p))
        .and_then(|n| n.parse().ok())
}

fn kind_of(name: &str, attrs: &[(String, String)]) -> Option<Kind> {
    Some(match name {
        "b" | "strong" => Kind::Bold,
        "i" | "em" => Kind::Italic,
        "u" => Kind::Underline,
        "s" | "strike" | "del" => Kind::Strike,
        "code" => Kind::Code,
        "pre" => Kind::Pre(attr(attrs, "language").unwrap_or("").to_owned()),
        "blockquote" => Kind::Blockquote,
        "tg-spoiler" | "spoiler" => Kind::Spoiler,
        "span" if attr(attrs, "class") == Some("tg-spoiler") => Kind::Spoiler,
        "tg-emoji" => Kind::Emoji(attr(attrs, "emoji-id")?.parse().ok()?),
        "emoji" => Kind::Emoji(attr(attrs, "id")?.parse().ok()?),
        "a" => {
            let href = attr(attrs, "href")?;
            if let Some(id) = id_after(href, &["tg://user?id=", "mention:"]) {
                Kind::Mention(id)
            } else if let Some(id) = id_after(href, &["emoji:", "tg://emoji?id="]) {
                Kind::Emoji(id)
            } else {
                Kind::Url(href.to_owned())
            }
        }
        _ => return None,
    })
}

fn entity(kind: Kind, offset: i32, length: i32) -> tl::enums::MessageEntity {
    use tl::types as t;
    match kind {
        Kind::Bold => t::MessageEntityBold { offset, length }.into(),
        Kind::Italic => t::MessageEntityItalic { offset, length }.into(),
        Kind::Underline => t::MessageEntityUnderline { offset, length }.into(),
        Kind::Strike => t::MessageEntityStrike { offset, length }.into(),
        Kind::Code => t::MessageEntityCode { offset, length }.into(),
        Kind::Pre(language) => t::MessageEntityPre {
            offset,
            length,
            language,
        }
        .into(),
        Kind::Blockquote => t::MessageEntityBlockquote {
            collapsed: false,
            offset,
            length,
        }
        .into(),
        Kind::Spoiler => t::MessageEntitySpoiler { offset, length }.into(),
        Kind::Url(url) => t::MessageEntityTextUrl {
            offset,
            length,
            url,
        }
        .into(),
        Kind::Mention(user_id) => t::InputMessageEntityMentionName {
            offset,
            length,
            user_id: tl::enums::InputUser::User(t::InputUser {
                user_id,
                access_hash: 0,
            }),
        }
        .into(),
        Kind::Emoji(document_id) => t::MessageEntityCustomEmoji {
            offset,
            length,
            document_id,
        }
        .into(),
    }
}

/// `&amp;` `&lt;` `&gt;` `&quot;` `&apos;` and numeric references; anything else is malformed.
fn unescape(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let end = rest[i..].find(';')? + i;
        let name = &rest[i + 1..end];
        let c = match name {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            n if n.starts_with("#x") || n.starts_with("#X") => {
                char::from_u32(u32::from_str_radix(&n[2..], 16).ok()?)?
            }
            n if n.starts_with('#') => char::from_u32(n[1..].parse().ok()?)?,
            _ => return None,
        };
        out.push(c);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// `name a="v" b='w'` → name and attributes; `None` when malformed.
fn parse_tag(inner: &str) -> Option<(String, Vec<(String, String)>)> {
    let inner = inner.trim();
    let name_end = inner
        .find(|c: char| c.is_whitespace())
        .unwrap_or(inner.len());
    let name = &inner[..name_end];
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
    {
        return None;
    }
    let mut attrs = Vec::new();
    let mut rest = inner[name_end..].trim_start();
    while !rest.is_empty() {
        let eq = rest.find('=')?;
        let key = rest[..eq].trim();
        let after = rest[eq + 1..].trim_start();
        let quote = after.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let close = after[1..].find(quote)? + 1;
        attrs.push((key.to_owned(), unescape(&after[1..close])?));
        rest = after[close + 1..].trim_start();
    }
    Some((name.to_ascii_lowercase(), attrs))
}

fn parse_xml(s: &str) -> Option<(String, Vec<tl::enums::MessageEntity>)> {
    let mut text = String::new();
    let mut len16 = 0i32;
    let mut stack: Vec<Open> = Vec::new();
    let mut entities = Vec::new();
    let mut rest = s;
    loop {
        let lt = rest.find('<').unwrap_or(rest.len());
        let chunk = unescape(&rest[..lt])?;
        len16 += utf16_len(&chunk);
        text.push_str(&chunk);
        if lt == rest.len() {
            break;
        }
        let gt = rest[lt..].find('>')? + lt;
        let inner = &rest[lt + 1..gt];
        rest = &rest[gt + 1..];
        if let Some(name) = inner.strip_prefix('/') {
            let open = stack.pop()?;
            if !open.name.eq_ignore_ascii_case(name.trim()) {
                return None;
            }
            if let Some(kind) = open.kind {
                entities.push((open.start, len16 - open.start, kind));
            }
        } else if let Some(inner) = inner.strip_suffix('/') {
            parse_tag(inner)?;
        } else {
            let (name, attrs) = parse_tag(inner)?;
            let kind = kind_of(&name, &attrs);
            stack.push(Open {
                name,
                start: len16,
                kind,
            });
        }
    }
    if !stack.is_empty() {
        return None;
    }
    // Entities in order of their start, outer before inner (Telegram's order).
    entities.sort_by_key(|(offset, length, _)| (*offset, -*length));
    let shrunk = shrink(&text_units(&text), entities);
    Some((text, shrunk))
}

fn text_units(text: &str) -> Vec<u16> {
    text.encode_utf16().collect()
}

/// Entities lose trailing spaces and line feeds; empty ones are dropped.
fn shrink(units: &[u16], entities: Vec<(i32, i32, Kind)>) -> Vec<tl::enums::MessageEntity> {
    entities
        .into_iter()
        .filter_map(|(offset, mut length, kind)| {
            while length > 0 {
                let last = usize::try_from(offset + length - 1).ok()?;
                match units.get(last) {
                    Some(&c) if c == u16::from(b' ') || c == u16::from(b'\n') => length -= 1,
                    _ => break,
                }
            }
            (length > 0).then(|| entity(kind, offset, length))
        })
        .collect()
}

/// Trims leading/trailing whitespace of the whole text, moving and clipping the entities.
fn trim(
    text: &str,
    entities: Vec<tl::enums::MessageEntity>,
) -> (String, Vec<tl::enums::MessageEntity>) {
    let trimmed_start = text.trim_start();
    let cut = utf16_len(&text[..text.len() - trimmed_start.len()]);
    let out = trimmed_start.trim_end().to_owned();
    let total = utf16_len(&out);
    let entities = entities
        .into_iter()
        .filter_map(|mut e| {
            let (o, l) = super::split::bounds(&e);
            let start = (o - cut).clamp(0, total);
            let end = (o + l - cut).clamp(0, total);
            (end > start).then(|| {
                super::split::set_bounds(&mut e, start, end - start);
                e
            })
        })
        .collect();
    (out, entities)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "in tests a panic is the failure report")]
mod tests {
    use super::*;

    fn names(e: &[tl::enums::MessageEntity]) -> Vec<(String, i32, i32)> {
        e.iter()
            .map(|x| {
                let (o, l) = super::super::split::bounds(x);
                (crate::model::tl_name(x).to_owned(), o, l)
            })
            .collect()
    }

    #[test]
    fn tags_become_entities_in_utf16_units() {
        let (t, e) = parse("😀 <b>bold</b> <i>it <u>u</u></i><br>x");
        assert_eq!(t, "😀 bold it u\nx");
        assert_eq!(
            names(&e),
            vec![
                ("messageEntityBold".into(), 3, 4),
                ("messageEntityItalic".into(), 8, 4),
                ("messageEntityUnderline".into(), 11, 1),
            ]
        );
    }

    #[test]
    fn links_mentions_spoilers_and_escapes() {
        let (t, e) = parse(
            r#"<a href="https://x.org/?a=1&amp;b=2">site</a> <a href="tg://user?id=42">Al</a> <tg-spoiler>s</tg-spoiler> <span class="tg-spoiler">p</span> &lt;3 <pre language="rust">fn</pre>"#,
        );
        assert_eq!(t, "site Al s p <3 fn");
        let n = names(&e);
        assert_eq!(n[0], ("messageEntityTextUrl".into(), 0, 4));
        assert_eq!(n[1], ("inputMessageEntityMentionName".into(), 5, 2));
        assert_eq!(n[2].0, "messageEntitySpoiler");
        assert_eq!(n[3].0, "messageEntitySpoiler");
        assert_eq!(n[4], ("messageEntityPre".into(), 15, 2));
    }

    #[test]
    fn trailing_spaces_are_cut_and_text_is_trimmed_and_unknown_tags_kept_as_text() {
        let (t, e) = parse("  <b>hi  </b><x>y</x> ");
        assert_eq!(t, "hi  y");
        assert_eq!(names(&e), vec![("messageEntityBold".into(), 0, 2)]);
        let (_, e) = parse("<b> </b>z");
        assert!(e.is_empty());
    }

    #[test]
    fn malformed_markup_is_sent_as_typed() {
        for s in ["a < b", "<b>x", "x</b>", "<b>x</i>", "Tom & Jerry", "1 > 0"] {
            let (t, e) = parse(s);
            assert_eq!(t, s);
            assert!(e.is_empty());
        }
    }
}
