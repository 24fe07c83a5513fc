//! `sendMedia` uploads (`methods-more.md` §1.6, §1.7): the J2ME client's multipart POST → our
//! server → `upload.saveFilePart`/`saveBigFilePart` → `messages.sendMedia` in fakegram, and the
//! file that really arrived in fakegram's world (kind, bytes, attributes, MIME, waveform).

// A failed unwrap is a failed test here, with the panic message pointing at the line.
#![allow(clippy::unwrap_used)]

use fakegram::world::{FileKind, FileRec, Media};
use fakegram::Peer;

#[path = "support/send_server.rs"]
mod support;

use support::{assert_res_string, error_message, start, user, Server, ALEX, BOUNDARY, FAMILY};

/// The file record of the newest message of `peer`, with the message's caption.
fn newest_file(s: &Server, peer: Peer) -> (String, bool, FileRec) {
    let m = s.newest(peer);
    let id = match m.media {
        Some(Media::Photo(id) | Media::Document(id)) => id,
        other => panic!("no uploaded media: {other:?}"),
    };
    let photo = matches!(m.media, Some(Media::Photo(_)));
    let f = s.dc.world().files.get(&id).cloned().unwrap();
    (m.text, photo, f)
}

#[tokio::test]
async fn jpeg_goes_as_a_photo_with_its_caption_and_uncompressed_as_a_document() {
    let s = start().await;
    let jpeg = fakegram::media::photo_jpeg(320, 240, 7);
    let a = s
        .post(
            &format!("v=12&method=sendMedia&peer={ALEX}&r=1"),
            Some("holiday"),
            Some(("IMG_0042.JPG", &jpeg)),
        )
        .await;
    assert_res_string(&a);
    let (caption, photo, f) = newest_file(&s, user(ALEX));
    assert_eq!(caption, "holiday");
    assert!(photo, "a .jpg is a photo");
    let FileKind::Photo { sizes } = &f.kind else {
        panic!("photo kind")
    };
    assert_eq!((sizes[0].w, sizes[0].h), (320, 240));
    assert_eq!(
        *sizes[0].bytes, jpeg,
        "the bytes Telegram got are the file's"
    );

    let a = s
        .post(
            &format!("v=12&method=sendMedia&peer={ALEX}&uncompressed=1&r=2"),
            Some(""),
            Some(("IMG_0042.jpg", &jpeg)),
        )
        .await;
    assert_res_string(&a);
    let (_, photo, f) = newest_file(&s, user(ALEX));
    assert!(!photo);
    assert_eq!(f.mime, "image/jpeg");
    assert_eq!(f.name.as_deref(), Some("IMG_0042.jpg"));
}

#[tokio::test]
async fn other_files_are_documents_with_name_and_sniffed_mime() {
    let s = start().await;
    // A zip named .jar: the content decides the MIME type (zip family), the name is kept.
    let mut zip = b"PK\x03\x04".to_vec();
    zip.extend(std::iter::repeat_n(7u8, 3000));
    assert_res_string(
        &s.post(
            &format!("v=12&method=sendMedia&peer={FAMILY}"),
            None,
            Some(("E:/Other/game.jar", &zip)),
        )
        .await,
    );
    let (_, photo, f) = newest_file(&s, Peer::Chat(500_001));
    assert!(!photo);
    assert_eq!(
        f.name.as_deref(),
        Some("game.jar"),
        "directory part removed"
    );
    assert!(
        f.mime.contains("zip") || f.mime.contains("java"),
        "{}",
        f.mime
    );
    assert_eq!(*f.bytes, zip);

    let text = fakegram::media::document_text(40, 3);
    assert_res_string(
        &s.post(
            &format!("v=12&method=sendMedia&peer={ALEX}&spoiler=1"),
            Some("notes"),
            Some(("notes.txt", &text)),
        )
        .await,
    );
    let (caption, _, f) = newest_file(&s, user(ALEX));
    assert_eq!(caption, "notes");
    assert_eq!(f.mime, "text/plain");
}

