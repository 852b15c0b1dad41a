/**
 * Creates a new user's global profile, with the display name given at sign-up (normalised to the
 * profile's rules). Does nothing when the profile exists: redelivered sign-ups create one profile.
 */
export class CreateProfile {
  constructor(
    readonly userId: string,
    readonly displayName: string | null,
  ) {}
}
