//! Plain records of the fake world. Small and mutable; `tl.rs` turns them into TL objects.

use std::sync::Arc;

/// A peer as Telegram addresses it: the kind and the bare id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Peer {
    User(i64),
    Chat(i64),
    Channel(i64),
}

impl Peer {
    pub fn bare_id(self) -> i64 {
        match self {
            Peer::User(id) | Peer::Chat(id) | Peer::Channel(id) => id,
        }
    }
}

/// The access hash fakegram hands out for a peer or file id: derived from the id, so tests
/// can build input peers without asking.
pub fn access_hash_for(id: i64) -> i64 {
    id.wrapping_mul(0x5851_f42d_4c95_7f2d) ^ 0x1405_7b7e_f767_814f
}

#[derive(Debug, Clone, Default)]
pub struct UserRec {
    pub id: i64,
    pub first_name: String,
    pub last_name: Option<String>,
    pub username: Option<String>,
    pub phone: Option<String>,
    pub bot: bool,
    pub contact: bool,
    pub verified: bool,
    pub premium: bool,
    /// Profile photos, newest first (file ids).
    pub photos: Vec<i64>,
    /// `Some(expires)` while online, else the last time seen.
    pub online_until: Option<i32>,
    pub last_seen: i32,
    pub about: Option<String>,
    pub lang_code: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatKind {
    /// A basic group.
    Basic,
    /// A supergroup; `forum` when it has topics.
    Megagroup { forum: bool },
    /// A broadcast channel.
    Broadcast,
}

#[derive(Debug, Clone)]
pub struct TopicRec {
    pub id: i32,
    pub title: String,
    pub icon_color: i32,
    pub date: i32,
    pub closed: bool,
    pub pinned: bool,
}

#[derive(Debug, Clone)]
pub struct ChatRec {
    pub id: i64,
    pub kind: ChatKind,
    pub title: String,
    pub username: Option<String>,
    pub about: String,
    pub photo: Option<i64>,
    pub members: Vec<i64>,
    pub admins: Vec<i64>,
    pub creator: i64,
    pub date: i32,
    /// Channel ↔ discussion group link.
    pub linked_chat: Option<i64>,
    /// Channel pts (unused for basic groups).
    pub pts: i32,
    pub topics: Vec<TopicRec>,
    pub left: bool,
    pub banned: Vec<i64>,
}

impl ChatRec {
    pub fn new(id: i64, kind: ChatKind, title: &str, creator: i64) -> Self {
        Self {
            id,
            kind,
            title: title.to_owned(),
            username: None,
            about: String::new(),
            photo: None,
            members: vec![creator],
            admins: vec![creator],
            creator,
            date: 1_600_000_000,
            linked_chat: None,
            pts: 1,
            topics: Vec::new(),
            left: false,
            banned: Vec::new(),
        }
    }

    pub fn peer(&self) -> Peer {
        match self.kind {
            ChatKind::Basic => Peer::Chat(self.id),
            _ => Peer::Channel(self.id),
        }
    }

