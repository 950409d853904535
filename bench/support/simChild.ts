// Runs the simulator in its own process for benchmarks, so that its CPU does not share the engine's thread.
// argv[2] is the JSON of `SimulatorOptions`; the base URL is printed as one JSON line once it listens. It stops
// when its standard input closes (the benchmark exited or called stop).
import { startSimulator, type SimulatorOptions } from '../../src/sim/simulator';

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as SimulatorOptions;
  const sim = await startSimulator(options);
  process.stdout.write(`${JSON.stringify({ baseUrl: sim.baseUrl })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => {
    sim.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
