import assert from 'node:assert/strict';
import { attemptDescription, finishReasonLabel, formatCost } from '../../../src/extension/nodeLabels';

describe('costs as the tree and the status bar show them', () => {
  it('shows dollars with cents and costs below a dollar with four decimals', () => {
    assert.equal(formatCost(12.345), '12.35');
    assert.equal(formatCost(0.25), '0.2500');
    assert.equal(formatCost(0.0012), '0.0012');
    assert.equal(formatCost(0), '0.0000');
  });

  it('keeps two significant digits of a cost below a tenth of a cent, such as a small embeddings task', () => {
    assert.equal(formatCost(0.00052), '0.00052');
    assert.equal(formatCost(0.000035), '0.000035');
    assert.equal(formatCost(2.3e-7), '0.00000023');
    assert.equal(formatCost(1e-7), '0.0000001');
  });
});

describe("an attempt's finish reason as its row describes it", () => {
  it("names an Anthropic message's stop_reason as such, and a chat completion's finish_reason", () => {
    assert.equal(finishReasonLabel('length'), 'finish_reason length');
    assert.equal(finishReasonLabel('tool_calls'), 'finish_reason tool_calls');
    assert.equal(finishReasonLabel('tool_use'), 'stop_reason tool_use');
    assert.equal(finishReasonLabel('max_tokens'), 'stop_reason max_tokens');
    const attempt = { kind: 'attempt' as const, requestId: 3, retryNum: 0, sampleKey: 't1', outcome: 'succeeded' as const, finishReason: 'end_turn' };
    assert.equal(attemptDescription(attempt, false), 'succeeded · stop_reason end_turn');
  });
});
