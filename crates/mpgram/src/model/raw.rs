//! Any Telegram object in MadelineProto's JSON form (`models.md` §9), driven by the TL schema.
//!
//! The generated types carry no parameter names or flag layout, so instead of hand-writing one
//! converter per constructor (hundreds, changing every layer) we serialise the object to its
//! TL bytes and read them back with the schema grammers' types were generated from
//! (`tl/api.tl`, the same layer, parsed once with `grammers-tl-parser`). That gives TL names and
//! order, absent unset flags and always-present `true` flags for free; MadelineProto's rewrites
//! (peer ids, negated chat ids, no `access_hash`, …) are applied on the way.

use std::collections::HashMap;
use std::sync::LazyLock;

use base64::Engine as _;
use grammers_tl_parser::tl::{Category, ParameterType, Type};
use grammers_tl_types as tl;

use crate::wire::json::{Object, Value};

/// The schema grammers-tl-types 0.11 was generated from (layer checked by a test).
const SCHEMA: &str = include_str!("../../tl/api.tl");

const VECTOR_ID: u32 = 0x1cb5_c415;
const BOOL_TRUE: u32 = 0x9972_75b5;
const BOOL_FALSE: u32 = 0xbc79_9737;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RawError {
    #[error("TL object ends early")]
    Truncated,
    #[error("unknown TL constructor {0:08x}")]
    UnknownConstructor(u32),
    #[error("TL type {0} cannot be read without its constructor")]
    UnsupportedType(String),
}

#[derive(Debug)]
enum Kind {
    Flags,
    True,
    Int,
    Long,
    Double,
    Str,
    Bytes,
    Int128,
    Int256,
    Bool,
    /// `Vector<T>` (with its constructor id) or `vector<T>` (bare).
    Vector(Box<Kind>, bool),
    /// Any boxed type: the value starts with its constructor id.
    Boxed,
    /// A bare constructor named by the type (no id on the wire).
    Bare(String),
}

#[derive(Debug)]
struct Param {
    name: String,
    kind: Kind,
    /// The flags word's name and the bit.
    flag: Option<(String, usize)>,
}

#[derive(Debug)]
struct Ctor {
    name: String,
    params: Vec<Param>,
}

struct Schema {
    by_id: HashMap<u32, Ctor>,
    by_name: HashMap<String, u32>,
}

fn kind_of(ty: &Type) -> Kind {
    match ty.name.as_str() {
        "true" => Kind::True,
        "int" => Kind::Int,
        "long" => Kind::Long,
        "double" => Kind::Double,
        "string" => Kind::Str,
        "bytes" => Kind::Bytes,
        "int128" => Kind::Int128,
        "int256" => Kind::Int256,
        "Bool" => Kind::Bool,
        "Vector" | "vector" => {
            let inner = ty.generic_arg.as_deref().map_or(Kind::Boxed, kind_of);
            Kind::Vector(Box::new(inner), ty.name == "Vector")
        }
        _ if ty.bare => {
            let mut name = ty.namespace.join(".");
            if !name.is_empty() {
                name.push('.');
            }
            name.push_str(&ty.name);
            Kind::Bare(name)
        }
        _ => Kind::Boxed,
    }
}

static SCHEMA_TABLE: LazyLock<Schema> = LazyLock::new(|| {
    let mut by_id = HashMap::new();
    let mut by_name = HashMap::new();
    // Lines the parser cannot read are constructors we cannot name either; nothing to do.
    for def in grammers_tl_parser::parse_tl_file(SCHEMA).flatten() {
        if def.category != Category::Types {
            continue;
        }
        let mut name = def.namespace.join(".");
        if !name.is_empty() {
            name.push('.');
        }
        name.push_str(&def.name);
        let params = def
            .params
            .iter()
            .map(|p| match &p.ty {
                ParameterType::Flags => Param {
                    name: p.name.clone(),
                    kind: Kind::Flags,
                    flag: None,
                },
                ParameterType::Normal { ty, flag } => Param {
                    name: p.name.clone(),
                    kind: kind_of(ty),
                    flag: flag.as_ref().map(|f| (f.name.clone(), f.index)),
                },
            })
            .collect();
        by_name.insert(name.clone(), def.id);
        by_id.insert(def.id, Ctor { name, params });
    }
    Schema { by_id, by_name }
});

struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], RawError> {
        if self.buf.len() < n {
            return Err(RawError::Truncated);
        }
        let (head, rest) = self.buf.split_at(n);
        self.buf = rest;
        Ok(head)
    }

    fn u32(&mut self) -> Result<u32, RawError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn i32(&mut self) -> Result<i32, RawError> {
        Ok(self.u32()?.cast_signed())
    }

    fn i64(&mut self) -> Result<i64, RawError> {
        let b = self.take(8)?;
        let mut a = [0; 8];
        a.copy_from_slice(b);
        Ok(i64::from_le_bytes(a))
    }

    /// TL `bytes`/`string`: a 1- or 4-byte length, the data, padding to 4.
    fn bytes(&mut self) -> Result<&'a [u8], RawError> {
        let first = self.take(1)?[0];
        let (len, header) = if first == 254 {
            let b = self.take(3)?;
            (
                usize::from(b[0]) | usize::from(b[1]) << 8 | usize::from(b[2]) << 16,
                4,
            )
        } else {
            (usize::from(first), 1)
        };
        let data = self.take(len)?;
        let pad = (4 - (header + len) % 4) % 4;
        self.take(pad)?;
        Ok(data)
    }
}

