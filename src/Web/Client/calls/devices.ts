// This device's microphone, camera and shared screen in a call, and the ring preview (my own camera behind the incoming
// screen). It opens and releases devices and says which tracks to send; the call's link puts them on the wire.
import type { MediaLink } from "./media.js";

/** Knobs a benchmark may turn (the debug hook's callTuning). */
export const CALL_TUNING = {
  /** Off: no ring preview, as where the site was never allowed the camera (a test browser's fake prompt always allows). */
  ringPreview: true,
};

export interface DevicesHost {
  /** Something changed that the call view shows. */
  changed(): void;
  /** A passing word in the call view (a camera that would not open): the call goes on. */
  tell(text: string): void;
}

export class LocalDevices {
  /** What this device sends in the call, once opened. */
  local: MediaStream | null = null;
  private camera: MediaStreamTrack | null = null;
  private screenTrack: MediaStreamTrack | null = null;
  private sharedPreview: MediaStream | null = null;
  private pending: Promise<void> | null = null;
  /** Devices picked in this call's view, used when the camera comes on again. */
  private readonly chosen = { audio: "", video: "" };
  muted = false;
  cameraOn = false;
  sharing = false;

  /**
   * While a video call rings here: my own camera, shown behind the incoming screen (as FaceTime and WhatsApp do), so I
   * see myself before I answer and answering with video starts from a camera already open. Only where this site may
   * use the camera already (never a permission prompt for a call nobody answered); nothing of it is sent before the
   * answer; answering with audio, declining or the ring ending anywhere turns it off.
   */
  ringPreview: MediaStream | null = null;
  private previewFor = "";
  /** The last preview's tracks, for a test to see they were stopped. */
  private previewOpened: MediaStreamTrack[] = [];

  constructor(private readonly host: DevicesHost) {}

  /** What my small picture shows: the shared screen while sharing, else my camera. */
  get localStream(): MediaStream | null {
    if (this.sharing && this.screenTrack) {
      if (this.sharedPreview?.getVideoTracks()[0] !== this.screenTrack) this.sharedPreview = new MediaStream([this.screenTrack]);
      return this.sharedPreview;
    }
    return this.local;
  }

  /** How many tracks of the last ring preview are still live, the one an answer took over aside (for tests). */
  previewLive(): number {
    return this.previewOpened.filter((t) => t.readyState === "live" && !this.local?.getTracks().includes(t)).length;
  }

  /** What this device sends in the call: each track's kind, device label and whether it is live (for tests). */
  localTracks(): { kind: string; label: string; live: boolean }[] {
    return (this.local?.getTracks() ?? []).map((t) => ({ kind: t.kind, label: t.label, live: t.readyState === "live" }));
  }

  /** My microphone (and camera): asked for once, however many callers wait for it at the same time. */
  ensure(video: boolean): Promise<void> {
    if (this.local) return Promise.resolve();
    this.pending ??= this.open(video).finally(() => (this.pending = null));
    return this.pending;
  }

  private async open(video: boolean): Promise<void> {
    // Answering with video keeps the camera the ring preview opened; answering with audio turns it off.
    const previewed = video ? this.takePreviewCamera() : (this.stopPreview(), null);
    if (!navigator.mediaDevices?.getUserMedia) throw new Error("This browser cannot use a microphone here.");
    try {
      // The devices picked in an earlier call of this tab, if they are still there.
      const pick = (id: string) => (id ? { deviceId: { ideal: id } } : true);
      const stream = await navigator.mediaDevices.getUserMedia({ audio: pick(this.chosen.audio), video: video && !previewed && pick(this.chosen.video) });
      if (previewed) stream.addTrack(previewed);
      this.local = stream;
    } catch (err) {
      previewed?.stop();
      throw new Error(mediaErrorText(err, video));
    }
    this.camera = this.local.getVideoTracks()[0] ?? null;
    this.cameraOn = this.camera !== null;
    this.muted = false;
  }

  drop(): void {
    for (const t of this.local?.getTracks() ?? []) t.stop();
    this.screenTrack?.stop();
    this.local = null;
    this.camera = null;
    this.screenTrack = null;
    this.cameraOn = false;
    this.sharing = false;
  }

  toggleMute(): void {
    this.muted = !this.muted;
    for (const t of this.local?.getAudioTracks() ?? []) t.enabled = !this.muted;
    this.host.changed();
  }

  /** Camera off releases the device (its light goes out) and the other side sees my face; on opens it again. */
  async toggleCamera(link: MediaLink | null): Promise<void> {
    if (!link || !this.local) return;
    if (this.cameraOn) {
      this.cameraOn = false;
      if (this.camera) {
        this.local.removeTrack(this.camera);
        this.camera.stop();
        this.camera = null;
      }
      if (!this.sharing) await link.useTrack("video", null);
    } else {
      const track = await this.openTrack("video", this.chosen.video ? { deviceId: { exact: this.chosen.video } } : true);
      if (!track) return;
      if (!this.local) {
        track.stop();
        return;
      }
      this.camera = track;
      this.local.addTrack(track);
      this.cameraOn = true;
      if (!this.sharing) await link.useTrack("video", track);
    }
    this.host.changed();
  }

