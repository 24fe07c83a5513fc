//! `demo_world()`: a deterministic world that looks like a real person's Telegram.
//!
//! What `mpgram demo` and the desktop's "Try without an account" show. Names in several
//! scripts, every media kind, a bot with buttons, a channel with comments, unread counts,
//! and an echo bot that answers (so live updates can be seen).

use std::sync::Arc;

use crate::media as gen;
use crate::world::{
    AccountSettings, Action, Button, ChatKind, ChatRec, DialogRec, Entity, EntityKind, FileKind,
    FileRec, FolderRec, FwdRec, InviteRec, Media, MsgRec, Peer, PollRec, ReactionRec, SizeRec,
    StickerSetRec, TopicRec, UserRec, World,
};

pub const DEMO_BOT_USERNAME: &str = "mpgram_echo_bot";

/// A fixed "now" for the demo's history so it is the same on every run; live messages use
/// the real clock and sort after it.
const T0: i32 = 1_764_700_000;

const ME: i64 = 100_000_001;

fn user(id: i64, first: &str, last: Option<&str>, username: Option<&str>) -> UserRec {
    UserRec {
        id,
        first_name: first.to_owned(),
        last_name: last.map(str::to_owned),
        username: username.map(str::to_owned),
        phone: Some(format!("1555{:07}", id % 10_000_000)),
        contact: true,
        last_seen: T0 - (id % 7) as i32 * 3600,
        ..UserRec::default()
    }
}

struct Builder {
    w: World,
    next_file: i64,
}

impl Builder {
    fn file(&mut self, mut f: FileRec) -> i64 {
        f.id = self.next_file;
        self.next_file += 1;
        self.w.add_file(f)
    }

    fn photo(&mut self, w: u32, h: u32, seed: u64) -> i64 {
        let big = gen::photo_jpeg(w, h, seed);
        let small = gen::photo_jpeg(w / 4, h / 4, seed);
        self.file(FileRec {
            id: 0,
            kind: FileKind::Photo {
                sizes: vec![
                    SizeRec {
                        kind: "m".into(),
                        w: (w / 4) as i32,
                        h: (h / 4) as i32,
                        bytes: Arc::new(small),
                    },
                    SizeRec {
                        kind: "x".into(),
                        w: w as i32,
                        h: h as i32,
                        bytes: Arc::new(big),
                    },
                ],
            },
            mime: "image/jpeg".into(),
            name: None,
            date: T0 - 86_400,
            bytes: Arc::new(Vec::new()),
            thumbs: Vec::new(),
        })
    }

    /// A profile photo: one 640×640 size ("c"), as the big profile photo Telegram serves.
    fn avatar(&mut self, seed: u64) -> i64 {
        let big = gen::avatar_jpeg(seed);
        self.file(FileRec {
            id: 0,
            kind: FileKind::Photo {
                sizes: vec![SizeRec {
                    kind: "c".into(),
                    w: 640,
                    h: 640,
                    bytes: Arc::new(big),
                }],
            },
            mime: "image/jpeg".into(),
            name: None,
            date: T0 - 30 * 86_400,
            bytes: Arc::new(Vec::new()),
            thumbs: Vec::new(),
        })
    }

    fn doc(&mut self, kind: FileKind, mime: &str, name: Option<&str>, bytes: Vec<u8>) -> i64 {
        self.file(FileRec {
            id: 0,
            kind,
            mime: mime.into(),
            name: name.map(str::to_owned),
            date: T0 - 3600,
            bytes: Arc::new(bytes),
            thumbs: Vec::new(),
        })
    }

    fn chat(&mut self, id: i64, kind: ChatKind, title: &str, members: &[i64]) -> Peer {
        let mut c = ChatRec::new(id, kind, title, members.first().copied().unwrap_or(ME));
        c.members = members.to_vec();
        if !c.members.contains(&ME) {
            c.members.push(ME);
        }
        let peer = c.peer();
        self.w.add_chat(c);
        peer
    }

