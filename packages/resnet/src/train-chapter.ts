export async function trainCommand(_args: string[]): Promise<void> {
  throw new Error('train: coming soon');
}
