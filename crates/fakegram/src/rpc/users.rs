//! help.*, users.*, contacts.*, photos.*

use grammers_tl_types::{enums as e, functions as f, types as t};

use super::{resolve_user, Ctx, RpcErr, RpcResult};
use crate::world::{self, tl as wtl, Peer};

pub fn get_config(ctx: &Ctx<'_>, _: f::help::GetConfig) -> RpcResult<e::Config> {
    let now = world::now();
    // Every DC as a static option on loopback: grammers overwrites its session's addresses
    // with these, so they must point back at the fake.
    let dc_options = ctx
        .shared
        .dcs
        .iter()
        .map(|(id, addr)| {
            e::DcOption::Option(t::DcOption {
                ipv6: false,
                media_only: false,
                tcpo_only: false,
                cdn: false,
                r#static: true,
                this_port_only: false,
                id: *id,
                ip_address: addr.ip().to_string(),
                port: i32::from(addr.port()),
                secret: None,
            })
        })
        .collect();
    Ok(e::Config::Config(t::Config {
        default_p2p_contacts: false,
        preload_featured_stickers: false,
        revoke_pm_inbox: true,
        blocked_mode: false,
        force_try_ipv6: false,
        date: now,
        expires: now + 3600,
        test_mode: false,
        this_dc: ctx.dc_id,
        dc_options,
        dc_txt_domain_name: "fakegram.invalid".into(),
        chat_size_max: 200,
        megagroup_size_max: 200_000,
        forwarded_count_max: 100,
        online_update_period_ms: 210_000,
        offline_blur_timeout_ms: 5000,
        offline_idle_timeout_ms: 30000,
        online_cloud_timeout_ms: 300_000,
        notify_cloud_delay_ms: 30000,
        notify_default_delay_ms: 1500,
        push_chat_period_ms: 60000,
        push_chat_limit: 2,
        edit_time_limit: 172_800,
        revoke_time_limit: i32::MAX,
        revoke_pm_time_limit: i32::MAX,
        rating_e_decay: 2_419_200,
        stickers_recent_limit: 200,
        channels_read_media_period: 604_800,
        tmp_sessions: None,
        call_receive_timeout_ms: 20000,
        call_ring_timeout_ms: 90000,
        call_connect_timeout_ms: 30000,
        call_packet_timeout_ms: 10000,
        me_url_prefix: "https://t.me/".into(),
        autoupdate_url_prefix: None,
        gif_search_username: None,
        venue_search_username: None,
        img_search_username: None,
        static_maps_provider: None,
        caption_length_max: 1024,
        message_length_max: 4096,
        webfile_dc_id: 4,
        suggested_lang_code: None,
        lang_pack_version: None,
        base_lang_pack_version: None,
        reactions_default: None,
        autologin_token: None,
    }))
}

pub fn get_nearest_dc(ctx: &Ctx<'_>, _: f::help::GetNearestDc) -> RpcResult<e::NearestDc> {
    Ok(e::NearestDc::Dc(t::NearestDc {
        country: "NL".into(),
        this_dc: ctx.dc_id,
        nearest_dc: ctx.dc_id,
    }))
}

pub fn get_users(ctx: &Ctx<'_>, req: f::users::GetUsers) -> RpcResult<Vec<e::User>> {
    let w = ctx.world();
    Ok(req
        .id
        .iter()
        .map(|u| match resolve_user(&w, u) {
            Ok(id) => w
                .user(id)
                .map_or(e::User::Empty(t::UserEmpty { id }), |x| wtl::user(&w, x)),
            Err(_) => e::User::Empty(t::UserEmpty { id: 0 }),
        })
        .collect())
}

