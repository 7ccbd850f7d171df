// The session page's DOM: status line, video tiles, waiting room, participants, chat, notices.
// Every text comes from the translation catalog passed by the server (Vietnamese by default).

export class SessionUI {
  constructor(root, strings) {
    this.root = root;
    this.strings = strings;
    this.$ = (id) => document.getElementById(id);
    this.tiles = new Map();
    // Live connection indicator: session-quality.js grades each link every 5 s.
    document.addEventListener("vt:link-quality", (e) => this.linkQuality(e.detail.peerId, e.detail.level));
  }

  linkQuality(peerId, level) {
    const tile = this.tiles.get(peerId);
    if (!tile) return;
    if (!tile.link) {
      tile.link = document.createElement("span");
      tile.link.className = "link-quality";
      tile.link.setAttribute("role", "status");
      tile.figure.append(tile.link);
    }
    const labels = this.$("link-labels").dataset;
    tile.link.dataset.level = level;
    tile.link.textContent = `${labels.label}: ${labels[level]}`;
  }

  t(key, params = {}) {
    const text = this.strings[key] || key;
    return text.replace(/\{(\w+)\}/g, (_, name) => (name in params ? params[name] : `{${name}}`));
  }

  show(section) {
    for (const id of ["prejoin", "call", "final"]) this.$(id).hidden = id !== section;
  }

  status(key, params, kind = "ok") {
    const el = this.$("status");
    el.textContent = this.t(key, params);
    el.className = `notice ${kind}`;
    el.dataset.key = key;
  }

  prejoinError(key, params) {
    const el = this.$("prejoin-error");
    el.textContent = key ? this.t(key, params) : "";
    el.hidden = !key;
  }

  final(key, message) {
    this.show("final");
    this.$("final-message").textContent = message || this.t(key);
    this.$("final-message").dataset.key = key;
  }

  fillDevices(select, devices, chosen) {
    select.replaceChildren();
    devices.forEach((d, i) => {
      const option = document.createElement("option");
      option.value = d.deviceId;
      option.textContent = d.label || `${select.dataset.label} ${i + 1}`;
      option.selected = d.deviceId === chosen;
      select.append(option);
    });
    if (!devices.length) {
      const option = document.createElement("option");
      option.value = "";
      option.textContent = this.t("page.no_device");
      select.append(option);
    }
  }

  tile(peerId, name) {
    let tile = this.tiles.get(peerId);
    if (tile) return tile;
    const figure = document.createElement("figure");
    figure.className = "tile";
    figure.dataset.peer = peerId;
    const video = document.createElement("video");
    video.autoplay = true;
    video.playsInline = true;
    const caption = document.createElement("figcaption");
    const label = document.createElement("span");
    label.textContent = name;
    const state = document.createElement("span");
    state.className = "tile-state";
    caption.append(label, state);
    figure.append(video, caption);
    this.$("tiles").append(figure);
    tile = { figure, video, state };
    this.tiles.set(peerId, tile);
    return tile;
  }

  attachStream(peerId, name, stream) {
    const tile = this.tile(peerId, name);
    if (tile.video.srcObject !== stream) tile.video.srcObject = stream;
    tile.video.play().catch(() => {});
  }

  tileState(peerId, key) {
    const tile = this.tiles.get(peerId);
    if (!tile) return;
    tile.state.textContent = key ? ` · ${this.t(key)}` : "";
    tile.figure.dataset.state = key || "";
  }

  removeTile(peerId) {
    const tile = this.tiles.get(peerId);
    if (tile) tile.figure.remove();
    this.tiles.delete(peerId);
  }

  participants(peers) {
    const list = this.$("participants");
    list.replaceChildren();
    for (const peer of peers) {
      const item = document.createElement("li");
      item.textContent = `${peer.display_name} (${this.t(`page.role_${peer.role}`)})`;
      list.append(item);
    }
  }

  waiting(peers, onAdmit, onDeny) {
    const list = this.$("waiting-list");
    list.replaceChildren();
    this.$("waiting-empty").hidden = peers.length > 0;
    for (const peer of peers) {
      const item = document.createElement("li");
      item.dataset.peer = peer.peer_id;
      const name = document.createElement("span");
      name.textContent = peer.display_name;
      const admit = document.createElement("button");
      admit.className = "small";
      admit.textContent = this.t("page.admit");
      admit.addEventListener("click", () => onAdmit(peer));
      const deny = document.createElement("button");
      deny.className = "small secondary";
      deny.textContent = this.t("page.deny");
      deny.addEventListener("click", () => onDeny(peer));
      item.append(name, " ", admit, " ", deny);
      list.append(item);
    }
  }

  chatLine({ name, text, ts, mine }) {
    const item = document.createElement("li");
    item.className = mine ? "mine" : "";
    const who = document.createElement("strong");
    who.textContent = mine ? this.t("client.you") : name;
    const time = document.createElement("time");
    const at = new Date(ts);
    time.dateTime = at.toISOString();
    time.textContent = at.toLocaleTimeString("vi-VN", { hour: "2-digit", minute: "2-digit", timeZone: "Asia/Ho_Chi_Minh" });
    const body = document.createElement("p");
    body.textContent = text;
    item.append(who, " ", time, body);
    const list = this.$("chat-list");
    list.append(item);
    list.scrollTop = list.scrollHeight;
  }

  toast(key, params, kind = "ok") {
    const el = this.$("toast");
    el.textContent = this.t(key, params);
    el.className = `notice ${kind}`;
    el.hidden = false;
    clearTimeout(this.toastTimer);
    this.toastTimer = setTimeout(() => (el.hidden = true), 6000);
  }

  proposeAudioOnly(onAccept, onDecline) {
    const box = this.$("poor-link");
    box.hidden = false;
    this.$("poor-link-accept").onclick = () => {
      box.hidden = true;
      onAccept();
    };
    this.$("poor-link-decline").onclick = () => {
      box.hidden = true;
      onDecline();
    };
  }

  toggle(id, pressed, onKey, offKey) {
    const button = this.$(id);
    button.setAttribute("aria-pressed", String(pressed));
    button.textContent = this.t(pressed ? onKey : offKey);
  }
}
