/** The platform operators, oldest grant first. */
export class ListOperators {}
