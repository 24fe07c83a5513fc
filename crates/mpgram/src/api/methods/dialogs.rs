//! The chat list: `getDialogs` (with folder mode), `getAllDialogs`, `getDialog`, `getFolders`,
//! `getForumTopics` (`methods-core.md` §3).

use std::cmp::Ordering;
use std::collections::HashSet;

use grammers_tl_types as tl;

use super::peers::{chat_peer, resolve, user_id};
use super::{res, Call};
use crate::api::error::ApiError;
use crate::api::json::{Object, Value};
use crate::model;
use crate::model::peer::PeerId;

/// Server-side cut when no `limit` is given, and the page size when fetching every dialog.
const DEFAULT_LIMIT: i64 = 100;
/// Safety bound on pages when fetching every dialog (10,000 dialogs).
const MAX_PAGES: usize = 100;

pub(crate) fn msg_id(m: &tl::enums::Message) -> i32 {
    match m {
        tl::enums::Message::Empty(x) => x.id,
        tl::enums::Message::Message(x) => x.id,
        tl::enums::Message::Service(x) => x.id,
    }
}

pub(crate) fn msg_peer(m: &tl::enums::Message) -> Option<i64> {
    match m {
        tl::enums::Message::Empty(x) => x.peer_id.as_ref().map(model::peer_id),
        tl::enums::Message::Message(x) => Some(model::peer_id(&x.peer_id)),
        tl::enums::Message::Service(x) => Some(model::peer_id(&x.peer_id)),
    }
}

fn msg_from(m: &tl::enums::Message) -> Option<i64> {
    match m {
        tl::enums::Message::Empty(_) => None,
        tl::enums::Message::Message(x) => x.from_id.as_ref().map(model::peer_id),
        tl::enums::Message::Service(x) => x.from_id.as_ref().map(model::peer_id),
    }
}

fn msg_date(m: &tl::enums::Message) -> Option<i32> {
    match m {
        tl::enums::Message::Empty(_) => None,
        tl::enums::Message::Message(x) => Some(x.date),
        tl::enums::Message::Service(x) => Some(x.date),
    }
}

fn dialog_peer(d: &tl::enums::Dialog) -> i64 {
    match d {
        tl::enums::Dialog::Dialog(x) => model::peer_id(&x.peer),
        tl::enums::Dialog::Folder(x) => model::peer_id(&x.peer),
        // Communities have no MPGram peer id; they are dropped from every list.
        tl::enums::Dialog::Community(_) => 0,
    }
}

fn dialog_top(d: &tl::enums::Dialog) -> i32 {
    match d {
        tl::enums::Dialog::Dialog(x) => x.top_message,
        tl::enums::Dialog::Folder(x) => x.top_message,
        tl::enums::Dialog::Community(_) => 0,
    }
}

fn dialog_pinned(d: &tl::enums::Dialog) -> bool {
    match d {
        tl::enums::Dialog::Dialog(x) => x.pinned,
        tl::enums::Dialog::Folder(x) => x.pinned,
        tl::enums::Dialog::Community(x) => x.pinned,
    }
}

/// One page (or the whole list) of dialogs with everything Telegram sent along.
#[derive(Default)]
struct DialogSet {
    count: Option<i32>,
    dialogs: Vec<tl::enums::Dialog>,
    messages: Vec<tl::enums::Message>,
    users: Vec<tl::enums::User>,
    chats: Vec<tl::enums::Chat>,
}

impl DialogSet {
    fn from_answer(a: tl::enums::messages::Dialogs) -> Self {
        match a {
            tl::enums::messages::Dialogs::Dialogs(d) => Self {
                count: None,
                dialogs: d.dialogs,
                messages: d.messages,
                users: d.users,
                chats: d.chats,
            },
            tl::enums::messages::Dialogs::Slice(d) => Self {
                count: Some(d.count),
                dialogs: d.dialogs,
                messages: d.messages,
                users: d.users,
                chats: d.chats,
            },
            tl::enums::messages::Dialogs::NotModified(d) => Self {
                count: Some(d.count),
                ..Self::default()
            },
        }
    }

