import assert from 'node:assert/strict';
import { parseTaskFile, TaskFileError } from '../../../src/host/loadTaskFile';
import { locateJsonPath } from '../../../src/shared/jsonLocate';

const file = '/work/gpt-batch.json';

/** The problems of an invalid task file text. */
function problemsOf(text: string): TaskFileError['problems'] {
  try {
    parseTaskFile(text, file);
  } catch (error) {
    assert.ok(error instanceof TaskFileError, String(error));
    return error.problems;
  }
  assert.fail('the task file was accepted');
}

/** 1-based line and column of the first occurrence of `needle` in `text`. */
function positionOf(text: string, needle: string): { line: number; column: number } {
  const offset = text.indexOf(needle);
  assert.ok(offset >= 0, needle);
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

const template = {
  input: 'records.jsonl',
  key: 'id',
  messages: [{ role: 'user', content: 'Say {{text}}' }],
  request: { model: 'gpt-4o-mini' },
};

function fileText(tasks: Record<string, unknown>): string {
  return JSON.stringify({ tasks }, null, 2);
}

describe('parseTaskFile', () => {
  it('parses a demo, a template and a module task with their options', () => {
    const specs = parseTaskFile(
      fileText({
        chars: { task: 'demo:char_codes', max_batch_requests: 500, force_direct: true },
        summaries: { ...template, max_retries: 3 },
        custom: { module: './task.js', module_options: { size: 3 } },
      }),
      file,
    );
    assert.deepEqual(
      specs.map((s) => [s.kind, s.name, s.options]),
      [
        ['demo', 'chars', { max_batch_requests: 500, force_direct: true }],
        ['template', 'summaries', { max_retries: 3 }],
        ['module', 'custom', {}],
      ],
    );
  });

  it('reports an unknown key with a suggestion, the task and its line and column', () => {
    const text = fileText({ chars: { task: 'demo:char_codes', max_batch_request: 5 } });
    const [problem, ...rest] = problemsOf(text);
    assert.equal(rest.length, 0);
    assert.match(problem?.message ?? '', /task 'chars': unknown key 'max_batch_request' \(did you mean 'max_batch_requests'\?\)/);
    assert.deepEqual({ line: problem?.line, column: problem?.column }, positionOf(text, '"max_batch_request"'));
  });

  it('reports wrong types of template keys, naming the task and the key', () => {
    const text = fileText({ summaries: { ...template, key: 7, messages: [{ role: 'robot', content: 'x' }] } });
    const problems = problemsOf(text);
    const keyProblem = problems.find((p) => p.message.includes("key 'key'"));
    assert.ok(keyProblem, JSON.stringify(problems));
    assert.match(keyProblem.message, /task 'summaries'/);
    assert.deepEqual({ line: keyProblem.line, column: keyProblem.column }, positionOf(text, '"key": 7'));
    const roleProblem = problems.find((p) => p.message.includes("key 'messages.0.role'"));
    assert.ok(roleProblem, JSON.stringify(problems));
    assert.deepEqual({ line: roleProblem.line, column: roleProblem.column }, positionOf(text, '"role": "robot"'));
  });

  it('reports bad option values, naming the task, the key and where it is', () => {
    const text = fileText({ chars: { task: 'demo:char_codes', max_retries: -1, postprocess_output: 'sometimes' } });
    const problems = problemsOf(text);
    const retries = problems.find((p) => p.message.includes("key 'max_retries'"));
    const mode = problems.find((p) => p.message.includes("key 'postprocess_output'"));
    assert.ok(retries && mode, JSON.stringify(problems));
    assert.match(retries.message, /task 'chars'/);
    assert.deepEqual({ line: retries.line, column: retries.column }, positionOf(text, '"max_retries"'));
    assert.deepEqual({ line: mode.line, column: mode.column }, positionOf(text, '"postprocess_output"'));
  });

  it('reports a bad option value with the value it got', () => {
    const [problem] = problemsOf(fileText({ chars: { task: 'demo:char_codes', max_batch_requests: 'ten' } }));
    assert.equal(problem?.message, `task 'chars', key 'max_batch_requests': expected an integer >= 1, got "ten"`);
  });

  it('names a missing required template key and what it is for, at the task', () => {
    const { key: _key, ...withoutKey } = template;
    const text = fileText({ summaries: withoutKey });
    const problems = problemsOf(text);
    assert.deepEqual(
      problems.map((p) => p.message),
      ["task 'summaries' (a template task) is missing the required key 'key': The field that identifies each record (unique)"],
    );
    assert.equal(problems[0]?.line, positionOf(text, '"summaries"').line);
  });

  it('reports options that contradict each other at the option a layer set', () => {
    const text = fileText({ chars: { task: 'demo:char_codes', min_batch_requests: 50, max_batch_requests: 10 } });
    const [problem] = problemsOf(text);
    assert.match(problem?.message ?? '', /min_batch_requests 50 .* must not exceed max_batch_requests 10/);
    assert.match(problem?.message ?? '', /task 'chars'/);
    assert.equal(problem?.line, positionOf(text, '"min_batch_requests"').line);
  });

  it('reports an unknown demo and a task of no known kind', () => {
    const problems = problemsOf(fileText({ a: { task: 'demo:nope' }, b: { max_retries: 1 } }));
    assert.ok(problems.some((p) => /task 'a', key 'task'/.test(p.message)), JSON.stringify(problems));
    assert.ok(problems.some((p) => /task 'b' must have "task"/.test(p.message)), JSON.stringify(problems));
  });

  it('refuses an API key at its line and column, naming the file and where the key belongs, without showing it', () => {
    const key = 'sk-proj-not-a-real-key';
    const text = fileText({ chars: { task: 'demo:char_codes', openai_api_key: key } });
    const error = (() => {
      try {
        parseTaskFile(text, file);
      } catch (thrown) {
        return thrown;
      }
      assert.fail('the task file was accepted');
    })();
    assert.ok(error instanceof TaskFileError, String(error));
    const { line, column } = positionOf(text, '"openai_api_key"');
    assert.deepEqual(error.problems.map((p) => [p.line, p.column]), [[line, column]]);
    assert.ok(error.message.startsWith(`${file}:${line}:${column}: task 'chars': 'openai_api_key' is not accepted in a task file`), error.message);
    assert.match(error.message, /OPENAI_API_KEY environment variable, pass --openai_api_key, or use the extension's "GPT Batch: Set API Key" command/);
    assert.ok(!error.message.includes(key), 'the message shows the key');
  });

  it('refuses an API key outside the tasks too', () => {
    const text = JSON.stringify({ openai_api_key: 'sk-x', tasks: { chars: { task: 'demo:char_codes' } } }, null, 2);
    const [problem, ...rest] = problemsOf(text);
    assert.equal(rest.length, 0);
    assert.match(problem?.message ?? '', /^'openai_api_key' is not accepted in a task file/);
    assert.deepEqual({ line: problem?.line, column: problem?.column }, positionOf(text, '"openai_api_key"'));
  });

  it('reports JSON syntax errors with their line and column', () => {
    const text = '{\n  "tasks": {\n    "chars": { "task": "demo:char_codes", }\n  }\n}\n';
    const [problem] = problemsOf(text);
    assert.match(problem?.message ?? '', /not valid JSON/);
    assert.deepEqual({ line: problem?.line, column: problem?.column }, positionOf(text, '}\n  }'));
  });

  it('locates keys whose names contain escapes and items of arrays', () => {
    const text = '{\n  "a\\"b": [1, {"x": 2}]\n}';
    assert.deepEqual(locateJsonPath(text, ['a"b', 1, 'x']), { ...positionOf(text, '"x"'), offset: text.indexOf('"x"') });
    assert.deepEqual(locateJsonPath(text, ['a"b', 5])?.line, 2);
  });
});
