import assert from 'node:assert/strict';
import { taskKeyLocations } from '../../../src/extension/taskFile';

describe('task keys of a task file (where the Run lenses go)', () => {
  it('finds each task key under "tasks", in file order, with its 1-based line and column', () => {
    const text = ['{', '  "tasks": {', '    "first": { "task": "demo:char_codes" },', '    "second": {', '      "task": "demo:utterance_emotion"', '    }', '  }', '}'].join('\n');
    assert.deepEqual(taskKeyLocations(text), [
      { task: 'first', line: 3, column: 5 },
      { task: 'second', line: 4, column: 5 },
    ]);
  });

  it('is not fooled by a key named like a task elsewhere in the file', () => {
    const text = '{"meta": {"first": 1}, "tasks": {"first": {"task": "demo:char_codes"}}}';
    assert.deepEqual(taskKeyLocations(text), [{ task: 'first', line: 1, column: 34 }]);
  });

  it('gives no location for a text that is not a task file yet (mid-edit, or without "tasks")', () => {
    assert.deepEqual(taskKeyLocations('{"tasks": {"first": '), []);
    assert.deepEqual(taskKeyLocations('{"jobs": {}}'), []);
  });
});
