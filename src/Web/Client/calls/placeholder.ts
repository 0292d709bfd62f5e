// What a held link's video sender carries until the answer: black frames, so its encoder is warm when the camera comes.

/** Black frames from a small canvas, a few a second: what a held link's video encoder works on until the answer. */
export class Placeholder {
  readonly track: MediaStreamTrack;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor() {
    // The size a camera gives by default, so the camera taking its place does not make the encoder start over.
    const canvas = document.createElement("canvas");
    canvas.width = 640;
    canvas.height = 480;
    const g = canvas.getContext("2d")!;
    const paint = () => {
      g.fillStyle = "#000";
      g.fillRect(0, 0, canvas.width, canvas.height);
    };
    paint();
    this.track = canvas.captureStream(5).getVideoTracks()[0]!;
    // A canvas stream carries a frame only when the canvas was drawn on.
    this.timer = setInterval(paint, 200);
  }

  stop(): void {
    clearInterval(this.timer);
    this.track.stop();
  }
}
