// Buttons and forms of the session page: device pickers, join, mute, camera, screen share,
// audio-only, chat, leave and end.

export function wireControls({ ui, media, config, preview, refreshDevices, startSignaling, setAudioOnly,
  sendEvent, loadHistory, getSignaling }) {
  const $ = ui.$;

  $("start-preview").addEventListener("click", () => preview(false));
  $("camera-select").addEventListener("change", () => preview(false));
  $("mic-select").addEventListener("change", () => preview(media.audioOnly));
  if (navigator.mediaDevices && navigator.mediaDevices.addEventListener) {
    navigator.mediaDevices.addEventListener("devicechange", () => refreshDevices());
  }

  const join = async (audioOnly) => {
    $("join").disabled = true;
    $("join-audio-only").disabled = true;
    if (!media.audioTrack || audioOnly !== media.audioOnly) {
      const ok = await preview(audioOnly);
      if (!ok && !audioOnly) {
        $("join-audio-only").disabled = false;
        return;
      }
    }
    $("self-view").srcObject = media.stream;
    ui.toggle("audio-only", media.audioOnly, "page.video_back", "page.audio_only");
    loadHistory();
    startSignaling();
  };
  $("join").addEventListener("click", () => join(false));
  $("join-audio-only").addEventListener("click", () => join(true));

  $("mute").addEventListener("click", () => {
    media.setMuted(!media.muted);
    ui.toggle("mute", media.muted, "page.unmute", "page.mute");
  });
  $("camera").addEventListener("click", () => {
    media.setCameraOff(!media.cameraOff);
    ui.toggle("camera", media.cameraOff, "page.camera_on", "page.camera_off");
  });
  $("audio-only").addEventListener("click", () => setAudioOnly(!media.audioOnly));
  $("share").addEventListener("click", async () => {
    if (media.screenTrack) {
      media.stopScreenShare();
      return;
    }
    try {
      await media.startScreenShare();
      ui.toggle("share", true, "page.stop_share", "page.share_screen");
      sendEvent("screen-share-on");
    } catch (err) {
      ui.toast("client.screen_share_failed", {}, "warn");
    }
  });
  $("chat-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("chat-input");
    const text = input.value.trim().slice(0, 2000);
    const signaling = getSignaling();
    if (!text || !signaling) return;
    if (signaling.send({ type: "chat", text })) input.value = "";
    else ui.toast("client.chat_failed", {}, "error");
  });
  $("leave").addEventListener("click", () => {
    const signaling = getSignaling();
    if (signaling) signaling.leave();
  });
  const end = $("end");
  if (end) {
    end.addEventListener("click", () => {
      const signaling = getSignaling();
      if (signaling && window.confirm(ui.t("client.confirm_end"))) signaling.end();
    });
  }

  refreshDevices().then(() => {
    if (config.autostart_preview) preview(false);
  });
}
