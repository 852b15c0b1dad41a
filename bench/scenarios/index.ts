/**
 * The benchmark scenarios. Each issue that adds an endpoint with a budget adds its scenario here.
 * `setup` runs once against the started app (e.g. to create a user and log in) and may return
 * headers for every request.
 */
export interface ScenarioContext {
  baseUrl: string;
}

export interface Scenario {
  name: string;
  description: string;
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
  setup?: (ctx: ScenarioContext) => Promise<{ headers?: Record<string, string> } | void>;
}

export const SCENARIOS: Scenario[] = [
  { name: 'health-live', description: 'GET /health/live — the HTTP pipeline without I/O', path: '/health/live' },
  {
    name: 'health-ready',
    description: 'GET /health/ready — a PostgreSQL round trip (applied migrations) per request',
    path: '/health/ready',
  },
];
