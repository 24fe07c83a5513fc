//! Faults a test can inject into the fake DC, and the log of every RPC it received.

use std::collections::HashMap;
use std::time::Duration;

/// One RPC as fakegram received it (wrappers like invokeWithLayer removed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub dc_id: i32,
    /// The TL name, e.g. `messages.getDialogs`.
    pub method: String,
}

/// Scripted misbehaviour. Each rule is consumed as it fires, so tests stay deterministic.
#[derive(Debug, Default)]
pub struct Faults {
    /// method → (seconds, how many more times): answer `FLOOD_WAIT_<seconds>`.
    pub flood_wait: HashMap<String, (u32, u32)>,
    /// method → (code, message, how many more times): answer this RPC error.
    pub rpc_errors: HashMap<String, (i32, String, u32)>,
    /// Close every connection after this many more RPCs have been received.
    pub drop_after: Option<u32>,
    /// Delay every answer by this long.
    pub delay: Option<Duration>,
    /// Answer every call with 401 AUTH_KEY_UNREGISTERED.
    pub auth_key_unregistered: bool,
}

/// What the fault rules decide for one call.
#[derive(Debug)]
pub enum Verdict {
    Proceed,
    Error(i32, String),
}

impl Faults {
    pub fn judge(&mut self, method: &str) -> Verdict {
        if self.auth_key_unregistered {
            return Verdict::Error(401, "AUTH_KEY_UNREGISTERED".into());
        }
        if let Some((secs, left)) = self.flood_wait.get_mut(method) {
            let secs = *secs;
            *left -= 1;
            if *left == 0 {
                self.flood_wait.remove(method);
            }
            return Verdict::Error(420, format!("FLOOD_WAIT_{secs}"));
        }
        if let Some((code, msg, left)) = self.rpc_errors.get_mut(method) {
            let out = Verdict::Error(*code, msg.clone());
            *left -= 1;
            if *left == 0 {
                self.rpc_errors.remove(method);
            }
            return out;
        }
        Verdict::Proceed
    }

    /// Counts one received RPC toward `drop_after`; true when connections must close now
    /// (the RPC that trips it is left unanswered, as on a real network failure).
    pub fn count_for_drop(&mut self) -> bool {
        let Some(n) = self.drop_after.as_mut() else {
            return false;
        };
        *n = n.saturating_sub(1);
        if *n == 0 {
            self.drop_after = None;
            true
        } else {
            false
        }
    }
}
