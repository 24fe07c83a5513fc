//! Long texts (`methods-more.md` §1.2): a `sendMessage` longer than Telegram's 4096 UTF-16
//! units goes out as several messages, cut at line breaks where possible, each entity moved
//! to (and clipped at) the part it falls in.

use grammers_tl_types as tl;

/// Telegram's message length limit (UTF-16 code units).
pub const MAX_MESSAGE: usize = 4096;

/// `(offset, length)` of any entity.
pub fn bounds(e: &tl::enums::MessageEntity) -> (i32, i32) {
    let mut e = e.clone();
    let mut out = (0, 0);
    with_bounds(&mut e, |o, l| out = (*o, *l));
    out
}

pub fn set_bounds(e: &mut tl::enums::MessageEntity, offset: i32, length: i32) {
    with_bounds(e, |o, l| {
        *o = offset;
        *l = length;
    });
}

fn with_bounds(e: &mut tl::enums::MessageEntity, f: impl FnOnce(&mut i32, &mut i32)) {
    use tl::enums::MessageEntity as E;
    match e {
        E::Unknown(x) => f(&mut x.offset, &mut x.length),
        E::Mention(x) => f(&mut x.offset, &mut x.length),
        E::Hashtag(x) => f(&mut x.offset, &mut x.length),
        E::BotCommand(x) => f(&mut x.offset, &mut x.length),
        E::Url(x) => f(&mut x.offset, &mut x.length),
        E::Email(x) => f(&mut x.offset, &mut x.length),
        E::Bold(x) => f(&mut x.offset, &mut x.length),
        E::Italic(x) => f(&mut x.offset, &mut x.length),
        E::Code(x) => f(&mut x.offset, &mut x.length),
        E::Pre(x) => f(&mut x.offset, &mut x.length),
        E::TextUrl(x) => f(&mut x.offset, &mut x.length),
        E::MentionName(x) => f(&mut x.offset, &mut x.length),
        E::InputMessageEntityMentionName(x) => f(&mut x.offset, &mut x.length),
        E::Phone(x) => f(&mut x.offset, &mut x.length),
        E::Cashtag(x) => f(&mut x.offset, &mut x.length),
        E::Underline(x) => f(&mut x.offset, &mut x.length),
        E::Strike(x) => f(&mut x.offset, &mut x.length),
        E::BankCard(x) => f(&mut x.offset, &mut x.length),
        E::Spoiler(x) => f(&mut x.offset, &mut x.length),
        E::CustomEmoji(x) => f(&mut x.offset, &mut x.length),
        E::Blockquote(x) => f(&mut x.offset, &mut x.length),
        #[allow(unreachable_patterns, reason = "newer layers add entity kinds")]
        _ => {}
    }
}

/// Splits `text` into parts of at most `limit` UTF-16 units: at the last line feed inside the
/// limit when there is one, else inside the line (never inside a surrogate pair).
pub fn split(
    text: &str,
    entities: &[tl::enums::MessageEntity],
    limit: usize,
) -> Vec<(String, Vec<tl::enums::MessageEntity>)> {
    let units: Vec<u16> = text.encode_utf16().collect();
    if units.len() <= limit {
        return vec![(text.to_owned(), entities.to_vec())];
    }
    let mut parts = Vec::new();
    let mut start = 0usize;
    while start < units.len() {
        let mut end = (start + limit).min(units.len());
        if end < units.len() {
            if let Some(nl) = units[start..end]
                .iter()
                .rposition(|&u| u == u16::from(b'\n'))
            {
                if nl > 0 {
                    end = start + nl + 1;
                }
            } else if (0xDC00..0xE000).contains(&units[end]) {
                end -= 1;
            }
        }
        let piece = String::from_utf16_lossy(&units[start..end]);
        let (s, e) = (start as i32, end as i32);
        let ents = entities
            .iter()
            .filter_map(|x| {
                let (o, l) = bounds(x);
                let (a, b) = (o.max(s), (o + l).min(e));
                (b > a).then(|| {
                    let mut x = x.clone();
                    set_bounds(&mut x, a - s, b - a);
                    x
                })
            })
            .collect();
        parts.push((piece, ents));
        start = end;
    }
    parts
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "in tests a panic is the failure report")]
mod tests {
    use super::*;

    #[test]
    fn cuts_at_line_feeds_and_moves_entities() {
        let text = format!("{}\n{}", "a".repeat(3000), "b".repeat(3000));
        let bold: tl::enums::MessageEntity = tl::types::MessageEntityBold {
            offset: 2990,
            length: 20,
        }
        .into();
        let parts = split(&text, &[bold], MAX_MESSAGE);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].0.len(), 3001);
        assert_eq!(parts[1].0, "b".repeat(3000));
        assert_eq!(bounds(&parts[0].1[0]), (2990, 11));
        assert_eq!(bounds(&parts[1].1[0]), (0, 9));
    }

    #[test]
    fn one_long_line_is_cut_inside_and_never_inside_a_pair() {
        let text = format!("{}{}", "x".repeat(4095), "😀".repeat(10));
        let parts = split(&text, &[], MAX_MESSAGE);
        assert_eq!(parts[0].0, "x".repeat(4095));
        assert_eq!(parts[1].0, "😀".repeat(10));
        let parts = split(&"y".repeat(9000), &[], MAX_MESSAGE);
        assert_eq!(
            parts.iter().map(|p| p.0.len()).collect::<Vec<_>>(),
            vec![4096, 4096, 808]
        );
    }
}
