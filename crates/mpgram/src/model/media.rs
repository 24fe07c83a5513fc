//! Message `media` (`models.md` §7.5): photo, document, webpage, geo, poll, undefined, and the
//! placeholders written when media was not requested.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use grammers_tl_types as tl;
use tl::enums as e;

use super::{tl_name, ModelCtx};
use crate::wire::json::{Object, Value};
use crate::wire::version::HiddenMedia;

/// The media kind, first match wins (§7.5 "Kinds").
pub fn kind(m: &e::MessageMedia) -> &'static str {
    match m {
        e::MessageMedia::Photo(x) if x.photo.is_some() => "photo",
        e::MessageMedia::Document(x) if x.document.is_some() => "document",
        e::MessageMedia::WebPage(_) => "webpage",
        e::MessageMedia::Geo(_) | e::MessageMedia::GeoLive(_) | e::MessageMedia::Venue(_) => "geo",
        e::MessageMedia::Poll(_) => "poll",
        // Invoices carry a `photo` too, but a web document, not a photo (spec: undefined).
        _ => "undefined",
    }
}

/// The `media` value of a message: the full object when media was requested, else the
/// version's placeholder (`{"_":0}`, `null`, or `{"type":…,"hide":1}`).
pub fn media(m: &e::MessageMedia, cx: &ModelCtx) -> Value {
    if !cx.media {
        return match cx.version.hidden_media() {
            HiddenMedia::Placeholder => Object::new().with("_", 0).into(),
            HiddenMedia::Null => Value::Null,
            HiddenMedia::TypeAndHide => Object::with_capacity(2)
                .with("type", kind(m))
                .with("hide", 1)
                .into(),
        };
    }
    match m {
        e::MessageMedia::Photo(t) if t.photo.is_some() => t.photo.as_ref().map(|p| photo(p, cx)),
        e::MessageMedia::Document(t) if t.document.is_some() => {
            t.document.as_ref().map(|d| document(d, cx))
        }
        e::MessageMedia::WebPage(t) => Some(webpage(&t.webpage)),
        e::MessageMedia::Geo(t) => Some(geo(&t.geo)),
        e::MessageMedia::GeoLive(t) => Some(geo(&t.geo)),
        e::MessageMedia::Venue(t) => Some(geo(&t.geo)),
        e::MessageMedia::Poll(t) => Some(poll(t, cx)),
        _ => None,
    }
    .unwrap_or_else(|| {
        Object::with_capacity(2)
            .with("type", "undefined")
            .with("_", tl_name(m))
    })
    .into()
}

fn photo(p: &e::Photo, cx: &ModelCtx) -> Object {
    let mut o = Object::with_capacity(5).with("type", "photo");
    match p {
        e::Photo::Empty(x) => {
            o.insert("id", x.id.to_string()).insert("date", Value::Null);
        }
        e::Photo::Photo(x) => {
            o.insert("id", x.id.to_string()).insert("date", x.date);
            // Maxima of w and of h over all sizes, each on its own; sizes without dimensions
            // count as 0. No sizes, no keys (the reference loops over an empty list).
            if cx.version.photo_has_size() && !x.sizes.is_empty() {
                let (w, h) = x
                    .sizes
                    .iter()
                    .map(size_dims)
                    .fold((0, 0), |(w, h), (sw, sh)| (w.max(sw), h.max(sh)));
                o.insert("w", w).insert("h", h);
            }
        }
    }
    o
}

fn size_dims(s: &e::PhotoSize) -> (i32, i32) {
    match s {
        e::PhotoSize::Size(x) => (x.w, x.h),
        e::PhotoSize::PhotoCachedSize(x) => (x.w, x.h),
        e::PhotoSize::Progressive(x) => (x.w, x.h),
        e::PhotoSize::Empty(_)
        | e::PhotoSize::PhotoStrippedSize(_)
        | e::PhotoSize::PhotoPathSize(_) => (0, 0),
    }
}

