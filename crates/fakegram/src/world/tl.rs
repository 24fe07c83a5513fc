//! World records → TL objects, each built in one place (the generated types have no
//! `Default` and dozens of fields).

use grammers_tl_types as tl;
use tl::{enums as e, types as t};

use super::Event;
use super::{
    access_hash_for, Action, Button, ChatKind, ChatRec, DialogRec, Entity, EntityKind, FileKind,
    FileRec, FolderRec, LoggedUpdate, Media, MsgRec, Peer, SizeRec, StickerSetRec, UserRec, World,
};

/// A fixed file_reference: the fake never expires references.
pub const FILE_REFERENCE: [u8; 4] = [1, 2, 3, 4];

pub fn peer(p: Peer) -> e::Peer {
    match p {
        Peer::User(user_id) => e::Peer::User(t::PeerUser { user_id }),
        Peer::Chat(chat_id) => e::Peer::Chat(t::PeerChat { chat_id }),
        Peer::Channel(channel_id) => e::Peer::Channel(t::PeerChannel { channel_id }),
    }
}

pub fn from_peer(p: &e::Peer) -> Peer {
    match p {
        e::Peer::User(u) => Peer::User(u.user_id),
        e::Peer::Chat(c) => Peer::Chat(c.chat_id),
        e::Peer::Channel(c) => Peer::Channel(c.channel_id),
    }
}

pub fn input_peer(p: Peer) -> e::InputPeer {
    match p {
        Peer::User(user_id) => e::InputPeer::User(t::InputPeerUser {
            user_id,
            access_hash: access_hash_for(user_id),
        }),
        Peer::Chat(chat_id) => e::InputPeer::Chat(t::InputPeerChat { chat_id }),
        Peer::Channel(channel_id) => e::InputPeer::Channel(t::InputPeerChannel {
            channel_id,
            access_hash: access_hash_for(channel_id),
        }),
    }
}

fn notify_settings(mute_until: i32) -> e::PeerNotifySettings {
    e::PeerNotifySettings::Settings(t::PeerNotifySettings {
        show_previews: Some(true),
        silent: Some(false),
        mute_until: Some(mute_until),
        ios_sound: None,
        android_sound: None,
        other_sound: None,
        stories_muted: None,
        stories_hide_sender: None,
        stories_ios_sound: None,
        stories_android_sound: None,
        stories_other_sound: None,
    })
}

pub fn user(w: &World, u: &UserRec) -> e::User {
    let status = if u.bot {
        None
    } else {
        Some(match u.online_until {
            Some(expires) if expires > super::now() => {
                e::UserStatus::Online(t::UserStatusOnline { expires })
            }
            _ => e::UserStatus::Offline(t::UserStatusOffline {
                was_online: u.last_seen,
            }),
        })
    };
    e::User::User(t::User {
        is_self: u.id == w.me,
        contact: u.contact,
        mutual_contact: u.contact,
        deleted: false,
        bot: u.bot,
        bot_chat_history: false,
        bot_nochats: false,
        verified: u.verified,
        restricted: false,
        min: false,
        bot_inline_geo: false,
        support: false,
        scam: false,
        apply_min_photo: false,
        fake: false,
        bot_attach_menu: false,
        premium: u.premium,
        attach_menu_enabled: false,
        bot_can_edit: false,
        close_friend: false,
        stories_hidden: false,
        stories_unavailable: true,
        contact_require_premium: false,
        bot_business: false,
        bot_has_main_app: false,
        bot_forum_view: false,
        bot_forum_can_manage_topics: false,
        bot_can_manage_bots: false,
        bot_guestchat: false,
        bot_guard: false,
        id: u.id,
        access_hash: Some(access_hash_for(u.id)),
        first_name: Some(u.first_name.clone()),
        last_name: u.last_name.clone(),
        username: u.username.clone(),
        phone: if u.contact || u.id == w.me {
            u.phone.clone()
        } else {
            None
        },
        photo: u.photos.first().map(|&photo_id| {
            e::UserProfilePhoto::Photo(t::UserProfilePhoto {
                has_video: false,
                personal: false,
                photo_id,
                stripped_thumb: None,
                dc_id: 2,
            })
        }),
        status,
        bot_info_version: u.bot.then_some(1),
        restriction_reason: None,
        bot_inline_placeholder: None,
        lang_code: u.lang_code.clone(),
        emoji_status: None,
        usernames: None,
        stories_max_id: None,
        color: None,
        profile_color: None,
        bot_active_users: None,
        bot_verification_icon: None,
        send_paid_messages_stars: None,
        linked_community_id: None,
    })
}

