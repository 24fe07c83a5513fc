//! MTProto message framing that grammers-tl-types does not generate: `message`,
//! `msg_container`, `rpc_result` and `gzip_packed`.

use std::io::Read;

use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use grammers_tl_types::{self as tl, Deserializable, Serializable};

pub const MSG_CONTAINER: u32 = 0x73f1_f8dc;
pub const RPC_RESULT: u32 = 0xf35c_6d01;
pub const GZIP_PACKED: u32 = 0x3072_cfa1;

/// Responses at least this long are sent gzip-packed, as Telegram does.
const GZIP_THRESHOLD: usize = 512;

/// One decoded MTProto message.
#[derive(Debug, Clone)]
pub struct Message {
    pub msg_id: i64,
    pub seq_no: i32,
    pub body: Vec<u8>,
}

impl Message {
    pub fn constructor(&self) -> Option<u32> {
        constructor_of(&self.body)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WireError {
    #[error("truncated MTProto message")]
    Truncated,
    #[error("message length {0} out of range")]
    BadLength(i32),
    #[error("bad gzip_packed body")]
    BadGzip,
}

pub fn constructor_of(body: &[u8]) -> Option<u32> {
    body.get(..4)
        .and_then(|b| b.try_into().ok())
        .map(u32::from_le_bytes)
}

/// The decrypted plaintext of a client packet.
#[derive(Debug)]
pub struct ClientPacket {
    pub salt: i64,
    pub session_id: i64,
    pub message: Message,
}

fn read_i64(buf: &[u8], at: usize) -> Result<i64, WireError> {
    buf.get(at..at + 8)
        .and_then(|b| b.try_into().ok())
        .map(i64::from_le_bytes)
        .ok_or(WireError::Truncated)
}

fn read_i32(buf: &[u8], at: usize) -> Result<i32, WireError> {
    buf.get(at..at + 4)
        .and_then(|b| b.try_into().ok())
        .map(i32::from_le_bytes)
        .ok_or(WireError::Truncated)
}

/// Reads `msg_id seqno bytes body` at `at`; returns the message and the offset after it.
fn read_message(buf: &[u8], at: usize) -> Result<(Message, usize), WireError> {
    let msg_id = read_i64(buf, at)?;
    let seq_no = read_i32(buf, at + 8)?;
    let len = read_i32(buf, at + 12)?;
    let len_usize = usize::try_from(len).map_err(|_| WireError::BadLength(len))?;
    if len_usize % 4 != 0 {
        return Err(WireError::BadLength(len));
    }
    let start = at + 16;
    let body = buf
        .get(start..start + len_usize)
        .ok_or(WireError::Truncated)?
        .to_vec();
    Ok((
        Message {
            msg_id,
            seq_no,
            body,
        },
        start + len_usize,
    ))
}

pub fn parse_client_plaintext(plain: &[u8]) -> Result<ClientPacket, WireError> {
    let salt = read_i64(plain, 0)?;
    let session_id = read_i64(plain, 8)?;
    let (message, _) = read_message(plain, 16)?;
    Ok(ClientPacket {
        salt,
        session_id,
        message,
    })
}

/// Expands a message into the messages it carries: a container gives its children,
/// a gzip_packed body is inflated, anything else is itself.
pub fn flatten(message: Message) -> Result<Vec<Message>, WireError> {
    match message.constructor() {
        Some(MSG_CONTAINER) => {
            let count = read_i32(&message.body, 4)?;
            let count = usize::try_from(count).map_err(|_| WireError::BadLength(count))?;
            let mut at = 8;
            let mut out = Vec::with_capacity(count.min(1024));
            for _ in 0..count {
                let (inner, next) = read_message(&message.body, at)?;
                at = next;
                out.extend(flatten(inner)?);
            }
            Ok(out)
        }
        Some(GZIP_PACKED) => Ok(vec![Message {
            body: gunzip_body(&message.body)?,
            ..message
        }]),
        _ => Ok(vec![message]),
    }
}

/// Inflates a `gzip_packed` object (constructor included) into the object it packs.
pub fn gunzip_body(body: &[u8]) -> Result<Vec<u8>, WireError> {
    let packed = Vec::<u8>::from_bytes(body.get(4..).ok_or(WireError::Truncated)?)
        .map_err(|_| WireError::Truncated)?;
    let mut out = Vec::new();
    GzDecoder::new(&packed[..])
        .take(16 * 1024 * 1024)
        .read_to_end(&mut out)
        .map_err(|_| WireError::BadGzip)?;
    Ok(out)
}

/// Wraps a result body in `rpc_result`, gzip-packing it when that makes it smaller.
pub fn rpc_result(req_msg_id: i64, result: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(result.len() + 12);
    RPC_RESULT.serialize(&mut out);
    req_msg_id.serialize(&mut out);
    if result.len() >= GZIP_THRESHOLD {
        let packed = gzip_packed(result);
        if packed.len() < result.len() {
            out.extend_from_slice(&packed);
            return out;
        }
    }
    out.extend_from_slice(result);
    out
}

pub fn gzip_packed(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = GzEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = enc.write_all(data);
    let packed = enc.finish().unwrap_or_default();
    let mut out = Vec::with_capacity(packed.len() + 8);
    GZIP_PACKED.serialize(&mut out);
    packed.serialize(&mut out);
    out
}

/// `rpc_error` as a result body.
pub fn rpc_error(code: i32, message: &str) -> Vec<u8> {
    tl::enums::RpcError::Error(tl::types::RpcError {
        error_code: code,
        error_message: message.to_owned(),
    })
    .to_bytes()
}

/// Builds the plaintext of one server packet: salt, session id, then either the single
/// message or a container of all of them.
pub fn server_plaintext(
    salt: i64,
    session_id: i64,
    messages: &[Message],
    container_id: i64,
) -> Vec<u8> {
    let mut out = Vec::new();
    salt.serialize(&mut out);
    session_id.serialize(&mut out);
    if let [only] = messages {
        write_message(&mut out, only);
    } else {
        let mut body = Vec::new();
        MSG_CONTAINER.serialize(&mut body);
        (messages.len() as i32).serialize(&mut body);
        for m in messages {
            write_message(&mut body, m);
        }
        write_message(
            &mut out,
            &Message {
                msg_id: container_id,
                seq_no: 0,
                body,
            },
        );
    }
    out
}

fn write_message(out: &mut Vec<u8>, m: &Message) {
    m.msg_id.serialize(out);
    m.seq_no.serialize(out);
    (m.body.len() as i32).serialize(out);
    out.extend_from_slice(&m.body);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_and_gzip_are_unwrapped() {
        let inner = Message {
            msg_id: 8,
            seq_no: 1,
            body: tl::functions::Ping { ping_id: 5 }.to_bytes(),
        };
        let gz = Message {
            msg_id: 12,
            seq_no: 3,
            body: gzip_packed(&tl::functions::Ping { ping_id: 6 }.to_bytes()),
        };
        let plain = server_plaintext(1, 2, &[inner, gz], 16);
        let packet = parse_client_plaintext(&plain).expect("parses");
        let flat = flatten(packet.message).expect("flattens");
        assert_eq!(flat.len(), 2);
        assert_eq!(flat[1].body, tl::functions::Ping { ping_id: 6 }.to_bytes());
        assert_eq!(flat[1].msg_id, 12);
    }

    #[test]
    fn truncated_container_is_an_error_not_a_panic() {
        let mut body = Vec::new();
        MSG_CONTAINER.serialize(&mut body);
        1000i32.serialize(&mut body);
        let m = Message {
            msg_id: 4,
            seq_no: 0,
            body,
        };
        assert!(flatten(m).is_err());
    }

    #[test]
    fn large_results_are_gzip_packed() {
        let big = vec![7u8; 4096];
        let r = rpc_result(99, &big);
        assert_eq!(constructor_of(&r[12..]), Some(GZIP_PACKED));
        assert_eq!(gunzip_body(&r[12..]).expect("inflates"), big);
    }
}