fn document(d: &e::Document, cx: &ModelCtx) -> Object {
    let mut o = Object::with_capacity(10).with("type", "document");
    let x = match d {
        e::Document::Empty(x) => {
            // The client calls isNull("size"), which throws on a missing key: size stays, null.
            return o
                .with("id", x.id.to_string())
                .with("size", Value::Null)
                .with("mime", Value::Null)
                .with("thumb", false);
        }
        e::Document::Document(x) => x,
    };
    o.insert("id", x.id.to_string())
        .insert("date", x.date)
        .insert("size", x.size)
        .insert("mime", &x.mime_type)
        .insert("thumb", x.thumbs.as_ref().is_some_and(|t| !t.is_empty()));
    // name, audio, w, h in the order of Telegram's attribute list; a repeated key keeps its
    // first position (PHP array semantics of Object::insert).
    for attr in &x.attributes {
        match attr {
            e::DocumentAttribute::Filename(a) => {
                o.insert("name", &a.file_name);
            }
            e::DocumentAttribute::Audio(a) => {
                let mut audio = Object::with_capacity(5).with("voice", a.voice);
                if cx.version.audio_has_wave() {
                    if let Some(w) = &a.waveform {
                        audio.insert("wave", unpack_waveform(w));
                    }
                }
                audio.insert("time", a.duration);
                if let Some(title) = &a.title {
                    audio.insert("title", title);
                    audio.insert_some("artist", a.performer.as_ref());
                }
                o.insert("audio", audio);
            }
            e::DocumentAttribute::ImageSize(a) if cx.version.document_has_size() => {
                let w = max_int(o.get("w"), a.w);
                let h = max_int(o.get("h"), a.h);
                o.insert("w", w).insert("h", h);
            }
            _ => {}
        }
    }
    o
}

fn max_int(old: Option<&Value>, new: i32) -> i64 {
    match old {
        Some(Value::Int(n)) => (*n).max(i64::from(new)),
        _ => i64::from(new).max(0),
    }
}

/// Telegram's 5-bit packed waveform → exactly 100 values 0–31 (value `i` in bits `5i…5i+4`,
/// least significant first; missing bytes count as zero).
pub fn unpack_waveform(packed: &[u8]) -> Vec<Value> {
    (0..100)
        .map(|i| {
            let bit = i * 5;
            let lo = u16::from(packed.get(bit / 8).copied().unwrap_or(0));
            let hi = u16::from(packed.get(bit / 8 + 1).copied().unwrap_or(0));
            Value::Int(i64::from(((lo | (hi << 8)) >> (bit % 8)) & 31))
        })
        .collect()
}

fn webpage(w: &e::WebPage) -> Object {
    // `url` must exist (the client reads it with getString); the others may be null.
    let (name, url, title) = match w {
        e::WebPage::Page(x) => (x.site_name.clone(), Some(x.url.clone()), x.title.clone()),
        e::WebPage::Empty(x) => (None, x.url.clone(), None),
        e::WebPage::Pending(x) => (None, x.url.clone(), None),
        e::WebPage::NotModified(_) => (None, None, None),
    };
    Object::with_capacity(4)
        .with("type", "webpage")
        .with("name", name)
        .with("url", url)
        .with("title", title)
}

fn geo(g: &e::GeoPoint) -> Object {
    let o = Object::with_capacity(3).with("type", "geo");
    match g {
        e::GeoPoint::Point(p) => o
            .with("lat", php_float_string(p.lat))
            .with("long", php_float_string(p.long)),
        // The reference fails the whole request here; both keys must exist for the client.
        e::GeoPoint::Empty => o.with("lat", Value::Null).with("long", Value::Null),
    }
}

