// MPGram Home window. Every call goes through the window process's `control` command, which holds the
// control API's secret and forwards to the tray process; this page never sees the secret. Changes arrive as
// `control` events (the tray's event stream, forwarded by the window process).
"use strict";

const tauri = window.__TAURI__;
const $ = (id) => document.getElementById(id);

const ui = {
  connected: false,
  status: null,
  pairing: null,
  devices: { devices: [], pending: [] },
  login: null,
  settings: null,
  screen: "connecting",
  tab: "home",
  wantsLogin: false,
  importCode: null,
};

async function api(method, path, body) {
  return tauri.core.invoke("control", { method, path, body: body === undefined ? null : body });
}

// ---------------------------------------------------------------- screens

const SCREENS = ["connecting", "welcome", "credentials", "login", "home", "settings"];

function show(screen) {
  ui.screen = screen;
  for (const s of SCREENS) {
    $(`screen-${s}`).hidden = s !== screen;
  }
  const inApp = screen === "home" || screen === "settings";
  $("topbar").hidden = !inApp;
  for (const tab of document.querySelectorAll(".tab")) {
    if (tab.dataset.screen === screen) {
      tab.setAttribute("aria-current", "page");
    } else {
      tab.removeAttribute("aria-current");
    }
  }
  document.body.dataset.screen = screen;
}

function route() {
  if (!ui.connected || !ui.status) {
    show("connecting");
    return;
  }
  const st = ui.status;
  $("demo-badge").hidden = !st.demo;
  if (st.state === "needs_login") {
    if (ui.login && ui.login.needs_credentials && ui.wantsLogin) {
      show("credentials");
    } else if (ui.wantsLogin) {
      show("login");
    } else {
      show("welcome");
    }
    return;
  }
  ui.wantsLogin = false;
  const wasOnHome = ui.screen === "home";
  show(ui.tab);
  if (ui.tab === "home" && !wasOnHome) {
    openPairing();
  }
}

// ---------------------------------------------------------------- helpers

function setError(id, message) {
  const el = $(id);
  el.textContent = message || "";
  el.hidden = !message;
}

function errorText(e) {
  if (typeof e === "string") return e;
  if (e && e.message) return e.message;
  return "Something went wrong.";
}

function busy(button, on) {
  if (!button) return;
  button.disabled = on;
  button.classList.toggle("busy", on);
}

function ago(unix) {
  if (!unix) return "never";
  const s = Math.max(0, Math.floor(Date.now() / 1000) - unix);
  if (s < 60) return "just now";
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(unix * 1000).toLocaleDateString();
}

function groupCode(code) {
  if (!code) return "——————";
  return code.length === 6 ? `${code.slice(0, 3)} ${code.slice(3)}` : code;
}

function groupImport(code) {
  return code ? code.replace(/(\d{4})(?=\d)/g, "$1 ") : "—";
}

// An SVG string from our own core, drawn as an <img> so no markup of it runs in the page.
// Unchanged pictures are left alone: the poll redraws often, and a replaced node loses focus and
// flickers.
function setSvg(box, svg, label) {
  const key = svg || "";
  if (box.dataset.drawn === key && box.firstChild) return;
  box.dataset.drawn = key;
  box.replaceChildren();
  if (!svg) {
    const spin = document.createElement("div");
    spin.className = "spinner";
    box.append(spin);
    return;
  }
  const img = document.createElement("img");
  img.alt = label;
  img.src = `data:image/svg+xml;base64,${btoa(unescape(encodeURIComponent(svg)))}`;
  box.append(img);
}

// ---------------------------------------------------------------- rendering

function renderStatus() {
  const st = ui.status;
  if (!st) return;
  const titles = { serving: "Serving", paused: "Paused", needs_login: "Not logged in", error: "Problem" };
  $("status-title").textContent = titles[st.state] || st.state;
  $("status-dot").dataset.state = st.state;
  $("serving-url").textContent = st.url || "";
  $("serving-url").href = st.url || "#";
  const acc = st.account;
  let line = "";
  if (acc) {
    line = `Logged in as ${acc.name || "you"}`;
    if (acc.username) line += ` (@${acc.username})`;
  }
  if (st.demo) line = "Demo world: made-up chats, nothing goes to Telegram.";
  if (st.error) line = st.error;
  $("account-line").textContent = line;
  renderAvatar(acc);
  $("settings-account").textContent = st.demo
    ? "You are trying the demo. Leave it to log in with your own account."
    : acc
      ? `Logged in to Telegram as ${acc.name}${acc.phone ? ` (${acc.phone})` : ""}.`
      : "";
  $("logout-btn").textContent = st.demo ? "Leave the demo" : "Log out";
  $("version").textContent = st.version || "";
  renderReach();
}