/// Full admin rights, as a creator has.
pub fn admin_rights() -> e::ChatAdminRights {
    e::ChatAdminRights::Rights(t::ChatAdminRights {
        change_info: true,
        post_messages: true,
        edit_messages: true,
        delete_messages: true,
        ban_users: true,
        invite_users: true,
        pin_messages: true,
        add_admins: true,
        anonymous: false,
        manage_call: true,
        other: true,
        manage_topics: true,
        post_stories: false,
        edit_stories: false,
        delete_stories: false,
        manage_direct_messages: false,
        manage_ranks: false,
        manage_linked_peers: false,
        manage_welcome_messages: false,
    })
}

fn chat_photo(photo: Option<i64>) -> e::ChatPhoto {
    match photo {
        Some(photo_id) => e::ChatPhoto::Photo(t::ChatPhoto {
            has_video: false,
            photo_id,
            stripped_thumb: None,
            dc_id: 2,
        }),
        None => e::ChatPhoto::Empty,
    }
}

pub fn chat(w: &World, c: &ChatRec) -> e::Chat {
    let is_admin = c.admins.contains(&w.me);
    match c.kind {
        ChatKind::Basic => e::Chat::Chat(t::Chat {
            creator: c.creator == w.me,
            left: c.left,
            deactivated: false,
            call_active: false,
            call_not_empty: false,
            noforwards: false,
            id: c.id,
            title: c.title.clone(),
            photo: chat_photo(c.photo),
            participants_count: c.members.len() as i32,
            date: c.date,
            version: 1,
            migrated_to: None,
            admin_rights: is_admin.then(admin_rights),
            default_banned_rights: None,
        }),
        ChatKind::Megagroup { .. } | ChatKind::Broadcast => e::Chat::Channel(t::Channel {
            creator: c.creator == w.me,
            left: c.left,
            broadcast: c.kind == ChatKind::Broadcast,
            verified: false,
            megagroup: matches!(c.kind, ChatKind::Megagroup { .. }),
            restricted: false,
            signatures: false,
            min: false,
            scam: false,
            has_link: c.linked_chat.is_some(),
            has_geo: false,
            slowmode_enabled: false,
            call_active: false,
            call_not_empty: false,
            fake: false,
            gigagroup: false,
            noforwards: false,
            join_to_send: false,
            join_request: false,
            forum: matches!(c.kind, ChatKind::Megagroup { forum: true }),
            stories_hidden: false,
            stories_hidden_min: false,
            stories_unavailable: true,
            signature_profiles: false,
            autotranslation: false,
            broadcast_messages_allowed: false,
            monoforum: false,
            forum_tabs: false,
            id: c.id,
            access_hash: Some(access_hash_for(c.id)),
            title: c.title.clone(),
            username: c.username.clone(),
            photo: chat_photo(c.photo),
            date: c.date,
            restriction_reason: None,
            admin_rights: is_admin.then(admin_rights),
            banned_rights: None,
            default_banned_rights: None,
            participants_count: Some(c.members.len() as i32),
            usernames: None,
            stories_max_id: None,
            color: None,
            profile_color: None,
            emoji_status: None,
            level: None,
            subscription_until_date: None,
            bot_verification_icon: None,
            send_paid_messages_stars: None,
            linked_monoforum_id: None,
            linked_community_id: None,
        }),
    }
}