    /// Adds a message with the next id for its box.
    fn msg(&mut self, m: MsgRec) -> i32 {
        let id = match m.peer {
            Peer::Channel(_) => {
                self.w
                    .messages
                    .get(&m.peer)
                    .and_then(|x| x.keys().next_back().copied())
                    .unwrap_or(0)
                    + 1
            }
            _ => self.w.next_common_msg_id,
        };
        self.w.insert_message(MsgRec { id, ..m });
        id
    }

    fn text(&mut self, peer: Peer, from: i64, at: i32, text: &str) -> i32 {
        let m = MsgRec::text(peer, Some(Peer::User(from)), from == ME, T0 - at, text);
        self.msg(m)
    }

    fn post(&mut self, peer: Peer, at: i32, text: &str) -> i32 {
        let mut m = MsgRec::text(peer, None, false, T0 - at, text);
        m.views = Some(1200 + at % 500);
        self.msg(m)
    }

    fn media(&mut self, peer: Peer, from: i64, at: i32, caption: &str, media: Media) -> i32 {
        let mut m = MsgRec::text(peer, Some(Peer::User(from)), from == ME, T0 - at, caption);
        m.media = Some(media);
        self.msg(m)
    }

    fn read_all(&mut self, peer: Peer) {
        let top = self
            .w
            .messages
            .get(&peer)
            .and_then(|m| m.keys().next_back().copied())
            .unwrap_or(0);
        if let Some(d) = self.w.dialog_mut(peer) {
            d.read_inbox_max_id = top;
            d.read_outbox_max_id = top;
        }
    }

    /// Leaves the last `n` incoming messages unread.
    fn unread(&mut self, peer: Peer, n: usize) {
        let ids: Vec<i32> = self
            .w
            .messages
            .get(&peer)
            .map(|m| m.values().filter(|m| !m.out).map(|m| m.id).collect())
            .unwrap_or_default();
        let keep = ids.len().saturating_sub(n);
        let mark = if keep == 0 { 0 } else { ids[keep - 1] };
        if let Some(d) = self.w.dialog_mut(peer) {
            d.read_inbox_max_id = mark;
        }
    }
}

fn ent(kind: EntityKind, offset: i32, length: i32) -> Entity {
    Entity {
        kind,
        offset,
        length,
    }
}

