// The real API process (serve: listen, signals, shutdown) with the build's feature modules, for
// account-tokens.e2e-spec.ts: a second API process on the same database, so that what travels
// between processes (revocations, key rotations over LISTEN/NOTIFY) is tested across a real
// process boundary. No .env is read: the test passes the whole environment.
import { serve } from '../../apps/api/src/serve';

void serve();