pub fn entity(en: &Entity) -> e::MessageEntity {
    let (offset, length) = (en.offset, en.length);
    match &en.kind {
        EntityKind::Bold => e::MessageEntity::Bold(t::MessageEntityBold { offset, length }),
        EntityKind::Italic => e::MessageEntity::Italic(t::MessageEntityItalic { offset, length }),
        EntityKind::Underline => {
            e::MessageEntity::Underline(t::MessageEntityUnderline { offset, length })
        }
        EntityKind::Strike => e::MessageEntity::Strike(t::MessageEntityStrike { offset, length }),
        EntityKind::Code => e::MessageEntity::Code(t::MessageEntityCode { offset, length }),
        EntityKind::Pre(language) => e::MessageEntity::Pre(t::MessageEntityPre {
            offset,
            length,
            language: language.clone(),
        }),
        EntityKind::TextUrl(url) => e::MessageEntity::TextUrl(t::MessageEntityTextUrl {
            offset,
            length,
            url: url.clone(),
        }),
        EntityKind::Url => e::MessageEntity::Url(t::MessageEntityUrl { offset, length }),
        EntityKind::Mention => {
            e::MessageEntity::Mention(t::MessageEntityMention { offset, length })
        }
        EntityKind::Hashtag => {
            e::MessageEntity::Hashtag(t::MessageEntityHashtag { offset, length })
        }
        EntityKind::Spoiler => {
            e::MessageEntity::Spoiler(t::MessageEntitySpoiler { offset, length })
        }
        EntityKind::MentionName(user_id) => {
            e::MessageEntity::MentionName(t::MessageEntityMentionName {
                offset,
                length,
                user_id: *user_id,
            })
        }
    }
}

/// Entities sent by a client, in world terms (unknown kinds are dropped).
pub fn entity_from(en: &e::MessageEntity) -> Option<Entity> {
    let (kind, offset, length) = match en {
        e::MessageEntity::Bold(x) => (EntityKind::Bold, x.offset, x.length),
        e::MessageEntity::Italic(x) => (EntityKind::Italic, x.offset, x.length),
        e::MessageEntity::Underline(x) => (EntityKind::Underline, x.offset, x.length),
        e::MessageEntity::Strike(x) => (EntityKind::Strike, x.offset, x.length),
        e::MessageEntity::Code(x) => (EntityKind::Code, x.offset, x.length),
        e::MessageEntity::Pre(x) => (EntityKind::Pre(x.language.clone()), x.offset, x.length),
        e::MessageEntity::TextUrl(x) => (EntityKind::TextUrl(x.url.clone()), x.offset, x.length),
        e::MessageEntity::Url(x) => (EntityKind::Url, x.offset, x.length),
        e::MessageEntity::Spoiler(x) => (EntityKind::Spoiler, x.offset, x.length),
        _ => return None,
    };
    Some(Entity {
        kind,
        offset,
        length,
    })
}

fn photo_size(s: &SizeRec) -> e::PhotoSize {
    e::PhotoSize::Size(t::PhotoSize {
        r#type: s.kind.clone(),
        w: s.w,
        h: s.h,
        size: s.bytes.len() as i32,
    })
}

pub fn photo(f: &FileRec) -> e::Photo {
    let sizes = match &f.kind {
        FileKind::Photo { sizes } => sizes.iter().map(photo_size).collect(),
        _ => Vec::new(),
    };
    e::Photo::Photo(t::Photo {
        has_stickers: false,
        id: f.id,
        access_hash: f.access_hash(),
        file_reference: FILE_REFERENCE.to_vec(),
        date: f.date,
        sizes,
        video_sizes: None,
        dc_id: 2,
    })
}

