import { InvalidInputError } from '../../shared/errors';
import type { Logger } from '../log';
import type { MetricValue } from './metricsSink';
import { graphql } from './wandbHttp';
import type { RetryPolicy, WandbEndpoint } from './wandbHttp';

/** Shared settings of the GraphQL calls made while opening a run. */
export interface ApiCallContext {
  endpoint: WandbEndpoint;
  retry: RetryPolicy;
  logger: Logger;
  /** Wall-clock ms after which failing calls stop being retried. */
  deadline: number;
}

/** Where an existing run stands on the server, so that a resumed session appends instead of overwriting. */
export interface ResumePoint {
  historyLineCount: number;
  logLineCount: number;
  nextStep: number;
  /** `_runtime` (s) reached by the earlier sessions. */
  runtime: number;
  summary: Record<string, MetricValue>;
}

/** The run as the server stored it. */
export interface UpsertedRun {
  entity: string;
  project: string;
  runId: string;
  historyLineCount: number;
}

/** Fields of the run to create or update. */
export interface RunFields {
  entity: string;
  project: string;
  runId: string;
  displayName?: string;
  group?: string;
  jobType?: string;
  config: Record<string, unknown>;
}

const viewerQuery = `query Viewer {
  viewer { id entity username }
}`;

const resumeQuery = `query RunResumeStatus($project: String, $entity: String, $name: String!) {
  model(name: $project, entityName: $entity) {
    bucket(name: $name, missingOk: true) {
      id name displayName summaryMetrics historyLineCount logLineCount historyTail
    }
  }
}`;

const upsertMutation = `mutation UpsertBucket($name: String, $project: String, $entity: String, $groupName: String,
  $displayName: String, $config: JSONString, $jobType: String) {
  upsertBucket(input: {name: $name, modelName: $project, entityName: $entity, groupName: $groupName,
    displayName: $displayName, config: $config, jobType: $jobType}) {
    bucket { id name displayName historyLineCount project { name entity { name } } }
    inserted
  }
}`;

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : 0;
}

function parseJson(text: unknown): unknown {
  if (typeof text !== 'string' || text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The default entity of the key's user, asked only when no entity is configured. */
export async function viewerEntity(ctx: ApiCallContext): Promise<string> {
  const data = await graphql(ctx.endpoint, { ...ctx, operation: 'Viewer', query: viewerQuery, variables: {} });
  const entity = record(data.viewer)?.entity;
  if (typeof entity !== 'string' || entity === '') {
    throw new InvalidInputError(
      `W&B at ${ctx.endpoint.baseUrl} returned no user for the API key: check WANDB_API_KEY, or pass --no_wandb`,
    );
  }
  return entity;
}

/** The resume point of run `runId`, or undefined when the run does not exist yet. */
export async function resumePoint(ctx: ApiCallContext, entity: string, project: string, runId: string): Promise<ResumePoint | undefined> {
  const data = await graphql(ctx.endpoint, {
    ...ctx,
    operation: 'RunResumeStatus',
    query: resumeQuery,
    variables: { entity, project, name: runId },
  });
  const bucket = record(record(data.model)?.bucket);
  if (!bucket) return undefined;
  const historyLineCount = count(bucket.historyLineCount);
  const summary = (record(parseJson(bucket.summaryMetrics)) ?? {}) as Record<string, MetricValue>;
  const tail = parseJson(bucket.historyTail);
  const lastRow = Array.isArray(tail) && tail.length > 0 ? record(parseJson(tail[tail.length - 1])) : undefined;
  const lastStep = lastRow?._step;
  const runtime = typeof summary._runtime === 'number' ? summary._runtime : lastRow?._runtime;
  return {
    historyLineCount,
    logLineCount: count(bucket.logLineCount),
    nextStep: typeof lastStep === 'number' ? Math.max(lastStep + 1, historyLineCount) : historyLineCount,
    runtime: typeof runtime === 'number' ? runtime : 0,
    summary,
  };
}

/** W&B's config form: every key maps to `{desc, value}`. */
export function configPayload(config: Record<string, unknown>): string {
  const wrapped: Record<string, { desc: null; value: unknown }> = {};
  for (const [key, value] of Object.entries(config)) {
    if (value !== undefined) wrapped[key] = { desc: null, value };
  }
  return JSON.stringify(wrapped, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
}

/** Creates the run, or updates it when it exists (resume "allow"). */
export async function upsertRun(ctx: ApiCallContext, fields: RunFields): Promise<UpsertedRun> {
  const data = await graphql(ctx.endpoint, {
    ...ctx,
    operation: 'UpsertBucket',
    query: upsertMutation,
    variables: {
      name: fields.runId,
      project: fields.project,
      entity: fields.entity,
      groupName: fields.group ?? null,
      displayName: fields.displayName ?? null,
      config: configPayload(fields.config),
      jobType: fields.jobType ?? null,
    },
  });
  const upsert = record(data.upsertBucket);
  const bucket = record(upsert?.bucket);
  const project = record(bucket?.project);
  const entity = record(project?.entity)?.name;
  return {
    entity: typeof entity === 'string' ? entity : fields.entity,
    project: typeof project?.name === 'string' ? project.name : fields.project,
    runId: typeof bucket?.name === 'string' ? bucket.name : fields.runId,
    historyLineCount: count(bucket?.historyLineCount),
  };
}
