// Local media: camera and microphone with a device choice, mute, camera off, screen share and
// audio-only mode. Failures become the codes the page explains (no_camera, permission_denied...).

export class MediaError extends Error {
  constructor(code, detail) {
    super(detail || code);
    this.code = code;
    this.detail = detail || "";
  }
}

function classify(err) {
  const name = (err && err.name) || "";
  if (name === "NotFoundError" || name === "OverconstrainedError" || name === "DevicesNotFoundError") {
    return new MediaError("no_camera", name);
  }
  if (name === "NotAllowedError" || name === "SecurityError" || name === "PermissionDeniedError") {
    return new MediaError("permission_denied", name);
  }
  if (name === "NotReadableError" || name === "TrackStartError" || name === "AbortError") {
    return new MediaError("device_busy", name);
  }
  return new MediaError("device_error", `${name} ${err && err.message ? err.message : ""}`.trim());
}

export class LocalMedia extends EventTarget {
  constructor() {
    super();
    this.stream = new MediaStream();
    this.audioTrack = null;
    this.cameraTrack = null;
    this.screenTrack = null;
    this.muted = false;
    this.cameraOff = false;
    this.audioOnly = false;
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  static async devices() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.enumerateDevices) return { cameras: [], mics: [] };
    const all = await navigator.mediaDevices.enumerateDevices();
    return {
      cameras: all.filter((d) => d.kind === "videoinput"),
      mics: all.filter((d) => d.kind === "audioinput"),
    };
  }

  // Opens the chosen devices. Without a camera (or in audio-only mode) it settles for the
  // microphone, so a patient with a broken webcam can still be heard.
  async open({ cameraId, micId, audioOnly }) {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      throw new MediaError("device_error", "getUserMedia unavailable (HTTPS needed)");
    }
    const audio = micId ? { deviceId: { exact: micId } } : true;
    const video = audioOnly ? false : cameraId ? { deviceId: { exact: cameraId } } : { width: 640, height: 480 };
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio, video });
    } catch (err) {
      const problem = classify(err);
      if (!video || problem.code === "permission_denied") throw problem;
      try {
        stream = await navigator.mediaDevices.getUserMedia({ audio, video: false });
        this.emit("device-error", { code: problem.code, detail: problem.detail, fallback: "audio-only" });
        audioOnly = true;
      } catch (err2) {
        throw problem;
      }
    }
    this.release();
    this.audioTrack = stream.getAudioTracks()[0] || null;
    this.cameraTrack = stream.getVideoTracks()[0] || null;
    this.audioOnly = Boolean(audioOnly) || !this.cameraTrack;
    if (this.audioTrack) this.audioTrack.enabled = !this.muted;
    this.rebuildStream();
    return this.stream;
  }

  rebuildStream() {
    this.stream = new MediaStream([this.audioTrack, this.videoTrack()].filter(Boolean));
    this.emit("changed", {});
  }

  // The track we send as video right now: the shared screen, the camera, or none.
  videoTrack() {
    if (this.screenTrack) return this.screenTrack;
    if (this.audioOnly || !this.cameraTrack) return null;
    return this.cameraTrack;
  }

  setMuted(muted) {
    this.muted = muted;
    if (this.audioTrack) this.audioTrack.enabled = !muted;
  }

  setCameraOff(off) {
    this.cameraOff = off;
    if (this.cameraTrack) this.cameraTrack.enabled = !off;
  }

  async setAudioOnly(on, cameraId) {
    if (on === this.audioOnly) return;
    if (on) {
      // Release the camera entirely: it saves the upload and the device's battery.
      if (this.cameraTrack) this.cameraTrack.stop();
      this.cameraTrack = null;
      this.audioOnly = true;
    } else {
      let stream;
      try {
        const video = cameraId ? { deviceId: { exact: cameraId } } : { width: 640, height: 480 };
        stream = await navigator.mediaDevices.getUserMedia({ video });
      } catch (err) {
        throw classify(err);
      }
      this.cameraTrack = stream.getVideoTracks()[0];
      this.cameraTrack.enabled = !this.cameraOff;
      this.audioOnly = false;
    }
    this.rebuildStream();
  }

  async startScreenShare() {
    if (!navigator.mediaDevices.getDisplayMedia) throw new MediaError("device_error", "no getDisplayMedia");
    let stream;
    try {
      stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    } catch (err) {
      throw classify(err);
    }
    this.screenTrack = stream.getVideoTracks()[0];
    // The browser's own "Stop sharing" bar ends the track without asking us.
    this.screenTrack.addEventListener("ended", () => this.stopScreenShare());
    this.rebuildStream();
  }

  stopScreenShare() {
    if (!this.screenTrack) return;
    this.screenTrack.stop();
    this.screenTrack = null;
    this.rebuildStream();
    this.emit("screen-share-ended", {});
  }

  release() {
    for (const track of [this.audioTrack, this.cameraTrack, this.screenTrack]) if (track) track.stop();
    this.audioTrack = this.cameraTrack = this.screenTrack = null;
  }
}