pub fn document(w: &World, f: &FileRec) -> e::Document {
    let mut attributes = Vec::new();
    match &f.kind {
        FileKind::Sticker {
            alt,
            set_id,
            w: sw,
            h: sh,
        } => {
            attributes.push(e::DocumentAttribute::ImageSize(
                t::DocumentAttributeImageSize { w: *sw, h: *sh },
            ));
            let set = w.sticker_sets.iter().find(|s| s.id == *set_id);
            attributes.push(e::DocumentAttribute::Sticker(t::DocumentAttributeSticker {
                mask: false,
                alt: alt.clone(),
                stickerset: set.map_or(e::InputStickerSet::Empty, |s| {
                    e::InputStickerSet::Id(t::InputStickerSetId {
                        id: s.id,
                        access_hash: access_hash_for(s.id),
                    })
                }),
                mask_coords: None,
            }));
        }
        FileKind::Voice { duration, waveform } => {
            attributes.push(e::DocumentAttribute::Audio(t::DocumentAttributeAudio {
                voice: true,
                duration: *duration,
                title: None,
                performer: None,
                waveform: Some(waveform.clone()),
            }));
        }
        FileKind::Audio {
            duration,
            title,
            performer,
        } => {
            attributes.push(e::DocumentAttribute::Audio(t::DocumentAttributeAudio {
                voice: false,
                duration: *duration,
                title: Some(title.clone()),
                performer: Some(performer.clone()),
                waveform: None,
            }));
        }
        FileKind::Video {
            duration,
            w: vw,
            h: vh,
            round,
        } => {
            attributes.push(e::DocumentAttribute::Video(t::DocumentAttributeVideo {
                round_message: *round,
                supports_streaming: true,
                nosound: false,
                duration: *duration,
                w: *vw,
                h: *vh,
                preload_prefix_size: None,
                video_start_ts: None,
                video_codec: None,
            }));
        }
        FileKind::Photo { .. } | FileKind::Document => {}
    }
    if let Some(name) = &f.name {
        attributes.push(e::DocumentAttribute::Filename(
            t::DocumentAttributeFilename {
                file_name: name.clone(),
            },
        ));
    }
    e::Document::Document(t::Document {
        id: f.id,
        access_hash: f.access_hash(),
        file_reference: FILE_REFERENCE.to_vec(),
        date: f.date,
        mime_type: f.mime.clone(),
        size: f.size(),
        thumbs: (!f.thumbs.is_empty()).then(|| f.thumbs.iter().map(photo_size).collect()),
        video_thumbs: None,
        dc_id: 2,
        attributes,
    })
}

fn text(s: &str) -> e::TextWithEntities {
    e::TextWithEntities::Entities(t::TextWithEntities {
        text: s.to_owned(),
        entities: Vec::new(),
    })
}

pub(crate) fn media(w: &World, m: &Media) -> Option<e::MessageMedia> {
    Some(match m {
        Media::Photo(id) => e::MessageMedia::Photo(t::MessageMediaPhoto {
            spoiler: false,
            live_photo: false,
            photo: Some(photo(w.files.get(id)?)),
            ttl_seconds: None,
            video: None,
        }),
        Media::Document(id) => {
            let f = w.files.get(id)?;
            e::MessageMedia::Document(t::MessageMediaDocument {
                nopremium: false,
                spoiler: false,
                video: matches!(f.kind, FileKind::Video { round: false, .. }),
                round: matches!(f.kind, FileKind::Video { round: true, .. }),
                voice: matches!(f.kind, FileKind::Voice { .. }),
                document: Some(document(w, f)),
                alt_documents: None,
                video_cover: None,
                video_timestamp: None,
                ttl_seconds: None,
            })
        }
        Media::Geo { lat, long } => e::MessageMedia::Geo(t::MessageMediaGeo {
            geo: e::GeoPoint::Point(t::GeoPoint {
                long: *long,
                lat: *lat,
                access_hash: 0,
                accuracy_radius: None,
            }),
        }),
        Media::Contact {
            phone,
            first_name,
            last_name,
            user_id,
        } => e::MessageMedia::Contact(t::MessageMediaContact {
            phone_number: phone.clone(),
            first_name: first_name.clone(),
            last_name: last_name.clone(),
            vcard: String::new(),
            user_id: user_id.unwrap_or(0),
        }),
        Media::Poll(p) => {
            let total: i32 = p.answers.iter().map(|a| a.1).sum();
            e::MessageMedia::Poll(Box::new(t::MessageMediaPoll {
                poll: e::Poll::Poll(t::Poll {
                    id: p.id,
                    closed: p.closed,
                    public_voters: false,
                    multiple_choice: p.multiple,
                    quiz: p.quiz,
                    open_answers: false,
                    revoting_disabled: false,
                    shuffle_answers: false,
                    hide_results_until_close: false,
                    creator: false,
                    subscribers_only: false,
                    question: text(&p.question),
                    answers: p
                        .answers
                        .iter()
                        .enumerate()
                        .map(|(i, a)| {
                            e::PollAnswer::Answer(t::PollAnswer {
                                text: text(&a.0),
                                option: vec![i as u8],
                                media: None,
                                added_by: None,
                                date: None,
                            })
                        })
                        .collect(),
                    close_period: None,
                    close_date: None,
                    countries_iso2: None,
                    hash: 0,
                }),
                results: e::PollResults::Results(Box::new(t::PollResults {
                    min: false,
                    has_unread_votes: false,
                    can_view_stats: false,
                    results: (!p.chosen.is_empty() || p.closed).then(|| {
                        p.answers
                            .iter()
                            .enumerate()
                            .map(|(i, a)| {
                                e::PollAnswerVoters::Voters(t::PollAnswerVoters {
                                    chosen: p.chosen.contains(&i),
                                    correct: false,
                                    option: vec![i as u8],
                                    voters: Some(a.1),
                                    // The schema puts both under one flag bit: writing one
                                    // without the other leaves the reader a Vector short.
                                    recent_voters: Some(Vec::new()),
                                })
                            })
                            .collect()
                    }),
                    total_voters: Some(total),
                    recent_voters: None,
                    solution: None,
                    solution_entities: None,
                    solution_media: None,
                })),
                attached_media: None,
            }))
        }
        Media::WebPage {
            url,
            site_name,
            title,
            description,
            photo: ph,
        } => e::MessageMedia::WebPage(t::MessageMediaWebPage {
            force_large_media: false,
            force_small_media: false,
            manual: false,
            safe: true,
            webpage: e::WebPage::Page(t::WebPage {
                has_large_media: false,
                video_cover_photo: false,
                id: access_hash_for(url.len() as i64),
                url: url.clone(),
                display_url: url.trim_start_matches("https://").to_owned(),
                hash: 0,
                r#type: Some("article".to_owned()),
                site_name: Some(site_name.clone()),
                title: Some(title.clone()),
                description: Some(description.clone()),
                photo: ph.and_then(|id| w.files.get(&id)).map(photo),
                embed_url: None,
                embed_type: None,
                embed_width: None,
                embed_height: None,
                duration: None,
                author: None,
                document: None,
                cached_page: None,
                attributes: None,
            }),
        }),
    })
}

