/** What the simulator has received and answered since it started or since the last reset. */
export interface SimulatorStats {
  /** Requests received per route, e.g. `'POST /v1/files'`, `'GET /v1/batches/{id}'`. */
  routes: Record<string, number>;
  /** Responses sent per HTTP status code, e.g. `{'200': 12, '429': 1}`. */
  statusCodes: Record<string, number>;
  /** Every custom_id with the number of times it arrived in the input file of a created batch. */
  batchCustomIds: Record<string, number>;
  /** Calls of `POST /v1/chat/completions` received, whatever their answer. */
  chatCompletionCalls: number;
  /** Per `X-Client-Request-Id` value: how many direct model calls (chat completions, responses, embeddings) carried it. */
  directRequestIds: Record<string, number>;
  /** Per `X-Client-Request-Id` value: how many direct model calls were answered 200 (what an account pays for). */
  directRequestIdsAnswered: Record<string, number>;
  /** Per model: batches that failed validation with `token_limit_exceeded` because its queue was full. */
  queueRejections: Record<string, number>;
  /** When (ms since the epoch) the first direct model call arrived and the last one was answered 200; null before. */
  firstModelCallAt: number | null;
  lastModelAnswerAt: number | null;
  /** The tokens the rate limits counted for the direct model calls answered 200 (prompt plus most output tokens). */
  modelTokensAdmitted: number;
}

function increment(counts: Record<string, number>, key: string, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by;
}

/** Collects `SimulatorStats`. */
export class StatsCollector {
  private stats = StatsCollector.empty();

  private static empty(): SimulatorStats {
    return {
      routes: {},
      statusCodes: {},
      batchCustomIds: {},
      chatCompletionCalls: 0,
      directRequestIds: {},
      directRequestIdsAnswered: {},
      queueRejections: {},
      firstModelCallAt: null,
      lastModelAnswerAt: null,
      modelTokensAdmitted: 0,
    };
  }

  route(route: string): void {
    increment(this.stats.routes, route);
  }

  status(code: number): void {
    increment(this.stats.statusCodes, String(code));
  }

  batchCustomId(customId: string): void {
    increment(this.stats.batchCustomIds, customId);
  }

  /** A direct call of a model endpoint arrived (chat completions calls are also counted on their own). */
  modelCall(path: string, clientRequestId: string | undefined): void {
    this.stats.firstModelCallAt ??= Date.now();
    if (path === '/v1/chat/completions') this.stats.chatCompletionCalls += 1;
    if (clientRequestId !== undefined) increment(this.stats.directRequestIds, clientRequestId);
  }

  modelAnswered(clientRequestId: string | undefined, tokens: number): void {
    this.stats.lastModelAnswerAt = Date.now();
    this.stats.modelTokensAdmitted += tokens;
    if (clientRequestId !== undefined) increment(this.stats.directRequestIdsAnswered, clientRequestId);
  }

  queueRejection(model: string): void {
    increment(this.stats.queueRejections, model);
  }

  /** A deep copy, safe to keep while the simulator goes on counting. */
  snapshot(): SimulatorStats {
    return structuredClone(this.stats);
  }

  reset(): void {
    this.stats = StatsCollector.empty();
  }
}
