import type { InputTokensCount } from './estimator';

/** The message roles with a field of their own in `InputTokensCount`; every other role counts as `other`. */
export type RoleBucket = 'system' | 'user' | 'assistant' | 'tool' | 'function' | 'other';

export function roleBucket(role: unknown): RoleBucket {
  switch (role) {
    case 'system':
    case 'user':
    case 'assistant':
    case 'tool':
    case 'function':
      return role;
    default:
      return 'other';
  }
}

/** Accumulates the parts of one input estimate so that the breakdown always adds up to the total. */
export class TokenTally {
  private readonly roles: Record<RoleBucket, number> = { system: 0, user: 0, assistant: 0, tool: 0, function: 0, other: 0 };
  private fixed = 0;
  private meta = 0;
  private text = 0;
  private image = 0;
  private extra = 0;
  format = 0;
  tools = 0;
  functions = 0;

  /** Tokens every request pays once. */
  addFixed(tokens: number): void {
    this.fixed += tokens;
    this.extra += tokens;
  }

  /** Hidden per-message and per-name tokens. */
  addOverhead(role: RoleBucket, tokens: number): void {
    this.roles[role] += tokens;
    this.extra += tokens;
  }

  /** Tokens of a message's non-content string fields. */
  addMeta(role: RoleBucket, tokens: number): void {
    this.roles[role] += tokens;
    this.meta += tokens;
  }

  addText(role: RoleBucket, tokens: number): void {
    this.roles[role] += tokens;
    this.text += tokens;
  }

  addImage(role: RoleBucket, tokens: number): void {
    this.roles[role] += tokens;
    this.image += tokens;
  }

  toCount(): InputTokensCount {
    const r = this.roles;
    const msgTotal = r.system + r.user + r.assistant + r.tool + r.function + r.other;
    return {
      fixed: this.fixed,
      msg_system: r.system,
      msg_user: r.user,
      msg_assistant: r.assistant,
      msg_tool: r.tool,
      msg_function: r.function,
      msg_other: r.other,
      msg_total: msgTotal,
      meta: this.meta,
      text: this.text,
      image: this.image,
      format: this.format,
      tools: this.tools,
      functions: this.functions,
      extra: this.extra,
      total: this.fixed + msgTotal + this.format + this.tools + this.functions,
    };
  }
}