fn action(a: &Action) -> e::MessageAction {
    match a {
        Action::ChatCreate(title, users) => {
            e::MessageAction::ChatCreate(t::MessageActionChatCreate {
                title: title.clone(),
                users: users.clone(),
            })
        }
        Action::ChatAddUser(users) => e::MessageAction::ChatAddUser(t::MessageActionChatAddUser {
            users: users.clone(),
        }),
        Action::ChatDeleteUser(user_id) => {
            e::MessageAction::ChatDeleteUser(t::MessageActionChatDeleteUser { user_id: *user_id })
        }
        Action::ChatEditTitle(title) => {
            e::MessageAction::ChatEditTitle(t::MessageActionChatEditTitle {
                title: title.clone(),
            })
        }
        Action::ChannelCreate(title) => {
            e::MessageAction::ChannelCreate(t::MessageActionChannelCreate {
                title: title.clone(),
            })
        }
        Action::PinMessage => e::MessageAction::PinMessage,
        Action::ChatJoinedByLink => {
            e::MessageAction::ChatJoinedByLink(t::MessageActionChatJoinedByLink { inviter_id: 0 })
        }
        Action::TopicCreate(title) => e::MessageAction::TopicCreate(t::MessageActionTopicCreate {
            title_missing: false,
            title: title.clone(),
            icon_color: 0x6F_B9F0,
            icon_emoji_id: None,
        }),
    }
}

fn reply_header(m: &MsgRec) -> Option<e::MessageReplyHeader> {
    if m.reply_to.is_none() && m.top_id.is_none() {
        return None;
    }
    let forum_topic = m.top_id.is_some();
    Some(e::MessageReplyHeader::Header(t::MessageReplyHeader {
        reply_to_scheduled: false,
        forum_topic,
        quote: false,
        reply_to_ephemeral: false,
        reply_to_msg_id: m.reply_to.or(m.top_id),
        reply_to_peer_id: None,
        reply_from: None,
        reply_media: None,
        reply_to_top_id: m
            .top_id
            .filter(|top| Some(*top) != m.reply_to && m.reply_to.is_some()),
        quote_text: None,
        quote_entities: None,
        quote_offset: None,
        todo_item_id: None,
        poll_option: None,
    }))
}

