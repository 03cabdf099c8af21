export default async function globalTeardown(): Promise<void> {
  const holder = globalThis as { __gwMock?: { close(): Promise<void> } };
  await holder.__gwMock?.close();
  holder.__gwMock = undefined;
}
