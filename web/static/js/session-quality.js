// Link quality: a stats sample per remote peer every 5 s (sent to signaling, stored by the
// platform), and the "poor link" judgement that makes the page propose audio-only.

const SAMPLE_EVERY_MS = 5000;
const POOR_LOSS = 0.08; // more than 8% of packets lost in an interval
const POOR_BITRATE_KBPS = 120; // video arriving slower than this is a slideshow
const POOR_RTT_MS = 300;
const POOR_INTERVALS = 2; // judged poor for this many intervals in a row (10 s)
const ASK_AGAIN_AFTER_MS = 120000;

// The live connection indicator grades each link like the server grades a session
// (telehealth/quality/emodel.py): the ITU-T G.107 E-model for the audio path, R >= 80 good,
// R >= 70 fair, below that poor; a video slideshow (isPoor below) is poor too.
function rFactor(rttMs, jitterMs, lossPercent) {
  const ta = rttMs / 2 + 2 * jitterMs + 26.5; // one-way: half the RTT, jitter buffer, Opus
  let idd = 0;
  if (ta > 100) {
    const x = Math.log2(ta / 100);
    idd = 25 * (Math.pow(1 + x ** 6, 1 / 6) - 3 * Math.pow(1 + (x / 3) ** 6, 1 / 6) + 2);
  }
  const ppl = Math.min(100, Math.max(0, lossPercent));
  const ieEff = (95 * ppl) / (ppl + 25.1); // Opus: Ie 0, Bpl 25.1, random loss
  return 93.2 - idd - ieEff;
}

export function linkLevel(sample, lossRate, poorVideo) {
  const r = rFactor(sample.rtt_ms || 0, sample.jitter_ms || 0, lossRate * 100);
  if (poorVideo || r < 70) return "poor";
  return r < 80 ? "fair" : "good";
}

function summarise(report, previous, elapsedS) {
  const s = { packets_lost: 0, packets_received: 0, frames_decoded: 0, frames_dropped: 0, freeze_count: 0 };
  let bytesIn = 0;
  let bytesOut = 0;
  let jitter = null;
  report.forEach((r) => {
    if (r.type === "inbound-rtp") {
      s.packets_lost += r.packetsLost || 0;
      s.packets_received += r.packetsReceived || 0;
      bytesIn += r.bytesReceived || 0;
      if (typeof r.jitter === "number") jitter = Math.max(jitter || 0, r.jitter * 1000);
      if (r.kind === "video") {
        s.frames_decoded += r.framesDecoded || 0;
        s.frames_dropped += r.framesDropped || 0;
        s.freeze_count += r.freezeCount || 0;
        if (typeof r.totalFreezesDuration === "number") {
          s.freeze_duration_ms = (s.freeze_duration_ms || 0) + Math.round(r.totalFreezesDuration * 1000);
        }
        if (r.frameWidth) s.frame_width = r.frameWidth;
        if (r.frameHeight) s.frame_height = r.frameHeight;
      }
    } else if (r.type === "outbound-rtp") {
      bytesOut += r.bytesSent || 0;
    } else if (r.type === "candidate-pair" && r.nominated && r.state === "succeeded") {
      if (typeof r.currentRoundTripTime === "number") s.rtt_ms = Math.round(r.currentRoundTripTime * 1000);
    }
  });
  if (jitter !== null) s.jitter_ms = Math.round(jitter * 10) / 10;
  if (previous && elapsedS > 0) {
    s.bitrate_in_kbps = Math.max(0, Math.round(((bytesIn - previous.bytesIn) * 8) / 1000 / elapsedS));
    s.bitrate_out_kbps = Math.max(0, Math.round(((bytesOut - previous.bytesOut) * 8) / 1000 / elapsedS));
  }
  return { sample: s, totals: { bytesIn, bytesOut, lost: s.packets_lost, received: s.packets_received } };
}

export class QualityMonitor extends EventTarget {
  constructor({ links, media, send }) {
    super();
    this.links = links; // Map peer_id -> PeerLink
    this.media = media;
    this.send = send;
    this.previous = new Map();
    this.poorStreak = 0;
    this.quietUntil = 0;
    this.timer = null;
  }

  start() {
    if (!this.timer) this.timer = setInterval(() => this.tick(), SAMPLE_EVERY_MS);
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
  }

  dismiss() {
    this.poorStreak = 0;
    this.quietUntil = Date.now() + ASK_AGAIN_AFTER_MS;
  }

  async tick() {
    let poor = false;
    for (const [peerId, link] of this.links) {
      if (link.pc.connectionState !== "connected") continue;
      const now = performance.now();
      const report = await link.pc.getStats();
      const before = this.previous.get(peerId);
      const { sample, totals } = summarise(report, before && before.totals, before ? (now - before.at) / 1000 : 0);
      this.previous.set(peerId, { at: now, totals });
      sample.ts = new Date().toISOString();
      sample.remote_peer_id = peerId;
      sample.audio_only = this.media.audioOnly;
      this.send({ type: "stats", sample });
      const linkPoor = before ? this.isPoor(sample, totals, before.totals) : false;
      poor = poor || linkPoor;
      const lost = totals.lost - (before ? before.totals.lost : 0);
      const received = totals.received - (before ? before.totals.received : 0);
      const level = linkLevel(sample, lost + received > 0 ? Math.max(0, lost) / (lost + received) : 0, linkPoor);
      document.dispatchEvent(new CustomEvent("vt:link-quality", { detail: { peerId, level } }));
    }
    this.poorStreak = poor ? this.poorStreak + 1 : 0;
    if (this.poorStreak >= POOR_INTERVALS && !this.media.audioOnly && Date.now() > this.quietUntil) {
      this.poorStreak = 0;
      this.dispatchEvent(new CustomEvent("poor-link"));
    }
  }

  isPoor(sample, totals, before) {
    const lost = totals.lost - before.lost;
    const received = totals.received - before.received;
    const lossRate = lost + received > 0 ? lost / (lost + received) : 0;
    const videoExpected = !this.media.audioOnly && sample.frames_decoded > 0;
    const slow = videoExpected && typeof sample.bitrate_in_kbps === "number" && sample.bitrate_in_kbps < POOR_BITRATE_KBPS;
    // A camera turned off also sends little: low bitrate counts only with a strained path.
    const strained = (sample.rtt_ms || 0) > POOR_RTT_MS || lossRate > POOR_LOSS / 4;
    return lossRate > POOR_LOSS || (slow && strained);
  }
}
