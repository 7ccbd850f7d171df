// One RTCPeerConnection per remote peer (mesh), negotiated with "perfect negotiation":
// the polite side is the peer with the smaller peer_id (contract §4). The newcomer offers
// first; a link created for a peer that joined after us waits for that peer's offer.

export class PeerLink extends EventTarget {
  constructor({ localPeerId, remote, iceServers, media, send, initiator }) {
    super();
    this.remote = remote; // {peer_id, display_name, role}
    this.media = media;
    this.sendSignal = (data) => send({ type: "signal", to: remote.peer_id, data });
    this.polite = localPeerId < remote.peer_id;
    this.makingOffer = false;
    this.ignoreOffer = false;
    this.ready = initiator; // may we start negotiations ourselves yet?
    this.queue = Promise.resolve(); // signals are handled one at a time, in order
    this.remoteStream = new MediaStream();
    this.pc = new RTCPeerConnection({ iceServers });
    this.audio = null;
    this.video = null;
    this.wire();
    if (initiator) {
      this.audio = this.pc.addTransceiver(media.audioTrack || "audio", { direction: "sendrecv", streams: [media.stream] });
      this.video = this.pc.addTransceiver(media.videoTrack() || "video", {
        direction: this.videoDirection(),
        streams: [media.stream],
      });
    }
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  videoDirection() {
    // Audio-only: no video either way, so a weak link carries only the voice.
    return this.media.audioOnly && !this.media.screenTrack ? "inactive" : "sendrecv";
  }

  wire() {
    const pc = this.pc;
    pc.onnegotiationneeded = async () => {
      if (!this.ready) return;
      try {
        this.makingOffer = true;
        await pc.setLocalDescription();
        this.sendSignal({ description: pc.localDescription.toJSON() });
      } catch (err) {
        this.emit("error", { err });
      } finally {
        this.makingOffer = false;
      }
    };
    pc.onicecandidate = ({ candidate }) => {
      this.sendSignal({ candidate: candidate ? candidate.toJSON() : null });
    };
    pc.ontrack = ({ track }) => {
      this.remoteStream.addTrack(track);
      track.addEventListener("ended", () => this.remoteStream.removeTrack(track));
      this.emit("track", { track, stream: this.remoteStream });
    };
    pc.onconnectionstatechange = () => {
      this.emit("state", { state: pc.connectionState });
      if (pc.connectionState === "failed") this.restartIce();
    };
  }

  handleSignal(data) {
    this.queue = this.queue.then(() => this.applySignal(data)).catch((err) => this.emit("error", { err }));
    return this.queue;
  }

  async applySignal(data) {
    const pc = this.pc;
    if (data.description) {
      const description = data.description;
      const collision = description.type === "offer" && (this.makingOffer || pc.signalingState !== "stable");
      this.ignoreOffer = !this.polite && collision;
      if (this.ignoreOffer) return;
      await pc.setRemoteDescription(description); // rolls our own offer back when polite
      if (description.type === "offer") {
        this.attachLocalMedia();
        await pc.setLocalDescription();
        this.sendSignal({ description: pc.localDescription.toJSON() });
        this.ready = true;
      }
    } else if ("candidate" in data) {
      try {
        if (data.candidate && data.candidate.candidate) await pc.addIceCandidate(data.candidate);
        else await pc.addIceCandidate();
      } catch (err) {
        // Candidates of an offer we ignored are expected to fail; end-of-candidates may too.
        if (!this.ignoreOffer && data.candidate && data.candidate.candidate) throw err;
      }
    }
  }

  // After a remote offer created our transceivers: send our tracks on them.
  attachLocalMedia() {
    for (const transceiver of this.pc.getTransceivers()) {
      const kind = transceiver.receiver.track.kind;
      if (kind === "audio" && !this.audio) this.audio = transceiver;
      if (kind === "video" && !this.video) this.video = transceiver;
    }
    if (this.audio && this.audio.sender.track !== this.media.audioTrack) {
      this.audio.sender.replaceTrack(this.media.audioTrack);
      this.audio.direction = "sendrecv";
      this.setStreams(this.audio.sender);
    }
    if (this.video && this.video.currentDirection === null) {
      this.video.sender.replaceTrack(this.media.videoTrack());
      this.video.direction = this.videoDirection();
      this.setStreams(this.video.sender);
    }
  }

  setStreams(sender) {
    if (sender.setStreams) sender.setStreams(this.media.stream);
  }

  // The local media changed (camera ↔ screen, audio-only): swap tracks, renegotiate if needed.
  async updateMedia() {
    if (this.audio && this.audio.sender.track !== this.media.audioTrack) {
      await this.audio.sender.replaceTrack(this.media.audioTrack);
    }
    if (!this.video) return;
    const track = this.media.videoTrack();
    if (this.video.sender.track !== track) await this.video.sender.replaceTrack(track);
    const direction = this.videoDirection();
    // A direction change fires negotiationneeded; perfect negotiation carries it out.
    if (this.video.direction !== direction) this.video.direction = direction;
  }

  restartIce() {
    this.ready = true;
    this.pc.restartIce();
    this.emit("ice-restart", {});
  }

  // The other side resumed while our first offer was in flight: the server dropped it.
  resendPendingOffer() {
    if (this.pc.signalingState === "have-local-offer" && this.pc.localDescription) {
      this.sendSignal({ description: this.pc.localDescription.toJSON() });
    }
  }

  async inboundVideo() {
    const stats = await this.pc.getStats();
    let frames = 0;
    stats.forEach((s) => {
      if (s.type === "inbound-rtp" && s.kind === "video") frames += s.framesDecoded || 0;
    });
    return frames;
  }

  close() {
    this.pc.onconnectionstatechange = null;
    this.pc.close();
    this.emit("closed", {});
  }
}
