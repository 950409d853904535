import path from 'node:path';
import type { TemplateTaskSpec } from '../shared/taskFile';
import { InvalidInputError } from '../shared/errors';
import { defaultEndpoint } from '../shared/options';
import {
  checkStrictSchema,
  endpointWireFor,
  errorKind,
  JsonlOutputFile,
  TaskManager,
  type BatchResult,
  type BodyParts,
  type CachedRequest,
  type EndpointWire,
  type JsonSchema,
  type TaskManagerInit,
  type TaskOutput,
  type UnitContext,
} from '../engine';
import { fillTemplate, type InputRecord, readInputRecords } from './templateInput';

/**
 * One line of a template task's output: the record key and what its answer holds: the parsed structured output, the
 * text, or (embeddings) the vector.
 */
export interface TemplateOutputLine {
  key: string;
  output: unknown;
  model: string;
}

/** One line of a template task's failure file: the record key and why it failed. */
export interface TemplateFailureLine {
  key: string;
  error: string;
}

/** The two JSONL files of a template task, saved together. */
class TemplateOutput implements TaskOutput {
  readonly succeeded: JsonlOutputFile<TemplateOutputLine>;
  readonly failed: JsonlOutputFile<TemplateFailureLine>;
  constructor(base: string) {
    this.succeeded = new JsonlOutputFile(base);
    this.failed = new JsonlOutputFile(`${base}_failed`);
  }
  get written(): boolean {
    return this.succeeded.written || this.failed.written;
  }
  async open(u: UnitContext): Promise<void> {
    await this.succeeded.open(u);
    await this.failed.open(u);
  }
  async reset(u: UnitContext): Promise<void> {
    await this.succeeded.reset(u);
    await this.failed.reset(u);
  }
  async save(u: UnitContext): Promise<void> {
    await this.succeeded.save(u);
    await this.failed.save(u);
  }
  validate(): void {
    this.succeeded.validate();
    this.failed.validate();
  }
  status(): string {
    return `${this.succeeded.status()}; failures: ${this.failed.status()}`;
  }
  files(): string[] {
    return [...this.succeeded.files(), ...this.failed.files()];
  }
  metricValues(): Record<string, number> {
    return this.succeeded.metricValues();
  }
}

/** Requests generated between commits. */
const commitEvery = 10_000;

/**
 * A task defined entirely in the task file: one request per input record on the task's endpoint, built from message
 * templates (or, for embeddings, the text to embed) with `{{field}}` placeholders, an optional strict response schema,
 * and request parameters.
 */
export class TemplateTask extends TaskManager {
  private records: InputRecord[] = [];
  private readonly wire: EndpointWire;
  private readonly structured: BodyParts['structured'];

  constructor(
    init: TaskManagerInit,
    private readonly spec: TemplateTaskSpec,
    private readonly baseDir: string,
    private readonly taskName: string,
  ) {
    super(init);
    const where = `task '${taskName}'`;
    this.wire = endpointWireFor(init.requester.endpoint ?? defaultEndpoint);
    const endpoint = this.wire.path;
    if (typeof spec.request.model !== 'string' || spec.request.model === '') throw new InvalidInputError(`${where}: request.model is required`);
    for (const reserved of this.wire.bodyKeys) {
      if (reserved in spec.request) throw new InvalidInputError(`${where}: request.${reserved} cannot be set (the template defines it)`);
    }
    const embeds = this.wire.prompt === 'text';
    if (embeds && spec.embed === undefined) throw new InvalidInputError(`${where}: key 'embed' (the text to embed per record) is required with endpoint ${endpoint}`);
    if (embeds && (spec.messages !== undefined || spec.response_schema !== undefined)) {
      throw new InvalidInputError(`${where}: endpoint ${endpoint} embeds the key 'embed' and takes no 'messages' or 'response_schema'`);
    }
    if (!embeds && spec.messages === undefined) throw new InvalidInputError(`${where}: key 'messages' is required with endpoint ${endpoint}`);
    if (!embeds && spec.embed !== undefined) throw new InvalidInputError(`${where}: key 'embed' needs the endpoint /v1/embeddings, not ${endpoint}`);
    if (spec.response_schema !== undefined) {
      const schema = spec.response_schema as JsonSchema;
      checkStrictSchema(schema, `${where}, key 'response_schema'`);
      this.structured = { name: spec.response_schema_name ?? 'Response', schema };
    }
  }

