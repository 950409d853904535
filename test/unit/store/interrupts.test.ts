import assert from 'node:assert/strict';
import path from 'node:path';
import { InterruptedError } from '../../../src/shared/errors';
import { InterruptGate } from '../../../src/engine/store/interrupts';
import { startChild } from '../../support/store/child';
import { PlannedFailure } from '../../support/store/tempDir';

describe('InterruptGate', () => {
  it('holds an abort that arrives during a unit and raises it once the unit has finished', async () => {
    const controller = new AbortController();
    const gate = new InterruptGate(controller.signal);
    const steps: string[] = [];
    await assert.rejects(
      gate.defer(async () => {
        controller.abort();
        steps.push(`requested=${gate.requested}`);
        gate.checkpoint();
        steps.push(`signal aborted=${gate.signal.aborted}`);
        steps.push('unit finished');
      }),
      InterruptedError,
    );
    assert.deepEqual(steps, ['requested=true', 'signal aborted=false', 'unit finished']);
    assert.equal(gate.signal.aborted, true);
  });

  it('lets the unit’s own error win over a pending interrupt', async () => {
    const gate = new InterruptGate();
    await assert.rejects(
      gate.defer(async () => {
        gate.request('Stop');
        throw new PlannedFailure();
      }),
      PlannedFailure,
    );
    assert.throws(() => gate.checkpoint(), /Interrupted \(Stop\)/);
  });

  it('raises only when the outermost of nested units ends', async () => {
    const gate = new InterruptGate();
    const steps: string[] = [];
    await assert.rejects(
      gate.defer(async () => {
        await gate.defer(async () => gate.request());
        steps.push('inner unit ended without raising');
      }),
      InterruptedError,
    );
    assert.deepEqual(steps, ['inner unit ended without raising']);
  });

  it('raises at a checkpoint outside units, and an abort before construction counts', () => {
    const controller = new AbortController();
    controller.abort('SIGTERM');
    const gate = new InterruptGate(controller.signal);
    assert.throws(() => gate.checkpoint(), /Interrupted \(SIGTERM\)/);
    assert.doesNotThrow(() => new InterruptGate().checkpoint());
  });

  it('cuts a sleep short when an interrupt is requested', async () => {
    const gate = new InterruptGate();
    const sleeping = gate.sleep(60_000);
    gate.request('Stop');
    await assert.rejects(sleeping, InterruptedError);
  });

  it('does not cut a sleep inside a unit short', async () => {
    const gate = new InterruptGate();
    let slept = false;
    await assert.rejects(
      gate.defer(async () => {
        const sleeping = gate.sleep(10);
        gate.request();
        await sleeping;
        slept = true;
      }),
      InterruptedError,
    );
    assert.equal(slept, true);
  });

  it('delivers a SIGINT sent to a process during a deferred section after the section', async function () {
    this.timeout(60_000);
    const child = startChild(path.join(__dirname, '../../support/store/deferredSigintChild.ts'));
    await child.waitForLine(/^unit-start$/);
    child.process.kill('SIGINT');
    const { code, signal } = await child.exited;
    assert.deepEqual({ code, signal }, { code: 0, signal: null });
    assert.deepEqual(child.lines, ['unit-start', 'signal-seen-in-unit requested=true', 'unit-end', 'after-unit InterruptedError']);
  });

  it('asks to wait on a second Ctrl+C and exits with 130 on a third, saying what is lost', async function () {
    this.timeout(60_000);
    const child = startChild(path.join(__dirname, '../../support/store/signalHandlersChild.ts'));
    await child.waitForLine(/^ready$/);
    child.process.kill('SIGINT');
    await child.waitForLine(/^Received SIGINT: stopping at the next safe point \(the current unit of work finishes first\)\.\.\.$/);
    child.process.kill('SIGINT');
    await child.waitForLine(/still finishing the current unit of work.*third Ctrl\+C forces an exit/);
    child.process.kill('SIGINT');
    const { code } = await child.exited;
    assert.equal(code, 130);
    assert.match(child.lines.join('\n'), /unsaved work of the current unit is lost, saved state stays consistent/);
  });
});
