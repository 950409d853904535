import { sampleFilters, sampleStates, type TaskSnapshot } from '../shared/taskSnapshot';
import { type BatchGroup, groupOf, type TaskNode } from './taskNodes';

const batchGroups: BatchGroup[] = ['local', 'remote', 'processed', 'direct'];

/**
 * The rows under a task: its summary, its W&B run's link (when it has one), the sample Find Sample found (when there is one), its batches by place, its
 * samples by state, then the sample filters (whose sizes are only known once listed).
 */
export function taskChildren(task: string, snapshot: TaskSnapshot, found: TaskNode | undefined): TaskNode[] {
  const nodes: TaskNode[] = [{ kind: 'summary', task, snapshot }];
  if (snapshot.wandbUrl !== undefined) nodes.push({ kind: 'wandbRun', task, url: snapshot.wandbUrl });
  if (snapshot.error !== undefined || !snapshot.started) return nodes;
  if (found !== undefined) nodes.push(found);
  for (const group of batchGroups) {
    const batches = snapshot.batches.filter((batch) => groupOf(batch) === group);
    nodes.push({ kind: 'batchGroup', task, group, batches, older: group === 'processed' ? snapshot.olderProcessed : 0 });
  }
  for (const group of sampleStates) nodes.push({ kind: 'sampleGroup', task, group, count: snapshot.samples[group] });
  for (const group of sampleFilters) nodes.push({ kind: 'sampleGroup', task, group, count: undefined });
  return nodes;
}
