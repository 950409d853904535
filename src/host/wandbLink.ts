import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { MetricsSink } from '../engine/wandb/metricsSink';
import { safeWriteFile } from '../engine/store/safeWrite';

/**
 * The web link of the task's last online W&B run, kept beside the task's files so that the editor can show it while
 * the task runs and after (W&B runs are created per run unless `wandb_run_id` is set, so only the run knows it).
 */

/** The file in a task directory that holds the link, named like the task's other files. */
export function wandbLinkPath(taskDir: string, prefix: string): string {
  return path.join(taskDir, `${prefix}_wandb_run.json`);
}

/** Records the run's link once the run is open; an offline run has none and leaves the last one in place. */
export async function recordWandbLink(taskDir: string, prefix: string, sink: MetricsSink, openedAt: number): Promise<MetricsSink> {
  if (sink.url !== undefined) await safeWriteFile(wandbLinkPath(taskDir, prefix), `${JSON.stringify({ url: sink.url, opened_at: openedAt })}\n`);
  return sink;
}

/** The link of the task's last online W&B run; undefined when it never had one or the file cannot be read as one. */
export async function readWandbLink(taskDir: string, prefix: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(wandbLinkPath(taskDir, prefix), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const { url } = JSON.parse(text) as { url?: unknown };
    return typeof url === 'string' && /^https?:\/\//.test(url) ? url : undefined;
  } catch {
    // A damaged link file loses only a convenience: the log holds the link too, and the next run rewrites it.
    return undefined;
  }
}
