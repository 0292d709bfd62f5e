// The one place where events wait during start-up. Hub events can arrive as soon as the connection is up, before
// the first contact list has told us who our contacts are (a signal from a contact would be refused as a
// stranger's); they wait here, in arrival order, and run once start-up opens the gate. Nothing else is buffered.
export class StartGate {
  private waiting: (() => void)[] | null = [];

  get isOpen(): boolean {
    return this.waiting === null;
  }

  /** Runs the handler now once the gate is open; until then it waits its turn. */
  run(handler: () => void): void {
    if (this.waiting) this.waiting.push(handler);
    else handler();
  }

  /** Opens the gate: what waited runs now in arrival order (also what arrives while it drains), later events at once. */
  open(): void {
    const waiting = this.waiting;
    if (!waiting) return;
    for (let next = waiting.shift(); next; next = waiting.shift()) next();
    this.waiting = null;
  }
}