// "Away from home": the address and its QR code while the router maps the port, else what the
// router said, in words.
function renderReach() {
  const st = ui.status;
  const r = st && st.reach;
  $("reach-card").hidden = !r;
  if (!r) return;
  const active = r.state === "active" && r.url;
  $("reach-open").hidden = !active;
  if (active) {
    $("reach-url").textContent = r.url;
    setSvg($("reach-qr"), r.qr_svg, "Away from home QR code");
    const how = { upnp: "UPnP", nat_pmp: "NAT-PMP", pcp: "PCP" }[r.protocol] || "the router";
    $("reach-how").textContent = `Your router lets it through (${how}). At home the address above keeps working too.`;
  }
  $("reach-message").textContent = r.message || "";
  $("reach-message").hidden = !r.message;
  $("reach-message").dataset.kind = r.state === "active" ? "changed" : r.state;
  $("reach-last").textContent = `Last request from outside the home network: ${st.last_outside_request ? ago(st.last_outside_request) : "none yet"}.`;
}

// A password a person can type on a phone keypad: lowercase letters and digits, no look-alikes.
function newPassword() {
  const chars = "abcdefghijkmnpqrstuvwxyz23456789";
  const bytes = new Uint8Array(10);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => chars[b % chars.length]).join("");
}

function renderReachOffer() {
  $("reach-offer").hidden = !($("set-reach").checked && $("set-password").value.trim() === "");
}

// The account's picture, or its initials on the accent colour until (or unless) there is one.
function renderAvatar(acc) {
  const box = $("account-avatar");
  box.hidden = !acc;
  if (!acc) return;
  const key = acc.photo || `initials:${acc.name}`;
  if (box.dataset.drawn === key) return;
  box.dataset.drawn = key;
  box.replaceChildren();
  if (acc.photo && acc.photo.startsWith("data:image/")) {
    const img = document.createElement("img");
    img.alt = "";
    img.src = acc.photo;
    box.append(img);
  } else {
    box.textContent = (acc.name || "?").split(/\s+/).filter(Boolean).slice(0, 2)
      .map((w) => [...w][0].toUpperCase()).join("");
  }
}

function renderPairing() {
  const p = ui.pairing;
  if (!p) return;
  const open = p.open && !p.paused && p.user_code;
  $("pair-open").hidden = !open;
  $("pair-closed").hidden = !!open;
  $("pair-closed-text").textContent = p.paused
    ? "Pairing is paused for a while after too many wrong codes."
    : "Pairing is closed.";
  $("pair-url").textContent = p.url || "";
  $("browser-url").textContent = p.url || "";
  $("user-code").textContent = groupCode(p.user_code);
  setSvg($("pair-qr"), p.qr_svg, "Pairing QR code");
  $("pair-note").textContent = ui.settings && ui.settings.ask_before_pairing
    ? "You will be asked to allow the phone here."
    : "A phone can also scan the QR code with its browser to see these steps.";
}

let devicesDrawn = "";

