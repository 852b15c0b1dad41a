// Child process for the profile crash test: the whole app (every module) with its dispatcher off
// signs a user up — the user and its user.created event are committed, no profile exists — then
// reports it and waits to be killed. Only a later process can create the profile.
import { createApp } from '../../apps/api/src/bootstrap';

async function main(): Promise<void> {
  const app = await createApp({ env: process.env });
  const res = await app.inject({
    method: 'POST',
    url: '/v1/users',
    payload: { email: process.env.CRASH_EMAIL, password: process.env.CRASH_PASSWORD, display_name: process.env.CRASH_DISPLAY_NAME },
  });
  if (res.statusCode !== 202) throw new Error(`unexpected ${res.statusCode}: ${res.body}`);
  process.stdout.write('COMMITTED\n');
  setInterval(() => undefined, 1000); // stay alive until SIGKILL
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
