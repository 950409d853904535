import assert from 'node:assert/strict';
import { EstimateProgress } from '../../../src/cli/estimate/progress';

function terminal(isTTY: boolean) {
  const written: string[] = [];
  return { isTTY, written, write: (text: string) => written.push(text) > 0 };
}

describe('estimate progress', () => {
  it('shows lines and lines/s on a terminal once a second has passed, and erases itself', () => {
    let now = 0;
    const stream = terminal(true);
    const progress = new EstimateProgress(stream, () => now);
    now = 500;
    progress.update(40_000);
    assert.deepEqual(stream.written, [], 'quiet during the first second');
    now = 2000;
    progress.update(120_000);
    assert.equal(stream.written.at(-1), '\x1b[2K\restimating: 120,000 lines, 60,000 lines/s');
    progress.clear();
    assert.equal(stream.written.at(-1), '\x1b[2K\r');
    progress.clear();
    assert.equal(stream.written.length, 2, 'nothing to erase twice');
  });

  it('writes nothing when the stream is not a terminal', () => {
    let now = 0;
    const stream = terminal(false);
    const progress = new EstimateProgress(stream, () => now);
    now = 5000;
    progress.update(1000);
    progress.clear();
    assert.deepEqual(stream.written, []);
  });
});