pub fn get_full_user(ctx: &Ctx<'_>, req: f::users::GetFullUser) -> RpcResult<e::users::UserFull> {
    let w = ctx.world();
    let id = resolve_user(&w, &req.id)?;
    let u = w.user(id).ok_or_else(|| RpcErr::bad("USER_ID_INVALID"))?;
    let dialog = w.dialog(Peer::User(id));
    let pinned = w
        .messages
        .get(&Peer::User(id))
        .and_then(|m| m.values().rev().find(|m| m.pinned).map(|m| m.id));
    let full = e::UserFull::Full(t::UserFull {
        blocked: false,
        phone_calls_available: false,
        phone_calls_private: false,
        can_pin_message: true,
        has_scheduled: false,
        video_calls_available: false,
        voice_messages_forbidden: false,
        translations_disabled: false,
        stories_pinned_available: false,
        blocked_my_stories_from: false,
        wallpaper_overridden: false,
        contact_require_premium: false,
        read_dates_private: false,
        sponsored_enabled: false,
        can_view_revenue: false,
        bot_can_manage_emoji_status: false,
        display_gifts_button: false,
        noforwards_my_enabled: false,
        noforwards_peer_enabled: false,
        unofficial_security_risk: false,
        id,
        about: u.about.clone(),
        settings: e::PeerSettings::Settings(t::PeerSettings {
            report_spam: false,
            add_contact: false,
            block_contact: false,
            share_contact: false,
            need_contacts_exception: false,
            report_geo: false,
            autoarchived: false,
            invite_members: false,
            request_chat_broadcast: false,
            business_bot_paused: false,
            business_bot_can_reply: false,
            geo_distance: None,
            request_chat_title: None,
            request_chat_date: None,
            business_bot_id: None,
            business_bot_manage_url: None,
            charge_paid_message_stars: None,
            registration_month: None,
            phone_country: None,
            name_change_date: None,
            photo_change_date: None,
        }),
        personal_photo: None,
        profile_photo: u
            .photos
            .first()
            .and_then(|p| w.files.get(p))
            .map(wtl::photo),
        fallback_photo: None,
        notify_settings: wtl::notify(dialog.map_or(0, |d| d.mute_until)),
        bot_info: None,
        pinned_msg_id: pinned,
        common_chats_count: 0,
        folder_id: None,
        ttl_period: None,
        theme: None,
        private_forward_name: None,
        bot_group_admin_rights: None,
        bot_broadcast_admin_rights: None,
        wallpaper: None,
        stories: None,
        business_work_hours: None,
        business_location: None,
        business_greeting_message: None,
        business_away_message: None,
        business_intro: None,
        birthday: None,
        personal_channel_id: None,
        personal_channel_message: None,
        stargifts_count: None,
        starref_program: None,
        bot_verification: None,
        send_paid_messages_stars: None,
        disallowed_gifts: None,
        stars_rating: None,
        stars_my_pending_rating: None,
        stars_my_pending_rating_date: None,
        main_tab: None,
        saved_music: None,
        note: None,
        bot_manager_id: None,
    });
    Ok(e::users::UserFull::Full(t::users::UserFull {
        full_user: full,
        chats: Vec::new(),
        users: vec![wtl::user(&w, u)],
    }))
}

pub fn resolve_username(
    ctx: &Ctx<'_>,
    req: f::contacts::ResolveUsername,
) -> RpcResult<e::contacts::ResolvedPeer> {
    let w = ctx.world();
    let name = req.username.trim_start_matches('@').to_lowercase();
    let matches = |u: &Option<String>| u.as_deref().is_some_and(|x| x.to_lowercase() == name);
    let peer = if let Some(u) = w.users.values().find(|u| matches(&u.username)) {
        Peer::User(u.id)
    } else if let Some(c) = w.chats.values().find(|c| matches(&c.username)) {
        c.peer()
    } else {
        return Err(RpcErr::bad("USERNAME_NOT_OCCUPIED"));
    };
    let (users, chats) = match peer {
        Peer::User(id) => wtl::peer_lists(&w, [id], []),
        Peer::Chat(id) | Peer::Channel(id) => wtl::peer_lists(&w, [], [id]),
    };
    Ok(e::contacts::ResolvedPeer::Peer(t::contacts::ResolvedPeer {
        peer: wtl::peer(peer),
        chats,
        users,
    }))
}

/// `contacts.resolvePhone`: the user with that phone (digits only; `+` and spaces ignored).
pub fn resolve_phone(
    ctx: &Ctx<'_>,
    req: f::contacts::ResolvePhone,
) -> RpcResult<e::contacts::ResolvedPeer> {
    let w = ctx.world();
    let digits: String = req.phone.chars().filter(char::is_ascii_digit).collect();
    let id = w
        .users
        .values()
        .find(|u| !digits.is_empty() && u.phone.as_deref() == Some(digits.as_str()))
        .map(|u| u.id)
        .ok_or_else(|| RpcErr::bad("PHONE_NOT_OCCUPIED"))?;
    let (users, chats) = wtl::peer_lists(&w, [id], []);
    Ok(e::contacts::ResolvedPeer::Peer(t::contacts::ResolvedPeer {
        peer: wtl::peer(Peer::User(id)),
        chats,
        users,
    }))
}