    /// The last message of a dialog: the message of that chat with the dialog's top id.
    fn top_message(&self, d: &tl::enums::Dialog) -> Option<&tl::enums::Message> {
        let (peer, top) = (dialog_peer(d), dialog_top(d));
        self.messages
            .iter()
            .find(|m| msg_id(m) == top && msg_peer(m) == Some(peer))
    }

    fn date_of(&self, d: &tl::enums::Dialog) -> Option<i32> {
        self.top_message(d).and_then(msg_date)
    }
}

/// A stable insertion sort that tolerates the reference's comparator (a dialog without a last
/// message "compares equal to everything", which is not a total order; `slice::sort_by` may
/// panic on such comparators).
fn stable_sort<T>(v: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
    for i in 1..v.len() {
        let mut j = i;
        while j > 0 && cmp(&v[j - 1], &v[j]) == Ordering::Greater {
            v.swap(j - 1, j);
            j -= 1;
        }
    }
}

fn by_date_desc(a: Option<i32>, b: Option<i32>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => b.cmp(&a),
        _ => Ordering::Equal,
    }
}

async fn fetch_page(
    call: &Call<'_>,
    folder_id: Option<i32>,
    offset_date: i32,
    offset_id: i32,
    offset_peer: tl::enums::InputPeer,
    limit: i32,
    exclude_pinned: bool,
) -> Result<DialogSet, ApiError> {
    let answer = call
        .invoke_caching(&tl::functions::messages::GetDialogs {
            exclude_pinned,
            folder_id,
            offset_date,
            offset_id,
            offset_peer,
            limit,
            hash: 0,
        })
        .await?;
    let mut set = DialogSet::from_answer(answer);
    set.dialogs
        .retain(|d| !matches!(d, tl::enums::Dialog::Community(_)));
    Ok(set)
}

/// Every dialog of the main list and the archive, page by page (`methods-core.md` §3.1.1
/// step 2), de-duplicated by peer.
async fn fetch_all(call: &Call<'_>) -> Result<DialogSet, ApiError> {
    let mut all = DialogSet::default();
    let mut seen = HashSet::new();
    let (mut offset_date, mut offset_id, mut offset_peer) = (0, 0, tl::enums::InputPeer::Empty);
    for _ in 0..MAX_PAGES {
        let page = fetch_page(
            call,
            None,
            offset_date,
            offset_id,
            offset_peer.clone(),
            DEFAULT_LIMIT as i32,
            false,
        )
        .await?;
        let is_slice = page.count.is_some();
        let last = page.dialogs.last().cloned();
        let next = last.as_ref().and_then(|d| {
            let date = page.date_of(d)?;
            let peer = call.account.input_peer(dialog_peer(d))?;
            Some((date, dialog_top(d), peer))
        });
        let mut new = 0;
        for d in page.dialogs {
            if seen.insert(dialog_peer(&d)) {
                new += 1;
                all.dialogs.push(d);
            }
        }
        all.messages.extend(page.messages);
        all.users.extend(page.users);
        all.chats.extend(page.chats);
        match next {
            Some((date, id, peer)) if is_slice && new > 0 => {
                offset_date = date;
                offset_id = id;
                offset_peer = peer;
            }
            _ => break,
        }
    }
    Ok(all)
}

/// Pages through every dialog so their peers' access hashes are cached.
pub(crate) async fn warm_peer_cache(call: &Call<'_>) -> Result<(), ApiError> {
    fetch_all(call).await.map(|_| ())
}

