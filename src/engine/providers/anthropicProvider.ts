import type Anthropic from '@anthropic-ai/sdk';
import { EngineError, InvalidInputError } from '../../shared/errors';
import { anthropicEndpoint } from '../../shared/options';
import type { RemoteBatch } from '../../shared/requesterState';
import type { BatchProvider, InterruptedPush, ProviderFile } from './batchProvider';
import { anthropicSdk } from './anthropicSdk';
import { engineBatch, engineError, engineResultLine, inputFilePrefix, resultsFilePrefix } from './anthropicWire';

/** Anthropic's Message Batches limits: requests and bytes of one batch. */
export const anthropicBatchLimits = { requests: 100_000, bytes: 256 * 1024 * 1024 };

/**
 * A batch created this long before its push was recorded as started still counts as that push's (clock skew
 * between this machine and the provider).
 */
const pushClockSlackSeconds = 300;

async function translated<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw engineError(error, anthropicSdk());
  }
}

/**
 * Anthropic's Message Batches and Messages APIs through the official `@anthropic-ai/sdk` client. A batch's requests
 * travel inside its create call, so "uploading" keeps the input file's lines until the batch is created; the results
 * of an ended batch are its output file; deleting that file deletes the ended batch (as the engine deletes OpenAI's
 * output files once a batch is processed).
 *
 * Anthropic batches carry no metadata, so a push that a crash cut short between creating the batch and recording it
 * is recognised by its shape: the one batch created since the push started with the same number of requests. When
 * none or several match, the local batch is pushed again (and a warning names the candidates to cancel).
 */
export function anthropicProvider(client: Anthropic, warn: (message: string) => void): BatchProvider {
  const inputs = new Map<string, Buffer>();
  return {
    name: 'anthropic',
    endpoints: [anthropicEndpoint],
    async uploadFile(content, filename) {
      if (content.length > anthropicBatchLimits.bytes) throw new InvalidInputError(`Batch file ${filename} has ${content.length} bytes, more than the ${anthropicBatchLimits.bytes} bytes an Anthropic batch may have; lower max_batch_mb`);
      const id = `${inputFilePrefix}${filename}`;
      inputs.set(id, content);
      return { id, bytes: content.length, filename };
    },
    async createBatch({ file }) {
      const content = inputs.get(file.id);
      if (content === undefined) throw new EngineError('api', `The input ${file.id} of a batch to create is not held any more`);
      inputs.delete(file.id);
      const requests = content
        .toString('utf8')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => {
          const { custom_id: customId, body } = JSON.parse(line) as { custom_id: string; body: Anthropic.Messages.MessageCreateParamsNonStreaming };
          return { custom_id: customId, params: body };
        });
      if (requests.length > anthropicBatchLimits.requests) throw new InvalidInputError(`Batch ${file.filename ?? file.id} has ${requests.length} requests, more than the ${anthropicBatchLimits.requests} of an Anthropic batch; lower max_batch_requests`);
      return engineBatch(await translated(() => client.messages.batches.create({ requests })), file.id);
    },
    async retrieveBatch(batchId, inputFileId) {
      return engineBatch(await translated(() => client.messages.batches.retrieve(batchId)), inputFileId);
    },
    async cancelBatch(batchId) {
      // The input file stands for the batch's requests, which no engine record is needed for here.
      return engineBatch(await translated(() => client.messages.batches.cancel(batchId)), `${inputFilePrefix}${batchId}`);
    },
    async downloadFile(fileId) {
      if (!fileId.startsWith(resultsFilePrefix)) throw new EngineError('api', `${fileId} is not the results of an Anthropic batch`);
      const lines: string[] = [];
      await translated(async () => {
        for await (const item of await client.messages.batches.results(fileId.slice(resultsFilePrefix.length))) lines.push(JSON.stringify(engineResultLine(item)));
      });
      return lines.join('\n');
    },
    async deleteFile(fileId) {
      if (fileId.startsWith(inputFilePrefix)) inputs.delete(fileId);
      else if (fileId.startsWith(resultsFilePrefix)) await translated(() => client.messages.batches.delete(fileId.slice(resultsFilePrefix.length)));
    },
    async *listFiles() {
      // Nothing is uploaded to Anthropic, so no upload can be left behind.
    },
    findInterruptedPushes: (pushes) => translated(() => findPushedBatches(client, pushes, warn)),
    directRetries: client.maxRetries,
    async callDirect(_wire, payload, options) {
      return translated(() => client.messages.create(payload as unknown as Anthropic.Messages.MessageCreateParamsNonStreaming, options).withResponse());
    },
  };
}

async function findPushedBatches(client: Anthropic, pushes: InterruptedPush[], warn: (message: string) => void): Promise<Map<string, RemoteBatch>> {
  const oldest = Math.min(...pushes.map((p) => p.startedAt)) - pushClockSlackSeconds;
  const recent: Anthropic.Messages.MessageBatch[] = [];
  for await (const batch of client.messages.batches.list({ limit: 100 })) {
    if (Date.parse(batch.created_at) / 1000 < oldest) break;
    if (batch.cancel_initiated_at === null) recent.push(batch);
  }
  const found = new Map<string, RemoteBatch>();
  const taken = new Set<string>();
  for (const push of pushes) {
    const candidates = recent.filter((b) => {
      const c = b.request_counts;
      return !taken.has(b.id) && Date.parse(b.created_at) / 1000 >= push.startedAt - pushClockSlackSeconds && c.processing + c.succeeded + c.errored + c.canceled + c.expired === push.numRequests;
    });
    const [only] = candidates;
    if (candidates.length === 1 && only !== undefined) {
      taken.add(only.id);
      const file: ProviderFile = { id: `${inputFilePrefix}${push.token}`, bytes: 0 };
      found.set(push.token, { file, batch: engineBatch(only, file.id), finished: false });
    } else if (candidates.length > 1) {
      warn(`An interrupted push could be any of the Anthropic batches ${candidates.map((b) => b.id).join(', ')} (each has ${push.numRequests} requests): pushing it again; cancel the one that is this task's`);
    }
  }
  return found;
}
