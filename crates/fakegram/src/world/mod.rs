//! The world a fake data-centre serves: accounts, peers, dialogs, messages and files, kept as
//! plain records and turned into TL objects only on the way out (`tl.rs`).
//!
//! Updates follow Telegram's model: one account-wide `pts` for private chats and basic
//! groups, one `pts` per channel, and a log of every event so `updates.getDifference` can
//! replay what a disconnected client missed.

mod activity;
mod records;
pub mod tl;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

pub use activity::{Activity, CallbackPress};
pub use records::*;

/// Seconds since the Unix epoch, as Telegram dates are.
pub fn now() -> i32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i32)
}

/// One event in an update log, kept so getDifference can replay it.
#[derive(Debug, Clone)]
pub struct LoggedUpdate {
    pub pts: i32,
    pub pts_count: i32,
    pub event: Event,
}

/// What changed, in world terms; turned into TL updates when sent.
#[derive(Debug, Clone)]
pub enum Event {
    NewMessage {
        peer: Peer,
        id: i32,
    },
    EditMessage {
        peer: Peer,
        id: i32,
    },
    DeleteMessages {
        peer: Peer,
        ids: Vec<i32>,
    },
    ReadInbox {
        peer: Peer,
        max_id: i32,
    },
    ReadOutbox {
        peer: Peer,
        max_id: i32,
    },
    Pinned {
        peer: Peer,
        ids: Vec<i32>,
        pinned: bool,
    },
}

/// The whole fake Telegram: one logged-in account (`me`) and everything it can see.
#[derive(Debug)]
pub struct World {
    pub me: i64,
    pub account: AccountSettings,
    pub users: BTreeMap<i64, UserRec>,
    pub chats: BTreeMap<i64, ChatRec>,
    /// Messages per peer, by id.
    pub messages: HashMap<Peer, BTreeMap<i32, MsgRec>>,
    pub dialogs: Vec<DialogRec>,
    pub folders: Vec<FolderRec>,
    pub files: HashMap<i64, FileRec>,
    pub sticker_sets: Vec<StickerSetRec>,
    /// Account-wide counters: next message id for private chats and basic groups, and pts.
    pub next_common_msg_id: i32,
    pub pts: i32,
    pub common_log: Vec<LoggedUpdate>,
    pub channel_logs: HashMap<i64, Vec<LoggedUpdate>>,
    /// Uploaded file parts by the client's file id.
    pub uploads: HashMap<i64, BTreeMap<i32, Vec<u8>>>,
    /// `random_id`s already sent per chat, so a resent request fails with
    /// `RANDOM_ID_DUPLICATE` as on Telegram and posts once.
    pub sent_random_ids: HashMap<(Peer, i64), i32>,
    pub next_file_id: i64,
    /// A bot that answers every message sent to it after about a second (demo world).
    pub echo_bot: Option<i64>,
    /// Invite links, oldest first.
    pub invites: Vec<InviteRec>,
    /// Bots that answer callback buttons (`messages.getBotCallbackAnswer`), by user id.
    pub callback_bots: Vec<i64>,
    /// Side effects tests inspect.
    pub activity: Activity,
}

impl World {
    /// An empty world with only the account holder in it.
    pub fn new(me: UserRec, account: AccountSettings) -> Self {
        let me_id = me.id;
        let mut users = BTreeMap::new();
        users.insert(me_id, me);
        Self {
            me: me_id,
            account,
            users,
            chats: BTreeMap::new(),
            messages: HashMap::new(),
            dialogs: Vec::new(),
            folders: Vec::new(),
            files: HashMap::new(),
            sticker_sets: Vec::new(),
            next_common_msg_id: 1,
            pts: 1,
            common_log: Vec::new(),
            channel_logs: HashMap::new(),
            uploads: HashMap::new(),
            sent_random_ids: HashMap::new(),
            next_file_id: 5_000_000_000_001,
            echo_bot: None,
            invites: Vec::new(),
            callback_bots: Vec::new(),
            activity: Activity::default(),
        }
    }

    pub fn add_user(&mut self, user: UserRec) {
        self.users.insert(user.id, user);
    }