fn input_peer_id(call: &Call<'_>, p: &tl::enums::InputPeer) -> Option<i64> {
    use tl::enums::InputPeer as I;
    Some(match p {
        I::PeerSelf => call.self_id(),
        I::User(u) => u.user_id,
        I::UserFromMessage(u) => u.user_id,
        I::Chat(c) => PeerId::basic_group(c.chat_id).get(),
        I::Channel(c) => PeerId::channel(c.channel_id).get(),
        I::ChannelFromMessage(c) => PeerId::channel(c.channel_id).get(),
        I::Empty => return None,
    })
}

/// A folder's rules with its peer lists as MPGram ids.
struct Rule {
    contacts: bool,
    non_contacts: bool,
    groups: bool,
    broadcasts: bool,
    bots: bool,
    exclude_read: bool,
    exclude_archived: bool,
    include: Vec<i64>,
    exclude: Vec<i64>,
    pinned: Vec<i64>,
}

/// The dialogs of folder `f` (`methods-core.md` §3.1.1), with the reference's bugs fixed:
/// non-contacts follow `non_contacts`, shared folders work, "self" resolves.
async fn folder_dialogs(call: &Call<'_>, f: i64) -> Result<DialogSet, ApiError> {
    let tl::enums::messages::DialogFilters::Filters(filters) = call
        .invoke(&tl::functions::messages::GetDialogFilters {})
        .await?;
    let ids = |v: &[tl::enums::InputPeer]| -> Vec<i64> {
        v.iter().filter_map(|p| input_peer_id(call, p)).collect()
    };
    let rule = filters.filters.iter().find_map(|x| match x {
        tl::enums::DialogFilter::Filter(x) if i64::from(x.id) == f => Some(Rule {
            contacts: x.contacts,
            non_contacts: x.non_contacts,
            groups: x.groups,
            broadcasts: x.broadcasts,
            bots: x.bots,
            exclude_read: x.exclude_read,
            exclude_archived: x.exclude_archived,
            include: ids(&x.include_peers),
            exclude: ids(&x.exclude_peers),
            pinned: ids(&x.pinned_peers),
        }),
        tl::enums::DialogFilter::Chatlist(x) if i64::from(x.id) == f => Some(Rule {
            contacts: false,
            non_contacts: false,
            groups: false,
            broadcasts: false,
            bots: false,
            exclude_read: false,
            exclude_archived: false,
            include: ids(&x.include_peers),
            exclude: Vec::new(),
            pinned: ids(&x.pinned_peers),
        }),
        _ => None,
    });
    let Some(rule) = rule else {
        return Err(ApiError::Message("Folder not found".into()));
    };
    let all = fetch_all(call).await?;
    let contact_ids: HashSet<i64> = if rule.contacts || rule.non_contacts {
        match call
            .invoke(&tl::functions::contacts::GetContacts { hash: 0 })
            .await?
        {
            tl::enums::contacts::Contacts::Contacts(c) => c
                .contacts
                .iter()
                .map(|tl::enums::Contact::Contact(k)| k.user_id)
                .collect(),
            tl::enums::contacts::Contacts::NotModified => HashSet::new(),
        }
    } else {
        HashSet::new()
    };
    let bots: HashSet<i64> = all
        .users
        .iter()
        .filter_map(|u| match u {
            tl::enums::User::User(u) if u.bot => Some(u.id),
            _ => None,
        })
        .collect();
    let broadcasts: HashSet<i64> = all
        .chats
        .iter()
        .filter(|c| matches!(c, tl::enums::Chat::Channel(x) if x.broadcast))
        .map(|c| model::peer_id(&chat_peer(c)))
        .collect();
    // The folder's kinds, one pass each in this order (a dialog joins once, where it first fits).
    let kinds: [&dyn Fn(i64) -> bool; 4] = [
        &|id| {
            id > 0
                && ((rule.contacts && contact_ids.contains(&id))
                    || (rule.non_contacts && !contact_ids.contains(&id)))
        },
        &|id| rule.groups && id < 0 && !broadcasts.contains(&id),
        &|id| rule.broadcasts && broadcasts.contains(&id),
        &|id| rule.bots && id > 0 && bots.contains(&id),
    ];
    let mut out: Vec<tl::enums::Dialog> = Vec::new();
    let mut seen: HashSet<i64> = HashSet::new();
    for kind in kinds {
        for d in &all.dialogs {
            let id = dialog_peer(d);
            if kind(id) && seen.insert(id) {
                out.push(d.clone());
            }
        }
    }
    out.retain(|d| !rule.exclude.contains(&dialog_peer(d)));
    if rule.exclude_archived {
        out.retain(|d| !matches!(d, tl::enums::Dialog::Dialog(x) if x.folder_id == Some(1)));
    }
    if rule.exclude_read {
        out.retain(|d| !matches!(d, tl::enums::Dialog::Dialog(x) if x.unread_count == 0));
    }
    // Included chats come back even when a rule above left them out.
    let mut seen: HashSet<i64> = out.iter().map(dialog_peer).collect();
    for d in &all.dialogs {
        let id = dialog_peer(d);
        if rule.include.contains(&id) && seen.insert(id) {
            out.push(d.clone());
        }
    }
    stable_sort(&mut out, |a, b| {
        match (dialog_pinned(a), dialog_pinned(b)) {
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            _ => by_date_desc(all.date_of(a), all.date_of(b)),
        }
    });
    for pinned in rule.pinned.iter().rev() {
        if let Some(pos) = out.iter().position(|d| dialog_peer(d) == *pinned) {
            let d = out.remove(pos);
            out.insert(0, d);
        }
    }
    Ok(DialogSet {
        count: None,
        dialogs: out,
        ..all
    })
}

