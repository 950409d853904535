import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';

/** The models of the generated requests, in turn. */
export const requestModels = ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1-nano'] as const;

/**
 * Writes `count` short chat requests as Batch API input lines. Line `i` asks about order `i % 97`, so every block
 * of 3 × 97 lines has the same token counts whatever its index (numbers up to 3 digits are one token each).
 */
export async function writeChatRequests(file: string, count: number): Promise<void> {
  const out = createWriteStream(file);
  let chunk = '';
  for (let i = 0; i < count; i += 1) {
    const body = {
      model: requestModels[i % requestModels.length],
      messages: [
        { role: 'system', content: 'You classify customer messages.' },
        { role: 'user', content: `My order ${i % 97} arrived late, what can I do?` },
      ],
      max_completion_tokens: 100,
    };
    chunk += `${JSON.stringify({ custom_id: `request-${i}`, method: 'POST', url: '/v1/chat/completions', body })}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      chunk = '';
    }
  }
  out.end(chunk);
  await finished(out);
}
