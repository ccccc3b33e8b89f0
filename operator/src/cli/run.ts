export async function runOperator(_argv: string[]): Promise<void> {
  throw new Error('not yet');
}
