// Installs the CLI's signal handlers and runs a unit of work that never ends; logs to stdout.
import { InterruptGate, installSignalHandlers } from '../../../src/engine/store/interrupts';

const controller = new AbortController();
const logger = { error: console.log, warn: console.log, info: console.log, debug: console.log };
installSignalHandlers(controller, logger);
const gate = new InterruptGate(controller.signal);
void gate.defer(async () => {
  console.log('ready');
  await new Promise(() => setInterval(() => {}, 60_000));
});
