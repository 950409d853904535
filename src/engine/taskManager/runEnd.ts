import type { CommittedTask } from '../../shared/committedTask';
import { addTokensCost, zeroTokensCost } from '../requester/accounting';
import { reasonsNotToPush } from '../requester/pushing';
import type { Requester } from '../requester/requester';
import type { TaskState } from './taskState';

/** Why a task manager run ended; hosts turn it into their closing line. */
export type RunEnd =
  /** Every request is done and processed. */
  | { kind: 'complete' }
  /** A dry run: one step in memory, nothing sent or saved. */
  | { kind: 'dryrun' }
  /** `commit_only`: the whole task is committed (and piloted) and nothing was pushed; what it is estimated at. */
  | { kind: 'committed'; committed: CommittedTask }
  /** The `run` option was off (status only); `complete` says whether nothing is left in progress. */
  | { kind: 'statusOnly'; complete: boolean }
  /** Limits kept every unpushed batch back: their option names (e.g. `max_session_requests`), and whether they are
   *  all session limits, which the next run starts afresh. */
  | { kind: 'limited'; options: string[]; sessionOnly: boolean }
  /** Work is left for another reason (e.g. only-process mode, or batches that cannot be pushed). */
  | { kind: 'workLeft' };

const limitOptions: Record<string, string> = {
  'Max task requests': 'max_task_requests',
  'Max task tokens': 'max_task_ktokens',
  'Max task cost': 'max_task_cost',
  'Max session requests': 'max_session_requests',
  'Max session tokens': 'max_session_ktokens',
  'Max session cost': 'max_session_cost',
  'Max remote batches': 'max_remote_batches',
  'Max remote requests': 'max_remote_requests',
  'Max remote size': 'max_remote_mb',
  'Max remote tokens': 'max_remote_ktokens',
  'Max remote cost': 'max_remote_cost',
};

/** The limits that keep the unpushed batches back, as a `limited` end; `workLeft` when no limit is the reason. */
export function limitsEnd(r: Requester): RunEnd {
  const remote = { count: 0, requests: 0, size: 0, tokensCost: zeroTokensCost() };
  for (const b of r.remoteBatches) {
    remote.count += 1;
    remote.requests += b.num_requests;
    remote.size += b.local_jsonl_size;
    remote.tokensCost = addTokensCost(remote.tokensCost, b.tokens_cost);
  }
  const reached = new Set<string>();
  for (const batch of r.unpushedBatches) {
    for (const reason of reasonsNotToPush(r, batch, remote)) {
      const option = limitOptions[reason];
      if (option !== undefined) reached.add(option);
    }
  }
  if (reached.size === 0) return { kind: 'workLeft' };
  const options = [...reached].sort();
  return { kind: 'limited', options, sessionOnly: options.every((option) => option.startsWith('max_session_')) };
}
/** True when nothing is queued, batched or pending and at least one sample was committed. */
export function nothingInProgress(r: Requester, state: TaskState): boolean {
  const summary = state.summary();
  return summary.committed > 0 && summary.pending === 0 && r.queue.length === 0 && r.unpushedBatches.length === 0 && r.remoteBatches.length === 0;
}
