// The call layer, over whatever is open: the incoming-call screen, "Calling…", the call itself (remote video large,
// mine small, controls reachable by keyboard and named for screen readers), "in a call on another device", and how a
// call ended. One template; video elements are kept across redraws so streams are attached once.
import { html, nothing, render, type TemplateResult } from "lit-html";
import type { Calls, CallScreen } from "../calls/calls.js";
import { duration } from "../calls/history.js";
import type { CallInfo } from "../types.js";
import { ICON_PHONE, ICON_VIDEO, icon, initials } from "./dom.js";

export interface CallActions {
  answer(video: boolean): void;
  decline(): void;
  hangUp(): void;
  /** Takes a call under way on another device of mine over to this one. */
  takeOver(): void;
  mute(): void;
  camera(): void;
  screen(): void;
  device(kind: "audio" | "video", id: string): void;
}

/** The call view's intents, each handed to the calls (a device that cannot be used says so in the view, not here). */
export function callActions(calls: Calls): CallActions {
  return {
    answer: (video) => void calls.answer(video),
    decline: () => void calls.decline(),
    hangUp: () => void calls.hangUp(),
    takeOver: () => void calls.takeOver(),
    mute: () => calls.toggleMute(),
    camera: () => void calls.toggleCamera().catch(() => undefined),
    screen: () => void calls.toggleScreen().catch(() => undefined),
    device: (kind, id) => void calls.useDevice(kind, id).catch(() => undefined),
  };
}

const PATH_LABEL: Record<string, string> = { direct: "Direct", relayed: "Relayed", "relayed-tcp": "Relayed over TCP" };

export class CallView {
  private devices: MediaDeviceInfo[] = [];
  private shownKind = "none";

  constructor(
    private readonly root: HTMLElement,
    private readonly calls: Calls,
    private readonly nameOf: (userId: string) => string,
    private readonly me: string,
    private readonly actions: CallActions,
  ) {
    // The call timer and the ring's time left move by themselves.
    setInterval(() => {
      if (this.calls.screen.kind !== "none") this.render();
    }, 1000);
  }

  render(): void {
    const screen = this.calls.screen;
    render(this.template(screen), this.root);
    this.root.hidden = screen.kind === "none";
    this.root.dataset["screen"] = screen.kind;
    this.attachStreams();
    if (screen.kind !== this.shownKind) {
      this.shownKind = screen.kind;
      // Keyboard users land on the first thing to do.
      (this.root.querySelector<HTMLElement>("[data-autofocus]"))?.focus();
      if (screen.kind === "active") void this.listDevices();
    }
  }

  private template(s: CallScreen): TemplateResult | typeof nothing {
    switch (s.kind) {
      case "none":
        return nothing;
      case "incoming":
        return this.incoming(s.call);
      case "outgoing":
        return this.card(s.call, "Calling…", html`<button class="btn btn-danger" type="button" data-action="hang-up" data-autofocus @click=${() => this.actions.hangUp()}>Cancel</button>`);
      case "elsewhere":
        return this.card(
          s.call,
          s.call.caller === this.me ? "In a call on another device" : s.call.phase === "ringing" ? "Ringing on another device" : "Answered on another device",
          html`${s.call.phase === "ringing"
            ? nothing
            : html`<button class="btn btn-accept" type="button" data-action="take-over" @click=${() => this.actions.takeOver()}>${icon(s.call.video ? ICON_VIDEO : ICON_PHONE)} Move here</button>`}
            <button class="btn btn-danger" type="button" data-action="hang-up" @click=${() => this.actions.hangUp()}>End call</button>`,
        );
      case "ended":
        return html`<div class="call-card call-ended" role="status" aria-live="assertive"><p class="call-status" id="call-status" data-phase="ended">${s.text}</p></div>`;
      case "active":
        return this.active(s.call);
    }
  }

  private incoming(c: CallInfo): TemplateResult {
    const name = this.nameOf(c.caller);
    const left = Math.max(0, Math.ceil((Date.parse(c.ringUntil) - this.calls.serverNow()) / 1000));
    return html`
      <video id="ring-preview" class="ring-preview" autoplay playsinline muted aria-hidden="true" ?hidden=${!this.calls.devices.ringPreview}></video>
      <div class="call-card call-incoming" role="alertdialog" aria-labelledby="call-title" aria-describedby="call-status">
        <span class="avatar avatar-large" aria-hidden="true">${initials(name)}</span>
        <h2 id="call-title" class="call-title">${name}</h2>
        <p id="call-status" class="call-status" data-phase="ringing">Incoming ${c.video ? "video call" : "call"} <span class="muted">· ${left} s</span></p>
        ${this.calls.devices.ringPreview ? html`<p class="call-note" id="ring-preview-note">Your camera is on for you to see; nothing is sent until you answer with video.</p>` : nothing}
        <div class="call-actions">
          ${c.video
            ? html`<button class="btn btn-accept" type="button" data-action="answer-video" data-autofocus @click=${() => this.actions.answer(true)}>${icon(ICON_VIDEO)} Accept</button>
                <button class="btn btn-accept" type="button" data-action="answer-audio" @click=${() => this.actions.answer(false)}>${icon(ICON_PHONE)} Audio only</button>`
            : html`<button class="btn btn-accept" type="button" data-action="answer-audio" data-autofocus @click=${() => this.actions.answer(false)}>${icon(ICON_PHONE)} Accept</button>
                <button class="btn btn-accept" type="button" data-action="answer-video" @click=${() => this.actions.answer(true)}>${icon(ICON_VIDEO)} With video</button>`}
          <button class="btn btn-danger" type="button" data-action="decline" @click=${() => this.actions.decline()}>Decline</button>
        </div>
      </div>`;
  }

