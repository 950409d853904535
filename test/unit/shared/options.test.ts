import assert from 'node:assert/strict';
import { InvalidInputError } from '../../../src/shared/errors';
import {
  deriveLimits,
  optionDefs,
  optionsJsonSchema,
  resolveEndpoint,
  resolveLockSettings,
  resolveOptions,
  type OptionGroup,
} from '../../../src/shared/options';

/** Defaults as written in the specification tables (engine.md §4.2, §4.3, demos.md §1.1) plus our additions. */
const specDefaults: Record<OptionGroup, Record<string, unknown>> = {
  'GPT requester': {
    dryrun: false,
    only_process: false,
    process_failed_batches: 0,
    retry_fatal_requests: false,
    wipe_requests: false,
    wipe_task: false,
    forget_remote_batch: null,
    openai_api_key: null,
    provider: 'openai',
    anthropic_api_key: null,
    openai_organization: null,
    openai_project: null,
    client_base_url: null,
    client_kwargs: null,
    endpoint: null,
    wandb: null,
    wandb_dir: null,
    wandb_entity: null,
    wandb_project: 'gpt_batch_api',
    wandb_run_id: null,
    wandb_name: null,
    wandb_group: null,
    autocreate_working_dir: true,
    lock_timeout: null,
    lock_poll_interval: null,
    lock_status_interval: null,
    token_estimator_warn: 'once',
    remote_update_interval: 10.0,
    wait_save_interval: 900.0,
    direct_verbose: 'never',
    show_warnings: 50,
    show_errors: 25,
    output_expires_after: 30,
    pilot: 0,
    pilot_update_ratio: false,
    commit_only: false,
    max_retries: 2,
    auto_parse: true,
    cost_input_direct_mtoken: 2.5,
    cost_input_cached_mtoken: 1.25,
    cost_input_batch_mtoken: 1.25,
    cost_input_batch_cached_mtoken: null,
    cost_output_direct_mtoken: 10.0,
    cost_output_batch_mtoken: 5.0,
    assumed_completion_ratio: 0.5,
    max_task_requests: 10000000,
    max_task_ktokens: 5000000,
    max_task_cost: 1000.0,
    max_session_requests: 5000000,
    max_session_ktokens: 2500000,
    max_session_cost: 500.0,
    max_direct_requests: 50,
    max_direct_ktokens: 500,
    max_direct_cost: 5.0,
    direct_concurrency: 256,
    direct_service_tier: null,
    flex_fallback: 'none',
    min_batch_requests: 101,
    max_batch_requests: 50000,
    max_batch_mb: 100,
    max_batch_ktokens: 20000,
    max_batch_cost: 50.0,
    max_unpushed_batches: 5,
    max_remote_batches: 15,
    max_remote_requests: 5000000,
    max_remote_mb: 10000,
    max_remote_ktokens: 60000,
    max_remote_cost: 150.0,
    max_mb_safety: 1.01,
    max_token_safety: 1.05,
    force_direct: false,
    warn_predicted_input_factor: 1.2,
    warn_assumed_completion_factor: 1.6,
    min_pass_ratio: 0.5,
    max_pass_failures: 2,
    image_sizing: 'documented',
    fetch_remote_images: false,
  },
  'Task manager': { run: true, postprocess_output: 'if_written', wipe_failed: false, reinit_meta: false },
  'Task metadata': {
    task: null,
    task_prefix: null,
    task_dir: null,
    chat_endpoint: '/v1/chat/completions',
    model: null,
    max_completion_tokens: null,
    completion_ratio: null,
    temperature: null,
    top_p: null,
    opinions_min: null,
    opinions_max: null,
    confidence: null,
  },
  Program: { simulate: false, config: 'gpt-batch.json' },
};

const fileSource = "gpt-batch.json, task 'demo'";

function resolveFlags(values: Record<string, unknown>) {
  return resolveOptions([{ source: 'command line', values }]);
}

/** The InvalidInputError message `resolve` throws; fails the test if it does not throw one. */
function rejection(resolve: () => unknown): string {
  try {
    resolve();
  } catch (error) {
    assert.ok(error instanceof InvalidInputError, `expected InvalidInputError, got ${String(error)}`);
    return error.message;
  }
  assert.fail('expected the options to be rejected');
}