/// PHP's `strval(float)` with `precision=14`: up to 14 significant digits, no trailing zeros,
/// exponent form `1.0E-5` below 1e-4 and above 1e15.
pub fn php_float_string(f: f64) -> String {
    if !f.is_finite() {
        return if f.is_nan() {
            "NAN".to_owned()
        } else if f > 0.0 {
            "INF".to_owned()
        } else {
            "-INF".to_owned()
        };
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.to_owned();
    }
    // 14 significant digits, correctly rounded: "d.ddddddddddddde±x".
    let sci = format!("{:.13e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits = mantissa.replace('.', "");
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    // php_gcvt's decpt: the value is 0.DIGITS × 10^decpt.
    let decpt = exp + 1;
    let mut out = String::with_capacity(24);
    if f < 0.0 {
        out.push('-');
    }
    if !(-3..=14).contains(&decpt) {
        let (first, rest) = digits.split_at(1);
        out.push_str(first);
        out.push('.');
        out.push_str(if rest.is_empty() { "0" } else { rest });
        out.push('E');
        out.push(if exp < 0 { '-' } else { '+' });
        out.push_str(&exp.unsigned_abs().to_string());
    } else if decpt <= 0 {
        out.push_str("0.");
        for _ in 0..decpt.unsigned_abs() {
            out.push('0');
        }
        out.push_str(digits);
    } else {
        let decpt = decpt.unsigned_abs() as usize;
        if digits.len() <= decpt {
            out.push_str(digits);
            for _ in digits.len()..decpt {
                out.push('0');
            }
        } else {
            out.push_str(&digits[..decpt]);
            out.push('.');
            out.push_str(&digits[decpt..]);
        }
    }
    out
}

fn answer_text(a: &e::PollAnswer) -> &str {
    let e::TextWithEntities::Entities(t) = match a {
        e::PollAnswer::Answer(x) => &x.text,
        e::PollAnswer::InputPollAnswer(x) => &x.text,
    };
    &t.text
}

fn answer_option(a: &e::PollAnswer) -> &[u8] {
    match a {
        e::PollAnswer::Answer(x) => &x.option,
        e::PollAnswer::InputPollAnswer(_) => &[],
    }
}

fn poll(m: &tl::types::MessageMediaPoll, cx: &ModelCtx) -> Object {
    let mut o = Object::with_capacity(9).with("type", "poll");
    if !cx.version.poll_has_details() {
        return o;
    }
    let e::Poll::Poll(p) = &m.poll;
    let e::PollResults::Results(r) = &m.results;
    let e::TextWithEntities::Entities(question) = &p.question;
    o.insert_some("voted", r.total_voters)
        .insert("id", p.id.to_string())
        .insert("closed", p.closed)
        // The reference tests a key MadelineProto never writes (`public_votes`) and so never
        // sends `public`; the spec defines it as "non-anonymous poll", which we follow.
        .flag("public", p.public_voters)
        .flag("multi", p.multiple_choice)
        .flag("quiz", p.quiz)
        .insert("text", &question.text);
    // Walk the results when Telegram gave them, else the answers; the text always comes from
    // the answer at the same index.
    let options: Vec<Value> = match &r.results {
        Some(results) => results
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let e::PollAnswerVoters::Voters(v) = v;
                let mut opt =
                    Object::with_capacity(5).with("text", p.answers.get(i).map_or("", answer_text));
                opt.flag("chosen", v.chosen)
                    .flag("correct", v.correct)
                    .insert_some("voters", v.voters)
                    .insert("data", BASE64.encode(&v.option));
                opt.into()
            })
            .collect(),
        None => p
            .answers
            .iter()
            .map(|a| {
                Object::with_capacity(2)
                    .with("text", answer_text(a))
                    .with("data", BASE64.encode(answer_option(a)))
                    .into()
            })
            .collect(),
    };
    o.insert("options", Value::Array(options));
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn php_floats_like_strval() {
        assert_eq!(php_float_string(0.00001), "1.0E-5");
        assert_eq!(php_float_string(-0.0001), "-0.0001");
        assert_eq!(php_float_string(55.755_826_123_456_78), "55.755826123457");
        assert_eq!(php_float_string(55.755_826), "55.755826");
        assert_eq!(php_float_string(37.6173), "37.6173");
        assert_eq!(php_float_string(-122.0), "-122");
        assert_eq!(php_float_string(0.5), "0.5");
        assert_eq!(php_float_string(0.0), "0");
        assert_eq!(php_float_string(1e15), "1.0E+15");
        assert_eq!(php_float_string(1e14), "1.0E+14");
        assert_eq!(php_float_string(1e13), "10000000000000");
        assert_eq!(php_float_string(0.000_012_5), "1.25E-5");
    }

    #[test]
    fn waveform_vectors_from_media_spec() {
        let mut packed = vec![0u8; 63];
        packed[0] = 0x1f;
        let v = unpack_waveform(&packed);
        assert_eq!(v.len(), 100);
        assert_eq!(v[0], Value::Int(31));
        assert!(v[1..].iter().all(|x| *x == Value::Int(0)));

        let mut all = vec![0xffu8; 62];
        all.push(0x0f);
        assert!(unpack_waveform(&all).iter().all(|x| *x == Value::Int(31)));

        let hex = format!(
            "{}208801",
            "2088418a3928a9c59a7b30ca49abbd38ebcdbbff".repeat(3)
        );
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0))
            .collect();
        let want: Vec<Value> = (0..100).map(|i| Value::Int(i % 32)).collect();
        assert_eq!(unpack_waveform(&bytes), want);
        // Short input: missing bytes count as zero, still 100 values.
        assert_eq!(unpack_waveform(&[]).len(), 100);
    }
}
