import type { VerboseExchange } from '../protocol/messages';

/**
 * Picks the requests out of the engine's `direct_verbose` log blocks (requester/verbose.ts), so the editor can open
 * them as documents. A block holds `REQUEST ID: N`, then `REQUEST JSON: {…}` and, once executed, `RESPONSE INFO: {…}`,
 * each section starting at the beginning of a line; the JSON inside is indented, so no section marker can occur in it.
 */

const sectionPattern = /^(REQUEST ID|METHOD|ENDPOINT|REQUEST INFO|REQUEST JSON|RESPONSE INFO|WARNING INFOS|ERROR INFO): /gm;

/** The exchange a log line describes, or undefined for any other line. Throws a SyntaxError if a block's JSON is cut. */
export function parseVerboseBlock(message: string): VerboseExchange | undefined {
  const sections = new Map<string, string>();
  const matches = [...message.matchAll(sectionPattern)];
  matches.forEach((match, index) => {
    const start = (match.index ?? 0) + match[0].length;
    const end = matches[index + 1]?.index ?? message.length;
    sections.set(match[1] as string, message.slice(start, end).trim());
  });
  const id = sections.get('REQUEST ID');
  const request = sections.get('REQUEST JSON');
  if (id === undefined || request === undefined || !/^\d+$/.test(id)) return undefined;
  const response = sections.get('RESPONSE INFO');
  return { requestId: Number(id), request: JSON.parse(request), ...(response === undefined ? {} : { response: JSON.parse(response) }) };
}
