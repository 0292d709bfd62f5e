// The ring, made in the page with Web Audio (no file to fetch): two tones, on for 1.2 s, off for 2.8 s, until stopped.
// A page the user has not touched yet may not play sound; then it stays silent and the screen still shows the call.

export class Ringtone {
  private context: AudioContext | null = null;
  private timer: ReturnType<typeof setInterval> | undefined;

  get playing(): boolean {
    return this.timer !== undefined;
  }

  start(): void {
    if (this.playing) return;
    try {
      this.context ??= new AudioContext();
      void this.context.resume().catch(() => undefined);
    } catch {
      return;
    }
    const ring = () => this.burst();
    ring();
    this.timer = setInterval(ring, 4000);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    void this.context?.suspend().catch(() => undefined);
  }

  private burst(): void {
    const ctx = this.context;
    if (!ctx) return;
    const gain = ctx.createGain();
    gain.gain.setValueAtTime(0, ctx.currentTime);
    gain.gain.linearRampToValueAtTime(0.15, ctx.currentTime + 0.05);
    gain.gain.setValueAtTime(0.15, ctx.currentTime + 1.15);
    gain.gain.linearRampToValueAtTime(0, ctx.currentTime + 1.2);
    gain.connect(ctx.destination);
    for (const hz of [440, 480]) {
      const tone = ctx.createOscillator();
      tone.frequency.value = hz;
      tone.connect(gain);
      tone.start();
      tone.stop(ctx.currentTime + 1.2);
    }
  }
}
