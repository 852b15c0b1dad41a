export class ListSessions {
  constructor(
    readonly userId: string,
    /** The caller's own session, flagged `current`. */
    readonly currentSessionId: string,
  ) {}
}