    pub fn add_chat(&mut self, chat: ChatRec) {
        self.chats.insert(chat.id, chat);
    }

    pub fn add_file(&mut self, mut file: FileRec) -> i64 {
        if file.id == 0 {
            file.id = self.next_file_id;
            self.next_file_id += 1;
        }
        let id = file.id;
        self.files.insert(id, file);
        id
    }

    pub fn user(&self, id: i64) -> Option<&UserRec> {
        self.users.get(&id)
    }

    pub fn chat(&self, id: i64) -> Option<&ChatRec> {
        self.chats.get(&id)
    }

    /// Whether `peer` exists in this world.
    pub fn peer_exists(&self, peer: Peer) -> bool {
        match peer {
            Peer::User(id) => self.users.contains_key(&id),
            Peer::Chat(id) => self
                .chats
                .get(&id)
                .is_some_and(|c| c.kind == ChatKind::Basic),
            Peer::Channel(id) => self
                .chats
                .get(&id)
                .is_some_and(|c| c.kind != ChatKind::Basic),
        }
    }

    /// Channels (and supergroups) number messages on their own; everything else shares the
    /// account-wide counter.
    fn next_msg_id(&mut self, peer: Peer) -> i32 {
        if let Peer::Channel(id) = peer {
            return self
                .messages
                .get(&Peer::Channel(id))
                .and_then(|m| m.keys().next_back().copied())
                .unwrap_or(0)
                + 1;
        }
        let id = self.next_common_msg_id;
        self.next_common_msg_id += 1;
        id
    }

    /// Appends to the right update log and returns the new entry.
    fn log(&mut self, peer: Peer, pts_count: i32, event: Event) -> LoggedUpdate {
        if let Peer::Channel(id) = peer {
            let pts = self.chats.get_mut(&id).map_or(1, |c| {
                c.pts += pts_count;
                c.pts
            });
            let e = LoggedUpdate {
                pts,
                pts_count,
                event,
            };
            self.channel_logs.entry(id).or_default().push(e.clone());
            return e;
        }
        self.pts += pts_count;
        let e = LoggedUpdate {
            pts: self.pts,
            pts_count,
            event,
        };
        self.common_log.push(e.clone());
        e
    }

    /// Stores a message, gives it its id, moves its dialog to the top and logs the update.
    pub fn post(&mut self, mut msg: MsgRec) -> (i32, LoggedUpdate) {
        let id = self.next_msg_id(msg.peer);
        msg.id = id;
        let peer = msg.peer;
        let date = msg.date;
        let out = msg.out;
        self.messages.entry(peer).or_default().insert(id, msg);
        self.touch_dialog(peer, date);
        if out {
            // What we write is read up to here on our side.
            if let Some(d) = self.dialog_mut(peer) {
                d.read_inbox_max_id = d.read_inbox_max_id.max(id);
            }
        }
        let e = self.log(peer, 1, Event::NewMessage { peer, id });
        (id, e)
    }

    /// Stores a message with an id chosen by the caller (for building worlds), without
    /// logging an update.
    pub fn insert_message(&mut self, msg: MsgRec) {
        if !matches!(msg.peer, Peer::Channel(_)) {
            self.next_common_msg_id = self.next_common_msg_id.max(msg.id + 1);
        }
        let peer = msg.peer;
        let date = msg.date;
        self.messages.entry(peer).or_default().insert(msg.id, msg);
        self.touch_dialog(peer, date);
    }

    fn touch_dialog(&mut self, peer: Peer, _date: i32) {
        if self.dialog_mut(peer).is_none() {
            self.dialogs.push(DialogRec::new(peer));
        }
    }

    pub fn dialog(&self, peer: Peer) -> Option<&DialogRec> {
        self.dialogs.iter().find(|d| d.peer == peer)
    }

    pub fn dialog_mut(&mut self, peer: Peer) -> Option<&mut DialogRec> {
        self.dialogs.iter_mut().find(|d| d.peer == peer)
    }

    pub fn message(&self, peer: Peer, id: i32) -> Option<&MsgRec> {
        self.messages.get(&peer).and_then(|m| m.get(&id))
    }

    pub fn message_mut(&mut self, peer: Peer, id: i32) -> Option<&mut MsgRec> {
        self.messages.get_mut(&peer).and_then(|m| m.get_mut(&id))
    }

