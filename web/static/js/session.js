// The live session page: pre-join device check, then the call (signaling + mesh + chat).
import { LocalMedia, MediaError } from "./session-media.js";
import { PeerLink } from "./session-peers.js";
import { wireControls } from "./session-controls.js";
import { QualityMonitor } from "./session-quality.js";
import { SignalingChannel } from "./session-signaling.js";
import { SessionUI } from "./session-ui.js";

const config = JSON.parse(document.getElementById("session-config").textContent);
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const ui = new SessionUI(document.getElementById("session"), config.strings);
const media = new LocalMedia();
const links = new Map(); // peer_id -> PeerLink
const peers = new Map(); // peer_id -> Peer (admitted, visible to us)
const waiting = new Map(); // peer_id -> Peer (hosts only)
const pendingEvents = []; // events from before we joined (a device error on the pre-join screen)
let signaling = null;
let iceServers = [];
let myState = "idle";
const quality = new QualityMonitor({ links, media, send: (m) => signaling && signaling.send(m) });

function sendEvent(name, detail = {}) {
  if (!signaling || !signaling.send({ type: "event", name, detail })) pendingEvents.push({ name, detail });
}

// Pre-join ---------------------------------------------------------------------------

async function refreshDevices() {
  const { cameras, mics } = await LocalMedia.devices();
  ui.fillDevices(ui.$("camera-select"), cameras, ui.$("camera-select").value);
  ui.fillDevices(ui.$("mic-select"), mics, ui.$("mic-select").value);
}

async function preview(audioOnly = false) {
  ui.prejoinError(null);
  try {
    await media.open({ cameraId: ui.$("camera-select").value, micId: ui.$("mic-select").value, audioOnly });
    ui.$("self-preview").srcObject = media.stream;
    ui.$("join").disabled = false;
    await refreshDevices();
    return true;
  } catch (err) {
    const code = err instanceof MediaError ? err.code : "device_error";
    ui.prejoinError(`client.${code}`, { detail: err.detail || String(err) });
    sendEvent("device-error", { code, detail: err.detail || String(err) });
    return false;
  }
}

media.addEventListener("device-error", (e) => {
  ui.prejoinError(`client.${e.detail.code}`, { detail: e.detail.detail });
  sendEvent("device-error", e.detail);
});
media.addEventListener("changed", () => {
  ui.$("self-view").srcObject = media.stream;
  for (const link of links.values()) link.updateMedia();
});
media.addEventListener("screen-share-ended", () => {
  ui.toggle("share", false, "page.stop_share", "page.share_screen");
  sendEvent("screen-share-off");
});

// Peers ------------------------------------------------------------------------------

function link(peer, initiator) {
  if (links.has(peer.peer_id)) return links.get(peer.peer_id);
  const l = new PeerLink({
    localPeerId: signaling.peerId, remote: peer, iceServers, media, initiator,
    send: (m) => signaling.send(m),
  });
  l.addEventListener("track", (e) => ui.attachStream(peer.peer_id, peer.display_name, e.detail.stream));
  l.addEventListener("state", (e) => onLinkState(peer, e.detail.state));
  l.addEventListener("ice-restart", () => sendEvent("ice-restart", { remote_peer_id: peer.peer_id }));
  l.addEventListener("error", (e) => console.warn("peer link", peer.peer_id, e.detail.err));
  links.set(peer.peer_id, l);
  ui.tile(peer.peer_id, peer.display_name);
  ui.tileState(peer.peer_id, "client.media_connecting");
  return l;
}

function onLinkState(peer, state) {
  const keys = { connected: "client.media_connected", disconnected: "client.media_reconnecting",
    failed: "client.media_failed", connecting: "client.media_connecting", new: "client.media_connecting" };
  ui.tileState(peer.peer_id, keys[state] || null);
  if (["connected", "disconnected", "failed"].includes(state)) sendEvent(state, { remote_peer_id: peer.peer_id });
  if (state === "connected") ui.status("client.connected");
}

function dropPeer(peerId) {
  const l = links.get(peerId);
  if (l) l.close();
  links.delete(peerId);
  peers.delete(peerId);
  ui.removeTile(peerId);
  ui.participants([...peers.values()]);
}

function renderWaiting() {
  if (config.role !== "host") return;
  ui.waiting([...waiting.values()],
    (p) => signaling.send({ type: "admit", peer_id: p.peer_id }),
    (p) => signaling.send({ type: "deny", peer_id: p.peer_id }));
}

function enterRoom(peerList) {
  myState = "admitted";
  ui.$("chat-input").disabled = false;
  // We are the newcomer: we offer to everyone already here (contract §4).
  for (const peer of peerList) {
    peers.set(peer.peer_id, peer);
    link(peer, true);
  }
  ui.participants([...peers.values()]);
  ui.status(peerList.length ? "client.connecting" : "client.alone");
  quality.start();
}

// Signaling --------------------------------------------------------------------------

function onWelcome({ message, resumed, reconnect }) {
  iceServers = message.ice_servers || [];
  while (pendingEvents.length) {
    const e = pendingEvents.shift();
    signaling.send({ type: "event", name: e.name, detail: e.detail });
  }
  if (resumed) {
    sendEvent("reconnected", {});
    ui.status("client.reconnected");
    const present = new Set(message.peers.map((p) => p.peer_id));
    for (const id of [...links.keys()]) if (!present.has(id)) dropPeer(id);
    for (const peer of message.peers) {
      peers.set(peer.peer_id, peer);
      const existing = links.get(peer.peer_id);
      if (existing) existing.restartIce();
      else link(peer, true);
    }
    ui.participants([...peers.values()]);
    return;
  }
  if (reconnect) for (const id of [...links.keys()]) dropPeer(id); // grace over: a fresh start
  ui.show("call");
  if (message.state === "waiting") {
    myState = "waiting";
    ui.$("chat-input").disabled = true;
    ui.status("client.waiting", {}, "warn");
    return;
  }
  enterRoom(message.peers);
}

