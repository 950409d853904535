import type { Requester } from './requester';
import type { ResultInfo } from './results';

/** Verbose printing of direct requests and responses (`direct_verbose`, engine.md 6.8). */

const verboseRank = { never: 0, error: 1, warn: 2, always: 3 } as const;

function qualifies(mode: keyof typeof verboseRank, result: ResultInfo): boolean {
  const rank = verboseRank[mode];
  if (rank >= verboseRank.always) return true;
  if (rank >= verboseRank.warn && result.warn_infos.length > 0) return true;
  return rank >= verboseRank.error && result.err_info !== null;
}

/** Long `data:…;base64,…` strings shortened, so images do not flood the terminal. */
function shorten(_key: string, value: unknown): unknown {
  if (typeof value === 'string' && value.startsWith('data:') && value.length > 80) return `${value.slice(0, 60)}...`;
  return value;
}

function block(r: Requester, result: ResultInfo): string {
  const lines = [
    '─'.repeat(100),
    `REQUEST ID: ${result.req_id}`,
    'METHOD: POST',
    `ENDPOINT: ${r.endpoint}`,
    `REQUEST INFO: ${JSON.stringify({ meta: result.req_info.meta, retry_num: result.req_info.retry_num, tokens_cost: result.req_info.tokens_cost, parse_info: result.req_info.parse_info })}`,
    `REQUEST JSON: ${JSON.stringify(result.req_payload, shorten, 2)}`,
  ];
  if (result.resp_info !== null) lines.push(`RESPONSE INFO: ${JSON.stringify(result.resp_info, shorten, 2)}`);
  if (result.warn_infos.length > 0) lines.push(`WARNING INFOS: ${JSON.stringify(result.warn_infos, null, 2)}`);
  if (result.err_info !== null) lines.push(`ERROR INFO: ${JSON.stringify(result.err_info, null, 2)}`);
  return lines.join('\n');
}

/**
 * Prints the results that `direct_verbose` selects, each at most once: right after execution if it qualifies
 * then, otherwise after task processing (the task may have added an error); call it at both points.
 */
export function printVerbose(r: Requester, results: ResultInfo[]): void {
  const mode = r.options.direct_verbose;
  if (mode === 'never') return;
  for (const result of results) {
    if (r.verbosePrinted.has(result.req_id) || !qualifies(mode, result)) continue;
    r.verbosePrinted.add(result.req_id);
    r.logger.info(block(r, result));
  }
}
