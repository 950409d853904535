import * as vscode from 'vscode';
import { Disposable } from './lifecycle';

/** Every key the extension stores in SecretStorage. */
export type SecretKey = 'gptBatch.openaiApiKey';

const apiKeySecret: SecretKey = 'gptBatch.openaiApiKey';

/** Context key that is true while an OpenAI API key is stored; menus and welcome views use it. */
export const hasApiKeyContext = 'gptBatch.hasApiKey';

/**
 * The OpenAI API key, kept only in SecretStorage (encrypted, not synced). The `gptBatch.hasApiKey` context key
 * follows it, also when another window changes it. The key itself is never logged.
 */
export class ApiKeyStore extends Disposable {
  private contextValue: boolean | undefined;

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.register(
      secrets.onDidChange((event) => {
        if (event.key === apiKeySecret) void this.syncContextKey();
      }),
    );
    void this.syncContextKey();
  }

  /** The value last given to the context key; undefined until the first sync finished. */
  get hasApiKey(): boolean | undefined {
    return this.contextValue;
  }

  get(): Thenable<string | undefined> {
    return this.secrets.get(apiKeySecret);
  }

  async store(apiKey: string): Promise<void> {
    await this.secrets.store(apiKeySecret, apiKey);
    await this.syncContextKey();
    this.log.info('OpenAI API key stored in the secret storage');
  }

  async delete(): Promise<void> {
    await this.secrets.delete(apiKeySecret);
    await this.syncContextKey();
    this.log.info('OpenAI API key removed from the secret storage');
  }

  private async syncContextKey(): Promise<void> {
    try {
      const present = (await this.secrets.get(apiKeySecret)) !== undefined;
      await vscode.commands.executeCommand('setContext', hasApiKeyContext, present);
      this.contextValue = present;
    } catch (error) {
      this.log.error('Cannot read the API key from the secret storage:', error);
    }
  }
}