fn markup(rows: &[Vec<Button>]) -> Option<e::ReplyMarkup> {
    if rows.is_empty() {
        return None;
    }
    Some(e::ReplyMarkup::ReplyInlineMarkup(t::ReplyInlineMarkup {
        force_reply: false,
        rows: rows
            .iter()
            .map(|row| {
                e::KeyboardInlineButtonRow::Row(t::KeyboardInlineButtonRow {
                    buttons: row
                        .iter()
                        .map(|b| {
                            let (text, r#type) = match b {
                                Button::Callback { text, data } => (
                                    text.clone(),
                                    e::InlineButtonType::Callback(t::InlineButtonTypeCallback {
                                        requires_password: false,
                                        data: data.clone(),
                                    }),
                                ),
                                Button::Url { text, url } => (
                                    text.clone(),
                                    e::InlineButtonType::Url(t::InlineButtonTypeUrl {
                                        url: url.clone(),
                                    }),
                                ),
                            };
                            e::KeyboardInlineButton::Button(t::KeyboardInlineButton {
                                style: None,
                                text,
                                r#type,
                            })
                        })
                        .collect(),
                })
            })
            .collect(),
    }))
}

pub fn reactions(m: &MsgRec) -> Option<e::MessageReactions> {
    if m.reactions.is_empty() {
        return None;
    }
    Some(e::MessageReactions::Reactions(t::MessageReactions {
        min: false,
        can_see_list: false,
        reactions_as_tags: false,
        results: m
            .reactions
            .iter()
            .map(|r| {
                e::ReactionCount::Count(t::ReactionCount {
                    chosen_order: r.chosen.then_some(0),
                    reaction: e::Reaction::Emoji(t::ReactionEmoji {
                        emoticon: r.emoji.clone(),
                    }),
                    count: r.count,
                })
            })
            .collect(),
        recent_reactions: None,
        top_reactors: None,
    }))
}

pub fn message(w: &World, m: &MsgRec) -> e::Message {
    if let Some(a) = &m.action {
        return e::Message::Service(t::MessageService {
            out: m.out,
            mentioned: false,
            media_unread: false,
            reactions_are_possible: false,
            silent: false,
            post: m.from.is_none(),
            legacy: false,
            id: m.id,
            from_id: m.from.map(peer),
            peer_id: peer(m.peer),
            saved_peer_id: None,
            reply_to: reply_header(m),
            date: m.date,
            action: action(a),
            reactions: None,
            ttl_period: None,
        });
    }
    e::Message::Message(t::Message {
        out: m.out,
        mentioned: m.mentioned,
        media_unread: m.media_unread,
        silent: false,
        post: m.from.is_none(),
        from_scheduled: false,
        legacy: false,
        edit_hide: false,
        pinned: m.pinned,
        noforwards: false,
        invert_media: false,
        offline: false,
        video_processing_pending: false,
        paid_suggested_post_stars: false,
        paid_suggested_post_ton: false,
        id: m.id,
        // Telegram omits from_id in private chats for the other side's messages only in
        // old layers; current ones send it for outgoing messages and groups.
        from_id: m.from.map(peer),
        from_boosts_applied: None,
        from_rank: None,
        peer_id: peer(m.peer),
        saved_peer_id: None,
        fwd_from: m.fwd_from.as_ref().map(|f| {
            e::MessageFwdHeader::Header(t::MessageFwdHeader {
                imported: false,
                saved_out: false,
                from_id: f.from.map(peer),
                from_name: f.from_name.clone(),
                date: f.date,
                channel_post: f.channel_post,
                post_author: None,
                saved_from_peer: None,
                saved_from_msg_id: None,
                saved_from_id: None,
                saved_from_name: None,
                saved_date: None,
                psa_type: None,
            })
        }),
        via_bot_id: m.via_bot,
        via_business_bot_id: None,
        guestchat_via_from: None,
        reply_to: reply_header(m),
        date: m.date,
        message: m.text.clone(),
        media: m.media.as_ref().and_then(|x| media(w, x)),
        reply_markup: markup(&m.markup),
        entities: (!m.entities.is_empty()).then(|| m.entities.iter().map(entity).collect()),
        views: m.views,
        forwards: m.views.map(|_| 0),
        replies: m.replies.map(|replies| {
            e::MessageReplies::Replies(t::MessageReplies {
                comments: true,
                replies,
                replies_pts: 1,
                recent_repliers: None,
                channel_id: match m.peer {
                    Peer::Channel(id) => w.chat(id).and_then(|c| c.linked_chat),
                    _ => None,
                },
                max_id: None,
                read_max_id: None,
            })
        }),
        edit_date: m.edit_date,
        post_author: m.post_author.clone(),
        grouped_id: m.grouped_id,
        reactions: reactions(m),
        restriction_reason: None,
        ttl_period: None,
        quick_reply_shortcut_id: None,
        effect: None,
        factcheck: None,
        report_delivery_until_date: None,
        paid_message_stars: None,
        suggested_post: None,
        schedule_repeat_period: None,
        summary_from_language: None,
        rich_message: None,
    })
}