  /** The prompt templates of the task: the messages' contents, or the text to embed. */
  private get templates(): string[] {
    return this.spec.embed !== undefined ? [this.spec.embed] : (this.spec.messages ?? []).map((m) => m.content);
  }

  private bodyFor(record: InputRecord, key: string): Record<string, unknown> {
    const where = `record '${key}'`;
    const { embed, messages } = this.spec;
    return this.wire.buildBody({
      request: this.storedRequest,
      ...(embed !== undefined ? { text: fillTemplate(embed, record, where) } : {}),
      ...(messages !== undefined ? { messages: messages.map((m) => ({ role: m.role, content: fillTemplate(m.content, record, where) })) } : {}),
      ...(this.structured !== undefined ? { structured: this.structured } : {}),
    });
  }

  /**
   * The request parameters of the stored task meta: like every task, a template task keeps the meta it was created
   * with (so its requests do not change half-way), and the task file's edits apply with --reinit_meta.
   */
  private get storedRequest(): Record<string, unknown> {
    return this.T.meta.request as Record<string, unknown>;
  }

  private get out(): TemplateOutput {
    return this.output as TemplateOutput;
  }

  protected override createOutput(pathBase: string): TemplateOutput {
    const custom = this.spec.output;
    return new TemplateOutput(custom ? path.resolve(this.baseDir, custom).replace(/\.jsonl$/, '') : pathBase);
  }

  protected override async onTaskEnter(): Promise<void> {
    const file = path.resolve(this.baseDir, this.spec.input);
    const located = await readInputRecords(file, this.spec.key);
    for (const { record, where } of located) {
      for (const template of this.templates) fillTemplate(template, record, where);
    }
    this.records = located.map(({ record }) => record);
    this.logger.info(`Loaded ${this.records.length} input records from ${file}`);
  }

  /**
   * Adds a request per record not yet committed, committing every `commitEvery` of them, so that memory holds one
   * chunk of requests however large the input; stops early when the pipeline is congested.
   */
  protected override async generateRequests(): Promise<boolean> {
    for (const record of this.records) {
      const key = String(record[this.spec.key]);
      if (Object.hasOwn(this.T.committed_samples, key)) continue;
      this.addRequest({ payload: this.bodyFor(record, key), meta: { sample_key: key } });
      if (this.requester.pool.length >= commitEvery && (await this.commitRequests())) return false;
    }
    return true;
  }

  protected override commitCachedRequest(request: CachedRequest): void {
    this.T.committed_samples[String(request.meta?.sample_key)] = null;
  }

  protected override processBatchResult(result: BatchResult, unit: UnitContext): boolean {
    const T = this.T;
    const lengths = { ok: this.out.succeeded.pending.length, failed: this.out.failed.pending.length };
    unit.rs.onRevert(() => {
      this.out.succeeded.pending.length = lengths.ok;
      this.out.failed.pending.length = lengths.failed;
    });
    let changed = false;
    for (const info of result.results) {
      const key = String(info.req_info.meta?.sample_key);
      const output = info.resp_info ? this.wire.answerOutput(info.resp_info.payload) : undefined;
      if (info.err_info === null && info.warn_infos.length === 0 && output !== undefined && output !== null) {
        T.succeeded_samples[key] = null;
        this.out.succeeded.pending.push({ key, output, model: info.resp_info?.model ?? '' });
        changed = true;
      } else if (!info.retry) {
        const reason = info.err_info ? `${errorKind(info.err_info)}: ${info.err_info.msg}` : info.warn_infos.map((w) => `${errorKind(w)}: ${w.msg}`).join('; ') || 'no usable answer';
        T.failed_samples[key] = reason;
        this.out.failed.pending.push({ key, error: reason });
        changed = true;
      }
    }
    return changed;
  }

  protected override async wipeUnfinished(wipeFailed: boolean, unit: UnitContext): Promise<boolean> {
    const T = this.T;
    if (wipeFailed) {
      for (const key of Object.keys(T.failed_samples)) delete T.failed_samples[key];
      await this.out.failed.rewrite(unit, () => undefined);
    }
    for (const key of Object.keys(T.committed_samples)) {
      if (!Object.hasOwn(T.succeeded_samples, key) && !Object.hasOwn(T.failed_samples, key)) delete T.committed_samples[key];
    }
    return false;
  }
}
