import assert from 'node:assert/strict';
import { formatDuration, formatDurationHmin, formatSizeIec, formatSizeSi } from '../../../src/engine/util/format';

describe('formatting sizes and durations', () => {
  it('formats sizes in binary units, switching unit at 1000', () => {
    assert.equal(formatSizeIec(0), '0B');
    assert.equal(formatSizeIec(999), '999B');
    assert.equal(formatSizeIec(1000), '0.977KiB');
    assert.equal(formatSizeIec(1536), '1.5KiB');
    assert.equal(formatSizeIec(10 * 1024 * 1024), '10MiB');
    assert.equal(formatSizeIec(999.5 * 1024), '0.976MiB', 'a figure that rounds up to 1000 moves to the next unit');
    assert.equal(formatSizeIec(123_456_789), '118MiB');
  });

  it('formats sizes in decimal units', () => {
    assert.equal(formatSizeSi(999), '999B');
    assert.equal(formatSizeSi(1000), '1KB');
    assert.equal(formatSizeSi(1_234_567), '1.23MB');
  });

  it('rejects a negative size', () => {
    assert.throws(() => formatSizeIec(-1), RangeError);
    assert.throws(() => formatSizeSi(Number.NaN), RangeError);
  });

  it('formats a duration as one truncated unit with a sign', () => {
    assert.equal(formatDuration(0), '0s');
    assert.equal(formatDuration(59.9), '59s');
    assert.equal(formatDuration(60), '1m');
    assert.equal(formatDuration(3599), '59m');
    assert.equal(formatDuration(3600), '1h');
    assert.equal(formatDuration(86399), '23h');
    assert.equal(formatDuration(2.5 * 86400), '2d');
    assert.equal(formatDuration(-90), '-1m');
  });

  it('formats a duration in hours and minutes', () => {
    assert.equal(formatDurationHmin(59), '0m');
    assert.equal(formatDurationHmin(3599), '59m');
    assert.equal(formatDurationHmin(3600), '1h0m');
    assert.equal(formatDurationHmin(3 * 3600 + 25 * 60 + 59), '3h25m');
    assert.equal(formatDurationHmin(-3660), '-1h1m');
  });
});
