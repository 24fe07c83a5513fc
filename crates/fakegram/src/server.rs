//! TCP listeners and per-connection MTProto sessions.
//!
//! Each connection has a reader (decrypt, unwrap containers, answer service messages, spawn
//! one task per RPC) and a writer (number, encrypt and frame whatever the tasks and the
//! update bus hand it). RPCs run concurrently, so a delayed answer never blocks others.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use grammers_crypto::DequeBuffer;
use grammers_mtproto::transport::{Full, Transport};
use grammers_tl_types::{self as tl, Deserializable, Identifiable, Serializable};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, mpsc};

use crate::crypto::{self, AuthKey};
use crate::wire::{self, Message};
use crate::Shared;

/// Frames larger than this are refused, as Telegram does (~1 MiB plus transport overhead).
const MAX_FRAME: usize = 1024 * 1024 + 8 * 1024;

/// Something for the writer to send.
#[derive(Debug)]
pub(crate) enum Out {
    /// A message body; `content` marks content-related messages (odd seq_no).
    Msg {
        body: Vec<u8>,
        content: bool,
    },
    Close,
}

/// Broadcast to every connection of the DC.
#[derive(Debug, Clone)]
pub(crate) enum Control {
    /// Serialized `Updates` to push to authorized sessions.
    Updates(Arc<Vec<u8>>),
    /// Close every connection now (fault injection).
    DropAll,
}

pub(crate) async fn accept_loop(shared: Arc<Shared>, dc_id: i32, listener: TcpListener) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            if let Err(err) = serve(shared, dc_id, stream).await {
                tracing::debug!(dc_id, "fakegram connection ended: {err}");
            }
        });
    }
}

#[derive(Debug, thiserror::Error)]
enum ConnError {
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    #[error("transport: {0}")]
    Transport(String),
    #[error("crypto: {0}")]
    Crypto(#[from] crypto::CryptoError),
    #[error("wire: {0}")]
    Wire(#[from] wire::WireError),
    #[error("closed by fault injection")]
    Dropped,
}

/// Per-connection session state shared by reader and writer.
struct Session {
    key: AuthKey,
    session_id: AtomicI64,
}

async fn read_frame(
    rd: &mut tokio::net::tcp::OwnedReadHalf,
    transport: &mut Full,
) -> Result<Option<Vec<u8>>, ConnError> {
    let mut len = [0u8; 4];
    match rd.read_exact(&mut len).await {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e.into()),
    }
    let total = u32::from_le_bytes(len) as usize;
    if !(12..=MAX_FRAME).contains(&total) {
        return Err(ConnError::Transport(format!("bad frame length {total}")));
    }
    let mut buf = vec![0u8; total];
    buf[..4].copy_from_slice(&len);
    rd.read_exact(&mut buf[4..]).await?;
    let off = transport
        .unpack(&mut buf)
        .map_err(|e| ConnError::Transport(e.to_string()))?;
    Ok(Some(buf[off.data_range].to_vec()))
}

async fn serve(shared: Arc<Shared>, dc_id: i32, stream: TcpStream) -> Result<(), ConnError> {
    let (mut rd, wr) = stream.into_split();
    let mut rx_transport = Full::new();
    let mut control = shared.control.subscribe();

    // The first packet tells us the key and session.
    let Some(mut first) = read_frame(&mut rd, &mut rx_transport).await? else {
        return Ok(());
    };
    let key_id = crypto::key_id_of(&first).ok_or(ConnError::Transport("short packet".into()))?;
    let Some(key) = shared.key(key_id) else {
        // Telegram answers an unknown key with transport error -404.
        let mut wr = wr;
        wr.write_all(&(-404i32).to_le_bytes()).await?;
        return Ok(());
    };
    let session = Arc::new(Session {
        key,
        session_id: AtomicI64::new(0),
    });

    let (out_tx, out_rx) = mpsc::unbounded_channel::<Out>();
    let writer = tokio::spawn(write_loop(Arc::clone(&session), shared.salt, wr, out_rx));
    let mut conn = Conn {
        shared: Arc::clone(&shared),
        dc_id,
        session: Arc::clone(&session),
        out: out_tx.clone(),
        known_session: None,
        pushes: false,
    };

    let mut pending = Some(std::mem::take(&mut first));
    let result = loop {
        let packet = if let Some(p) = pending.take() {
            p
        } else {
            tokio::select! {
                frame = read_frame(&mut rd, &mut rx_transport) => match frame {
                    Ok(Some(f)) => f,
                    Ok(None) => break Ok(()),
                    Err(e) => break Err(e),
                },
                ctl = control.recv() => {
                    match ctl {
                        Ok(Control::Updates(bytes)) if conn.pushes => {
                            let _ = out_tx.send(Out::Msg { body: bytes.to_vec(), content: true });
                        }
                        Ok(Control::DropAll) => break Err(ConnError::Dropped),
                        Ok(Control::Updates(_)) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                        Err(broadcast::error::RecvError::Closed) => break Ok(()),
                    }
                    continue;
                }
            }
        };
        if let Err(e) = conn.handle_packet(packet) {
            break Err(e);
        }
    };
    let _ = out_tx.send(Out::Close);
    let _ = writer.await;
    result
}

struct Conn {
    shared: Arc<Shared>,
    dc_id: i32,
    session: Arc<Session>,
    out: mpsc::UnboundedSender<Out>,
    known_session: Option<i64>,
    /// Updates are pushed once the session has made an RPC, as Telegram does.
    pushes: bool,
}

impl Conn {
    fn send(&self, body: Vec<u8>, content: bool) {
        let _ = self.out.send(Out::Msg { body, content });
    }