/// The common tail of `getDialogs`/`getAllDialogs` (`methods-core.md` §3.1 steps 1–7).
fn answer(call: &Call<'_>, mut set: DialogSet, limit: i64, with_msg: bool, count: bool) -> Object {
    let v = call.version;
    let ctx = call.model_ctx();
    let short = !call.params.is_set("text") || call.params.flag("text");
    let limit = usize::try_from(limit).unwrap_or(0);
    set.dialogs.truncate(limit);
    let mut wanted: HashSet<i64> = HashSet::new();
    for d in &set.dialogs {
        let id = dialog_peer(d);
        wanted.insert(id);
        if let Some(from) = set.top_message(d).and_then(msg_from) {
            wanted.insert(from);
        }
    }
    let keep_all = set.dialogs.is_empty();
    let users: Vec<tl::enums::User> = set
        .users
        .iter()
        .filter(|u| keep_all || wanted.contains(&user_id(u)))
        .cloned()
        .collect();
    let chats: Vec<tl::enums::Chat> = set
        .chats
        .iter()
        .filter(|c| keep_all || wanted.contains(&model::peer_id(&chat_peer(c))))
        .cloned()
        .collect();
    let mut o = Object::new();
    if count {
        o.insert_some("count", set.count);
    }
    let messages_part = call.params.selects("messages");
    if call.params.selects("dialogs") {
        let mut dctx = ctx;
        dctx.dialog_msg = if !with_msg || !messages_part || v.dialogs_use_messages_map() {
            model::DialogMsg::Omit
        } else if short {
            model::DialogMsg::Short
        } else {
            model::DialogMsg::Full
        };
        let list = set
            .dialogs
            .iter()
            .map(|d| Value::Object(model::dialog(d, set.top_message(d), &dctx)))
            .collect();
        o.insert("dialogs", Value::Array(list));
    }
    let (user_map, chat_map) = model::peer_maps(&users, &chats, &ctx);
    if call.params.selects_peers("users") && !user_map.is_empty() {
        o.insert("users", user_map);
    }
    if call.params.selects_peers("chats") && !chat_map.is_empty() {
        o.insert("chats", chat_map);
    }
    if v.dialogs_use_messages_map() && messages_part && (with_msg || call.params.is_set("fields")) {
        let mut map = Object::new().with("-1", 0);
        for d in &set.dialogs {
            if let Some(m) = set.top_message(d) {
                map.insert(dialog_peer(d).to_string(), model::message(m, &ctx));
            }
        }
        o.insert("messages", map);
    }
    o
}

