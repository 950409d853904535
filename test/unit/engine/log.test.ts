import assert from 'node:assert/strict';
import { filterLogger, MemoryLogger } from '../../../src/engine/log';

describe('logger level filter', () => {
  it('forwards only messages at or above the chosen level', () => {
    const memory = new MemoryLogger();
    const logger = filterLogger(memory, 'warn');
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    assert.deepEqual(memory.records, [
      { level: 'warn', message: 'w' },
      { level: 'error', message: 'e' },
    ]);
  });
});