pub fn dialog(w: &World, d: &DialogRec) -> e::Dialog {
    e::Dialog::Dialog(t::Dialog {
        pinned: d.pinned_order.is_some(),
        unread_mark: d.unread_mark,
        view_forum_as_messages: false,
        peer: peer(d.peer),
        top_message: w.top_message(d.peer).map_or(0, |m| m.id),
        read_inbox_max_id: d.read_inbox_max_id,
        read_outbox_max_id: d.read_outbox_max_id,
        unread_count: w.unread_count(d),
        unread_mentions_count: 0,
        unread_reactions_count: 0,
        unread_poll_votes_count: 0,
        notify_settings: notify_settings(d.mute_until),
        pts: match d.peer {
            Peer::Channel(id) => w.chat(id).map(|c| c.pts),
            _ => None,
        },
        draft: None,
        folder_id: (d.folder_id != 0).then_some(d.folder_id),
        ttl_period: None,
    })
}

pub fn folder(f: &FolderRec) -> e::DialogFilter {
    e::DialogFilter::Filter(t::DialogFilter {
        contacts: f.contacts,
        non_contacts: false,
        groups: f.groups,
        broadcasts: f.broadcasts,
        bots: f.bots,
        exclude_muted: false,
        exclude_read: false,
        exclude_archived: false,
        title_noanimate: false,
        id: f.id,
        title: text(&f.title),
        emoticon: f.emoticon.clone(),
        color: None,
        pinned_peers: Vec::new(),
        include_peers: f.include.iter().map(|p| input_peer(*p)).collect(),
        exclude_peers: Vec::new(),
    })
}

pub fn sticker_set(s: &StickerSetRec) -> e::StickerSet {
    e::StickerSet::Set(t::StickerSet {
        archived: false,
        official: false,
        masks: false,
        emojis: false,
        text_color: false,
        channel_emoji_status: false,
        creator: false,
        installed_date: s.installed.then_some(1_700_000_000),
        id: s.id,
        access_hash: access_hash_for(s.id),
        title: s.title.clone(),
        short_name: s.short_name.clone(),
        thumbs: None,
        thumb_dc_id: None,
        thumb_version: None,
        thumb_document_id: None,
        count: s.stickers.len() as i32,
        hash: s.id as i32,
    })
}

pub fn notify(mute_until: i32) -> e::PeerNotifySettings {
    notify_settings(mute_until)
}

/// Users and chats for a set of ids, as TL lists.
pub fn peer_lists(
    w: &World,
    users: impl IntoIterator<Item = i64>,
    chats: impl IntoIterator<Item = i64>,
) -> (Vec<e::User>, Vec<e::Chat>) {
    let mut u: Vec<i64> = users.into_iter().collect();
    u.sort_unstable();
    u.dedup();
    let mut c: Vec<i64> = chats.into_iter().collect();
    c.sort_unstable();
    c.dedup();
    (
        u.iter()
            .filter_map(|id| w.user(*id))
            .map(|x| user(w, x))
            .collect(),
        c.iter()
            .filter_map(|id| w.chat(*id))
            .map(|x| chat(w, x))
            .collect(),
    )
}

