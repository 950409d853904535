import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { z } from 'zod';
import { chatBody, startHarness, type SimHarness } from '../../support/sim/simHelpers';

const Recipe = z.strictObject({
  title: z.string(),
  servings: z.number().int().min(1).max(12),
  vegetarian: z.boolean(),
  difficulty: z.enum(['easy', 'medium', 'hard']),
  steps: z.array(z.strictObject({ text: z.string(), minutes: z.number().nullable() })),
});
const recipeFormat = { type: 'json_schema' as const, json_schema: { name: 'Recipe', strict: true, schema: z.toJSONSchema(Recipe) as Record<string, unknown> } };

type ChatParams = OpenAI.ChatCompletionCreateParamsNonStreaming;

/** A chat request for `text`, with extra parameters. */
function ask(text: string, extra: Partial<ChatParams> = {}): ChatParams {
  return { ...(chatBody(text) as unknown as ChatParams), ...extra };
}

describe('simulator chat completions', () => {
  let h: SimHarness;
  afterEach(async () => {
    await h.sim.close();
  });

  it('answers with a full chat completion whose JSON validates against the requested schema', async () => {
    h = await startHarness();
    const request = { model: 'gpt-4o-mini', messages: [{ role: 'system' as const, content: 'Cook.' }, { role: 'user' as const, content: 'A soup please' }], response_format: recipeFormat };
    const { data: completion, response } = await h.client.chat.completions.create(request).withResponse();
    assert.match(response.headers.get('x-request-id') ?? '', /^req_/);
    assert.match(completion.id, /^chatcmpl-/);
    assert.equal(completion.object, 'chat.completion');
    assert.equal(completion.model, 'gpt-4o-mini');
    assert.equal(completion.choices.length, 1);
    const choice = completion.choices[0];
    assert.equal(choice?.finish_reason, 'stop');
    assert.equal(choice?.message.role, 'assistant');
    assert.equal(choice?.message.refusal, null);
    Recipe.parse(JSON.parse(choice?.message.content ?? ''));
    const usage = completion.usage;
    assert.ok(usage && usage.prompt_tokens > 20 && usage.completion_tokens > 5);
    assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
    assert.deepEqual(usage.prompt_tokens_details, { cached_tokens: 0, audio_tokens: 0 });
    assert.equal(usage.completion_tokens_details?.reasoning_tokens, 0);
    const again = await h.client.chat.completions.create(request);
    assert.equal(again.choices[0]?.message.content, choice?.message.content, 'same request, same answer');
  });

  it('answers demo prompts with their realistic responders', async () => {
    h = await startHarness();
    const completion = await h.client.chat.completions.create(ask('Character: ß', { response_format: { type: 'json_schema', json_schema: { name: 'UnicodeCharacterInfo', strict: true, schema: { type: 'object' } } } }));
    const info = JSON.parse(completion.choices[0]?.message.content ?? '') as Record<string, string>;
    assert.equal(info.character, 'ß');
    assert.equal(info.type, 'letter');
    assert.match(info.description ?? '', /U\+00DF/);
  });

  it('returns n choices, truncates at max_completion_tokens with finish_reason length, and counts reasoning tokens', async () => {
    h = await startHarness();
    const several = await h.client.chat.completions.create(ask('Hello', { n: 3 }));
    assert.deepEqual(several.choices.map((c) => c.index), [0, 1, 2]);
    const cut = await h.client.chat.completions.create(ask('Hello', { response_format: recipeFormat, max_completion_tokens: 5 }));
    assert.equal(cut.choices[0]?.finish_reason, 'length');
    assert.equal(cut.usage?.completion_tokens, 5);
    assert.throws(() => JSON.parse(cut.choices[0]?.message.content ?? ''));
    const reasoning = await h.client.chat.completions.create(ask('Hello', { model: 'o4-mini' }));
    const reasoningTokens = reasoning.usage?.completion_tokens_details?.reasoning_tokens ?? 0;
    assert.ok(reasoningTokens > 0);
    assert.ok((reasoning.usage?.completion_tokens ?? 0) > reasoningTokens);
  });

  it('reports cached tokens only in multiples of 128 for prompts of at least 1024 tokens', async () => {
    h = await startHarness();
    const long = 'lorem ipsum dolor sit amet '.repeat(400);
    const cached = [];
    for (let i = 0; i < 8; i += 1) {
      const completion = await h.client.chat.completions.create(ask(`${i} ${long}`));
      assert.ok((completion.usage?.prompt_tokens ?? 0) >= 1024);
      cached.push(completion.usage?.prompt_tokens_details?.cached_tokens ?? 0);
    }
    assert.ok(cached.every((c) => c % 128 === 0));
    assert.ok(cached.some((c) => c >= 1024), JSON.stringify(cached));
  });

  it('rejects streaming and malformed requests with 400 naming the parameter', async () => {
    h = await startHarness();
    const post = (body: unknown) => fetch(`${h.sim.baseUrl}/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer sim', 'content-type': 'application/json' }, body: JSON.stringify(body) });
    for (const [body, param] of [
      [{ ...chatBody('x'), stream: true }, 'stream'],
      [{ model: 'gpt-4o-mini' }, 'messages'],
      [{ ...chatBody('x'), n: 0 }, 'n'],
    ] as const) {
      const response = await post(body);
      assert.equal(response.status, 400);
      assert.equal(((await response.json()) as { error: { param: string } }).error.param, param);
    }
  });

  it('sends rate-limit headers and answers 429 with Retry-After over the requests-per-minute limit', async () => {
    h = await startHarness({ faults: { requestsPerMinute: 2 } });
    const first = await h.client.chat.completions.create(ask('a')).withResponse();
    for (const name of ['limit-requests', 'remaining-requests', 'reset-requests', 'limit-tokens', 'remaining-tokens', 'reset-tokens']) {
      assert.ok(first.response.headers.get(`x-ratelimit-${name}`), name);
    }
    assert.equal(first.response.headers.get('x-ratelimit-limit-requests'), '2');
    assert.equal(first.response.headers.get('x-ratelimit-remaining-requests'), '1');
    await h.client.chat.completions.create(ask('b'));
    await assert.rejects(h.client.chat.completions.create(ask('c')), (error: unknown) => {
      assert.ok(error instanceof OpenAI.RateLimitError);
      assert.equal(error.code, 'rate_limit_exceeded');
      assert.match(error.message, /on requests per min \(RPM\): Limit 2, Used 2, Requested 1\. Please try again in/);
      assert.ok(Number(error.headers?.get('retry-after')) > 0);
      assert.ok(Number(error.headers?.get('retry-after-ms')) > 0);
      return true;
    });
  });

  it('injects 429 and 5xx faults that the client retries after Retry-After', async () => {
    h = await startHarness({ faults: { rateLimitRate: 1, rateLimitRetryAfter: 0.05 } });
    await assert.rejects(h.client.files.list(), (error: unknown) => error instanceof OpenAI.RateLimitError && error.headers?.get('retry-after') === '0.05');
    h.sim.setFaults({ rateLimitRate: 0, serverErrorRate: 0.5 });
    const retrying = new OpenAI({ apiKey: 'sim', baseURL: h.sim.baseUrl, maxRetries: 20 });
    for (let i = 0; i < 5; i += 1) await retrying.files.list();
    const codes = h.sim.stats().statusCodes;
    assert.equal(codes['200'], 5);
    assert.ok((codes['500'] ?? 0) > 0 && (codes['503'] ?? 0) > 0, JSON.stringify(codes));
  });

  it('adds chat latency to chat completions', async () => {
    h = await startHarness({ faults: { chatLatencyMs: 200 } });
    const started = Date.now();
    await h.client.chat.completions.create(ask('slow'));
    assert.ok(Date.now() - started >= 200);
  });

  it('counts chat calls per X-Client-Request-Id, received and answered', async () => {
    h = await startHarness({ faults: { rateLimitRate: 0 } });
    const call = (id: string) => h.client.chat.completions.create(ask(id), { headers: { 'X-Client-Request-Id': id } });
    await call('id-1');
    await call('id-2');
    await call('id-2');
    h.sim.setFaults({ serverErrorRate: 1 });
    await assert.rejects(call('id-3'));
    const stats = h.sim.stats();
    assert.equal(stats.chatCompletionCalls, 4);
    assert.deepEqual(stats.directRequestIds, { 'id-1': 1, 'id-2': 2, 'id-3': 1 });
    assert.deepEqual(stats.directRequestIdsAnswered, { 'id-1': 1, 'id-2': 2 });
    assert.equal(stats.routes['POST /v1/chat/completions'], 4);
    const a = await h.client.chat.completions.create(ask('same'), { headers: { 'X-Client-Request-Id': 'id-9' } }).catch(() => undefined);
    assert.equal(a, undefined);
  });
});
