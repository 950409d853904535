import OpenAI, { toFile } from 'openai';
import { anthropicEndpoint } from '../../shared/options';
import type { RemoteBatch } from '../../shared/requesterState';
import { supportedEndpoints } from '../endpoints/endpointRegistry';
import type { BatchProvider, ProviderBatch, ProviderFile } from './batchProvider';

/** OpenAI's Files and Batches APIs through the official client: the engine's vocabulary, passed through. */
export function openaiProvider(client: OpenAI): BatchProvider {
  return {
    name: 'openai',
    endpoints: supportedEndpoints.filter((e) => e !== anthropicEndpoint),
    async uploadFile(content, filename) {
      return (await client.files.create({ file: await toFile(content, filename), purpose: 'batch' })) as unknown as ProviderFile;
    },
    async createBatch({ file, endpoint, metadata, outputExpiresAfterSeconds }) {
      return (await client.batches.create({
        input_file_id: file.id,
        endpoint: endpoint as OpenAI.Batches.BatchCreateParams['endpoint'],
        completion_window: '24h',
        metadata,
        output_expires_after: { anchor: 'created_at', seconds: outputExpiresAfterSeconds },
      })) as unknown as ProviderBatch;
    },
    async retrieveBatch(batchId) {
      return (await client.batches.retrieve(batchId)) as unknown as ProviderBatch;
    },
    async cancelBatch(batchId) {
      return (await client.batches.cancel(batchId)) as unknown as ProviderBatch;
    },
    async downloadFile(fileId) {
      return (await client.files.content(fileId)).text();
    },
    async deleteFile(fileId) {
      await client.files.delete(fileId);
    },
    async *listFiles() {
      for await (const file of client.files.list({ purpose: 'batch' })) yield file as unknown as ProviderFile & { filename: string };
    },
    async findInterruptedPushes(pushes, taskId) {
      const oldest = Math.min(...pushes.map((p) => p.startedAt)) - 3600;
      const tokens = new Set(pushes.map((p) => p.token));
      const found = new Map<string, RemoteBatch>();
      for await (const remote of client.batches.list({ limit: 100 })) {
        const token = remote.metadata?.push_token;
        // A cancelled batch of an interrupted push (`gpt-batch remote clean` cancels those) is not adopted: pushing the
        // local batch again is what the user asked for.
        const cancelled = remote.status === 'cancelling' || remote.status === 'cancelled';
        if (token && tokens.has(token) && remote.metadata?.task_id === taskId && !cancelled && !found.has(token)) {
          const file = await client.files.retrieve(remote.input_file_id);
          const batch = remote as unknown as ProviderBatch;
          found.set(token, { file: file as unknown as ProviderFile, batch, finished: false });
        }
        if (remote.created_at < oldest) break;
      }
      return found;
    },
    directRetries: client.maxRetries,
    callDirect: (wire, payload, options) => wire.callDirect(client, payload, options),
  };
}