  private card(c: CallInfo, status: string, buttons: TemplateResult | typeof nothing): TemplateResult {
    const name = this.nameOf(c.caller === this.me ? c.callee : c.caller);
    return html`
      <div class="call-card" role="dialog" aria-labelledby="call-title" aria-describedby="call-status">
        <span class="avatar avatar-large" aria-hidden="true">${initials(name)}</span>
        <h2 id="call-title" class="call-title">${name}</h2>
        <p id="call-status" class="call-status" data-phase=${c.phase}>${status}</p>
        <div class="call-actions">${buttons}</div>
      </div>`;
  }

  private active(c: CallInfo): TemplateResult {
    const name = this.nameOf(c.caller === this.me ? c.callee : c.caller);
    const calls = this.calls;
    const seconds = c.connectedAt ? Math.max(0, Math.floor((calls.serverNow() - Date.parse(c.connectedAt)) / 1000)) : 0;
    const status = c.phase === "reconnecting" ? "Reconnecting…" : c.phase === "connecting" ? "Connecting…" : duration(seconds);
    // An audio call still carries a video transceiver (a camera may come on later): its track is muted until frames flow.
    const hasRemoteVideo = (calls.link.remote?.getVideoTracks().some((t) => !t.muted) ?? false);
    const mics = this.devices.filter((d) => d.kind === "audioinput");
    const cams = this.devices.filter((d) => d.kind === "videoinput");
    return html`
      <div class="call-view ${hasRemoteVideo ? "has-video" : ""}" role="dialog" aria-label="Call with ${name}">
        <video id="remote-video" class="remote-video" autoplay playsinline aria-label="${name}'s video"></video>
        <div class="call-face" aria-hidden="true" ?hidden=${hasRemoteVideo}><span class="avatar avatar-large">${initials(name)}</span></div>
        <video id="local-video" class="local-video" autoplay playsinline muted aria-label="Your video" ?hidden=${!calls.devices.cameraOn && !calls.devices.sharing}></video>
        <div class="call-head">
          <span class="call-title" id="call-title">${name}</span>
          <span id="call-status" class="call-status" data-phase=${c.phase} aria-live="polite">${status}</span>
          <span id="call-quality" class="call-quality" data-quality=${calls.link.quality} title="Connection quality">${calls.link.quality === "poor" ? "Poor connection" : ""}</span>
          <span id="call-path" class="call-path" data-path=${calls.link.path ?? ""}>${calls.link.path ? PATH_LABEL[calls.link.path] : ""}</span>
        </div>
        <p id="call-hint" class="call-hint" role="status" ?hidden=${!calls.hint}>${calls.hint ?? ""}</p>
        <div class="call-controls" role="toolbar" aria-label="Call controls">
          <button class="btn btn-round" type="button" data-action="mute" aria-pressed=${calls.devices.muted ? "true" : "false"} data-autofocus @click=${() => this.actions.mute()}>Mute</button>
          <button class="btn btn-round" type="button" data-action="camera" aria-pressed=${calls.devices.cameraOn ? "true" : "false"} @click=${() => this.actions.camera()}>Camera</button>
          <button class="btn btn-round" type="button" data-action="screen" aria-pressed=${calls.devices.sharing ? "true" : "false"} ?hidden=${!navigator.mediaDevices?.getDisplayMedia} @click=${() => this.actions.screen()}>Share screen</button>
          ${mics.length > 1 ? html`<label class="visually-hidden" for="mic-select">Microphone</label>
            <select id="mic-select" class="device-select" @change=${(e: Event) => this.actions.device("audio", (e.target as HTMLSelectElement).value)}>
              ${mics.map((d, i) => html`<option value=${d.deviceId} ?selected=${d.deviceId === calls.devices.deviceOf("audio")}>${d.label || `Microphone ${i + 1}`}</option>`)}
            </select>` : nothing}
          ${cams.length > 1 ? html`<label class="visually-hidden" for="camera-select">Camera</label>
            <select id="camera-select" class="device-select" @change=${(e: Event) => this.actions.device("video", (e.target as HTMLSelectElement).value)}>
              ${cams.map((d, i) => html`<option value=${d.deviceId} ?selected=${d.deviceId === calls.devices.deviceOf("video")}>${d.label || `Camera ${i + 1}`}</option>`)}
            </select>` : nothing}
          <button class="btn btn-round btn-danger" type="button" data-action="hang-up" @click=${() => this.actions.hangUp()}>Hang up</button>
        </div>
      </div>`;
  }

  private attachStreams(): void {
    const remote = this.root.querySelector<HTMLVideoElement>("#remote-video");
    if (remote && remote.srcObject !== this.calls.link.remote) remote.srcObject = this.calls.link.remote;
    const preview = this.root.querySelector<HTMLVideoElement>("#ring-preview");
    if (preview && preview.srcObject !== this.calls.devices.ringPreview) preview.srcObject = this.calls.devices.ringPreview;
    const local = this.root.querySelector<HTMLVideoElement>("#local-video");
    if (local && local.srcObject !== this.calls.devices.localStream) local.srcObject = this.calls.devices.localStream;
  }

  private async listDevices(): Promise<void> {
    try {
      this.devices = await navigator.mediaDevices.enumerateDevices();
      this.render();
    } catch {
      this.devices = [];
    }
  }
}
