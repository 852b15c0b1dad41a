export class ListIdentities {
  constructor(readonly userId: string) {}
}