describe('option definitions', () => {
  it('define exactly the specified options, each in its group with the specified default', () => {
    const actual = Object.fromEntries(
      (Object.keys(specDefaults) as OptionGroup[]).map((group) => [
        group,
        Object.fromEntries(optionDefs.filter((def) => def.group === group).map((def) => [def.name, def.default])),
      ]),
    );
    assert.deepEqual(actual, specDefaults);
  });

  it('have defaults that pass their own validation and a help text', () => {
    for (const def of optionDefs) {
      assert.ok(def.schema.safeParse(def.default).success, `default of ${def.name}`);
      assert.ok(def.help.length > 10, `help of ${def.name}`);
      if (def.flag === 'value' && def.cli !== false) assert.ok(def.metavar, `metavar of ${def.name}`);
    }
  });

  it('resolve to the defaults when nothing is set', () => {
    const resolved = resolveOptions([]);
    const all = { ...resolved.requester, ...resolved.taskManager, ...resolved.meta, ...resolved.program };
    assert.deepEqual(all, Object.assign({}, ...Object.values(specDefaults)));
    assert.equal(resolved.explicit.size, 0);
  });

  it('register the boolean flags as the seed spells them', () => {
    const flagOf = (name: string) => optionDefs.find((def) => def.name === name)?.flag;
    assert.equal(flagOf('dryrun'), 'switch');
    assert.equal(flagOf('auto_parse'), 'negated');
    assert.equal(flagOf('autocreate_working_dir'), 'negated');
    assert.equal(flagOf('run'), 'negated');
    assert.equal(flagOf('wandb'), 'both');
    assert.equal(optionDefs.find((def) => def.name === 'client_kwargs')?.cli, false);
  });
});