    pub fn is_channel(&self) -> bool {
        self.kind != ChatKind::Basic
    }
}

/// Formatting entities, as offset/length in UTF-16 code units like Telegram's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntityKind {
    Bold,
    Italic,
    Underline,
    Strike,
    Code,
    Pre(String),
    TextUrl(String),
    Url,
    Mention,
    Hashtag,
    Spoiler,
    MentionName(i64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    pub kind: EntityKind,
    pub offset: i32,
    pub length: i32,
}

#[derive(Debug, Clone)]
pub struct PollRec {
    pub id: i64,
    pub question: String,
    pub answers: Vec<(String, i32)>,
    pub closed: bool,
    pub quiz: bool,
    pub multiple: bool,
    /// Index of our vote, if any.
    pub chosen: Vec<usize>,
}

#[derive(Debug, Clone)]
pub enum Media {
    Photo(i64),
    /// A document of any kind: the file record says which.
    Document(i64),
    Geo {
        lat: f64,
        long: f64,
    },
    Contact {
        phone: String,
        first_name: String,
        last_name: String,
        user_id: Option<i64>,
    },
    Poll(PollRec),
    WebPage {
        url: String,
        site_name: String,
        title: String,
        description: String,
        photo: Option<i64>,
    },
}

#[derive(Debug, Clone)]
pub enum Action {
    ChatCreate(String, Vec<i64>),
    ChatAddUser(Vec<i64>),
    ChatDeleteUser(i64),
    ChatEditTitle(String),
    ChannelCreate(String),
    PinMessage,
    ChatJoinedByLink,
    TopicCreate(String),
}

#[derive(Debug, Clone)]
pub struct FwdRec {
    pub from: Option<Peer>,
    pub from_name: Option<String>,
    pub date: i32,
    pub channel_post: Option<i32>,
}

#[derive(Debug, Clone)]
pub struct ReactionRec {
    pub emoji: String,
    pub count: i32,
    pub chosen: bool,
}

#[derive(Debug, Clone)]
pub enum Button {
    Callback { text: String, data: Vec<u8> },
    Url { text: String, url: String },
}

#[derive(Debug, Clone)]
pub struct MsgRec {
    pub id: i32,
    pub peer: Peer,
    pub from: Option<Peer>,
    pub out: bool,
    pub date: i32,
    pub text: String,
    pub entities: Vec<Entity>,
    pub media: Option<Media>,
    pub reply_to: Option<i32>,
    /// Forum topic (or comment thread) the message belongs to.
    pub top_id: Option<i32>,
    pub fwd_from: Option<FwdRec>,
    pub edit_date: Option<i32>,
    pub pinned: bool,
    pub reactions: Vec<ReactionRec>,
    pub action: Option<Action>,
    pub markup: Vec<Vec<Button>>,
    pub views: Option<i32>,
    pub post_author: Option<String>,
    pub via_bot: Option<i64>,
    pub mentioned: bool,
    pub media_unread: bool,
    pub grouped_id: Option<i64>,
    /// Replies in the linked discussion group (channel posts with comments).
    pub replies: Option<i32>,
}

impl MsgRec {
    /// A text message in `peer`; `from` is None for channel posts.
    pub fn text(peer: Peer, from: Option<Peer>, out: bool, date: i32, text: &str) -> Self {
        Self {
            id: 0,
            peer,
            from,
            out,
            date,
            text: text.to_owned(),
            entities: Vec::new(),
            media: None,
            reply_to: None,
            top_id: None,
            fwd_from: None,
            edit_date: None,
            pinned: false,
            reactions: Vec::new(),
            action: None,
            markup: Vec::new(),
            views: None,
            post_author: None,
            via_bot: None,
            mentioned: false,
            media_unread: false,
            grouped_id: None,
            replies: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct DialogRec {
    pub peer: Peer,
    /// Higher pins first; None when not pinned.
    pub pinned_order: Option<i32>,
    pub folder_id: i32,
    pub read_inbox_max_id: i32,
    pub read_outbox_max_id: i32,
    pub mute_until: i32,
    pub unread_mark: bool,
}

impl DialogRec {
    pub fn new(peer: Peer) -> Self {
        Self {
            peer,
            pinned_order: None,
            folder_id: 0,
            read_inbox_max_id: 0,
            read_outbox_max_id: 0,
            mute_until: 0,
            unread_mark: false,
        }
    }
}

/// A dialog filter (the folders users make in Telegram).
#[derive(Debug, Clone)]
pub struct FolderRec {
    pub id: i32,
    pub title: String,
    pub emoticon: Option<String>,
    pub include: Vec<Peer>,
    pub contacts: bool,
    pub groups: bool,
    pub broadcasts: bool,
    pub bots: bool,
}

#[derive(Debug, Clone)]
pub struct SizeRec {
    pub kind: String,
    pub w: i32,
    pub h: i32,
    pub bytes: Arc<Vec<u8>>,
}

#[derive(Debug, Clone)]
pub enum FileKind {
    /// A photo: sizes from smallest to largest, each its own JPEG.
    Photo {
        sizes: Vec<SizeRec>,
    },
    Sticker {
        alt: String,
        set_id: i64,
        w: i32,
        h: i32,
    },
    Voice {
        duration: i32,
        waveform: Vec<u8>,
    },
    Audio {
        duration: i32,
        title: String,
        performer: String,
    },
    Video {
        duration: f64,
        w: i32,
        h: i32,
        round: bool,
    },
    Document,
}

#[derive(Debug, Clone)]
pub struct FileRec {
    /// 0 until added to the world.
    pub id: i64,
    pub kind: FileKind,
    pub mime: String,
    pub name: Option<String>,
    pub date: i32,
    /// The document's bytes (photos keep theirs in their sizes).
    pub bytes: Arc<Vec<u8>>,
    pub thumbs: Vec<SizeRec>,
}

impl FileRec {
    pub fn access_hash(&self) -> i64 {
        access_hash_for(self.id)
    }

    pub fn size(&self) -> i64 {
        self.bytes.len() as i64
    }
}

#[derive(Debug, Clone)]
pub struct StickerSetRec {
    pub id: i64,
    pub short_name: String,
    pub title: String,
    pub stickers: Vec<i64>,
    pub installed: bool,
}

/// How the account logs in, and what the fake asks for.
#[derive(Debug, Clone)]
pub struct AccountSettings {
    pub phone: String,
    pub code: String,
    /// 2FA password, when the account has one.
    pub password: Option<String>,
    pub password_hint: Option<String>,
    /// The DC the account lives on; logins elsewhere get `*_MIGRATE_X`.
    pub home_dc: i32,
    /// Phone numbers Telegram has banned.
    pub banned_phones: Vec<String>,
}

impl Default for AccountSettings {
    fn default() -> Self {
        Self {
            phone: "10000000000".to_owned(),
            code: "12345".to_owned(),
            password: None,
            password_hint: None,
            home_dc: 2,
            banned_phones: Vec::new(),
        }
    }
}

/// An invite link to a chat (`t.me/+HASH`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InviteRec {
    pub hash: String,
    /// The chat's bare id (basic group or channel).
    pub chat: i64,
    pub admin_id: i64,
    pub date: i32,
    pub usage: i32,
    pub revoked: bool,
    pub permanent: bool,
    pub request_needed: bool,
}
