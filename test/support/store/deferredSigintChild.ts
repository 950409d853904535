// Runs one deferred unit of work that waits for a SIGINT, then finishes; prints what happened in order.
import { InterruptGate, installSignalHandlers } from '../../../src/engine/store/interrupts';

const controller = new AbortController();
const logger = { error: console.error, warn: console.error, info: console.error, debug: console.error };
installSignalHandlers(controller, logger);
const gate = new InterruptGate(controller.signal);

async function main(): Promise<void> {
  // Nothing else keeps the event loop alive while the unit waits for the signal.
  const keepAlive = setInterval(() => {}, 60_000);
  try {
    await gate.defer(async () => {
      console.log('unit-start');
      await new Promise((resolve) => controller.signal.addEventListener('abort', resolve, { once: true }));
      console.log(`signal-seen-in-unit requested=${gate.requested}`);
      await new Promise((resolve) => setImmediate(resolve));
      console.log('unit-end');
    });
    console.log('no-interrupt');
  } catch (error) {
    console.log(`after-unit ${(error as Error).name}`);
  } finally {
    clearInterval(keepAlive);
  }
}

void main();