/// `getDialogs`: one page of the chat list, or of a folder (`f > 1`). One Telegram call
/// (`messages.getDialogs`) when `offset_peer` is absent or cached.
pub async fn get_dialogs(call: &Call<'_>) -> Result<Object, ApiError> {
    call.auth()?;
    let p = call.params;
    let offset_id = p.int_or("offset_id", 0)?;
    let offset_date = p.int_or("offset_date", 0)?;
    let limit = p.int("limit")?;
    let cut = limit.filter(|l| *l > 0).unwrap_or(DEFAULT_LIMIT);
    let f = if call.version.has_compact_peer_keys() && p.is_set("f") {
        Some(p.lenient("f").unwrap_or(0))
    } else {
        None
    };
    if let Some(f) = f.filter(|f| *f > 1) {
        let set = folder_dialogs(call, f).await?;
        return Ok(answer(call, set, cut, true, false));
    }
    let offset_peer = match p.non_empty("offset_peer") {
        Some(r) => resolve(call, r).await?.1,
        None => tl::enums::InputPeer::Empty,
    };
    let mut set = fetch_page(
        call,
        f.map(|f| f as i32),
        offset_date as i32,
        offset_id as i32,
        offset_peer,
        cut as i32,
        false,
    )
    .await?;
    if f.is_none() {
        let old = !call.version.has_compact_peer_keys();
        let dates: Vec<(i64, Option<i32>)> = set
            .dialogs
            .iter()
            .map(|d| (dialog_peer(d), set.date_of(d)))
            .collect();
        let date = |d: &tl::enums::Dialog| {
            dates
                .iter()
                .find(|(id, _)| *id == dialog_peer(d))
                .and_then(|(_, date)| *date)
        };
        stable_sort(&mut set.dialogs, |a, b| {
            if old {
                match (dialog_pinned(a), dialog_pinned(b)) {
                    (true, false) => return Ordering::Less,
                    (false, true) => return Ordering::Greater,
                    _ => {}
                }
            }
            by_date_desc(date(a), date(b))
        });
    }
    Ok(answer(call, set, cut, true, true))
}

/// `getAllDialogs` (deprecated): every dialog, pinned first then newest first, no `msg`; the
/// reference fails here as soon as two dates differ (a bug), this is the intended behaviour.
pub async fn get_all_dialogs(call: &Call<'_>) -> Result<Object, ApiError> {
    call.auth()?;
    let cut = call
        .params
        .int("limit")?
        .filter(|l| *l > 0)
        .unwrap_or(DEFAULT_LIMIT);
    let mut set = fetch_all(call).await?;
    let dates: Vec<(i64, Option<i32>)> = set
        .dialogs
        .iter()
        .map(|d| (dialog_peer(d), set.date_of(d)))
        .collect();
    let date = |d: &tl::enums::Dialog| {
        dates
            .iter()
            .find(|(id, _)| *id == dialog_peer(d))
            .and_then(|(_, date)| *date)
    };
    stable_sort(&mut set.dialogs, |a, b| {
        match (dialog_pinned(a), dialog_pinned(b)) {
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            _ => by_date_desc(date(a), date(b)),
        }
    });
    Ok(answer(call, set, cut, false, false))
}