    fn handle_packet(&mut self, mut packet: Vec<u8>) -> Result<(), ConnError> {
        let plain = crypto::decrypt_from_client(&self.session.key, &mut packet)?;
        let parsed = wire::parse_client_plaintext(plain)?;
        self.session
            .session_id
            .store(parsed.session_id, Ordering::SeqCst);
        if self.known_session != Some(parsed.session_id) {
            self.known_session = Some(parsed.session_id);
            let created = tl::enums::NewSession::Created(tl::types::NewSessionCreated {
                first_msg_id: parsed.message.msg_id,
                unique_id: rand::random(),
                server_salt: self.shared.salt,
            });
            self.send(created.to_bytes(), true);
        }
        if parsed.salt != self.shared.salt {
            let bad = tl::enums::BadMsgNotification::BadServerSalt(tl::types::BadServerSalt {
                bad_msg_id: parsed.message.msg_id,
                bad_msg_seqno: parsed.message.seq_no,
                error_code: 48,
                new_server_salt: self.shared.salt,
            });
            self.send(bad.to_bytes(), false);
            return Ok(());
        }
        for msg in wire::flatten(parsed.message)? {
            self.handle_message(msg)?;
        }
        Ok(())
    }

    fn handle_message(&mut self, msg: Message) -> Result<(), ConnError> {
        let Some(ctor) = msg.constructor() else {
            return Ok(());
        };
        match ctor {
            tl::types::MsgsAck::CONSTRUCTOR_ID => {}
            tl::functions::Ping::CONSTRUCTOR_ID => {
                if let Ok(p) = tl::functions::Ping::from_bytes(&msg.body[4..]) {
                    self.send(pong(msg.msg_id, p.ping_id), false);
                }
            }
            tl::functions::PingDelayDisconnect::CONSTRUCTOR_ID => {
                if let Ok(p) = tl::functions::PingDelayDisconnect::from_bytes(&msg.body[4..]) {
                    self.send(pong(msg.msg_id, p.ping_id), false);
                }
            }
            tl::functions::GetFutureSalts::CONSTRUCTOR_ID => {
                let num = tl::functions::GetFutureSalts::from_bytes(&msg.body[4..])
                    .map_or(8, |f| f.num)
                    .clamp(2, 64);
                self.send(self.future_salts(msg.msg_id, num), false);
            }
            tl::functions::DestroySession::CONSTRUCTOR_ID => {
                if let Ok(d) = tl::functions::DestroySession::from_bytes(&msg.body[4..]) {
                    let none = tl::enums::DestroySessionRes::DestroySessionNone(
                        tl::types::DestroySessionNone {
                            session_id: d.session_id,
                        },
                    );
                    self.send(wire::rpc_result(msg.msg_id, &none.to_bytes()), true);
                }
            }
            _ => {
                if self.shared.faults().count_for_drop() {
                    let _ = self.shared.control.send(Control::DropAll);
                    return Err(ConnError::Dropped);
                }
                self.pushes = true;
                let shared = Arc::clone(&self.shared);
                let out = self.out.clone();
                let dc_id = self.dc_id;
                let key_id = self.session.key.id();
                tokio::spawn(async move {
                    let result = crate::rpc::call(&shared, dc_id, key_id, &msg.body).await;
                    let body = match result {
                        Ok(bytes) => bytes,
                        Err(err) => wire::rpc_error(err.code, &err.message),
                    };
                    let _ = out.send(Out::Msg {
                        body: wire::rpc_result(msg.msg_id, &body),
                        content: true,
                    });
                });
            }
        }
        Ok(())
    }