    /// Finds a message by its account-wide id (private chats and basic groups).
    pub fn common_message(&self, id: i32) -> Option<&MsgRec> {
        self.messages
            .iter()
            .filter(|(p, _)| !matches!(p, Peer::Channel(_)))
            .find_map(|(_, m)| m.get(&id))
    }

    pub fn top_message(&self, peer: Peer) -> Option<&MsgRec> {
        self.messages
            .get(&peer)
            .and_then(|m| m.values().next_back())
    }

    /// Unread incoming messages after the read mark.
    pub fn unread_count(&self, d: &DialogRec) -> i32 {
        self.messages.get(&d.peer).map_or(0, |m| {
            m.range(d.read_inbox_max_id + 1..)
                .filter(|(_, msg)| !msg.out && msg.action.is_none())
                .count() as i32
        })
    }

    /// Dialogs in Telegram's order: pinned first (in pin order), then by last message date.
    pub fn sorted_dialogs(&self, folder_id: i32) -> Vec<&DialogRec> {
        let mut list: Vec<&DialogRec> = self
            .dialogs
            .iter()
            .filter(|d| d.folder_id == folder_id && !self.is_left(d.peer))
            .collect();
        list.sort_by_key(|d| {
            let top = self.top_message(d.peer).map_or((0, 0), |m| (m.date, m.id));
            (
                std::cmp::Reverse(d.pinned_order.unwrap_or(i32::MIN)),
                std::cmp::Reverse(top),
            )
        });
        list
    }

    fn is_left(&self, peer: Peer) -> bool {
        match peer {
            Peer::Chat(id) | Peer::Channel(id) => self.chats.get(&id).is_some_and(|c| c.left),
            Peer::User(_) => false,
        }
    }

    pub fn edit_message(
        &mut self,
        peer: Peer,
        id: i32,
        text: String,
        entities: Vec<Entity>,
    ) -> Option<LoggedUpdate> {
        let date = now();
        let msg = self.message_mut(peer, id)?;
        msg.text = text;
        msg.entities = entities;
        msg.edit_date = Some(date);
        Some(self.log(peer, 1, Event::EditMessage { peer, id }))
    }

    /// Deletes messages; returns one logged update per log touched.
    pub fn delete_messages(&mut self, peer: Peer, ids: &[i32]) -> Option<LoggedUpdate> {
        let map = self.messages.get_mut(&peer)?;
        let removed: Vec<i32> = ids
            .iter()
            .copied()
            .filter(|id| map.remove(id).is_some())
            .collect();
        if removed.is_empty() {
            return None;
        }
        let count = removed.len() as i32;
        Some(self.log(peer, count, Event::DeleteMessages { peer, ids: removed }))
    }

    pub fn read_inbox(&mut self, peer: Peer, max_id: i32) -> Option<LoggedUpdate> {
        self.dialog(peer)?;
        let max_id = if max_id == 0 { i32::MAX } else { max_id };
        let top = self
            .messages
            .get(&peer)
            .and_then(|m| m.keys().next_back().copied())
            .unwrap_or(0);
        let d = self.dialog_mut(peer)?;
        let new = max_id.min(top);
        if new <= d.read_inbox_max_id {
            return None;
        }
        d.read_inbox_max_id = new;
        Some(self.log(peer, 1, Event::ReadInbox { peer, max_id: new }))
    }

    /// The other side read our messages up to `max_id`.
    pub fn read_outbox(&mut self, peer: Peer, max_id: i32) -> Option<LoggedUpdate> {
        let d = self.dialog_mut(peer)?;
        if max_id <= d.read_outbox_max_id {
            return None;
        }
        d.read_outbox_max_id = max_id;
        Some(self.log(peer, 1, Event::ReadOutbox { peer, max_id }))
    }

    pub fn set_pinned(&mut self, peer: Peer, ids: &[i32], pinned: bool) -> Option<LoggedUpdate> {
        let mut changed = Vec::new();
        for id in ids {
            if let Some(m) = self.message_mut(peer, *id) {
                m.pinned = pinned;
                changed.push(*id);
            }
        }
        if changed.is_empty() {
            return None;
        }
        Some(self.log(
            peer,
            1,
            Event::Pinned {
                peer,
                ids: changed,
                pinned,
            },
        ))
    }

