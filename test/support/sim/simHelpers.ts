import OpenAI, { toFile } from 'openai';
import type { Batch } from 'openai/resources/batches';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../../src/sim/simulator';

/** A simulator and an official openai client pointed at it (no client retries unless asked for). */
export interface SimHarness {
  sim: Simulator;
  client: OpenAI;
}

/** Starts a simulator (fast batches by default) with a client; close it with `sim.close()`. */
export async function startHarness(options: SimulatorOptions = {}, maxRetries = 0): Promise<SimHarness> {
  const sim = await startSimulator({ batchSeconds: 0.3, ...options });
  return { sim, client: new OpenAI({ apiKey: options.apiKey ?? 'sim', baseURL: sim.baseUrl, maxRetries }) };
}

/** One chat completions line of a batch input file. */
export function batchLine(customId: string, body: Record<string, unknown>, url = '/v1/chat/completions'): string {
  return JSON.stringify({ custom_id: customId, method: 'POST', url, body });
}

/** A minimal chat completion request body. */
export function chatBody(text: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model: 'gpt-4o-mini', messages: [{ role: 'user', content: text }], ...extra };
}

/** Uploads JSONL text as a batch input file. */
export async function uploadJsonl(client: OpenAI, lines: string[], filename = 'input.jsonl'): Promise<string> {
  const file = await client.files.create({ file: await toFile(Buffer.from(`${lines.join('\n')}\n`), filename), purpose: 'batch' });
  return file.id;
}

/** Uploads the lines and creates a chat completions batch on them. */
export async function createBatch(client: OpenAI, lines: string[], metadata?: Record<string, string>): Promise<Batch> {
  const inputFileId = await uploadJsonl(client, lines);
  return client.batches.create({ input_file_id: inputFileId, endpoint: '/v1/chat/completions', completion_window: '24h', ...(metadata ? { metadata } : {}) });
}

const finished = new Set(['completed', 'failed', 'expired', 'cancelled']);

/** Polls a batch until `done` holds (default: a finished status); fails after `timeoutMs`. */
export async function waitForBatch(client: OpenAI, batchId: string, done: (batch: Batch) => boolean = (b) => finished.has(b.status), timeoutMs = 15_000): Promise<Batch> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const batch = await client.batches.retrieve(batchId);
    if (done(batch)) return batch;
    if (Date.now() > deadline) throw new Error(`Batch ${batchId} still '${batch.status}' after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The parsed lines of a JSONL file stored on the simulator. */
export async function readJsonl(client: OpenAI, fileId: string): Promise<Record<string, unknown>[]> {
  const text = await (await client.files.content(fileId)).text();
  return text
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
