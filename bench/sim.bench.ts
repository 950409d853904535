// Throughput of the simulator: direct chat completions over HTTP, and a 10,000-line batch from upload to output.
import { performance } from 'node:perf_hooks';
import { batchLine, chatBody, createBatch, readJsonl, startHarness, waitForBatch } from '../test/support/sim/simHelpers';
import { reportFigures } from './report';

async function main(): Promise<void> {
  const { sim, client } = await startHarness({ batchSeconds: 1 });
  try {
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'warm up' }] });
    const chatCount = 500;
    let started = performance.now();
    await Promise.all(
      Array.from({ length: chatCount }, (_, i) => client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `Question ${i}` }] })),
    );
    const chatPerSecond = chatCount / ((performance.now() - started) / 1000);

    const lineCount = 10_000;
    const lines = Array.from({ length: lineCount }, (_, i) => batchLine(`id-${i}`, chatBody(`UTTERANCE:\nLine ${i} is great!`)));
    started = performance.now();
    const created = await createBatch(client, lines);
    const createMs = performance.now() - started;
    started = performance.now();
    const batch = await waitForBatch(client, created.id, undefined, 120_000);
    const output = await readJsonl(client, batch.output_file_id as string);
    const finishMs = performance.now() - started;
    if (output.length !== lineCount) throw new Error(`expected ${lineCount} output lines, got ${output.length}`);
    reportFigures('sim', {
      chat_completions_per_second: Math.round(chatPerSecond),
      batch_10k_upload_and_create_ms: Math.round(createMs),
      batch_10k_run_and_download_ms: Math.round(finishMs),
    });
  } finally {
    await sim.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
