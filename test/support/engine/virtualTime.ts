import { InterruptGate } from '../../../src/engine/store/interrupts';

/** A clock that stands still until told to move: the time the simulator and a requester share in a test. */
export class VirtualClock {
  constructor(private nowMs: number) {}

  readonly now = (): number => this.nowMs;

  advance(ms: number): void {
    this.nowMs += ms;
  }
}

/**
 * An interrupt gate whose sleeps move a virtual clock instead of waiting: a wait of hours runs in a moment, polling
 * exactly where its cadence says, and the times seen are those of the cadence, not of a busy machine.
 */
export class VirtualTimeGate extends InterruptGate {
  /** Every sleep asked for, in ms. */
  readonly sleeps: number[] = [];

  constructor(private readonly clock: VirtualClock) {
    super();
  }

  override async sleep(ms: number): Promise<void> {
    this.checkpoint();
    this.sleeps.push(ms);
    this.clock.advance(ms);
    // Lets other callbacks run, as a real sleep would.
    await new Promise((resolve) => setImmediate(resolve));
  }
}