pub fn get_contacts(
    ctx: &Ctx<'_>,
    _: f::contacts::GetContacts,
) -> RpcResult<e::contacts::Contacts> {
    let w = ctx.world();
    let ids: Vec<i64> = w
        .users
        .values()
        .filter(|u| u.contact)
        .map(|u| u.id)
        .collect();
    let (users, _) = wtl::peer_lists(&w, ids.iter().copied(), []);
    Ok(e::contacts::Contacts::Contacts(t::contacts::Contacts {
        contacts: ids
            .iter()
            .map(|&user_id| {
                e::Contact::Contact(t::Contact {
                    user_id,
                    mutual: true,
                })
            })
            .collect(),
        saved_count: ids.len() as i32,
        users,
    }))
}

pub fn get_user_photos(
    ctx: &Ctx<'_>,
    req: f::photos::GetUserPhotos,
) -> RpcResult<e::photos::Photos> {
    let w = ctx.world();
    let id = resolve_user(&w, &req.user_id)?;
    let u = w.user(id).ok_or_else(|| RpcErr::bad("USER_ID_INVALID"))?;
    let offset = usize::try_from(req.offset).unwrap_or(0);
    let limit = usize::try_from(req.limit.clamp(1, 100)).unwrap_or(100);
    let photos = u
        .photos
        .iter()
        .skip(offset)
        .take(limit)
        .filter_map(|p| w.files.get(p))
        .map(wtl::photo)
        .collect();
    Ok(e::photos::Photos::Photos(t::photos::Photos {
        photos,
        users: vec![wtl::user(&w, u)],
    }))
}

/// `contacts.search`: users and chats whose name (any word) or username starts with `q`, case
/// folded. `my_results` are the account's own (contacts, private chats, chats it is in);
/// `results` the public ones (with a username) it does not have, as Telegram splits them.
pub fn search(ctx: &Ctx<'_>, req: f::contacts::Search) -> RpcResult<e::contacts::Found> {
    let w = ctx.world();
    let q = req.q.trim().trim_start_matches('@').to_lowercase();
    if q.is_empty() {
        return Err(RpcErr::bad("QUERY_TOO_SHORT"));
    }
    let limit = usize::try_from(req.limit)
        .ok()
        .filter(|l| *l > 0)
        .unwrap_or(20)
        .min(100);
    let hit = |name: &str, username: Option<&str>| {
        name.split_whitespace()
            .any(|word| word.to_lowercase().starts_with(&q))
            || username.is_some_and(|u| u.to_lowercase().starts_with(&q))
    };
    let me = w.me;
    // Both maps are ordered by id, so the answer is the same on every run.
    let chats: Vec<&world::ChatRec> = w
        .chats
        .values()
        .filter(|c| hit(&c.title, c.username.as_deref()))
        .collect();
    let users: Vec<&world::UserRec> = w
        .users
        .values()
        .filter(|u| u.id != me)
        .filter(|u| {
            let name = format!("{} {}", u.first_name, u.last_name.as_deref().unwrap_or(""));
            hit(&name, u.username.as_deref())
        })
        .collect();
    let (mut mine, mut global) = (Vec::new(), Vec::new());
    for c in chats {
        if c.members.contains(&me) && !c.left {
            mine.push(c.peer());
        } else if c.username.is_some() {
            global.push(c.peer());
        }
    }
    for u in users {
        let peer = Peer::User(u.id);
        if u.contact || w.dialog(peer).is_some() {
            mine.push(peer);
        } else if u.username.is_some() {
            global.push(peer);
        }
    }
    mine.truncate(limit);
    global.truncate(limit);
    let ids = |users: bool| -> Vec<i64> {
        mine.iter()
            .chain(&global)
            .filter(|p| matches!(p, Peer::User(_)) == users)
            .map(|p| p.bare_id())
            .collect()
    };
    let (users, chats) = wtl::peer_lists(&w, ids(true), ids(false));
    Ok(e::contacts::Found::Found(t::contacts::Found {
        my_results: mine.into_iter().map(wtl::peer).collect(),
        results: global.into_iter().map(wtl::peer).collect(),
        chats,
        users,
    }))
}
