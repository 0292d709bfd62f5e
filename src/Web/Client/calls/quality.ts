// How good a call's connection is, from getStats samples, with hysteresis: it warns only after trouble that lasts,
// and clears only after it has been fine for a while, so the indicator never flickers.

export type Quality = "good" | "poor";

/** One look at the connection: round-trip time (ms), fraction of packets lost since the last look, the audio's jitter (ms). */
export interface QualitySample {
  rttMs: number | null;
  loss: number;
  jitterMs: number | null;
}

/**
 * Trouble: a round trip over 400 ms, over 5 % of packets lost, or over 60 ms of jitter. Never the bitrate: a camera
 * turned off on the other side sends almost nothing, on a link that is perfectly good.
 */
export function isTroubled(s: QualitySample): boolean {
  return (s.rttMs !== null && s.rttMs > 400) || s.loss > 0.05 || (s.jitterMs !== null && s.jitterMs > 60);
}

export class QualityMeter {
  private level: Quality = "good";
  private streak = 0;

  /** @param warnAfter consecutive troubled samples before "poor"; @param clearAfter consecutive fine ones before "good" again. */
  constructor(private readonly warnAfter = 3, private readonly clearAfter = 3) {}

  get quality(): Quality {
    return this.level;
  }

  /** Takes a sample; returns the quality now. */
  add(sample: QualitySample): Quality {
    const troubled = isTroubled(sample);
    const against = this.level === "good" ? troubled : !troubled;
    this.streak = against ? this.streak + 1 : 0;
    if (this.level === "good" && this.streak >= this.warnAfter) {
      this.level = "poor";
      this.streak = 0;
    } else if (this.level === "poor" && this.streak >= this.clearAfter) {
      this.level = "good";
      this.streak = 0;
    }
    return this.level;
  }
}