describe('resolveOptions', () => {
  it('lets later layers override earlier ones and reports which options were set', () => {
    const resolved = resolveOptions([
      { source: fileSource, values: { max_retries: 5, model: 'gpt-4o-mini', run: false } },
      { source: 'command line', values: { max_retries: 7 } },
    ]);
    assert.equal(resolved.requester.max_retries, 7);
    assert.equal(resolved.meta.model, 'gpt-4o-mini');
    assert.equal(resolved.taskManager.run, false);
    assert.deepEqual([...resolved.explicit].sort(), ['max_retries', 'model', 'run']);
  });

  it('matches direct_verbose case-insensitively and stores the lower-case mode', () => {
    assert.equal(resolveFlags({ direct_verbose: 'ALWAYS' }).requester.direct_verbose, 'always');
    assert.match(rejection(() => resolveFlags({ direct_verbose: 'sometimes' })), /--direct_verbose: expected one of never, error, warn, always/);
  });

  // Scenario 42: every out-of-range value is rejected when the options are resolved.
  const outOfRange: [string, unknown][] = [
    ['min_pass_ratio', 1.5],
    ['max_retries', -1],
    ['remote_update_interval', 0.5],
    ['wait_save_interval', 5],
    ['cost_input_direct_mtoken', -0.1],
    ['cost_output_batch_mtoken', -1],
    ['max_task_cost', -5],
    ['cost_input_batch_cached_mtoken', -1],
    ['max_direct_cost', 0.001],
    ['show_warnings', 0],
    ['max_pass_failures', 0],
    ['max_mb_safety', 0.9],
    ['lock_poll_interval', 0.001],
    ['assumed_completion_ratio', 1.2],
    ['direct_concurrency', 0],
    ['max_batch_requests', 2.5],
    ['confidence', 1],
  ];
  for (const [name, value] of outOfRange) {
    it(`rejects ${name} ${value} naming the flag and what was expected`, () => {
      const message = rejection(() => resolveFlags({ [name]: value }));
      assert.match(message, new RegExp(`^command line: --${name}: expected .+, got ${value}$`));
    });
  }

  it('rejects max_remote_ktokens below an explicit max_batch_ktokens, naming both options', () => {
    const message = rejection(() => resolveFlags({ max_batch_ktokens: 20000, max_remote_ktokens: 5000 }));
    assert.equal(message, '--max_batch_ktokens 20000 (command line) must not exceed --max_remote_ktokens 5000 (command line)');
  });

  it('lowers batch limits that were not set to the remote limits that were', () => {
    const { requester, explicit } = resolveFlags({
      max_remote_requests: 40000,
      max_remote_mb: 50,
      max_remote_ktokens: 5000,
      max_remote_cost: 20,
    });
    assert.equal(requester.max_batch_requests, 40000);
    assert.equal(requester.max_batch_mb, 50);
    assert.equal(requester.max_batch_ktokens, 5000);
    assert.equal(requester.max_batch_cost, 20);
    assert.ok(!explicit.has('max_batch_ktokens'));
  });

  it('rejects an explicit batch limit above the default remote limit', () => {
    const message = rejection(() => resolveOptions([{ source: fileSource, values: { max_batch_cost: 200 } }]));
    assert.equal(message, `max_batch_cost 200 (${fileSource}) must not exceed max_remote_cost 150 (default)`);
  });

  it('lowers min_batch_requests to max_batch_requests unless it was set', () => {
    assert.equal(resolveFlags({ max_batch_requests: 50 }).requester.min_batch_requests, 50);
    assert.equal(resolveFlags({ max_remote_requests: 80 }).requester.min_batch_requests, 80);
    const message = rejection(() => resolveFlags({ max_batch_requests: 50, min_batch_requests: 60 }));
    assert.equal(message, '--min_batch_requests 60 (command line) must not exceed --max_batch_requests 50 (command line)');
  });

  it('rejects opinions_min above opinions_max', () => {
    assert.match(rejection(() => resolveFlags({ opinions_min: 6, opinions_max: 5 })), /--opinions_min 6 .* --opinions_max 5/);
  });

  it('names the file source and the plain key for task-file values', () => {
    const message = rejection(() => resolveOptions([{ source: fileSource, values: { max_batch_ktokens: '90' } }]));
    assert.equal(message, `${fileSource}: max_batch_ktokens: expected an integer >= 1, got "90"`);
  });

  it('names the --no_ spelling of a negated option on the command line', () => {
    assert.match(rejection(() => resolveFlags({ run: 'no' })), /^command line: --no_run: expected true or false/);
  });

  it('rejects unknown keys with a suggestion', () => {
    assert.equal(
      rejection(() => resolveOptions([{ source: fileSource, values: { max_bach_requests: 10 } }])),
      `${fileSource}: unknown option max_bach_requests; did you mean max_batch_requests?`,
    );
    assert.equal(
      rejection(() => resolveFlags({ dry_run: true })),
      'command line: unknown option --dry_run; did you mean --dryrun?',
    );
    assert.equal(rejection(() => resolveFlags({ zzzzzz: 1 })), 'command line: unknown option --zzzzzz');
  });

  it('keeps command-line-only and file-only options in their place', () => {
    assert.match(rejection(() => resolveFlags({ client_kwargs: { timeout: 5 } })), /client_kwargs cannot be given on the command line/);
    assert.equal(resolveOptions([{ source: fileSource, values: { client_kwargs: { timeout: 5 } } }]).requester.client_kwargs?.['timeout'], 5);
    assert.match(rejection(() => resolveOptions([{ source: fileSource, values: { config: 'x.json' } }])), /config can only be given on the command line/);
  });

  it('takes the API key from the command line only, and says where it belongs when a file layer sets it', () => {
    assert.equal(resolveFlags({ openai_api_key: 'sk-x' }).requester.openai_api_key, 'sk-x');
    const message = rejection(() => resolveOptions([{ source: fileSource, values: { openai_api_key: 'sk-x' } }]));
    assert.match(message, /'openai_api_key' is not accepted in a task file, .* set the OPENAI_API_KEY environment variable, pass --openai_api_key/);
    assert.doesNotMatch(message, /sk-x/);
    const anthropic = rejection(() => resolveOptions([{ source: fileSource, values: { anthropic_api_key: 'sk-ant-x' } }]));
    assert.match(anthropic, /'anthropic_api_key' is not accepted in a task file, .* set the ANTHROPIC_API_KEY environment variable, pass --anthropic_api_key/);
  });

  it('reports every problem at once', () => {
    const message = rejection(() =>
      resolveOptions([
        { source: fileSource, values: { max_retries: -1 } },
        { source: 'command line', values: { min_pass_ratio: 2 } },
      ]),
    );
    assert.match(message, /^2 problems with the options:/);
    assert.match(message, new RegExp(`${fileSource}: max_retries`));
    assert.match(message, /command line: --min_pass_ratio/);
  });

  it('accepts null for nullable options and says so when rejecting them', () => {
    assert.equal(resolveOptions([{ source: fileSource, values: { assumed_completion_ratio: null } }]).requester.assumed_completion_ratio, null);
    assert.match(rejection(() => resolveOptions([{ source: fileSource, values: { endpoint: 'v1/chat' } }])), /expected an API path .* or null, got "v1\/chat"/);
    assert.match(rejection(() => resolveOptions([{ source: fileSource, values: { max_retries: null } }])), /max_retries: expected an integer >= 0, got null/);
  });

  it('ignores undefined values', () => {
    assert.equal(resolveFlags({ max_retries: undefined }).explicit.size, 0);
  });
});

