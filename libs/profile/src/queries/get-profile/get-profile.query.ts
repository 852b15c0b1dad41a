/** A user's global profile (empty when it is not there yet). */
export class GetProfile {
  constructor(readonly userId: string) {}
}
