import type { RunEnd } from '../engine';
import { wholeTaskEstimate } from '../shared/committedTask';

/** The last line of a task command: what is true of the task now, and what to do next. */
export function closingLine(prefix: string, taskDir: string, end: RunEnd): string {
  const files = `(files in ${taskDir})`;
  switch (end.kind) {
    case 'complete':
      return `Task '${prefix}' is complete; its output is in ${taskDir}`;
    case 'dryrun':
      return `Dry run of task '${prefix}' finished: nothing was sent and nothing was saved; run without --dryrun to do the work ${files}`;
    case 'committed':
      return `Task '${prefix}' is committed and nothing was pushed: ${end.committed.requests} requests to send, ${wholeTaskEstimate(end.committed).toFixed(4)} in total; run without --commit_only to push them ${files}`;
    case 'statusOnly':
      return end.complete
        ? `Task '${prefix}' is complete: every committed sample is finished and nothing is queued; its output is in ${taskDir}`
        : `Task '${prefix}' has work left; run it to continue ${files}`;
    case 'limited': {
      const options = end.options.map((option) => `--${option}`).join(', ');
      return end.sessionOnly
        ? `Task '${prefix}' stopped at the session limit ${options}; run the same command again to continue in a new session ${files}`
        : `Task '${prefix}' stopped at the limit ${options}; raise it to continue ${files}`;
    }
    case 'workLeft':
      return `Task '${prefix}' has work left; run the same command again to continue ${files}`;
  }
}