    /// Sets our reaction on a message (replacing any previous one of ours).
    pub fn react(&mut self, peer: Peer, id: i32, emoji: Option<&str>, by_me: bool) -> bool {
        let Some(msg) = self.message_mut(peer, id) else {
            return false;
        };
        if by_me {
            for r in &mut msg.reactions {
                if r.chosen {
                    r.chosen = false;
                    r.count -= 1;
                }
            }
            msg.reactions.retain(|r| r.count > 0);
        }
        if let Some(e) = emoji {
            if let Some(r) = msg.reactions.iter_mut().find(|r| r.emoji == e) {
                r.count += 1;
                r.chosen |= by_me;
            } else {
                msg.reactions.push(ReactionRec {
                    emoji: e.to_owned(),
                    count: 1,
                    chosen: by_me,
                });
            }
        }
        true
    }

    /// Log entries after `pts` in the account-wide log.
    pub fn common_since(&self, pts: i32) -> Vec<LoggedUpdate> {
        self.common_log
            .iter()
            .filter(|e| e.pts > pts)
            .cloned()
            .collect()
    }

    pub fn channel_since(&self, channel: i64, pts: i32) -> Vec<LoggedUpdate> {
        self.channel_logs
            .get(&channel)
            .map(|l| l.iter().filter(|e| e.pts > pts).cloned().collect())
            .unwrap_or_default()
    }

    /// Users and chats referenced by these messages (plus `me`), for TL answers that must
    /// carry every peer they mention.
    pub fn peers_of<'a>(
        &self,
        msgs: impl IntoIterator<Item = &'a MsgRec>,
    ) -> (HashSet<i64>, HashSet<i64>) {
        let mut users = HashSet::new();
        let mut chats = HashSet::new();
        users.insert(self.me);
        let add = |p: Peer, users: &mut HashSet<i64>, chats: &mut HashSet<i64>| match p {
            Peer::User(id) => {
                users.insert(id);
            }
            Peer::Chat(id) | Peer::Channel(id) => {
                chats.insert(id);
            }
        };
        for m in msgs {
            add(m.peer, &mut users, &mut chats);
            if let Some(f) = m.from {
                add(f, &mut users, &mut chats);
            }
            if let Some(f) = m.fwd_from.as_ref().and_then(|f| f.from) {
                add(f, &mut users, &mut chats);
            }
            if let Some(Media::Contact {
                user_id: Some(u), ..
            }) = &m.media
            {
                users.insert(*u);
            }
            if let Some(Action::ChatAddUser(ids) | Action::ChatCreate(_, ids)) = &m.action {
                users.extend(ids.iter().copied());
            }
            if let Some(v) = m.via_bot {
                users.insert(v);
            }
        }
        // Only peers that exist can be sent.
        users.retain(|u| self.users.contains_key(u));
        chats.retain(|c| self.chats.contains_key(c));
        (users, chats)
    }

    /// Joins a file's uploaded parts, dropping them from the upload area.
    pub fn take_upload(&mut self, file_id: i64) -> Option<Vec<u8>> {
        let parts = self.uploads.remove(&file_id)?;
        Some(parts.into_values().flatten().collect())
    }

    /// Bytes of a stored file for `upload.getFile` (a photo size or a document).
    pub fn file_bytes(&self, id: i64, thumb: Option<&str>) -> Option<Arc<Vec<u8>>> {
        let f = self.files.get(&id)?;
        match (&f.kind, thumb) {
            (FileKind::Photo { sizes }, Some(t)) => sizes
                .iter()
                .find(|s| s.kind == t)
                .or_else(|| sizes.last())
                .map(|s| s.bytes.clone()),
            (FileKind::Photo { sizes }, None) => sizes.last().map(|s| s.bytes.clone()),
            (_, Some(t)) if !t.is_empty() => f
                .thumbs
                .iter()
                .find(|s| s.kind == t)
                .map(|s| s.bytes.clone()),
            _ => Some(f.bytes.clone()),
        }
    }
}
