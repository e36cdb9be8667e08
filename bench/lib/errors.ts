/** How a bench line reports; figures say what they start and what they measured. */
export type Say = (line: string) => void;

export class BenchError extends Error {
  constructor(
    readonly code: 'not_ready' | 'http' | 'bad_arguments',
    message: string,
  ) {
    super(message);
    this.name = 'BenchError';
  }
}
