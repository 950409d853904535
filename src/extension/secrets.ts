import * as vscode from 'vscode';
import type { RunParams } from '../protocol/messages';
import { Disposable } from './lifecycle';

/** Every key the extension stores in SecretStorage. */
export type SecretKey = 'gptBatch.openaiApiKey' | 'gptBatch.anthropicApiKey';

/** A provider's API key: where it is stored, the context key that follows it, and the provider's name in messages. */
export interface ApiKeySlot {
  secret: SecretKey;
  /** True while the key is stored; menus and welcome views use it. */
  context: string;
  provider: 'OpenAI' | 'Anthropic';
}

const openaiKeySlot: ApiKeySlot = { secret: 'gptBatch.openaiApiKey', context: 'gptBatch.hasApiKey', provider: 'OpenAI' };
const anthropicKeySlot: ApiKeySlot = { secret: 'gptBatch.anthropicApiKey', context: 'gptBatch.hasAnthropicApiKey', provider: 'Anthropic' };

/**
 * One provider's API key, kept only in SecretStorage (encrypted, not synced). The slot's context key follows it,
 * also when another window changes it. The key itself is never logged.
 */
export class ApiKeyStore extends Disposable {
  private contextValue: boolean | undefined;

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly log: vscode.LogOutputChannel,
    readonly slot: ApiKeySlot,
  ) {
    super();
    this.register(
      secrets.onDidChange((event) => {
        if (event.key === slot.secret) void this.syncContextKey();
      }),
    );
    void this.syncContextKey();
  }

  /** The value last given to the context key; undefined until the first sync finished. */
  get hasApiKey(): boolean | undefined {
    return this.contextValue;
  }

  get(): Thenable<string | undefined> {
    return this.secrets.get(this.slot.secret);
  }

  async store(apiKey: string): Promise<void> {
    await this.secrets.store(this.slot.secret, apiKey);
    await this.syncContextKey();
    this.log.info(`${this.slot.provider} API key stored in the secret storage`);
  }

  async delete(): Promise<void> {
    await this.secrets.delete(this.slot.secret);
    await this.syncContextKey();
    this.log.info(`${this.slot.provider} API key removed from the secret storage`);
  }

  private async syncContextKey(): Promise<void> {
    try {
      const present = (await this.secrets.get(this.slot.secret)) !== undefined;
      await vscode.commands.executeCommand('setContext', this.slot.context, present);
      this.contextValue = present;
    } catch (error) {
      this.log.error(`Cannot read the ${this.slot.provider} API key from the secret storage:`, error);
    }
  }
}

/** The keys of both providers. */
export class ApiKeys extends Disposable {
  readonly openai: ApiKeyStore;
  readonly anthropic: ApiKeyStore;

  constructor(secrets: vscode.SecretStorage, log: vscode.LogOutputChannel) {
    super();
    this.openai = this.register(new ApiKeyStore(secrets, log, openaiKeySlot));
    this.anthropic = this.register(new ApiKeyStore(secrets, log, anthropicKeySlot));
  }

  /** The stored keys as the worker takes them with a request; a key not stored is left out (the worker's environment stands in). */
  async forRequest(): Promise<Pick<RunParams, 'apiKey' | 'anthropicApiKey'>> {
    const [apiKey, anthropicApiKey] = await Promise.all([this.openai.get(), this.anthropic.get()]);
    return { ...(apiKey === undefined ? {} : { apiKey }), ...(anthropicApiKey === undefined ? {} : { anthropicApiKey }) };
  }
}