fn bytes_object(b: &[u8]) -> Value {
    Value::Object(
        Object::with_capacity(2)
            .with("_", "bytes")
            .with("bytes", base64::engine::general_purpose::STANDARD.encode(b)),
    )
}

impl Schema {
    fn read_boxed(&self, r: &mut Reader<'_>) -> Result<Value, RawError> {
        let id = r.u32()?;
        match id {
            // A whole vector handed to `raw` (e.g. a list of invites).
            VECTOR_ID => {
                let n = r.u32()?;
                let mut list = Vec::new();
                for _ in 0..n {
                    list.push(self.read_boxed(r)?);
                }
                Ok(Value::Array(list))
            }
            BOOL_TRUE => Ok(Value::Bool(true)),
            BOOL_FALSE => Ok(Value::Bool(false)),
            _ => self.read_ctor(id, r),
        }
    }

    fn read_ctor(&self, id: u32, r: &mut Reader<'_>) -> Result<Value, RawError> {
        let ctor = self
            .by_id
            .get(&id)
            .ok_or(RawError::UnknownConstructor(id))?;
        let mut flags: Vec<(&str, u32)> = Vec::new();
        let mut o = Object::with_capacity(ctor.params.len() + 1).with("_", ctor.name.as_str());
        for p in &ctor.params {
            if let Kind::Flags = p.kind {
                flags.push((&p.name, r.u32()?));
                continue;
            }
            let set = p.flag.as_ref().is_none_or(|(word, bit)| {
                flags
                    .iter()
                    .find(|(n, _)| n == word)
                    .is_some_and(|(_, v)| v & (1 << bit) != 0)
            });
            if let Kind::True = p.kind {
                o.insert(p.name.as_str(), set);
                continue;
            }
            if !set {
                continue;
            }
            let v = self.read_value(&p.kind, r)?;
            let v = rewrite_param(&ctor.name, &p.name, &p.kind, v);
            if let Some(v) = v {
                o.insert(p.name.as_str(), v);
            }
        }
        Ok(rewrite_object(&ctor.name, o))
    }

    fn read_value(&self, kind: &Kind, r: &mut Reader<'_>) -> Result<Value, RawError> {
        Ok(match kind {
            Kind::Flags | Kind::True => Value::Bool(true),
            Kind::Int => Value::Int(i64::from(r.i32()?)),
            Kind::Long => Value::Int(r.i64()?),
            Kind::Double => Value::Float(f64::from_bits(r.i64()?.cast_unsigned())),
            Kind::Str => Value::from_utf8_lossy(r.bytes()?),
            Kind::Bytes => bytes_object(r.bytes()?),
            Kind::Int128 => bytes_object(r.take(16)?),
            Kind::Int256 => bytes_object(r.take(32)?),
            Kind::Bool => match r.u32()? {
                BOOL_TRUE => Value::Bool(true),
                BOOL_FALSE => Value::Bool(false),
                other => return Err(RawError::UnknownConstructor(other)),
            },
            Kind::Vector(inner, boxed) => {
                if *boxed {
                    let id = r.u32()?;
                    if id != VECTOR_ID {
                        return Err(RawError::UnknownConstructor(id));
                    }
                }
                let n = r.u32()?;
                let mut list = Vec::new();
                for _ in 0..n {
                    list.push(self.read_value(inner, r)?);
                }
                Value::Array(list)
            }
            Kind::Boxed => self.read_boxed(r)?,
            Kind::Bare(name) => {
                let id = self
                    .by_name
                    .get(name)
                    .ok_or_else(|| RawError::UnsupportedType(name.clone()))?;
                self.read_ctor(*id, r)?
            }
        })
    }
}

/// MadelineProto's channel peer ids are the bot-API ones (`models.md` §1).
fn channel_peer(id: i64) -> i64 {
    crate::wire::peer_id::PeerId::channel(id).get()
}

/// MadelineProto's per-parameter rewrites (`models.md` §9 rules 5, 7); `None` drops the key.
fn rewrite_param(ctor: &str, name: &str, kind: &Kind, v: Value) -> Option<Value> {
    let num = |v: &Value| match v {
        Value::Int(n) => Some(*n),
        _ => None,
    };
    match (name, v) {
        ("chat_id", v) if matches!(kind, Kind::Long) => num(&v).map(|n| Value::Int(-n)),
        ("migrated_from_chat_id", v) => num(&v).map(|n| Value::Int(-n)),
        ("channel_id", v) if matches!(kind, Kind::Long) => {
            num(&v).map(|n| Value::Int(channel_peer(n)))
        }
        ("id", v) => match ctor {
            "chat" | "chatForbidden" | "chatFull" => num(&v).map(|n| Value::Int(-n)),
            "channel" | "channelForbidden" | "channelFull" => {
                num(&v).map(|n| Value::Int(channel_peer(n)))
            }
            _ => Some(v),
        },
        ("access_hash", _) if matches!(ctor, "user" | "channel") => None,
        ("waveform", Value::Object(b)) if ctor == "documentAttributeAudio" => {
            let packed = b
                .get("bytes")
                .and_then(Value::as_str)
                .and_then(|s| base64::engine::general_purpose::STANDARD.decode(s).ok())
                .unwrap_or_default();
            Some(Value::Array(super::media::unpack_waveform(&packed)))
        }
        (_, v) => Some(v),
    }
}

