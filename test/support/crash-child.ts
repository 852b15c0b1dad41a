// Child process for the outbox crash test: commits a change with its event, reports it, then waits
// to be killed. Its dispatcher is off, so the event can only be delivered after a restart.
import { createApp } from '../../apps/api/src/bootstrap';
import { probeFeature } from './probe/probe.module';

async function main(): Promise<void> {
  const app = await createApp({ env: process.env, registry: { probe: probeFeature } });
  const tenant = process.env.CRASH_TENANT as string;
  const res = await app.inject({ method: 'POST', url: `/v1/probe/tenants/${tenant}/notes`, payload: { text: 'before the crash' } });
  if (res.statusCode !== 201) throw new Error(`unexpected ${res.statusCode}: ${res.body}`);
  process.stdout.write(`COMMITTED ${res.json<{ id: string }>().id}\n`);
  setInterval(() => undefined, 1000); // stay alive until SIGKILL
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