#[tokio::test]
async fn a_file_with_send_message_is_sent_like_send_media() {
    // Reference bug: uploaded, then dropped; only the text went out.
    let s = start().await;
    let jpeg = fakegram::media::photo_jpeg(64, 64, 1);
    assert_res_string(
        &s.post(
            &format!("v=12&method=sendMessage&peer={ALEX}"),
            Some("with a picture"),
            Some(("a.png.jpg", &jpeg)),
        )
        .await,
    );
    let (caption, photo, _) = newest_file(&s, user(ALEX));
    assert_eq!(caption, "with a picture");
    assert!(photo);
}

#[tokio::test]
async fn voice_uploads_become_ogg_opus_voice_notes_with_duration_and_waveform() {
    let s = start().await;
    let mp3 = fakegram::media::audio_mp3(3.0, 5);
    // `uncompressed` is ignored with `voice` (reference bug: unplayable voice note).
    let a = s
        .post(
            &format!("v=12&method=sendMedia&peer={ALEX}&voice=1&uncompressed=1&r=3"),
            Some(""),
            Some(("temp.mp3", &mp3)),
        )
        .await;
    assert_res_string(&a);
    let (_, _, f) = newest_file(&s, user(ALEX));
    assert_eq!(f.mime, "audio/ogg");
    assert!(f.bytes.starts_with(b"OggS"), "Ogg container");
    assert!(
        f.bytes.windows(8).any(|w| w == b"OpusHead"),
        "Opus in the Ogg"
    );
    let FileKind::Voice { duration, waveform } = &f.kind else {
        panic!("a voice note, got {:?}", f.kind)
    };
    assert_eq!(*duration, 3);
    assert_eq!(waveform.len(), 63, "100 five-bit values");
    assert!(waveform.iter().any(|&b| b != 0), "not a flat waveform");
}

#[tokio::test]
async fn upload_errors_in_the_specs_order() {
    let s = start().await;
    let q = format!("v=12&method=sendMedia&peer={ALEX}");
    let cases: [(&str, &[u8], &str, &str); 5] = [
        ("a.jpg", b"", "", "Size error"),
        ("noextension", b"abc", "", "Invalid file"),
        ("rec.xyz", b"abc", "&voice=1", "Unsupported audio format"),
        (
            "rec.wav",
            b"RIFF-not-really",
            "&voice=1",
            "Conversion failed",
        ),
        ("rec.amr", b"#!AMR\n", "&voice=1", "Conversion failed"),
    ];
    let before = s.count(user(ALEX));
    for (name, bytes, extra, expected) in cases {
        let a = s
            .post(&format!("{q}{extra}"), None, Some((name, bytes)))
            .await;
        assert_eq!(a.status, 200, "{name}");
        let m = error_message(&a.json).unwrap();
        assert!(m.starts_with(expected), "{name}: {m}");
    }
    // A part named `file` without a filename is a text parameter, not a file.
    let body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nx\r\n--{BOUNDARY}--"
    );
    let a = s.post_raw(&q, body.into_bytes()).await;
    assert!(error_message(&a.json).unwrap().starts_with("No file"));
    assert_eq!(s.count(user(ALEX)), before, "nothing posted");
}

#[tokio::test]
async fn the_size_limit_is_20_mib_and_above_it_the_json_error() {
    let s = start().await;
    let q = format!("v=12&method=sendMedia&peer={ALEX}");
    // Exactly the limit goes through (big-file parts); one byte more is refused.
    let mut data = b"PK\x03\x04".to_vec();
    data.resize(20 * 1024 * 1024, 1);
    assert_res_string(&s.post(&q, None, Some(("big.zip", &data))).await);
    let (_, _, f) = newest_file(&s, user(ALEX));
    assert_eq!(f.bytes.len(), data.len());
    data.push(0);
    let a = s.post(&q, None, Some(("big.zip", &data))).await;
    assert_eq!(a.status, 200);
    assert_eq!(error_message(&a.json).as_deref(), Some("File is too large"));
    // A body far over the limit: still the JSON error, never an HTML 413.
    data.resize(23 * 1024 * 1024, 1);
    let a = s.post(&q, None, Some(("big.zip", &data))).await;
    assert_eq!(error_message(&a.json).as_deref(), Some("File is too large"));
}
