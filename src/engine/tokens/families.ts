import type { TiktokenEncoding } from 'tiktoken';

/**
 * The per-model tables of the token estimator, as data. Each table is an ordered list of rules; the first rule
 * with a matching name pattern wins. A pattern ending in `*` matches names starting with the rest, any other
 * pattern matches the name exactly. Fine-tuned model names (`ft:<base>:<org>::<id>`) are matched by their base.
 * The values are those of gpt_batch_api 1.0.5 (tokens.md §4.1–4.2); newer models are added to the encoding table
 * only, so they keep the upstream constants and warnings.
 */

/** Hidden tokens around messages and replies. */
export interface CoreTokensConfig {
  tokensPerResponse: number;
  tokensPerMessage: number;
  /** Added to every message after the first. */
  tokensPerMessageGap: number;
  tokensPerName: number;
  /** Added when the final text does not end in whitespace or ASCII punctuation. */
  tokensLastTextUnended: number;
}

/** Image tile pricing. */
export interface ImageTokensConfig {
  lowTokens: number;
  highTokensBase: number;
  highTokensTile: number;
  /** The shortest side is scaled down to this before tiling. */
  highRes: number;
  highTile: number;
  /** Both sides are first scaled down to fit within this (OpenAI's documented step). */
  fitSide: number;
}

/** Constants of the function-definition and JSON-schema formula (tokens.md §4.8–4.9). */
export interface FuncTokensConfig {
  callNone: number;
  descStripDot: number;
  funcInit: number;
  funcDescPre: number;
  funcDescPost: number;
  funcEnd: number;
  rootPropsInit: number;
  propKeyInit: number;
  propEnumGap: number;
  propSpecialObj: number;
  propSpecialLast: number;
  propDescValue: number;
  propDescObj: number;
  propDescOth: number;
  propDescItemObj: number;
  propDescItemOth: number;
  propTitleInit: number;
}

export interface ImageFamily {
  config: ImageTokensConfig;
  supported: boolean;
}

export interface FuncFamily {
  config: FuncTokensConfig;
  toolsSupported: boolean;
  jsonSchemaSupported: boolean;
}

interface Rule<T> {
  models: readonly string[];
  value: T;
}

/** Encodings; a model matching no rule uses `defaultEncoding` with a warning. */
export const encodingRules: readonly Rule<TiktokenEncoding>[] = [
  {
    models: ['gpt-4o*', 'chatgpt-4o*', 'o1*', 'o3*', 'o4*', 'gpt-4.1*', 'gpt-4.5*', 'gpt-5*', 'gpt-oss*'],
    value: 'o200k_base',
  },
  {
    models: ['gpt-4', 'gpt-4-*', 'gpt-3.5-turbo*', 'gpt-35-turbo*', 'text-embedding-3-*', 'text-embedding-ada-002'],
    value: 'cl100k_base',
  },
];
export const defaultEncoding: TiktokenEncoding = 'o200k_base';

const gptCore: CoreTokensConfig = {
  tokensPerResponse: 3,
  tokensPerMessage: 3,
  tokensPerMessageGap: 0,
  tokensPerName: 1,
  tokensLastTextUnended: 0,
};

/** Core constants; a model matching no rule uses `defaultCore` with a warning. */
export const coreRules: readonly Rule<CoreTokensConfig>[] = [
  { models: ['gpt-3.5*', 'gpt-4*', 'chatgpt-4o*'], value: gptCore },
  {
    models: ['o1*'],
    value: { tokensPerResponse: 3, tokensPerMessage: 3, tokensPerMessageGap: 7, tokensPerName: 4, tokensLastTextUnended: 1 },
  },
];
export const defaultCore: CoreTokensConfig = gptCore;

const gpt4oImage: ImageTokensConfig = {
  lowTokens: 85,
  highTokensBase: 85,
  highTokensTile: 170,
  highRes: 768,
  highTile: 512,
  fitSide: 2048,
};

/** Image constants; a model matching no rule uses `defaultImage`, which warns whenever an image is counted. */
export const imageRules: readonly Rule<ImageFamily>[] = [
  {
    models: ['gpt-4o-mini*'],
    value: {
      config: { lowTokens: 2833, highTokensBase: 2833, highTokensTile: 5667, highRes: 768, highTile: 512, fitSide: 2048 },
      supported: true,
    },
  },
  { models: ['gpt-4-turbo*', 'gpt-4o*', 'chatgpt-4o*'], value: { config: gpt4oImage, supported: true } },
];
export const defaultImage: ImageFamily = { config: gpt4oImage, supported: false };

const defaultFuncConfig: FuncTokensConfig = {
  callNone: 1,
  descStripDot: 4,
  funcInit: 6,
  funcDescPre: 1,
  funcDescPost: 0,
  funcEnd: 12,
  rootPropsInit: 2,
  propKeyInit: 2,
  propEnumGap: 3,
  propSpecialObj: 1,
  propSpecialLast: 1,
  propDescValue: 2,
  propDescObj: 1,
  propDescOth: 1,
  propDescItemObj: 4,
  propDescItemOth: 5,
  propTitleInit: 3,
};

const olderGptFuncConfig: FuncTokensConfig = {
  ...defaultFuncConfig,
  descStripDot: 3,
  propDescValue: 3,
  propDescObj: 2,
  propDescOth: 2,
};

/** Function/schema constants; a model matching no rule uses `defaultFunc` (tools and json_schema warn). */
export const funcRules: readonly Rule<FuncFamily>[] = [
  {
    models: ['gpt-4o*', 'chatgpt-4o*'],
    value: { config: defaultFuncConfig, toolsSupported: true, jsonSchemaSupported: true },
  },
  {
    models: ['gpt-3.5-turbo*', 'gpt-4-turbo*'],
    value: { config: { ...olderGptFuncConfig, funcDescPost: 1 }, toolsSupported: true, jsonSchemaSupported: false },
  },
  {
    models: ['gpt-4*'],
    value: {
      config: { ...olderGptFuncConfig, funcDescPre: 0, funcDescPost: 2 },
      toolsSupported: true,
      jsonSchemaSupported: false,
    },
  },
];
export const defaultFunc: FuncFamily = { config: defaultFuncConfig, toolsSupported: false, jsonSchemaSupported: false };

/** What the tables say about one model; `known*` is false where a default was used. */
export interface ModelFamilies {
  encoding: TiktokenEncoding;
  knownEncoding: boolean;
  core: CoreTokensConfig;
  knownCore: boolean;
  image: ImageFamily;
  func: FuncFamily;
}

function baseModelName(model: string): string {
  return model.startsWith('ft:') ? model.slice(3) : model;
}

function matches(name: string, pattern: string): boolean {
  return pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

function findRule<T>(name: string, rules: readonly Rule<T>[]): T | undefined {
  return rules.find((rule) => rule.models.some((pattern) => matches(name, pattern)))?.value;
}

/** Looks a model name up in every table. */
export function familiesOf(model: string): ModelFamilies {
  const name = baseModelName(model);
  const encoding = findRule(name, encodingRules);
  const core = findRule(name, coreRules);
  return {
    encoding: encoding ?? defaultEncoding,
    knownEncoding: encoding !== undefined,
    core: core ?? defaultCore,
    knownCore: core !== undefined,
    image: findRule(name, imageRules) ?? defaultImage,
    func: findRule(name, funcRules) ?? defaultFunc,
  };
}