/// `getDialog`: dialog state of one or more chats; every failure is HTTP 200 with its reason.
pub async fn get_dialog(call: &Call<'_>) -> Result<Object, ApiError> {
    let list = call.params.required("id")?;
    call.auth()?;
    let as_200 = |e: ApiError| match e {
        ApiError::Telegram(rpc) => ApiError::Message(rpc.full_name()),
        ApiError::Internal(m) => ApiError::Message(m),
        other => other,
    };
    let refs: Vec<&str> = list.split(',').collect();
    let mut peers = Vec::with_capacity(refs.len());
    for r in &refs {
        let (_, peer) = resolve(call, r).await.map_err(as_200)?;
        peers.push(tl::enums::InputDialogPeer::Peer(
            tl::types::InputDialogPeer { peer },
        ));
    }
    let tl::enums::messages::PeerDialogs::Dialogs(answer) = call
        .invoke_caching(&tl::functions::messages::GetPeerDialogs { peers })
        .await
        .map_err(as_200)?;
    let ctx = call.model_ctx();
    let mut list: Vec<Value> = answer
        .dialogs
        .iter()
        .map(|d| Value::Object(model::dialog(d, None, &ctx)))
        .collect();
    if refs.len() == 1 {
        return match list.pop() {
            Some(d) if list.is_empty() => Ok(res(d)),
            Some(_) => Ok(res(Value::Array(list))),
            None => Err(ApiError::Message("Dialog not found".into())),
        };
    }
    Ok(res(Value::Array(list)))
}

/// `getFolders`: the folder list and whether the archive has chats.
pub async fn get_folders(call: &Call<'_>) -> Result<Object, ApiError> {
    call.auth()?;
    let tl::enums::messages::DialogFilters::Filters(filters) = call
        .invoke(&tl::functions::messages::GetDialogFilters {})
        .await?;
    let archive = fetch_page(call, Some(1), 0, 0, tl::enums::InputPeer::Empty, 1, true).await?;
    let archive = !archive.dialogs.is_empty();
    let title = |t: &tl::enums::TextWithEntities| {
        let tl::enums::TextWithEntities::Entities(t) = t;
        t.text.clone()
    };
    let list: Vec<Value> = filters
        .filters
        .iter()
        .map(|f| {
            Value::Object(match f {
                tl::enums::DialogFilter::Default => Object::new().with("id", 0),
                tl::enums::DialogFilter::Filter(x) => {
                    Object::new().with("id", x.id).with("t", title(&x.title))
                }
                tl::enums::DialogFilter::Chatlist(x) => {
                    Object::new().with("id", x.id).with("t", title(&x.title))
                }
            })
        })
        .collect();
    if list.is_empty() && !archive {
        return Ok(res(Value::Null));
    }
    let mut o = Object::new().with("archive", archive);
    if !list.is_empty() {
        o.insert("res", Value::Array(list));
    }
    Ok(o)
}

/// `getForumTopics`: topics of a forum supergroup (30 when no `limit`).
pub async fn get_forum_topics(call: &Call<'_>) -> Result<Object, ApiError> {
    call.auth()?;
    let reference = call.params.required_set("peer")?;
    let limit = call.params.lenient("limit").unwrap_or(30);
    let (_, peer) = resolve(call, reference).await?;
    let tl::enums::messages::ForumTopics::Topics(t) = call
        .invoke_caching(&tl::functions::messages::GetForumTopics {
            peer,
            q: None,
            offset_date: 0,
            offset_id: 0,
            offset_topic: 0,
            limit: limit as i32,
        })
        .await?;
    let list = t
        .topics
        .iter()
        .map(|topic| {
            Value::Object(match topic {
                tl::enums::ForumTopic::Topic(x) => {
                    let mut o = Object::new()
                        .with("closed", x.closed)
                        .with("pinned", x.pinned)
                        .with("id", x.id)
                        .with("date", x.date)
                        .with("top", x.top_message)
                        .with("unread", x.unread_count)
                        .with("read_max_id", x.read_inbox_max_id);
                    if !x.title.is_empty() {
                        o.insert("title", x.title.clone());
                    }
                    o
                }
                tl::enums::ForumTopic::Deleted(x) => Object::new()
                    .with("closed", false)
                    .with("pinned", false)
                    .with("id", x.id)
                    .with("date", 0)
                    .with("top", 0)
                    .with("unread", 0)
                    .with("read_max_id", 0),
            })
        })
        .collect();
    Ok(res(Value::Array(list)))
}
