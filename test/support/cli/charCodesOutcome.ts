import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { charCodesSamples } from '../../../src/demos/charCodes/characters';
import { TaskState } from '../../../src/engine/taskManager/taskState';
import { loadTaskStateAt } from '../taskManager/taskStateAt';

/** The characters of the char_codes output file, in file order, read from its text (so that duplicates show). */
export function outputChars(taskDir: string, prefix = 'char_codes'): string[] {
  const text = fs.readFileSync(path.join(taskDir, `${prefix}_output.json`), 'utf8');
  JSON.parse(text);
  // Each character is a key at indent 4 whose value is an object; values are nested deeper.
  return [...text.matchAll(/^ {4}("(?:[^"\\]|\\.)*"): \{$/gm)].map((match) => JSON.parse(match[1] as string) as string);
}

/** What a finished char_codes task holds. */
export interface CharCodesOutcome {
  succeeded: number;
  failed: number;
  outputChars: string[];
}

/**
 * Asserts that a char_codes task is complete and consistent: every one of its samples is committed and has exactly
 * one final result (succeeded or failed, not both), every succeeded character is in the output exactly once and
 * no failed one is, and the task state passes the engine's own clean validation.
 */
export async function assertCharCodesComplete(taskDir: string, prefix = 'char_codes'): Promise<CharCodesOutcome> {
  const state = loadTaskStateAt(taskDir);
  assert.ok(state, `no task state in ${taskDir}`);
  state.validate(true);
  const samples = charCodesSamples();
  const chars = outputChars(taskDir, prefix);
  const duplicates = chars.filter((char, index) => chars.indexOf(char) !== index);
  assert.deepEqual(duplicates, [], 'characters that appear more than once in the output');
  const inOutput = new Set(chars);
  let succeeded = 0;
  let failed = 0;
  const problems: string[] = [];
  for (const sample of samples) {
    const s = Object.hasOwn(state.succeeded_samples, sample.key);
    const f = Object.hasOwn(state.failed_samples, sample.key);
    if (!Object.hasOwn(state.committed_samples, sample.key)) problems.push(`${sample.key}: not committed`);
    else if (s === f) problems.push(`${sample.key}: ${s ? 'both succeeded and failed' : 'no final result'}`);
    else if (s !== inOutput.has(sample.char)) problems.push(`${sample.key}: ${s ? 'succeeded but missing from' : 'failed but present in'} the output`);
    if (s) succeeded += 1;
    if (f) failed += 1;
  }
  assert.deepEqual(problems.slice(0, 20), [], `${problems.length} samples are inconsistent`);
  assert.equal(chars.length, succeeded, 'output characters other than the succeeded samples');
  assert.equal(Object.keys(state.committed_samples).length, samples.length, 'committed samples other than the demo samples');
  return { succeeded, failed, outputChars: chars };
}
