/** One registered application by id, or undefined. */
export class GetApplication {
  constructor(readonly id: string) {}
}
