import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { SessionsRepository } from '../../persistence/sessions.repository';
import { ListSessions } from './list-sessions.query';

export interface SessionView {
  id: string;
  current: boolean;
  /** A short description of the client, from its user agent. */
  device: string | null;
  user_agent: string | null;
  ip: string | null;
  amr: string[];
  created_at: string;
  last_used_at: string;
  expires_at: string;
}

const BROWSERS: [RegExp, string][] = [
  [/Edg\//, 'Edge'],
  [/Firefox\//, 'Firefox'],
  [/Chrome\//, 'Chrome'],
  [/Safari\//, 'Safari'],
  [/curl\//, 'curl'],
];
const SYSTEMS: [RegExp, string][] = [
  [/Windows/, 'Windows'],
  [/iPhone|iPad/, 'iOS'],
  [/Mac OS X|Macintosh/, 'macOS'],
  [/Android/, 'Android'],
  [/Linux/, 'Linux'],
];

/** "Chrome on macOS" from a user agent — enough for a person to recognise their device. */
export function describeDevice(ua: string | null): string | null {
  if (!ua) return null;
  const browser = BROWSERS.find(([re]) => re.test(ua))?.[1];
  const os = SYSTEMS.find(([re]) => re.test(ua))?.[1];
  if (browser && os) return `${browser} on ${os}`;
  return browser ?? os ?? ua.slice(0, 64);
}

@QueryHandler(ListSessions)
export class ListSessionsHandler implements IQueryHandler<ListSessions, SessionView[]> {
  constructor(private readonly sessions: SessionsRepository) {}

  async execute(q: ListSessions): Promise<SessionView[]> {
    return (await this.sessions.listActive(q.userId)).map((s) => ({
      id: s.id,
      current: s.id === q.currentSessionId,
      device: describeDevice(s.user_agent),
      user_agent: s.user_agent,
      ip: s.ip,
      amr: s.amr,
      created_at: s.created_at.toISOString(),
      last_used_at: s.last_used_at.toISOString(),
      expires_at: (s.idle_expires_at < s.absolute_expires_at ? s.idle_expires_at : s.absolute_expires_at).toISOString(),
    }));
  }
}