    fn future_salts(&self, req_msg_id: i64, num: i32) -> Vec<u8> {
        // One salt value for the DC, handed out as several consecutive hours so the client
        // never runs dry and never asks in a loop.
        let now = crate::world::now();
        let salts = (0..num)
            .map(|i| tl::types::FutureSalt {
                valid_since: now - 60 + i * 3600,
                valid_until: now - 60 + (i + 1) * 3600,
                salt: self.shared.salt,
            })
            .collect::<Vec<_>>();
        let mut out = Vec::new();
        tl::types::FutureSalts::CONSTRUCTOR_ID.serialize(&mut out);
        req_msg_id.serialize(&mut out);
        now.serialize(&mut out);
        // `salts` is a bare vector (no vector constructor).
        (salts.len() as i32).serialize(&mut out);
        for s in &salts {
            s.valid_since.serialize(&mut out);
            s.valid_until.serialize(&mut out);
            s.salt.serialize(&mut out);
        }
        out
    }
}

fn pong(msg_id: i64, ping_id: i64) -> Vec<u8> {
    tl::enums::Pong::Pong(tl::types::Pong { msg_id, ping_id }).to_bytes()
}

async fn write_loop(
    session: Arc<Session>,
    salt: i64,
    mut wr: tokio::net::tcp::OwnedWriteHalf,
    mut rx: mpsc::UnboundedReceiver<Out>,
) {
    let mut transport = Full::new();
    let mut last_msg_id = 0i64;
    let mut seq = 0i32;
    let mut next_msg_id = || {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        // Server message ids are ≡ 1 (mod 4) for answers; keep them strictly increasing.
        let mut id =
            ((now.as_secs() as i64) << 32) | ((i64::from(now.subsec_nanos()) << 2) & !3) | 1;
        if id <= last_msg_id {
            id = last_msg_id + 4;
        }
        last_msg_id = id;
        id
    };
    while let Some(out) = rx.recv().await {
        let (body, content) = match out {
            Out::Msg { body, content } => (body, content),
            Out::Close => break,
        };
        let seq_no = if content {
            seq += 1;
            seq * 2 - 1
        } else {
            seq * 2
        };
        let msg = Message {
            msg_id: next_msg_id(),
            seq_no,
            body,
        };
        let session_id = session.session_id.load(Ordering::SeqCst);
        let plain = wire::server_plaintext(salt, session_id, &[msg], 0);
        let packet = crypto::encrypt_for_client(&session.key, &plain);
        let mut buf = DequeBuffer::with_capacity(packet.len() + 12, 8);
        buf.extend(packet);
        transport.pack(&mut buf);
        if wr.write_all(buf.as_ref()).await.is_err() {
            break;
        }
    }
    let _ = wr.shutdown().await;
}
