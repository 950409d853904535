// Time of one refresh of the task dashboard's data on a task of 1M answered samples (target: at most 100 ms), read
// the way the editor reads it: the read-only database query of src/host/dashboardData.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TaskDb, taskDbPath } from '../src/engine/db/taskDb';
import { readDashboardData } from '../src/host/dashboardData';
import { reportFigures } from './report';
import { writeFinishedTask } from './support/largeTask';
import { machineLoad, measure, median, round } from './support/measure';

const samples = 1_000_000;
const refreshes = 15;
const targetMs = 100;
const caps = { max_task_cost: 1000, max_session_cost: 500, max_batch_cost: 50, max_remote_cost: 150, max_direct_cost: 5 };

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dashboard-bench-'));
  try {
    writeFinishedTask(dir, 'bench', samples);
    // Completion tokens spread over the requests' 20 max output tokens, so the distribution has something to count.
    const db = TaskDb.openForWriting(taskDbPath(dir));
    db.exec("UPDATE results SET usage = json_object('completion_tokens', request_id % 21)");
    db.close();

    const times: number[] = [];
    let last = readDashboardData(dir, 'bench', caps);
    for (let i = 0; i < refreshes; i += 1) {
      const { value, wallMs } = await measure(() => readDashboardData(dir, 'bench', caps));
      last = value;
      times.push(wallMs);
    }
    const refreshMs = round(median(times), 1);
    reportFigures('dashboard', {
      samples,
      processedBatches: last.batches.length + last.olderBatches,
      progressPoints: last.progress.length,
      ratiosCounted: last.completionRatios.counted,
      refreshMedianMs: refreshMs,
      refreshMaxMs: round(Math.max(...times), 1),
      targetMs,
      load: machineLoad(),
    });
    if (last.samples.succeeded !== samples || last.completionRatios.counted === 0) throw new Error('the dashboard did not read the fixture');
    if (refreshMs > targetMs) {
      console.error(`A dashboard refresh took ${refreshMs} ms (median), above the ${targetMs} ms target`);
      process.exitCode = 1;
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
