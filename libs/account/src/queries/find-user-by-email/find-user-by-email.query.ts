/** The account with this email (compared case-insensitively); undefined when there is none. */
export class FindUserByEmail {
  constructor(readonly email: string) {}
}