/// A logged event as the TL update a client receives. None when the message it names is gone.
pub fn update(w: &World, e_: &LoggedUpdate) -> Option<e::Update> {
    let (pts, pts_count) = (e_.pts, e_.pts_count);
    Some(match &e_.event {
        Event::NewMessage { peer: p, id } => {
            let m = message(w, w.message(*p, *id)?);
            match p {
                Peer::Channel(_) => e::Update::NewChannelMessage(t::UpdateNewChannelMessage {
                    message: m,
                    pts,
                    pts_count,
                }),
                _ => e::Update::NewMessage(t::UpdateNewMessage {
                    message: m,
                    pts,
                    pts_count,
                }),
            }
        }
        Event::EditMessage { peer: p, id } => {
            let m = message(w, w.message(*p, *id)?);
            match p {
                Peer::Channel(_) => e::Update::EditChannelMessage(t::UpdateEditChannelMessage {
                    message: m,
                    pts,
                    pts_count,
                }),
                _ => e::Update::EditMessage(t::UpdateEditMessage {
                    message: m,
                    pts,
                    pts_count,
                }),
            }
        }
        Event::DeleteMessages { peer: p, ids } => match p {
            Peer::Channel(channel_id) => {
                e::Update::DeleteChannelMessages(t::UpdateDeleteChannelMessages {
                    channel_id: *channel_id,
                    messages: ids.clone(),
                    pts,
                    pts_count,
                })
            }
            _ => e::Update::DeleteMessages(t::UpdateDeleteMessages {
                messages: ids.clone(),
                pts,
                pts_count,
            }),
        },
        Event::ReadInbox { peer: p, max_id } => match p {
            Peer::Channel(channel_id) => e::Update::ReadChannelInbox(t::UpdateReadChannelInbox {
                folder_id: None,
                channel_id: *channel_id,
                max_id: *max_id,
                still_unread_count: w.dialog(*p).map_or(0, |d| w.unread_count(d)),
                pts,
            }),
            _ => e::Update::ReadHistoryInbox(t::UpdateReadHistoryInbox {
                folder_id: None,
                peer: peer(*p),
                top_msg_id: None,
                max_id: *max_id,
                still_unread_count: w.dialog(*p).map_or(0, |d| w.unread_count(d)),
                pts,
                pts_count,
            }),
        },
        Event::ReadOutbox { peer: p, max_id } => match p {
            Peer::Channel(channel_id) => e::Update::ReadChannelOutbox(t::UpdateReadChannelOutbox {
                channel_id: *channel_id,
                max_id: *max_id,
            }),
            _ => e::Update::ReadHistoryOutbox(t::UpdateReadHistoryOutbox {
                peer: peer(*p),
                max_id: *max_id,
                pts,
                pts_count,
            }),
        },
        Event::Pinned {
            peer: p,
            ids,
            pinned,
        } => match p {
            Peer::Channel(channel_id) => {
                e::Update::PinnedChannelMessages(t::UpdatePinnedChannelMessages {
                    pinned: *pinned,
                    channel_id: *channel_id,
                    messages: ids.clone(),
                    pts,
                    pts_count,
                })
            }
            _ => e::Update::PinnedMessages(t::UpdatePinnedMessages {
                pinned: *pinned,
                peer: peer(*p),
                messages: ids.clone(),
                pts,
                pts_count,
            }),
        },
    })
}

/// Users and chats an update mentions.
pub fn update_peers(w: &World, e_: &LoggedUpdate) -> (Vec<e::User>, Vec<e::Chat>) {
    let msg = match &e_.event {
        Event::NewMessage { peer, id } | Event::EditMessage { peer, id } => w.message(*peer, *id),
        _ => None,
    };
    let (mut users, mut chats) = w.peers_of(msg);
    match &e_.event {
        Event::DeleteMessages { peer, .. }
        | Event::ReadInbox { peer, .. }
        | Event::ReadOutbox { peer, .. }
        | Event::Pinned { peer, .. } => match peer {
            Peer::User(id) => {
                users.insert(*id);
            }
            Peer::Chat(id) | Peer::Channel(id) => {
                chats.insert(*id);
            }
        },
        _ => {}
    }
    peer_lists(w, users, chats)
}
