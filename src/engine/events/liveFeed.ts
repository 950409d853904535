import type { TaskEvent, TaskEventSink } from '../../shared/taskEvent';
import type { Logger } from '../log';

/** Builds the event of the engine's current in-memory state, or undefined while there is no state to report. */
export type TaskEventSource = (seq: number, atMs: number) => TaskEvent | undefined;

/**
 * Sends the engine's live state to its host's sink whenever something was committed or polled. Reporting is a side
 * channel: building or delivering an event never throws into the engine, so no unit of work fails because of it.
 */
export class LiveFeed {
  private source: TaskEventSource | undefined;
  private seq = 0;
  private warned = false;

  constructor(
    private readonly sink: TaskEventSink | undefined,
    private readonly logger: Logger,
    private readonly clock: () => number,
  ) {}

  /** Sets where events are built from (the task manager, once its state and requester are open); undefined stops events. */
  attach(source: TaskEventSource | undefined): void {
    this.source = source;
  }

  /** Reports the current state (called after every committed unit and after status polls that changed a batch). */
  changed(): void {
    if (this.sink === undefined || this.source === undefined) return;
    try {
      const event = this.source(this.seq + 1, this.clock());
      if (event === undefined) return;
      this.seq = event.seq;
      this.sink(event);
    } catch (error) {
      if (this.warned) return;
      this.warned = true;
      this.logger.warn(`Cannot report the task's progress (the run goes on; further failures are not logged): ${(error as Error).message}`);
    }
  }
}
