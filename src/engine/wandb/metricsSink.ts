/** A value W&B can store in a history row or the run summary. */
export type MetricValue = number | string | boolean | null;

/** Where the engine sends metrics. One `log` call = one history row (step increments). */
export interface MetricsSink {
  /** Appends one history row. Never throws and never waits on the network: it only enqueues. */
  log(values: Record<string, MetricValue>): void;
  /** Merges `values` into the run summary. Never throws, never waits. */
  summary(values: Record<string, MetricValue>): void;
  /** Flushes and finishes the run (`complete`), bounded by a timeout; reports what could not be delivered. */
  close(options?: { exitCode?: number; timeoutMs?: number }): Promise<void>;
  /** The run's web URL when known. */
  readonly url: string | undefined;
}

/** A sink that discards everything: used when metrics are disabled or in dry run. */
export const nullMetricsSink: MetricsSink = {
  log() {},
  summary() {},
  close: () => Promise.resolve(),
  url: undefined,
};