function renderDevices() {
  const { devices, pending } = ui.devices;
  // The lists are rebuilt only when they changed, so a keyboard user's focus on a button survives
  // the poll; "last seen" is brought up to date in place.
  const guests = ui.devices.guests || [];
  const key = JSON.stringify([devices.map((d) => [d.id, d.name]), pending, guests]);
  if (key === devicesDrawn) {
    for (const d of devices) {
      const meta = document.querySelector(`.device[data-id="${d.id}"] .device-meta`);
      if (meta) meta.textContent = deviceMeta(d);
    }
    return;
  }
  devicesDrawn = key;
  const list = $("device-list");
  list.replaceChildren();
  $("devices-empty").hidden = devices.length > 0;
  for (const d of devices) {
    const li = document.createElement("li");
    li.className = "device";
    li.dataset.id = d.id;
    const info = document.createElement("div");
    const name = document.createElement("strong");
    name.className = "device-name";
    name.textContent = d.name || "Phone";
    const meta = document.createElement("span");
    meta.className = "muted small device-meta";
    meta.textContent = deviceMeta(d);
    info.append(name, meta);
    const revoke = document.createElement("button");
    revoke.type = "button";
    revoke.className = "secondary small revoke";
    revoke.textContent = "Revoke";
    revoke.setAttribute("aria-label", `Revoke ${d.name || "phone"}`);
    revoke.addEventListener("click", () => act(revoke, `/v1/devices/${d.id}/revoke`));
    li.append(info, revoke);
    list.append(li);
  }

  const glist = $("guest-list");
  glist.replaceChildren();
  $("guests").hidden = guests.length === 0;
  for (const g of guests) {
    const li = document.createElement("li");
    li.className = "device guest";
    li.dataset.id = g.id;
    const name = document.createElement("strong");
    name.className = "device-name";
    name.textContent = g.phone;
    const out = document.createElement("button");
    out.type = "button";
    out.className = "secondary small guest-logout";
    out.textContent = "Log out";
    out.setAttribute("aria-label", `Log out ${g.phone}`);
    out.addEventListener("click", () => act(out, `/v1/guests/${g.id}/logout`));
    li.append(name, out);
    glist.append(li);
  }

  const plist = $("pending-list");
  plist.replaceChildren();
  $("pending-card").hidden = pending.length === 0;
  for (const p of pending) {
    const card = document.createElement("div");
    card.className = "pending";
    card.dataset.id = p.id;
    const text = document.createElement("div");
    const name = document.createElement("strong");
    name.textContent = p.name || "A phone";
    const meta = document.createElement("p");
    meta.className = "muted small";
    meta.textContent = [p.app, p.ip].filter(Boolean).join(" · ");
    const ask = document.createElement("p");
    ask.textContent = "Allow it only if the phone shows the same number:";
    text.append(name, meta, ask);
    const number = document.createElement("span");
    number.className = "compare-number mono";
    number.textContent = p.number;
    const buttons = document.createElement("div");
    buttons.className = "actions";
    const deny = document.createElement("button");
    deny.type = "button";
    deny.className = "secondary deny";
    deny.textContent = "Deny";
    deny.addEventListener("click", () => act(deny, `/v1/devices/${p.id}/deny`));
    const allow = document.createElement("button");
    allow.type = "button";
    allow.className = "primary allow";
    allow.textContent = "Allow";
    allow.addEventListener("click", () => act(allow, `/v1/devices/${p.id}/approve`));
    buttons.append(deny, allow);
    card.append(text, number, buttons);
    plist.append(card);
  }
}

function deviceMeta(d) {
  const bits = [`last seen ${ago(d.last_seen)}`];
  if (d.last_ip) bits.push(d.last_ip);
  if (d.app_version) bits.push(`MPGram ${d.app_version}`);
  return bits.join(" · ");
}

function renderLogin() {
  const l = ui.login;
  if (!l) return;
  const steps = { qr: "step-qr", phone: "step-phone", code: "step-code", password: "step-password" };
  let step = l.step;
  // A failed step stays on screen with its error; the state machine reports it as "failed".
  if (step === "idle" || step === "failed") step = ui.lastStep || ui.loginMode || "qr";
  if (steps[step]) ui.lastStep = step;
  for (const [name, id] of Object.entries(steps)) {
    $(id).hidden = name !== step;
  }
  if (step === "qr") setSvg($("login-qr"), l.qr_svg, "Login QR code");
  if (step === "code") $("code-phone").textContent = l.phone || "";
  if (step === "password") {
    $("password-hint").hidden = !l.hint;
    $("password-hint").textContent = l.hint ? `Hint: ${l.hint}` : "";
  }
  setError("login-error", l.step === "failed" && step === "qr" ? l.error : "");
  const focus = { phone: "phone", code: "code", password: "password" }[step];
  if (focus && document.activeElement !== $(focus)) $(focus).focus();
}

function renderSettings() {
  const s = ui.settings;
  if (!s) return;
  $("set-port").value = s.port ?? "";
  $("set-interface").value = s.interface || "lan";
  $("set-password").value = s.instance_password || "";
  $("set-ask").checked = !!s.ask_before_pairing;
  $("set-autostart").checked = !!s.start_at_login;
  $("set-login-api").checked = !!s.login_api;
  $("set-reach").checked = !!s.reach;
  renderReachOffer();
  $("data-dir").textContent = s.data_dir || "";
}

// ---------------------------------------------------------------- loading

