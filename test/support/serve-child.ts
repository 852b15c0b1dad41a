// The real process entry (serve: listen, signals, shutdown) with the probe module mounted, for the
// graceful-shutdown and configuration tests.
import { serve } from '../../apps/api/src/serve';
import { probeFeature } from './probe/probe.module';

void serve({ registry: { probe: probeFeature } });
