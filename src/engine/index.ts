/**
 * The engine's public surface: what demos, module tasks, the host, the worker, the CLI and the simulator build on.
 * Everything else under src/engine is internal and may change shape without notice.
 */
export { TaskManager, type TaskManagerInit } from './taskManager/taskManager';
export { JsonOutputFile, JsonlOutputFile, type TaskOutput } from './taskManager/outputs';
export type { RunEnd } from './taskManager/runEnd';
export { OpinionAdviser, type OpinionConclusion, type OpinionTally } from './taskManager/opinionAdviser';
export type { UnitContext } from './store/unit';
export type { BatchProvider } from './providers/batchProvider';
export { installSignalHandlers } from './store/interrupts';
export type { Requester, RequesterInit, SessionCounters } from './requester/requester';
export type { BatchResult } from './requester/batchResult';
export { capCostLines } from './requester/reservedSpend';
export type { CachedRequest, GptRequest } from './requester/cachedRequest';
export { errorInfo } from './requester/responses';
export { endpointWireFor, supportedEndpoints } from './endpoints/endpointRegistry';
export type { BodyParts, EndpointWire } from './endpoints/endpointWire';
export { errorKind, type ErrorInfo, type ResponseInfo, type ResultInfo } from './requester/results';
export type { JsonSchema } from './schema/jsonSchema';
export { checkStrictSchema, responseFormatFor } from './schema/strict';
export { validateJson } from './schema/validate';
export { filterLogger, noopLogger, type Logger, type LogLevel } from './log';
export { TokenEstimator, type TokenWarnMode } from './tokens/estimator';
export { TokenCoster, type CostRates } from './tokens/coster';
export { tokenCounterFor, type TokenCounter } from './tokens/tokenCounter';
export { fallbackPrices, fallbackPricesModel, knownPrices } from './tokens/prices';
export { isJsonObject } from './tokens/json';
export { compareCodePoints, countOccurrences, firstCodePoints, isUnicodeWhitespace, trimUnicode } from './util/codePoints';
export { openWandbRun, syncOfflineRun, wandbConfigured, wandbEnvironment } from './wandb/wandbRun';
export { readSpool } from './wandb/offlineSpool';