describe('deriveLimits', () => {
  // Scenario 43.
  it('applies the safety factors with the specified rounding and floors', () => {
    const limits = deriveLimits(resolveOptions([]).requester);
    assert.equal(limits.max_batch_tokens, 19047619);
    assert.equal(limits.max_batch_size, 99009901);
    assert.equal(limits.max_remote_tokens, 57142857);
    assert.equal(limits.max_remote_size, 9900990099);
  });

  it('lets a zero task or session budget block everything but keeps per-batch floors', () => {
    const limits = deriveLimits(resolveFlags({ max_task_ktokens: 0, max_session_ktokens: 0, max_direct_ktokens: 1, max_token_safety: 2 }).requester);
    assert.equal(limits.max_task_tokens, 0);
    assert.equal(limits.max_session_tokens, 0);
    assert.equal(limits.max_direct_tokens, 1000);
    const sizes = deriveLimits(resolveFlags({ max_batch_mb: 1, max_mb_safety: 4 }).requester);
    assert.equal(sizes.max_batch_size, 1e6);
  });

  it('rounds halves to even', () => {
    // 1000 / 400 = 2.5 and 7000 / 400 = 17.5 exactly.
    const round = (ktokens: number) => deriveLimits(resolveFlags({ max_session_ktokens: ktokens, max_token_safety: 400 }).requester);
    assert.equal(round(1).max_session_tokens, 2);
    assert.equal(round(7).max_session_tokens, 18);
  });
});

describe('resolveEndpoint', () => {
  it('prefers the option, then OPENAI_ENDPOINT, then the chat completions endpoint', () => {
    assert.equal(resolveEndpoint('/v1/embeddings', { OPENAI_ENDPOINT: '/v1/responses' }), '/v1/embeddings');
    assert.equal(resolveEndpoint(null, { OPENAI_ENDPOINT: '/v1/responses' }), '/v1/responses');
    assert.equal(resolveEndpoint(null, { OPENAI_ENDPOINT: '' }), '/v1/chat/completions');
    assert.equal(resolveEndpoint(null, {}), '/v1/chat/completions');
  });

  it("gives provider anthropic its Messages endpoint, whatever OPENAI_ENDPOINT says", () => {
    assert.equal(resolveEndpoint(null, { OPENAI_ENDPOINT: '/v1/responses' }, 'anthropic'), '/v1/messages');
    assert.equal(resolveEndpoint('/v1/messages', {}, 'anthropic'), '/v1/messages');
  });

  it('rejects a malformed OPENAI_ENDPOINT naming the variable', () => {
    assert.throws(() => resolveEndpoint(null, { OPENAI_ENDPOINT: 'chat' }), (error: unknown) => {
      assert.ok(error instanceof InvalidInputError);
      assert.match(error.message, /^environment variable OPENAI_ENDPOINT: expected an API path/);
      return true;
    });
  });
});

describe('resolveLockSettings', () => {
  it('fills in wait-forever, 0.25 s polling and 5 s status lines for unset values', () => {
    assert.deepEqual(resolveLockSettings(resolveOptions([]).requester), { timeout: -1, pollInterval: 0.25, statusInterval: 5 });
    const set = resolveFlags({ lock_timeout: 1, lock_poll_interval: 0.05, lock_status_interval: 2 }).requester;
    assert.deepEqual(resolveLockSettings(set), { timeout: 1, pollInterval: 0.05, statusInterval: 2 });
  });
});

describe('optionsJsonSchema', () => {
  const schema = optionsJsonSchema();
  const properties = schema['properties'] as Record<string, Record<string, unknown>>;

  it('is a closed draft 2020-12 object schema with every option a task file may set (not the API key)', () => {
    assert.equal(schema['$schema'], 'https://json-schema.org/draft/2020-12/schema');
    assert.equal(schema['additionalProperties'], false);
    const fileKeys = optionDefs.filter((def) => !['config', 'openai_api_key', 'anthropic_api_key', 'forget_remote_batch'].includes(def.name)).map((def) => def.name);
    assert.deepEqual(Object.keys(properties), fileKeys);
    assert.deepEqual(JSON.parse(JSON.stringify(schema)), schema);
  });

  it('carries each option\'s validation, description and default', () => {
    assert.deepEqual(
      { type: properties['max_retries']?.['type'], minimum: properties['max_retries']?.['minimum'], default: properties['max_retries']?.['default'] },
      { type: 'integer', minimum: 0, default: 2 },
    );
    assert.deepEqual(properties['direct_verbose']?.['enum'], ['never', 'error', 'warn', 'always']);
    assert.deepEqual(properties['min_pass_ratio']?.['maximum'], 1);
    assert.deepEqual(properties['wandb']?.['type'], ['boolean', 'null']);
    for (const [name, property] of Object.entries(properties)) assert.equal(typeof property['description'], 'string', name);
  });
});
