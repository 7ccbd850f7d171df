// Connection check: a WebRTC connection to the server's probe peer, then delay, loss,
// upload, download and media echo are measured; the server stores them and gives the
// verdict. Wire format: docs/connection-check.md. No external libraries.
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("cc-config").textContent);
  const csrfToken = document.querySelector('meta[name="csrf-token"]').content;
  const $ = (id) => document.getElementById(id);
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const number = new Intl.NumberFormat(config.lang === "en" ? "en-GB" : "vi-VN", {
    maximumFractionDigits: 1,
  });
  // Keep the browser's send queue short: on a slow link a long queue outlives the burst.
  const HIGH_WATER = 64 * 1024;
  const CHUNK = new Uint8Array(16 * 1024);

  function t(key, params) {
    let text = config.messages["connectivity." + key] || key;
    for (const [name, value] of Object.entries(params || {})) {
      text = text.replace("{" + name + "}", value);
    }
    return text;
  }

  // An expected way for a check to end early: `problem` names the message shown,
  // `failure` (if any) is reported to the server so the station's history shows it.
  class CheckFailed extends Error {
    constructor(problem, failure, params, serverMessage) {
      super(problem);
      this.problem = problem;
      this.failure = failure || null;
      this.params = params || {};
      this.serverMessage = serverMessage || null;
    }
  }

  function showProblem(text, kind) {
    const notice = document.createElement("div");
    notice.className = "notice " + (kind || "error");
    notice.setAttribute("role", kind === "warn" ? "status" : "alert");
    notice.textContent = text;
    $("cc-problems").appendChild(notice);
  }

  function progress(step, fraction) {
    $("cc-progress").hidden = false;
    $("cc-step").textContent = t("steps." + step);
    $("cc-bar").value = Math.round(fraction * 100);
  }

  // -- media ------------------------------------------------------------------------

  async function openMedia() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return null;
    // A small, slow video track: the server re-encodes what it echoes, and that costs
    // CPU per pixel; 320x240 at 10 fps is enough to prove the path works.
    const video = { width: { ideal: 320 }, height: { ideal: 240 }, frameRate: { ideal: 10, max: 15 } };
    try {
      return await navigator.mediaDevices.getUserMedia({ audio: true, video: video });
    } catch (error) {
      try {
        return await navigator.mediaDevices.getUserMedia({ audio: true });
      } catch (audioError) {
        return null;
      }
    }
  }

  async function mediaFigures(pc, stream) {
    const figures = {
      audio_sent: !!stream && stream.getAudioTracks().length > 0,
      video_sent: !!stream && stream.getVideoTracks().length > 0,
      echo_audio_packets: 0,
      echo_video_frames: 0,
      media_rtt_ms: null,
      media_loss_percent: null,
    };
    if (!stream) return figures;
    let received = 0;
    let lost = 0;
    (await pc.getStats()).forEach((s) => {
      if (s.type === "inbound-rtp") {
        if (s.kind === "audio") figures.echo_audio_packets += s.packetsReceived || 0;
        if (s.kind === "video") figures.echo_video_frames += s.framesDecoded || 0;
        received += s.packetsReceived || 0;
        lost += Math.max(0, s.packetsLost || 0);
      } else if (s.type === "remote-inbound-rtp" && typeof s.roundTripTime === "number") {
        figures.media_rtt_ms = Math.max(figures.media_rtt_ms || 0, s.roundTripTime * 1000);
      }
    });
    if (received + lost > 0) figures.media_loss_percent = (lost / (received + lost)) * 100;
    return figures;
  }

  // -- signalling over HTTP ---------------------------------------------------------

  async function postJSON(url, body) {
    let response;
    try {
      response = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRF-Token": csrfToken,
        },
        body: JSON.stringify(body),
      });
    } catch (error) {
      throw new CheckFailed("unreachable");
    }
    if (response.status === 401) throw new CheckFailed("login");
    if (response.status === 429) {
      const seconds = response.headers.get("Retry-After") || "30";
      throw new CheckFailed("busy", null, { seconds: seconds });
    }
    if (!response.ok) {
      let message = null;
      try {
        message = (await response.json()).error.message;
      } catch (error) {
        message = null;
      }
      throw new CheckFailed("generic", null, null, message);
    }
    return response.json();
  }

  function gatheringComplete(pc, timeoutMs) {
    // The server does not trickle: the offer goes out with every candidate, or with
    // what we have once a slow STUN server has had its chance.
    return new Promise((resolve) => {
      if (pc.iceGatheringState === "complete") return resolve();
      const done = () => {
        clearTimeout(timer);
        pc.removeEventListener("icegatheringstatechange", check);
        resolve();
      };
      const check = () => {
        if (pc.iceGatheringState === "complete") done();
      };
      const timer = setTimeout(done, timeoutMs);
      pc.addEventListener("icegatheringstatechange", check);
    });
  }

  function channelsOpen(pc, channels, timeoutMs) {
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (failure) => {
        if (settled) return;
        settled = true;
        reject(new CheckFailed(failure, failure));
      };
      const timer = setTimeout(() => {
        fail(pc.connectionState === "connected" ? "channel_failed" : "ice_failed");
      }, timeoutMs);
      pc.addEventListener("connectionstatechange", () => {
        if (pc.connectionState === "failed") {
          clearTimeout(timer);
          fail("ice_failed");
        }
      });
      const opened = () => {
        if (!settled && channels.every((c) => c.readyState === "open")) {
          settled = true;
          clearTimeout(timer);
          resolve();
        }
      };
      channels.forEach((c) => c.addEventListener("open", opened));
      opened();
    });
  }

  // -- measurements -------------------------------------------------------------------

  function percentile(sorted, p) {
    if (!sorted.length) return null;
    const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
    return sorted[Math.max(0, index)];
  }

  async function measurePings(channel, onProgress) {
    const sentAt = new Map();
    const rtts = new Map();
    channel.onmessage = (event) => {
      try {
        const seq = JSON.parse(event.data).seq;
        if (sentAt.has(seq) && !rtts.has(seq)) rtts.set(seq, performance.now() - sentAt.get(seq));
      } catch (error) {
        // Not a pong: ignore it.
      }
    };
    for (let seq = 0; seq < config.ping_count; seq++) {
      const now = performance.now();
      sentAt.set(seq, now);
      channel.send(JSON.stringify({ seq: seq, t: now }));
      onProgress(seq / config.ping_count);
      await sleep(config.ping_interval_ms);
    }
    // Late pongs still count as delivered; after this they count as lost.
    await sleep(1500);
    const sorted = Array.from(rtts.values()).sort((a, b) => a - b);
    return {
      sent: config.ping_count,
      received: sorted.length,
      median: percentile(sorted, 50),
      p95: percentile(sorted, 95),
    };
  }

  // The bulk channel carries binary data both ways and a few JSON control messages.
  function bulkReader(channel) {
    const reader = { bytes: 0, lastAt: null, waiters: {} };
    channel.binaryType = "arraybuffer";
    channel.onmessage = (event) => {
      if (typeof event.data === "string") {
        let message;
        try {
          message = JSON.parse(event.data);
        } catch (error) {
          return;
        }
        const waiter = reader.waiters[message.type];
        if (waiter) {
          delete reader.waiters[message.type];
          waiter(message);
        }
      } else {
        reader.bytes += event.data.byteLength;
        reader.lastAt = performance.now();
      }
    };
    reader.expect = (type, timeoutMs) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          delete reader.waiters[type];
          reject(new CheckFailed("timeout", "timeout"));
        }, timeoutMs);
        reader.waiters[type] = (message) => {
          clearTimeout(timer);
          resolve(message);
        };
      });
    return reader;
  }

  function drained(channel) {
    return new Promise((resolve) => {
      const timer = setTimeout(finish, 250);
      function finish() {
        clearTimeout(timer);
        channel.removeEventListener("bufferedamountlow", finish);
        resolve();
      }
      channel.addEventListener("bufferedamountlow", finish);
    });
  }

  async function measureUpload(channel, reader, onProgress) {
    channel.bufferedAmountLowThreshold = HIGH_WATER / 2;
    const started = performance.now();
    let sent = 0;
    while (sent < config.burst_bytes && performance.now() - started < config.burst_ms) {
      if (channel.bufferedAmount > HIGH_WATER) {
        await drained(channel);
        continue;
      }
      channel.send(CHUNK);
      sent += CHUNK.byteLength;
      onProgress(Math.max(sent / config.burst_bytes, (performance.now() - started) / config.burst_ms));
    }
    const result = reader.expect("upload-result", config.burst_ms + 15000);
    channel.send(JSON.stringify({ type: "upload-end" }));
    const answer = await result;
    // bits per millisecond is kbit/s
    return answer.ms > 0 ? (answer.bytes * 8) / answer.ms : null;
  }

  async function measureDownload(channel, reader, onProgress) {
    reader.bytes = 0;
    reader.lastAt = null;
    const started = performance.now();
    const ticker = setInterval(() => {
      onProgress(Math.min(1, (performance.now() - started) / config.burst_ms));
    }, 200);
    try {
      const end = reader.expect("download-end", config.burst_ms + 15000);
      channel.send(JSON.stringify({ type: "download", bytes: config.burst_bytes, ms: config.burst_ms }));
      await end;
    } finally {
      clearInterval(ticker);
    }
    const elapsed = (reader.lastAt || performance.now()) - started;
    return elapsed > 0 && reader.bytes > 0 ? (reader.bytes * 8) / elapsed : null;
  }

  // -- the check ----------------------------------------------------------------------

  function format(key, value) {
    return value === null || value === undefined ? t("figures.unknown") : t("figures." + key, { value: number.format(value) });
  }

  function showResult(check, media) {
    const verdict = check.verdict;
    $("cc-verdict").dataset.verdict = verdict;
    $("cc-verdict-title").textContent = t("verdict." + verdict + ".title");
    $("cc-verdict-advice").textContent = t("verdict." + verdict + ".advice");
    $("cc-rtt").textContent = format("ms", check.rtt_ms === null ? null : Math.round(check.rtt_ms));
    $("cc-loss").textContent = format("percent", check.loss_percent);
    $("cc-bitrate").textContent = format("kbps", check.bitrate_kbps === null ? null : Math.round(check.bitrate_kbps));
    $("cc-upload").textContent = format("kbps", check.upload_kbps === null ? null : Math.round(check.upload_kbps));
    $("cc-download").textContent = format("kbps", check.download_kbps === null ? null : Math.round(check.download_kbps));
    let echo = "echo_not_tested";
    if (media && (media.audio_sent || media.video_sent)) {
      if (media.echo_video_frames > 0) echo = "echo_ok";
      else if (media.echo_audio_packets > 0) echo = media.video_sent ? "echo_audio_only" : "echo_ok";
      else echo = "echo_none";
    }
    $("cc-echo-status").textContent = t("figures." + echo);
    $("cc-result").hidden = false;
  }

  async function report(checkId, body) {
    return postJSON(config.result_url.replace("{check_id}", checkId), body);
  }

  async function runCheck() {
    if (typeof RTCPeerConnection === "undefined") throw new CheckFailed("unsupported");
    progress("media", 0.02);
    const stream = await openMedia();
    if (!stream) showProblem(t("problems.no_media"), "warn");

    const pc = new RTCPeerConnection({ iceServers: config.ice_servers });
    let checkId = null;
    let media = null;
    try {
      // Unordered and never retransmitted: a lost packet is a lost ping, which is loss.
      const pingChannel = pc.createDataChannel("probe-ping", { ordered: false, maxRetransmits: 0 });
      const bulkChannel = pc.createDataChannel("probe-bulk");
      const reader = bulkReader(bulkChannel);
      if (stream) stream.getTracks().forEach((track) => pc.addTrack(track, stream));
      pc.addEventListener("track", (event) => {
        // Only the picture is shown; playing our own sound back would howl.
        if (event.track.kind === "video") {
          $("cc-echo-video").srcObject = new MediaStream([event.track]);
          $("cc-echo").hidden = false;
        }
      });

      progress("connect", 0.05);
      await pc.setLocalDescription(await pc.createOffer());
      await gatheringComplete(pc, config.gather_timeout_ms);
      const answer = await postJSON(config.offer_url, { type: "offer", sdp: pc.localDescription.sdp });
      checkId = answer.check_id;
      await pc.setRemoteDescription({ type: "answer", sdp: answer.sdp });
      await channelsOpen(pc, [pingChannel, bulkChannel], config.connect_timeout_ms);

      const pings = await measurePings(pingChannel, (f) => progress("ping", 0.1 + 0.4 * f));
      const upload = await measureUpload(bulkChannel, reader, (f) => progress("upload", 0.5 + 0.2 * Math.min(1, f)));
      const download = await measureDownload(bulkChannel, reader, (f) => progress("download", 0.7 + 0.2 * f));
      media = await mediaFigures(pc, stream);

      progress("save", 0.95);
      const check = await report(checkId, {
        pings_sent: pings.sent,
        pings_received: pings.received,
        rtt_ms: pings.median,
        rtt_p95_ms: pings.p95,
        upload_kbps: upload,
        download_kbps: download,
        media: media,
      });
      progress("done", 1);
      showResult(check, media);
    } catch (error) {
      // A check that got as far as the server is recorded, failure included, so the
      // station's history shows it; the verdict is then "not usable".
      // Anything unexpected once connected (a channel closed under us) is a channel failure.
      const failure = error instanceof CheckFailed ? error.failure : "channel_failed";
      if (checkId && failure) {
        try {
          const check = await report(checkId, { pings_sent: 0, pings_received: 0, failure: failure, media: media });
          showResult(check, media);
        } catch (reportError) {
          // The original problem is the one worth showing.
        }
      }
      throw error;
    } finally {
      pc.close();
      if (stream) stream.getTracks().forEach((track) => track.stop());
      // The echo preview only means something while media flows; a black box would not.
      $("cc-echo").hidden = true;
      $("cc-echo-video").srcObject = null;
    }
  }

  const button = $("cc-start");
  button.addEventListener("click", async () => {
    button.disabled = true;
    $("cc-problems").replaceChildren();
    $("cc-result").hidden = true;
    $("cc-echo").hidden = true;
    try {
      await runCheck();
    } catch (error) {
      $("cc-progress").hidden = true;
      if (error instanceof CheckFailed) {
        const own = t("problems." + error.problem, error.params);
        showProblem(error.problem === "generic" && error.serverMessage ? error.serverMessage : own);
      } else {
        showProblem(t("problems.generic"));
      }
    } finally {
      button.disabled = false;
      button.textContent = button.dataset.again;
    }
  });
})();
