//! Message `entities`: raw `MessageEntity` objects in MadelineProto form (`models.md` §7.3, §9).

use grammers_tl_types as tl;
use tl::enums as e;

use crate::wire::json::{Object, Value};

/// One entity: `_`, then the TL parameters in TL order (boolean flags always present).
pub fn entity(en: &e::MessageEntity) -> Object {
    fn base(name: &str, offset: i32, length: i32) -> Object {
        Object::with_capacity(4)
            .with("_", name)
            .with("offset", offset)
            .with("length", length)
    }
    match en {
        e::MessageEntity::Unknown(x) => base("messageEntityUnknown", x.offset, x.length),
        e::MessageEntity::Mention(x) => base("messageEntityMention", x.offset, x.length),
        e::MessageEntity::Hashtag(x) => base("messageEntityHashtag", x.offset, x.length),
        e::MessageEntity::BotCommand(x) => base("messageEntityBotCommand", x.offset, x.length),
        e::MessageEntity::Url(x) => base("messageEntityUrl", x.offset, x.length),
        e::MessageEntity::Email(x) => base("messageEntityEmail", x.offset, x.length),
        e::MessageEntity::Bold(x) => base("messageEntityBold", x.offset, x.length),
        e::MessageEntity::Italic(x) => base("messageEntityItalic", x.offset, x.length),
        e::MessageEntity::Code(x) => base("messageEntityCode", x.offset, x.length),
        e::MessageEntity::Pre(x) => {
            base("messageEntityPre", x.offset, x.length).with("language", &x.language)
        }
        e::MessageEntity::TextUrl(x) => {
            base("messageEntityTextUrl", x.offset, x.length).with("url", &x.url)
        }
        e::MessageEntity::MentionName(x) => {
            base("messageEntityMentionName", x.offset, x.length).with("user_id", x.user_id)
        }
        // Only ever sent by clients; should Telegram echo one, it names a user like MentionName.
        e::MessageEntity::InputMessageEntityMentionName(x) => {
            let mut o = base("inputMessageEntityMentionName", x.offset, x.length);
            if let e::InputUser::User(u) = &x.user_id {
                o.insert("user_id", u.user_id);
            }
            o
        }
        e::MessageEntity::Phone(x) => base("messageEntityPhone", x.offset, x.length),
        e::MessageEntity::Cashtag(x) => base("messageEntityCashtag", x.offset, x.length),
        e::MessageEntity::Underline(x) => base("messageEntityUnderline", x.offset, x.length),
        e::MessageEntity::Strike(x) => base("messageEntityStrike", x.offset, x.length),
        e::MessageEntity::BankCard(x) => base("messageEntityBankCard", x.offset, x.length),
        e::MessageEntity::Spoiler(x) => base("messageEntitySpoiler", x.offset, x.length),
        e::MessageEntity::CustomEmoji(x) => {
            base("messageEntityCustomEmoji", x.offset, x.length).with("document_id", x.document_id)
        }
        // TL order: the `collapsed` flag comes before offset/length.
        e::MessageEntity::Blockquote(x) => Object::with_capacity(4)
            .with("_", "messageEntityBlockquote")
            .with("collapsed", x.collapsed)
            .with("offset", x.offset)
            .with("length", x.length),
        e::MessageEntity::FormattedDate(x) => Object::with_capacity(10)
            .with("_", "messageEntityFormattedDate")
            .with("relative", x.relative)
            .with("short_time", x.short_time)
            .with("long_time", x.long_time)
            .with("short_date", x.short_date)
            .with("long_date", x.long_date)
            .with("day_of_week", x.day_of_week)
            .with("offset", x.offset)
            .with("length", x.length)
            .with("date", x.date),
        e::MessageEntity::DiffInsert(x) => base("messageEntityDiffInsert", x.offset, x.length),
        e::MessageEntity::DiffReplace(x) => {
            base("messageEntityDiffReplace", x.offset, x.length).with("old_text", &x.old_text)
        }
        e::MessageEntity::DiffDelete(x) => base("messageEntityDiffDelete", x.offset, x.length),
        e::MessageEntity::TonAddress(x) => base("messageEntityTonAddress", x.offset, x.length),
    }
}

fn range(en: &e::MessageEntity) -> (i32, i32) {
    use e::MessageEntity as M;
    match en {
        M::Unknown(x) => (x.offset, x.length),
        M::Mention(x) => (x.offset, x.length),
        M::Hashtag(x) => (x.offset, x.length),
        M::BotCommand(x) => (x.offset, x.length),
        M::Url(x) => (x.offset, x.length),
        M::Email(x) => (x.offset, x.length),
        M::Bold(x) => (x.offset, x.length),
        M::Italic(x) => (x.offset, x.length),
        M::Code(x) => (x.offset, x.length),
        M::Pre(x) => (x.offset, x.length),
        M::TextUrl(x) => (x.offset, x.length),
        M::MentionName(x) => (x.offset, x.length),
        M::InputMessageEntityMentionName(x) => (x.offset, x.length),
        M::Phone(x) => (x.offset, x.length),
        M::Cashtag(x) => (x.offset, x.length),
        M::Underline(x) => (x.offset, x.length),
        M::Strike(x) => (x.offset, x.length),
        M::BankCard(x) => (x.offset, x.length),
        M::Spoiler(x) => (x.offset, x.length),
        M::CustomEmoji(x) => (x.offset, x.length),
        M::Blockquote(x) => (x.offset, x.length),
        M::FormattedDate(x) => (x.offset, x.length),
        M::DiffInsert(x) => (x.offset, x.length),
        M::DiffReplace(x) => (x.offset, x.length),
        M::DiffDelete(x) => (x.offset, x.length),
        M::TonAddress(x) => (x.offset, x.length),
    }
}

/// The `entities` array for `text`, or `None` when there is nothing to write (the key is then
/// absent). Entities reaching outside the text (measured in UTF-16 units, as the phone's
/// `String.substring` does) are dropped: one of them stops the J2ME client from opening the
/// chat (client-j2me.md §8.4), and Telegram's own are always inside.
pub fn entities(list: &[e::MessageEntity], text: &str) -> Option<Value> {
    let units = text.encode_utf16().count();
    let out: Vec<Value> = list
        .iter()
        .filter(|en| {
            let (offset, length) = range(en);
            let (Ok(offset), Ok(length)) = (usize::try_from(offset), usize::try_from(length))
            else {
                return false;
            };
            offset.checked_add(length).is_some_and(|end| end <= units)
        })
        .map(|en| Value::Object(entity(en)))
        .collect();
    (!out.is_empty()).then_some(Value::Array(out))
}