async function refreshAll() {
  try {
    ui.status = await api("GET", "/v1/status");
    renderStatus();
    if (ui.status.state === "needs_login") {
      ui.login = await api("GET", "/v1/login");
      renderLogin();
    } else {
      const [pairing, devices, settings] = await Promise.all([
        api("GET", "/v1/pairing"),
        api("GET", "/v1/devices"),
        api("GET", "/v1/settings"),
      ]);
      ui.pairing = pairing;
      ui.devices = devices;
      ui.settings = settings;
      renderPairing();
      renderDevices();
      renderSettings();
    }
    ui.connected = true;
  } catch (e) {
    ui.connected = false;
    $("connecting-text").textContent = errorText(e);
  }
  route();
}

async function openPairing() {
  try {
    ui.pairing = await api("POST", "/v1/pairing/open", { window_visible: true });
    renderPairing();
  } catch (e) {
    banner(errorText(e));
  }
}

async function act(button, path, body) {
  busy(button, true);
  try {
    await api("POST", path, body);
    ui.devices = await api("GET", "/v1/devices");
    renderDevices();
  } catch (e) {
    banner(errorText(e));
  } finally {
    busy(button, false);
  }
}

let bannerTimer = null;
function banner(text) {
  const el = $("banner");
  el.textContent = text;
  el.hidden = !text;
  clearTimeout(bannerTimer);
  if (text) bannerTimer = setTimeout(() => { el.hidden = true; }, 6000);
}

function onEvent(ev) {
  const { event, data } = ev;
  switch (event) {
    case "connection":
      ui.connected = !!data.connected;
      if (ui.connected) {
        refreshAll();
      } else {
        $("connecting-text").textContent = "Connecting to MPGram Home…";
        route();
      }
      break;
    case "status": {
      const before = ui.status && ui.status.state;
      ui.status = data;
      renderStatus();
      if (before !== data.state) refreshAll();
      else route();
      break;
    }
    case "pairing":
      ui.pairing = data;
      renderPairing();
      break;
    case "devices":
      ui.devices = data;
      renderDevices();
      break;
    case "login":
      ui.login = data;
      renderLogin();
      break;
    default:
      break;
  }
}

// ---------------------------------------------------------------- actions