/// The demo world. Deterministic: the same ids, names and bytes on every call.
pub fn demo_world() -> World {
    let me = UserRec {
        id: ME,
        first_name: "Sam".into(),
        last_name: Some("Rivera".into()),
        username: Some("sam_rivera".into()),
        phone: Some("10000000000".into()),
        last_seen: T0,
        ..UserRec::default()
    };
    let account = AccountSettings {
        phone: "10000000000".into(),
        code: "12345".into(),
        password: Some("demo".into()),
        password_hint: Some("the word on the box".into()),
        home_dc: 2,
        banned_phones: vec!["19999999999".into()],
    };
    let mut b = Builder {
        w: World::new(me, account),
        next_file: 5_000_000_000_001,
    };
    let my_avatar = b.avatar(1);
    if let Some(u) = b.w.users.get_mut(&ME) {
        u.photos.push(my_avatar);
    }

    // People.
    let people: &[(i64, &str, Option<&str>, Option<&str>)] = &[
        (100_000_002, "Mum", None, None),
        (100_000_003, "Alex", Some("Kim"), Some("alexkim")),
        (100_000_004, "Дмитрий", Some("Соколов"), Some("dsokolov")),
        (100_000_005, "أحمد", Some("الفارسي"), None),
        (100_000_006, "Maria 🌻", Some("García"), Some("maria_g")),
        (100_000_007, "Jonas", Some("Weber"), None),
        (100_000_008, "Priya", Some("Sharma"), Some("priya_s")),
        (100_000_009, "Tomás", None, None),
        (100_000_010, "Lena", Some("Novak"), None),
        (100_000_011, "Ольга", None, Some("olga_k")),
        (100_000_012, "Chen", Some("Wei"), None),
    ];
    for (i, (id, first, last, username)) in people.iter().enumerate() {
        let mut u = user(*id, first, *last, *username);
        if i % 3 != 2 {
            let a = b.avatar(*id as u64);
            u.photos.push(a);
        }
        if i == 1 {
            u.online_until = Some(i32::MAX);
        }
        if i == 2 {
            u.about = Some("Инженер. Люблю горы 🏔".into());
        }
        b.w.add_user(u);
    }
    let [mum, alex, dmitry, ahmed, maria, jonas, priya, tomas, lena, olga, chen] =
        [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map(|n| 100_000_000 + n);

    // Bots.
    let echo_bot = 100_000_100;
    b.w.add_user(UserRec {
        id: echo_bot,
        first_name: "Echo Bot".into(),
        username: Some(DEMO_BOT_USERNAME.into()),
        bot: true,
        about: Some("I repeat what you say. Try me!".into()),
        ..UserRec::default()
    });
    b.w.echo_bot = Some(echo_bot);
    let weather_bot = 100_000_101;
    b.w.add_user(UserRec {
        id: weather_bot,
        first_name: "Weather ☀️".into(),
        username: Some("demo_weather_bot".into()),
        bot: true,
        ..UserRec::default()
    });

    // Sticker set.
    let set_id = 7_000_000_001;
    let mut stickers = Vec::new();
    for (i, alt) in ["😀", "👍", "❤️", "😂", "🎉"].iter().enumerate() {
        let id = b.doc(
            FileKind::Sticker {
                alt: (*alt).into(),
                set_id,
                w: 512,
                h: 512,
            },
            "image/webp",
            Some("sticker.webp"),
            gen::sticker_webp(i as u64),
        );
        stickers.push(id);
    }
    b.w.sticker_sets.push(StickerSetRec {
        id: set_id,
        short_name: "MPGramDemo".into(),
        title: "MPGram Demo Faces".into(),
        stickers: stickers.clone(),
        installed: true,
    });

    // --- Private chats ---------------------------------------------------------------
    let p_mum = Peer::User(mum);
    b.text(p_mum, mum, 7200, "Did you eat today?");
    b.text(p_mum, ME, 7000, "Yes mum 😄");
    let photo = b.photo(1280, 960, 11);
    b.media(p_mum, mum, 3600, "Look at the garden!", Media::Photo(photo));
    b.text(p_mum, mum, 600, "Call me when you can ❤️");
    b.unread(p_mum, 2);

    let p_alex = Peer::User(alex);
    b.text(p_alex, alex, 90_000, "Are we still on for Saturday?");
    let r = b.text(p_alex, ME, 89_000, "Yes! 10am at the station");
    let mut m = MsgRec::text(
        p_alex,
        Some(Peer::User(alex)),
        false,
        T0 - 88_000,
        "Perfect, see you there",
    );
    m.reply_to = Some(r);
    m.reactions = vec![ReactionRec {
        emoji: "👍".into(),
        count: 1,
        chosen: true,
    }];
    b.msg(m);
    let note = gen::voice(4.0, 3);
    let voice = b.doc(
        FileKind::Voice {
            duration: note.duration as i32,
            waveform: note.waveform,
        },
        "audio/ogg",
        None,
        note.ogg,
    );
    b.media(p_alex, alex, 5000, "", Media::Document(voice));
    let sticker = stickers[1];
    b.media(p_alex, ME, 4900, "", Media::Document(sticker));
    let mut m = MsgRec::text(
        p_alex,
        Some(Peer::User(alex)),
        false,
        T0 - 1800,
        "Bring the map, it's important",
    );
    m.entities = vec![ent(EntityKind::Bold, 0, 14), ent(EntityKind::Italic, 19, 9)];
    m.edit_date = Some(T0 - 1700);
    b.msg(m);
    b.unread(p_alex, 2);
    if let Some(d) = b.w.dialog_mut(p_alex) {
        d.pinned_order = Some(2);
    }

    let p_dmitry = Peer::User(dmitry);
    b.text(p_dmitry, dmitry, 200_000, "Привет! Как дела?");
    b.text(p_dmitry, ME, 199_000, "Привет, всё хорошо. А у тебя?");
    b.media(
        p_dmitry,
        dmitry,
        198_000,
        "",
        Media::Geo {
            lat: 55.7558,
            long: 37.6173,
        },
    );
    b.text(p_dmitry, dmitry, 197_000, "Я здесь, приезжай 🚗");
    b.read_all(p_dmitry);

    let p_ahmed = Peer::User(ahmed);
    b.text(p_ahmed, ahmed, 300_000, "مرحبا! كيف حالك؟");
    b.text(p_ahmed, ME, 299_000, "Hi Ahmed! All good 🙂");
    b.text(p_ahmed, ahmed, 298_000, "سأرسل لك الملف غدا");
    b.read_all(p_ahmed);

    let p_maria = Peer::User(maria);
    let audio = b.doc(
        FileKind::Audio {
            duration: 5,
            title: "Sunny Morning".into(),
            performer: "The Demo Band".into(),
        },
        "audio/mpeg",
        Some("sunny_morning.mp3"),
        gen::audio_mp3(5.0, 4),
    );
    b.media(
        p_maria,
        maria,
        40_000,
        "this song 🎶",
        Media::Document(audio),
    );
    b.text(p_maria, ME, 39_000, "Love it!");
    let video = b.doc(
        FileKind::Video {
            duration: 2.0,
            w: 176,
            h: 144,
            round: false,
        },
        "video/mp4",
        Some("beach.mp4"),
        gen::video_mp4(5),
    );
    b.media(
        p_maria,
        maria,
        20_000,
        "Beach day 🏖",
        Media::Document(video),
    );
    b.unread(p_maria, 1);

    let p_jonas = Peer::User(jonas);
    let pdf = b.doc(
        FileKind::Document,
        "application/pdf",
        Some("Invoice-2041.pdf"),
        gen::document_pdf("Invoice 2041"),
    );
    b.media(
        p_jonas,
        jonas,
        400_000,
        "Here's the invoice",
        Media::Document(pdf),
    );
    b.text(p_jonas, ME, 399_000, "Thanks, paid.");
    b.read_all(p_jonas);

    let p_priya = Peer::User(priya);
    b.media(
        p_priya,
        priya,
        500_000,
        "",
        Media::Contact {
            phone: "15550001234".into(),
            first_name: "Dr. Patel".into(),
            last_name: String::new(),
            user_id: None,
        },
    );
    b.text(
        p_priya,
        priya,
        499_000,
        "That's the dentist I told you about",
    );
    b.read_all(p_priya);

    let p_tomas = Peer::User(tomas);
    let mut m = MsgRec::text(
        p_tomas,
        Some(Peer::User(tomas)),
        false,
        T0 - 600_000,
        "Check this out: https://example.org/news/retro-phones",
    );
    m.entities = vec![ent(EntityKind::Url, 16, 37)];
    m.media = Some(Media::WebPage {
        url: "https://example.org/news/retro-phones".into(),
        site_name: "Example News".into(),
        title: "Why old phones are back".into(),
        description: "Long battery life, physical keys, and fewer distractions.".into(),
        photo: None,
    });
    b.msg(m);
    b.read_all(p_tomas);

    let p_lena = Peer::User(lena);
    b.text(p_lena, ME, 700_000, "Happy birthday Lena! 🎂🎉");
    b.text(p_lena, lena, 699_000, "Thank you!! 😘");
    b.read_all(p_lena);
    if let Some(d) = b.w.dialog_mut(p_lena) {
        d.mute_until = i32::MAX;
    }

    let p_olga = Peer::User(olga);
    b.text(p_olga, olga, 800_000, "Встретимся в 18:00 у метро");
    b.read_all(p_olga);
    if let Some(d) = b.w.dialog_mut(p_olga) {
        d.folder_id = 1;
    }

    // Bots.
    let p_echo = Peer::User(echo_bot);
    b.text(
        p_echo,
        echo_bot,
        900_000,
        "Hi! Send me anything and I will repeat it.",
    );
    b.read_all(p_echo);
    let p_weather = Peer::User(weather_bot);
    let mut m = MsgRec::text(
        p_weather,
        Some(p_weather),
        false,
        T0 - 10_000,
        "Today: 18°C, light rain 🌦\nTomorrow: 21°C, sunny ☀️",
    );
    m.markup = vec![
        vec![
            Button::Callback {
                text: "Refresh".into(),
                data: b"refresh".to_vec(),
            },
            Button::Callback {
                text: "Week".into(),
                data: b"week".to_vec(),
            },
            // Binary data whose base64 ("+/Ah") has a `+`, which phones send unescaped.
            Button::Callback {
                text: "Alerts".into(),
                data: vec![0xfb, 0xf0, b'!'],
            },
        ],
        vec![Button::Url {
            text: "Open forecast".into(),
            url: "https://example.org/weather".into(),
        }],
    ];
    b.msg(m);
    b.unread(p_weather, 1);
    b.w.callback_bots.push(weather_bot);

    // --- Groups ------------------------------------------------------------------------
    let family = b.chat(500_001, ChatKind::Basic, "Family 🏡", &[mum, ME, lena]);
    let mut m = MsgRec::text(family, Some(Peer::User(mum)), false, T0 - 1_000_000, "");
    m.action = Some(Action::ChatCreate("Family 🏡".into(), vec![mum, ME, lena]));
    b.msg(m);
    b.text(family, mum, 50_000, "Dinner on Sunday at ours!");
    b.text(family, lena, 49_000, "I'll bring dessert 🍰");
    let poll = Media::Poll(PollRec {
        id: 9_000_001,
        question: "What time?".into(),
        answers: vec![
            ("13:00".into(), 1),
            ("15:00".into(), 2),
            ("18:00".into(), 0),
        ],
        closed: false,
        quiz: false,
        multiple: false,
        chosen: Vec::new(),
    });
    b.media(family, mum, 48_000, "", poll);
    b.unread(family, 3);

    let hikers = b.chat(
        500_002,
        ChatKind::Basic,
        "Weekend hikers",
        &[alex, ME, chen, jonas],
    );
    b.text(hikers, chen, 150_000, "Trail is open again");
    let p = b.photo(1024, 768, 21);
    b.media(
        hikers,
        alex,
        149_000,
        "View from the top ⛰",
        Media::Photo(p),
    );
    let mut m = MsgRec::text(hikers, Some(Peer::User(ME)), true, T0 - 148_000, "");
    m.action = Some(Action::ChatAddUser(vec![jonas]));
    b.msg(m);
    b.read_all(hikers);

    // A supergroup with topics (forum).
    let club = b.chat(
        1_500_000_001,
        ChatKind::Megagroup { forum: true },
        "Retro Phone Club",
        &[alex, dmitry, priya, chen, tomas, ME],
    );
    if let Some(c) = b.w.chats.get_mut(&club.bare_id()) {
        c.username = Some("retrophoneclub".into());
        c.about = "Nokia, Sony Ericsson, Siemens and friends".into();
    }
    let general = {
        let mut m = MsgRec::text(club, Some(Peer::User(alex)), false, T0 - 2_000_000, "");
        m.action = Some(Action::TopicCreate("Repairs".into()));
        b.msg(m)
    };
    let mut m = MsgRec::text(
        club,
        Some(Peer::User(dmitry)),
        false,
        T0 - 20_000,
        "My 6300 needs a new battery, where to buy?",
    );
    m.top_id = Some(general);
    m.reply_to = Some(general);
    b.msg(m);
    let mut m = MsgRec::text(
        club,
        Some(Peer::User(priya)),
        false,
        T0 - 19_000,
        "BL-4C fits, any market has them",
    );
    m.top_id = Some(general);
    m.reply_to = Some(general);
    b.msg(m);
    b.text(club, chen, 15_000, "Who's coming to the meetup on Friday?");
    b.unread(club, 2);
    if let Some(c) = b.w.chats.get_mut(&club.bare_id()) {
        c.topics = vec![TopicRec {
            id: general,
            title: "Repairs".into(),
            icon_color: 0x6F_B9F0,
            date: T0 - 2_000_000,
            closed: false,
            pinned: true,
        }];
    }

    // A broadcast channel with a linked discussion group (comments).
    let news = b.chat(
        1_500_000_002,
        ChatKind::Broadcast,
        "Tech News Daily",
        &[alex, chen, maria],
    );
    let discussion = b.chat(
        1_500_000_003,
        ChatKind::Megagroup { forum: false },
        "Tech News Daily Chat",
        &[alex, chen, maria, ME],
    );
    if let Some(c) = b.w.chats.get_mut(&news.bare_id()) {
        c.username = Some("technewsdaily".into());
        c.linked_chat = Some(discussion.bare_id());
        c.creator = chen;
        c.admins = vec![chen];
    }
    if let Some(c) = b.w.chats.get_mut(&discussion.bare_id()) {
        c.linked_chat = Some(news.bare_id());
    }
    let mut m = MsgRec::text(news, None, false, T0 - 3_000_000, "");
    m.action = Some(Action::ChannelCreate("Tech News Daily".into()));
    b.msg(m);
    b.post(
        news,
        100_000,
        "📱 A new feature phone with 4G and a 30-day battery was announced.",
    );
    let p = b.photo(800, 600, 31);
    let post_id = {
        let mut m = MsgRec::text(
            news,
            None,
            false,
            T0 - 30_000,
            "Photo of the week: the oldest working mobile phone in our readers' collections.",
        );
        m.media = Some(Media::Photo(p));
        m.views = Some(5400);
        m.replies = Some(2);
        m.reactions = vec![
            ReactionRec {
                emoji: "❤️".into(),
                count: 42,
                chosen: false,
            },
            ReactionRec {
                emoji: "🔥".into(),
                count: 7,
                chosen: false,
            },
        ];
        b.msg(m)
    };
    // The discussion copy of the post, and two comments in its thread.
    let mut root = MsgRec::text(
        discussion,
        Some(news),
        false,
        T0 - 30_000,
        "Photo of the week: the oldest working mobile phone in our readers' collections.",
    );
    root.fwd_from = Some(FwdRec {
        from: Some(news),
        from_name: None,
        date: T0 - 30_000,
        channel_post: Some(post_id),
    });
    let root_id = b.msg(root);
    for (who, at, text) in [
        (alex, 29_000, "I still have my grandfather's Motorola!"),
        (maria, 28_000, "Mine is a 2002 Siemens 😄"),
    ] {
        let mut c = MsgRec::text(discussion, Some(Peer::User(who)), false, T0 - at, text);
        c.reply_to = Some(root_id);
        c.top_id = Some(root_id);
        b.msg(c);
    }
    b.post(
        news,
        2000,
        "Breaking: Telegram now works on your old phone through your own PC. 🎉",
    );
    b.unread(news, 2);
    b.read_all(discussion);
    if let Some(d) = b.w.dialog_mut(news) {
        d.pinned_order = Some(1);
    }

    // A few quiet chats so the list scrolls like a real one.
    for (i, (first, text)) in [
        ("Pizza Palace 🍕", "Your order is on the way!"),
        ("Landlord", "The plumber comes Tuesday"),
        ("Coach Kowalski", "Training moved to 19:00"),
        ("Neighbour Ana", "Thanks for the parcel!"),
        ("Bookclub Bot", "Next book: The Left Hand of Darkness"),
    ]
    .iter()
    .enumerate()
    {
        let id = 100_000_200 + i as i64;
        let mut u = user(id, first, None, None);
        u.contact = i % 2 == 0;
        b.w.add_user(u);
        b.text(Peer::User(id), id, 1_000_000 + i as i32 * 50_000, text);
        b.read_all(Peer::User(id));
    }
    b.text(
        Peer::User(chen),
        chen,
        1_200_000,
        "你好! See you at the club 👋",
    );
    b.read_all(Peer::User(chen));

    // Saved messages.
    b.text(
        Peer::User(ME),
        ME,
        2_000_000,
        "Wi-Fi password: correct-horse-battery",
    );

    // Folders.
    b.w.folders.push(FolderRec {
        id: 2,
        title: "Family".into(),
        emoticon: Some("🏡".into()),
        include: vec![p_mum, family, p_lena],
        contacts: false,
        groups: false,
        broadcasts: false,
        bots: false,
    });
    b.w.folders.push(FolderRec {
        id: 3,
        title: "News".into(),
        emoticon: Some("📰".into()),
        include: vec![news],
        contacts: false,
        groups: false,
        broadcasts: true,
        bots: false,
    });

    // Every chat starts with a dialog entry, even where all messages were read.
    for c in b.w.chats.values().map(ChatRec::peer).collect::<Vec<_>>() {
        if b.w.dialog(c).is_none() {
            b.w.dialogs.push(DialogRec::new(c));
        }
    }
    // A second sticker set, not saved to the account (found through a t.me/addstickers link).
    let retro_id = 7_000_000_002;
    let mut retro = Vec::new();
    for (i, alt) in ["📱", "☎️", "📟"].iter().enumerate() {
        retro.push(b.doc(
            FileKind::Sticker {
                alt: (*alt).into(),
                set_id: retro_id,
                w: 512,
                h: 512,
            },
            "image/webp",
            Some("sticker.webp"),
            gen::sticker_webp(10 + i as u64),
        ));
    }
    b.w.sticker_sets.push(StickerSetRec {
        id: retro_id,
        short_name: "RetroPhones".into(),
        title: "Retro Phones".into(),
        stickers: retro,
        installed: false,
    });

    b.w.pts = 100;
    for c in b.w.chats.values_mut() {
        c.pts = 50;
    }

    // Invite links: mine to the family group (one revoked), one to a group I am in, and one
    // to a group I am not in (its preview). Added after the dialog pass: no dialog for it.
    let mut lab = ChatRec::new(
        1_500_000_004,
        ChatKind::Megagroup { forum: false },
        "Secret Phones Lab",
        priya,
    );
    lab.members = vec![priya, dmitry, chen];
    lab.about = "Invite only".into();
    lab.date = T0 - 400_000;
    b.w.add_chat(lab);
    let invite = |hash: &str, chat: Peer, admin_id: i64, date: i32| InviteRec {
        hash: hash.into(),
        chat: chat.bare_id(),
        admin_id,
        date,
        usage: 0,
        revoked: false,
        permanent: false,
        request_needed: false,
    };
    b.w.invites = vec![
        InviteRec {
            revoked: true,
            usage: 1,
            ..invite("OldFamilyLink01", family, ME, T0 - 900_000)
        },
        InviteRec {
            permanent: true,
            usage: 2,
            ..invite("FamilyLink2025a", family, ME, T0 - 500_000)
        },
        invite("RetroClubJoin01", club, alex, T0 - 700_000),
        InviteRec {
            usage: 3,
            ..invite(
                "SecretLabJoin01",
                Peer::Channel(1_500_000_004),
                priya,
                T0 - 300_000,
            )
        },
    ];
    b.w
}

/// The user id of [`guest_world`]'s account.
pub const GUEST_ID: i64 = 200_000_001;

/// A second, small account (its own world: run it on its own [`crate::FakeDc`]): a phone logging
/// *its own* account in through an MPGram server uses it. Phone `+15550000042`, code `54321`,
/// 2FA password `guest`; one contact.
pub fn guest_world() -> World {
    let me = UserRec {
        id: GUEST_ID,
        first_name: "Gina".into(),
        last_name: Some("Guest".into()),
        username: Some("gina_guest".into()),
        phone: Some("15550000042".into()),
        last_seen: T0,
        ..UserRec::default()
    };
    let account = AccountSettings {
        phone: "15550000042".into(),
        code: "54321".into(),
        password: Some("guest".into()),
        password_hint: Some("who you are".into()),
        home_dc: 2,
        banned_phones: Vec::new(),
    };
    let mut w = World::new(me, account);
    w.add_user(user(200_000_002, "Gina's friend", None, None));
    w
}