  /** Shares the screen in place of the camera, in the same call; ending the share brings the camera back. */
  async toggleScreen(link: MediaLink | null): Promise<void> {
    if (!link) return;
    if (this.sharing) {
      this.stopSharing(link);
      return;
    }
    const display = await navigator.mediaDevices.getDisplayMedia({ video: true });
    const track = display.getVideoTracks()[0];
    if (!track) return;
    this.screenTrack = track;
    this.sharing = true;
    track.onended = () => this.stopSharing(link);
    await link.useTrack("video", track);
    this.host.changed();
  }

  private stopSharing(link: MediaLink): void {
    this.screenTrack?.stop();
    this.screenTrack = null;
    this.sharing = false;
    void link.useTrack("video", this.cameraOn ? this.camera : null);
    this.host.changed();
  }

  /** The device in use (or chosen for when the camera comes on) of a kind, "" for the browser's default. */
  deviceOf(kind: "audio" | "video"): string {
    const track = kind === "audio" ? this.local?.getAudioTracks()[0] : this.camera;
    return track?.getSettings().deviceId ?? this.chosen[kind];
  }

  /** Switches the microphone or camera to another device, without renegotiating; a camera that is off only remembers it. */
  async useDevice(link: MediaLink | null, kind: "audio" | "video", deviceId: string): Promise<void> {
    this.chosen[kind] = deviceId;
    if (!link || !this.local || (kind === "video" && !this.cameraOn)) return;
    const track = await this.openTrack(kind, { deviceId: { exact: deviceId } });
    if (!track) return;
    if (!this.local) {
      track.stop();
      return;
    }
    const old = kind === "audio" ? this.local.getAudioTracks()[0] : this.camera;
    if (old) {
      this.local.removeTrack(old);
      old.stop();
    }
    this.local.addTrack(track);
    if (kind === "audio") track.enabled = !this.muted;
    else this.camera = track;
    if (kind === "audio" || !this.sharing) await link.useTrack(kind, track);
    this.host.changed();
  }

  /** One track of a kind, or null (the user told why). */
  private async openTrack(kind: "audio" | "video", constraints: MediaTrackConstraints | true): Promise<MediaStreamTrack | null> {
    try {
      const stream = await navigator.mediaDevices.getUserMedia(kind === "audio" ? { audio: constraints } : { video: constraints });
      return (kind === "audio" ? stream.getAudioTracks() : stream.getVideoTracks())[0] ?? null;
    } catch (err) {
      this.host.tell(mediaErrorText(err, kind === "video"));
      return null;
    }
  }

  /** Opens the ring preview for <paramref name="callId"/> if the camera is allowed already; <paramref name="stillRinging"/> says whether it is still wanted once open. */
  async openPreview(callId: string, stillRinging: () => boolean): Promise<void> {
    if (this.previewFor === callId || !navigator.mediaDevices?.getUserMedia || !CALL_TUNING.ringPreview) return;
    this.previewFor = callId;
    try {
      const allowed = await navigator.permissions.query({ name: "camera" as PermissionName });
      if (allowed.state !== "granted") return;
      const stream = await navigator.mediaDevices.getUserMedia({ video: this.chosen.video ? { deviceId: { ideal: this.chosen.video } } : true });
      // The ring may have ended (or been answered) while the camera opened.
      if (this.previewFor !== callId || !stillRinging() || this.local) {
        for (const t of stream.getTracks()) t.stop();
        return;
      }
      this.ringPreview = stream;
      this.previewOpened = stream.getTracks();
      this.host.changed();
    } catch {
      // No preview: the camera opens on the answer, as without one.
    }
  }

  stopPreview(): void {
    this.previewFor = "";
    for (const t of this.ringPreview?.getTracks() ?? []) t.stop();
    if (this.ringPreview) this.host.changed();
    this.ringPreview = null;
  }

  /** The camera of the ring preview, taken over by the answer (the preview is gone after). */
  private takePreviewCamera(): MediaStreamTrack | null {
    const track = this.ringPreview?.getVideoTracks().find((t) => t.readyState === "live") ?? null;
    if (track) this.ringPreview!.removeTrack(track);
    this.stopPreview();
    return track;
  }
}

function mediaErrorText(err: unknown, video: boolean): string {
  const name = err instanceof DOMException ? err.name : "";
  const what = video ? "microphone and camera" : "microphone";
  if (name === "NotAllowedError" || name === "SecurityError") return `Cybernet Call may not use your ${what}: allow it in the browser's site settings and try again.`;
  if (name === "NotFoundError" || name === "OverconstrainedError") return `No ${what} found on this device.`;
  if (name === "NotReadableError") return `Your ${what} is in use by another application.`;
  return `Your ${what} could not be used.`;
}
