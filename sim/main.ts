/**
 * `npm run sim [-- --port N]` (= `tsx sim/main.ts`): a simulator with the demo fleet, for trying
 * the archiver by hand. It prints the endpoint and the environment to use, then runs until
 * interrupted.
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { seedDemoFleet } from './demo-fleet.js';
import { DcsSimulator } from './server.js';

const DEMO_PROJECT_ID = '0d3c5a1b2e4f46a7b8c9d0e1f2a3b4c5';

function portFrom(argv: string[]): number {
  const i = argv.indexOf('--port');
  if (i === -1) return 0;
  const port = Number(argv[i + 1]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0..65535, got ${argv[i + 1] ?? '(nothing)'}`);
  return port;
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<DcsSimulator> {
  // Fresh throwaway credentials per run: this prints them, so they must protect nothing else.
  const ak = `SIMAK${randomBytes(8).toString('hex').toUpperCase()}`;
  const sk = randomBytes(24).toString('base64url');
  const sim = await DcsSimulator.start({ credentials: { ak, sk }, port: portFrom(argv) });
  const fleet = seedDemoFleet(sim, DEMO_PROJECT_ID, Date.now());
  const lines = [
    `DCS simulator listening on ${sim.endpoint}`,
    `Instances: ${fleet.instances.map((i) => `${i.name} (${i.cacheMode}, ${i.id})`).join(', ')}`,
    `Run logs: ${fleet.logs.length}`,
    '',
    'Environment for the archiver (throwaway credentials of this simulator only):',
    `export HUAWEICLOUD_SDK_AK=${ak}`,
    `export HUAWEICLOUD_SDK_SK=${sk}`,
    `export HUAWEICLOUD_SDK_PROJECT_ID=${DEMO_PROJECT_ID}`,
    `# and in the config: dcs.endpoint: ${sim.endpoint}, dcs.allowHttp: true`,
    '',
    'Ctrl-C to stop.',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const stop = (): void => {
    // Once the server is closed nothing keeps the event loop alive, so the process ends by itself.
    void sim.close();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return sim;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 2;
  });
}
