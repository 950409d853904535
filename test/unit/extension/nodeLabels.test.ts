import assert from 'node:assert/strict';
import { formatCost } from '../../../src/extension/nodeLabels';

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