function wire() {
  $("welcome-login").addEventListener("click", async () => {
    ui.wantsLogin = true;
    ui.loginMode = "qr";
    route();
    if (!(ui.login && ui.login.needs_credentials)) startQr();
  });
  $("welcome-demo").addEventListener("click", async (e) => {
    // `currentTarget` is gone once the handler awaits: keep the button.
    const button = e.currentTarget;
    busy(button, true);
    try {
      await api("POST", "/v1/login/demo");
      $("connecting-text").textContent = "Starting the demo…";
    } catch (err) {
      banner(errorText(err));
    } finally {
      busy(button, false);
    }
  });
  for (const b of document.querySelectorAll("[data-back]")) {
    b.addEventListener("click", () => {
      ui.wantsLogin = false;
      route();
    });
  }
  $("credentials-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    setError("credentials-error", "");
    try {
      await api("POST", "/v1/login/credentials", {
        api_id: Number($("api-id").value.trim()),
        api_hash: $("api-hash").value.trim(),
      });
      ui.login = await api("GET", "/v1/login");
      route();
      startQr();
    } catch (err) {
      setError("credentials-error", errorText(err));
    }
  });
  $("login-back").addEventListener("click", async () => {
    ui.wantsLogin = false;
    route();
    try { await api("POST", "/v1/login/cancel"); } catch (_) { /* nothing to cancel */ }
  });
  $("use-phone").addEventListener("click", async () => {
    ui.loginMode = "phone";
    ui.lastStep = "phone";
    try { ui.login = await api("POST", "/v1/login/cancel"); } catch (_) { /* fine */ }
    ui.login = { step: "phone" };
    renderLogin();
  });
  $("use-qr").addEventListener("click", () => { ui.loginMode = "qr"; ui.lastStep = "qr"; startQr(); });
  $("code-change").addEventListener("click", () => {
    ui.loginMode = "phone";
    ui.lastStep = "phone";
    ui.login = { step: "phone" };
    renderLogin();
  });
  $("step-phone").addEventListener("submit", (e) => loginStep(e, "phone-submit", "phone-error",
    "/v1/login/phone", { phone: $("phone").value.trim() }));
  $("step-code").addEventListener("submit", (e) => loginStep(e, "code-submit", "code-error",
    "/v1/login/code", { code: $("code").value.trim() }));
  $("step-password").addEventListener("submit", (e) => loginStep(e, "password-submit", "password-error",
    "/v1/login/password", { password: $("password").value }));

  for (const tab of document.querySelectorAll(".tab")) {
    tab.addEventListener("click", () => {
      ui.tab = tab.dataset.screen;
      route();
    });
  }
  $("pair-open-btn").addEventListener("click", openPairing);
  $("import-btn").addEventListener("click", async (e) => {
    const button = e.currentTarget;
    busy(button, true);
    try {
      const c = await api("POST", "/v1/pairing/import-code");
      $("import-code").textContent = groupImport(c.code);
      button.textContent = "Show another code";
    } catch (err) {
      banner(errorText(err));
    } finally {
      busy(button, false);
    }
  });
  $("settings-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    setError("settings-error", "");
    $("settings-saved").hidden = true;
    try {
      const port = $("set-port").value.trim();
      ui.settings = await api("PUT", "/v1/settings", {
        port: port === "" ? null : Number(port),
        interface: $("set-interface").value,
        instance_password: $("set-password").value,
        ask_before_pairing: $("set-ask").checked,
        start_at_login: $("set-autostart").checked,
        login_api: $("set-login-api").checked,
        reach: $("set-reach").checked,
      });
      renderSettings();
      $("settings-saved").hidden = false;
    } catch (err) {
      setError("settings-error", errorText(err));
    }
  });
  $("set-reach").addEventListener("change", renderReachOffer);
  $("set-password").addEventListener("input", renderReachOffer);
  $("reach-password-btn").addEventListener("click", () => {
    const input = $("set-password");
    input.value = newPassword();
    // Shown, so the person can copy it to the phone; Save applies it.
    input.type = "text";
    renderReachOffer();
    input.focus();
  });
  $("open-folder").addEventListener("click", async () => {
    try { await api("POST", "/v1/open-data-folder"); } catch (err) { banner(errorText(err)); }
  });
  $("logout-btn").addEventListener("click", () => {
    const demo = ui.status && ui.status.demo;
    $("confirm-title").textContent = demo ? "Leave the demo?" : "Log out?";
    $("confirm-text").textContent = demo
      ? "The demo world and its paired phones are forgotten."
      : "Paired phones stop working and the saved login is deleted from this computer.";
    $("confirm-ok").textContent = demo ? "Leave" : "Log out";
    $("confirm-dialog").showModal();
  });
  $("confirm-dialog").addEventListener("close", async () => {
    if ($("confirm-dialog").returnValue !== "ok") return;
    try {
      await api("POST", "/v1/logout");
      ui.tab = "home";
      $("connecting-text").textContent = "Logging out…";
    } catch (err) {
      banner(errorText(err));
    }
  });
}

async function startQr() {
  ui.lastStep = "qr";
  ui.login = { step: "qr" };
  renderLogin();
  try {
    ui.login = await api("POST", "/v1/login/qr");
  } catch (e) {
    ui.login = { step: "failed", error: errorText(e) };
  }
  renderLogin();
}

async function loginStep(e, buttonId, errorId, path, body) {
  e.preventDefault();
  setError(errorId, "");
  busy($(buttonId), true);
  try {
    ui.login = await api("POST", path, body);
    renderLogin();
    if (ui.login.step === "done") {
      ui.status = await api("GET", "/v1/status");
      refreshAll();
    }
  } catch (err) {
    setError(errorId, errorText(err));
  } finally {
    busy($(buttonId), false);
  }
}

// The event stream brings changes at once; this slow poll only catches one that was missed while
// the stream reconnected.
async function poll() {
  if (!ui.connected || (ui.screen !== "home" && ui.screen !== "settings")) return;
  try {
    ui.devices = await api("GET", "/v1/devices");
    renderDevices();
    ui.pairing = await api("GET", "/v1/pairing");
    renderPairing();
  } catch (_) { /* the stream's reconnect handles it */ }
}

async function start() {
  wire();
  setInterval(poll, 2000);
  show("connecting");
  try {
    await tauri.event.listen("control", (e) => onEvent(e.payload));
  } catch (e) {
    $("connecting-text").textContent = errorText(e);
  }
  await refreshAll();
}

start();
