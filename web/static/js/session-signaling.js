// Signaling v1 client: join token, WebSocket, hello/resume, keepalive and automatic reconnect.
// Emits: welcome, message, reconnecting, unreachable, closed (final, with a reason code).

const RESUME_GRACE_MS = 30000; // the server keeps our peer_id this long after a drop
const PING_EVERY_MS = 10000;
const SILENCE_LIMIT_MS = 25000; // no frame at all for this long: the socket is dead
const MAX_BACKOFF_MS = 8000;

export class SessionError extends Error {
  constructor(code, message) {
    super(message || code);
    this.code = code;
  }
}

// Final close codes of the contract and what the user is told; anything else reconnects.
function finalReason(code, reason) {
  if (code === 1000) return reason === "left" ? "left" : "room_ended";
  if (code === 4401) return "token_expired";
  if (code === 4403) return reason === "denied" ? "denied" : reason === "room full" ? "room_full" : "forbidden";
  if (code === 4404) return "room_closed";
  if (code === 4409) return "replaced";
  return null;
}

export class SignalingChannel extends EventTarget {
  constructor({ room, tokenUrl, csrfToken }) {
    super();
    this.room = room;
    this.tokenUrl = tokenUrl;
    this.csrfToken = csrfToken;
    this.ws = null;
    this.peerId = null;
    this.ticket = null;
    this.state = "idle"; // idle | connecting | open | reconnecting | closed
    this.lostAt = null;
    this.attempt = 0;
    this.leaving = false;
    this.seq = 0;
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  // A fresh join token from the platform; typed failures for the page to explain.
  async fetchTicket() {
    let response;
    try {
      response = await fetch(this.tokenUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": this.csrfToken },
        body: JSON.stringify({ room: this.room }),
      });
    } catch (err) {
      throw new SessionError("server_unreachable", String(err));
    }
    if (response.ok) return response.json();
    let message = "";
    try {
      message = (await response.json()).error.message;
    } catch (err) {
      message = "";
    }
    if (response.status === 401 || response.status === 403) throw new SessionError("token_expired", message);
    if (response.status === 404) throw new SessionError("forbidden", message);
    if (response.status === 409 || response.status === 410) throw new SessionError("room_closed", message);
    throw new SessionError("server_unreachable", message);
  }

  async connect() {
    this.state = this.peerId ? "reconnecting" : "connecting";
    try {
      this.ticket = await this.fetchTicket();
    } catch (err) {
      if (err.code === "server_unreachable") return this.retryLater();
      return this.finish(err.code, err.message);
    }
    const url = this.ticket.ws_url.startsWith("/")
      ? `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}${this.ticket.ws_url}`
      : this.ticket.ws_url;
    const ws = new WebSocket(url);
    this.ws = ws;
    const resume = this.peerId && this.lostAt && Date.now() - this.lostAt < RESUME_GRACE_MS ? this.peerId : null;
    ws.onopen = () => {
      const hello = { type: "hello", token: this.ticket.token };
      if (resume) hello.resume = resume;
      ws.send(JSON.stringify(hello));
    };
    ws.onmessage = (event) => this.onFrame(ws, event, resume);
    ws.onclose = (event) => this.onClose(ws, event);
  }

  onFrame(ws, event, resume) {
    if (ws !== this.ws) return;
    this.lastFrameAt = Date.now();
    let message;
    try {
      message = JSON.parse(event.data);
    } catch (err) {
      return;
    }
    if (message.type === "welcome") {
      const resumed = Boolean(resume) && message.peer_id === resume;
      this.peerId = message.peer_id;
      this.state = "open";
      this.attempt = 0;
      this.lostAt = null;
      this.startKeepalive();
      this.emit("welcome", { message, resumed, reconnect: Boolean(resume) || this.everOpen === true });
      this.everOpen = true;
      return;
    }
    this.emit("message", message);
  }

  onClose(ws, event) {
    if (ws !== this.ws) return;
    this.stopKeepalive();
    this.ws = null;
    if (this.leaving) return this.finish("left");
    const reason = finalReason(event.code, event.reason);
    if (reason === "token_expired" && this.everOpen && this.attempt === 0) {
      // Our resume token may have aged out while the network was down: one retry fetches a new one.
      return this.retryLater();
    }
    if (reason) return this.finish(reason);
    if (this.lostAt === null) this.lostAt = Date.now();
    this.retryLater();
  }

  retryLater() {
    this.state = "reconnecting";
    this.attempt += 1;
    this.emit(this.attempt > 2 || !this.everOpen ? "unreachable" : "reconnecting", { attempt: this.attempt });
    const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** (this.attempt - 1));
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  finish(reason, message) {
    this.state = "closed";
    clearTimeout(this.retryTimer);
    this.stopKeepalive();
    this.emit("closed", { reason, message });
  }

  startKeepalive() {
    this.stopKeepalive();
    this.lastFrameAt = Date.now();
    this.keepalive = setInterval(() => {
      if (!this.ws) return;
      if (Date.now() - this.lastFrameAt > SILENCE_LIMIT_MS) {
        // The socket looks open but nothing arrives (e.g. Wi-Fi switched): drop and resume.
        const dead = this.ws;
        this.onClose(dead, { code: 1006, reason: "silent" });
        dead.close();
        return;
      }
      this.send({ type: "ping", ts: Date.now() });
    }, PING_EVERY_MS);
  }

  stopKeepalive() {
    clearInterval(this.keepalive);
  }

  // Sends when the socket is open; returns the message id (or null when it could not send).
  send(message) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return null;
    if (!message.id && ["chat", "admit", "deny", "end"].includes(message.type)) {
      this.seq += 1;
      message.id = `m${this.seq}`;
    }
    this.ws.send(JSON.stringify(message));
    return message.id || null;
  }

  leave() {
    this.leaving = true;
    if (!this.send({ type: "leave" })) this.finish("left");
  }

  end() {
    this.send({ type: "end" });
  }

  // Tests and diagnostics: drop the socket as a network failure would.
  simulateDrop() {
    if (this.ws) this.ws.close(4000, "simulated drop");
  }
}
