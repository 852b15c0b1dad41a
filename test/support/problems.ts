export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  request_id: string;
  reason?: string;
  errors?: { path: string; message: string; rule: string }[];
  [member: string]: unknown;
}

/** What expectProblem reads of a response: an injected one (public port) or one over real HTTP (test/support/internal.ts). */
export interface ProblemResponse {
  statusCode: number;
  headers: Record<string, unknown>;
  json<T>(): T;
}

/** Asserts an RFC 9457 problem document with this status and code, and returns it. */
export function expectProblem(res: ProblemResponse, status: number, code: string): ProblemBody {
  expect({ status: res.statusCode, code: res.json<{ code?: string }>().code }).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.json<ProblemBody>();
  expect(body).toMatchObject({ status, code, type: `urn:user-engine:problem:${code.toLowerCase()}` });
  expect(typeof body.title).toBe('string');
  expect(typeof body.detail).toBe('string');
  expect(body.request_id).toBe(res.headers['x-request-id']);
  return body;
}