/// Whole-object rewrites: peers become their bare peer id (rule 4), `dataJSON` its value.
fn rewrite_object(ctor: &str, o: Object) -> Value {
    let field = |k: &str| match o.get(k) {
        Some(Value::Int(n)) => *n,
        _ => 0,
    };
    match ctor {
        "peerUser" => Value::Int(field("user_id")),
        // Already rewritten to the peer id form by `rewrite_param`.
        "peerChat" => Value::Int(field("chat_id")),
        "peerChannel" => Value::Int(field("channel_id")),
        "dataJSON" => match o.get("data").and_then(Value::as_str) {
            Some(text) => serde_json::from_str::<serde_json::Value>(text)
                .map_or_else(|_| Value::Object(o.clone()), from_serde),
            None => Value::Object(o),
        },
        _ => Value::Object(o),
    }
}

fn from_serde(v: serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(b),
        serde_json::Value::Number(n) => n
            .as_i64()
            .map_or_else(|| Value::Float(n.as_f64().unwrap_or(0.0)), Value::Int),
        serde_json::Value::String(s) => Value::Str(s),
        serde_json::Value::Array(a) => Value::Array(a.into_iter().map(from_serde).collect()),
        serde_json::Value::Object(m) => {
            let mut o = Object::with_capacity(m.len());
            for (k, v) in m {
                o.insert(k, from_serde(v));
            }
            Value::Object(o)
        }
    }
}

/// A Telegram object (or a vector of them) in MadelineProto form.
pub fn raw<T: tl::Serializable>(x: &T) -> Result<Value, RawError> {
    let bytes = x.to_bytes();
    SCHEMA_TABLE.read_boxed(&mut Reader { buf: &bytes })
}

/// [`raw`] for objects known to be constructor objects (not vectors or `Bool`).
pub fn raw_object<T: tl::Serializable>(x: &T) -> Result<Object, RawError> {
    match raw(x)? {
        Value::Object(o) => Ok(o),
        other => Ok(Object::new().with("_", other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tl::{enums as e, types as t};

    #[test]
    fn schema_is_the_layer_of_the_generated_types() {
        let first = SCHEMA.lines().next().unwrap_or_default();
        assert_eq!(first, format!("// LAYER {}", tl::LAYER));
        assert!(SCHEMA_TABLE.by_id.len() > 1000);
    }

    #[test]
    fn flags_peers_and_ids_as_madelineproto_writes_them() {
        let status = e::UserStatus::Offline(t::UserStatusOffline { was_online: 5 });
        assert_eq!(
            raw(&status).map(|v| v.to_json_string(crate::wire::json::Encoding::default())),
            Ok(r#"{"_":"userStatusOffline","was_online":5}"#.to_owned())
        );
        let invite = e::ExportedChatInvite::ChatInviteExported(t::ChatInviteExported {
            revoked: false,
            permanent: true,
            request_needed: false,
            link: "https://t.me/+AbC".into(),
            admin_id: 7,
            date: 100,
            start_date: None,
            expire_date: None,
            usage_limit: None,
            usage: Some(5),
            requested: None,
            subscription_expired: None,
            title: None,
            subscription_pricing: None,
        });
        assert_eq!(
            raw(&invite).map(|v| v.to_json_string(crate::wire::json::Encoding::default())),
            Ok(r#"{"_":"chatInviteExported","revoked":false,"permanent":true,"request_needed":false,"link":"https://t.me/+AbC","admin_id":7,"date":100,"usage":5}"#
                .to_owned())
        );
        let peer = e::Peer::Channel(t::PeerChannel { channel_id: 42 });
        assert_eq!(raw(&peer), Ok(Value::Int(-1_000_000_000_042)));
        let peer = e::Peer::Chat(t::PeerChat { chat_id: 42 });
        assert_eq!(raw(&peer), Ok(Value::Int(-42)));
    }

    #[test]
    fn truncated_input_is_an_error_not_a_panic() {
        let mut r = Reader { buf: &[1, 2] };
        assert_eq!(SCHEMA_TABLE.read_boxed(&mut r), Err(RawError::Truncated));
        let mut r = Reader {
            buf: &[0xef, 0xbe, 0xad, 0xde],
        };
        assert_eq!(
            SCHEMA_TABLE.read_boxed(&mut r),
            Err(RawError::UnknownConstructor(0xdead_beef))
        );
    }
}