const handlers = {
  admitted(m) {
    ui.toast("client.admitted");
    enterRoom(m.peers);
  },
  waiting(m) {
    waiting.set(m.peer.peer_id, m.peer);
    renderWaiting();
    ui.toast("client.someone_waiting", { name: m.peer.display_name }, "warn");
  },
  "peer-joined"(m) {
    waiting.delete(m.peer.peer_id);
    renderWaiting();
    peers.set(m.peer.peer_id, m.peer);
    link(m.peer, false); // the newcomer will offer
    ui.participants([...peers.values()]);
    ui.toast("client.peer_joined", { name: m.peer.display_name });
  },
  "peer-left"(m) {
    const who = peers.get(m.peer_id) || waiting.get(m.peer_id);
    waiting.delete(m.peer_id);
    renderWaiting();
    if (!peers.has(m.peer_id)) return;
    dropPeer(m.peer_id);
    const key = m.reason === "timeout" ? "client.peer_gone" : "client.peer_left";
    if (m.reason !== "ended") ui.toast(key, { name: who.display_name }, m.reason === "timeout" ? "warn" : "ok");
    if (!peers.size) ui.status("client.alone");
  },
  "peer-reconnected"(m) {
    const who = peers.get(m.peer_id);
    if (who) ui.toast("client.peer_reconnected", { name: who.display_name });
    const l = links.get(m.peer_id);
    if (l) l.resendPendingOffer();
  },
  signal(m) {
    const l = links.get(m.from);
    if (l) l.handleSignal(m.data);
  },
  chat(m) {
    const who = peers.get(m.from);
    const mine = m.from === signaling.peerId;
    ui.chatLine({ name: who ? who.display_name : "?", text: m.text, ts: m.ts, mine });
  },
  error(m) {
    if (m.id && m.id.startsWith("m") && m.code === "unavailable") ui.toast("client.chat_failed", {}, "error");
    else if (m.code === "rate_limited") ui.toast("client.rate_limited", {}, "warn");
  },
};

function startSignaling() {
  signaling = new SignalingChannel({ room: config.room, tokenUrl: config.token_url, csrfToken: csrf });
  signaling.addEventListener("welcome", (e) => onWelcome(e.detail));
  signaling.addEventListener("message", (e) => {
    const handler = handlers[e.detail.type];
    if (handler) handler(e.detail);
  });
  signaling.addEventListener("reconnecting", () => {
    ui.status("client.reconnecting", {}, "warn");
    for (const id of links.keys()) ui.tileState(id, "client.media_reconnecting");
  });
  signaling.addEventListener("unreachable", () => {
    if (myState === "idle") ui.prejoinError("client.server_unreachable");
    else ui.status("client.server_unreachable", {}, "error");
  });
  signaling.addEventListener("closed", (e) => {
    quality.stop();
    for (const id of [...links.keys()]) dropPeer(id);
    media.release();
    myState = "closed";
    ui.final(`client.${e.detail.reason}`, e.detail.reason === "room_closed" ? e.detail.message : null);
  });
  ui.status("client.connecting");
  signaling.connect();
}

quality.addEventListener("poor-link", () => {
  ui.proposeAudioOnly(() => setAudioOnly(true), () => quality.dismiss());
});

async function setAudioOnly(on) {
  try {
    await media.setAudioOnly(on, ui.$("camera-select").value);
  } catch (err) {
    ui.toast(`client.${err.code || "device_error"}`, { detail: err.detail || "" }, "error");
    return;
  }
  ui.toggle("audio-only", on, "page.video_back", "page.audio_only");
  sendEvent(on ? "audio-only-on" : "audio-only-off");
  if (on) ui.toast("client.audio_only_on");
}

wireControls({ ui, media, config, preview, refreshDevices, startSignaling, setAudioOnly, sendEvent,
  loadHistory, getSignaling: () => signaling });

async function loadHistory() {
  try {
    const response = await fetch(`${config.chat_url}?room=${encodeURIComponent(config.room)}`, { credentials: "same-origin" });
    if (!response.ok) throw new Error(String(response.status));
    for (const line of (await response.json()).lines) {
      ui.chatLine({ name: line.display_name, text: line.text, ts: line.sent_at, mine: line.user_id === config.user_id });
    }
  } catch (err) {
    ui.toast("client.load_history_failed", {}, "warn");
  }
}

// Diagnostics for tests and support staff: no secrets, only connection facts.
window.vtSession = {
  get state() { return myState; },
  get peerId() { return signaling ? signaling.peerId : null; },
  get signalingState() { return signaling ? signaling.state : "idle"; },
  connectionStates: () => Object.fromEntries([...links].map(([id, l]) => [id, l.pc.connectionState])),
  framesDecoded: async () => {
    const counts = await Promise.all([...links.values()].map((l) => l.inboundVideo()));
    return counts.reduce((a, b) => a + b, 0);
  },
  dropSocket: () => signaling && signaling.simulateDrop(),
};
