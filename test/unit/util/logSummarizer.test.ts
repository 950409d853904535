import assert from 'node:assert/strict';
import { LogSummarizer } from '../../../src/engine/util/logSummarizer';

describe('LogSummarizer', () => {
  it('logs the first messages, then one summary of the omitted ones', () => {
    const logged: string[] = [];
    const summarizer = new LogSummarizer((message) => logged.push(message), 2);
    const shown = ['a', 'b', 'c', 'd', 'e'].map((message) => summarizer.log(message));
    summarizer.finalize((omitted, total) => `${omitted} omitted, ${total} total`);
    assert.deepEqual(shown, [true, true, false, false, false]);
    assert.deepEqual(logged, ['a', 'b', '3 omitted, 5 total']);
  });

  it('adds no summary when nothing was omitted, and counts afresh after a reset', () => {
    const logged: string[] = [];
    const summarizer = new LogSummarizer((message) => logged.push(message), 2);
    summarizer.log('a');
    summarizer.log('b');
    summarizer.finalize(() => 'summary');
    summarizer.reset();
    assert.equal(summarizer.log('c'), true);
    assert.deepEqual(logged, ['a', 'b', 'c']);
  });
});
