// Token estimator throughput on a realistic mix of chat requests, compared with raw tiktoken encoding of the same
// message texts in the same run. The estimator must stay close to the cost of encoding alone.
import { loadavg } from 'node:os';
import { deflateSync } from 'node:zlib';
import { get_encoding } from 'tiktoken';
import { TokenEstimator } from '../src/engine/tokens/estimator';
import { reportFigures } from './report';

const vocabulary = (
  'the of and to in is was for on that with as by at from his her which an be this are have or had not but were ' +
  'river mountain analysis quarterly revenue engine protocol emotion utterance character sample estimate batch ' +
  'request response schema weather location temperature customer order invoice shipping delivery München 東京 café'
).split(' ');

let seed = 12345;
function random(): number {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
}

function prose(words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i += 1) out.push(vocabulary[Math.floor(random() * vocabulary.length)] as string);
  return `${out.join(' ')}.`;
}

/** A small real PNG (64×64 greyscale) as a data URL; only its header is read. */
function pngDataUrl(): string {
  const header = Buffer.from('89504e470d0a1a0a0000000d49484452000000400000004008000000', 'hex');
  const rest = Buffer.concat([Buffer.alloc(5), deflateSync(Buffer.alloc(65 * 64))]);
  return `data:image/png;base64,${Buffer.concat([header, rest]).toString('base64')}`;
}

const image = pngDataUrl();
const tool = {
  type: 'function',
  function: {
    name: 'lookup_order',
    description: 'Look up an order by its number.',
    parameters: {
      type: 'object',
      title: 'LookupOrder',
      properties: {
        order_number: { type: 'string', title: 'Order Number', description: 'The order number.' },
        include_items: { type: 'boolean', title: 'Include Items' },
        region: { type: 'string', title: 'Region', enum: ['eu', 'us', 'apac'] },
      },
    },
  },
};
const responseFormat = {
  type: 'json_schema',
  json_schema: {
    name: 'Classification',
    strict: true,
    schema: {
      type: 'object',
      title: 'Classification',
      properties: {
        label: { type: 'string', title: 'Label', enum: ['positive', 'negative', 'neutral'] },
        confidence: { type: 'number', title: 'Confidence', description: 'Between 0 and 1.' },
        reasons: { type: 'array', title: 'Reasons', items: { type: 'string' } },
      },
      required: ['label', 'confidence', 'reasons'],
      additionalProperties: false,
    },
  },
};

function request(index: number): Record<string, unknown> {
  const system = { role: 'system', content: 'You classify customer messages. Answer in JSON.' };
  switch (index % 4) {
    case 0: // long document
      return { model: 'gpt-4o', messages: [system, { role: 'user', content: prose(1500) }], response_format: responseFormat };
    case 1: // short exchange with tools
      return { model: 'gpt-4o-mini', messages: [system, { role: 'user', content: prose(25) }], tools: [tool], max_completion_tokens: 300 };
    case 2: // multi-part with an image
      return {
        model: 'gpt-4o',
        messages: [
          system,
          {
            role: 'user',
            content: [{ type: 'text', text: prose(60) }, { type: 'image_url', image_url: { url: image, detail: 'high' } }, { type: 'text', text: prose(20) }],
          },
        ],
      };
    default: // conversation
      return {
        model: 'gpt-4o',
        messages: [system, { role: 'user', content: prose(200) }, { role: 'assistant', content: prose(150) }, { role: 'user', content: prose(80) }],
      };
  }
}

/** The message texts of a request: exactly what raw encoding gets to count. */
function texts(payload: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const message of payload.messages as { content: unknown }[]) {
    if (typeof message.content === 'string') out.push(message.content);
    else for (const part of message.content as { type: string; text?: string }[]) if (part.text) out.push(part.text);
  }
  return out;
}

/**
 * Best rates of two workloads measured in alternating rounds, so that load from other processes on the machine
 * affects both alike.
 */
function bestRates(rounds: number, count: number, first: () => void, second: () => void): [number, number] {
  const best: [number, number] = [0, 0];
  for (let round = 0; round < rounds; round += 1) {
    [first, second].forEach((run, which) => {
      const start = process.hrtime.bigint();
      run();
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      best[which] = Math.max(best[which] ?? 0, count / seconds);
    });
  }
  return best;
}

const requests = Array.from({ length: 800 }, (_, i) => request(i));
const requestTexts = requests.map(texts);
const estimator = new TokenEstimator({ warn: 'never' });
const encoder = get_encoding('o200k_base');
let sink = 0;

const raw = () => {
  for (const list of requestTexts) for (const text of list) sink += encoder.encode_ordinary(text).length;
};
const estimate = () => {
  for (const payload of requests) sink += estimator.estimateInput(payload, '/v1/chat/completions').total;
};

raw();
estimate();
const [rawRate, estimatorRate] = bestRates(9, requests.length, raw, estimate);
const textChars = requestTexts.reduce((sum, list) => sum + list.reduce((s, t) => s + t.length, 0), 0);
reportFigures('tokens', {
  requests: requests.length,
  avg_text_chars_per_request: Math.round(textChars / requests.length),
  estimator_requests_per_s: Math.round(estimatorRate),
  raw_encode_requests_per_s: Math.round(rawRate),
  estimator_to_raw_ratio: Number((estimatorRate / rawRate).toFixed(3)),
  checksum: sink > 0 ? 'ok' : 'empty',
  load_average_1m: Number((loadavg()[0] ?? 0).toFixed(2)),
});
