import { AsyncLocalStorage, AsyncResource, executionAsyncId } from 'node:async_hooks';
import { leanBind } from './lean-async-bind';

describe('leanBind (AsyncResource#bind without the deprecated accessor)', () => {
  function leanResource(type: string): AsyncResource {
    const resource = new AsyncResource(type);
    (resource as unknown as { bind: typeof leanBind }).bind = leanBind;
    return resource;
  }

  it("runs the function in the resource's async scope, wherever it is called from", async () => {
    const storage = new AsyncLocalStorage<string>();
    const resource = storage.run('bound here', () => leanResource('test'));
    const bound = resource.bind(() => ({ id: executionAsyncId(), store: storage.getStore() }));
    const seen = await storage.run('called here', () => Promise.resolve().then(bound));
    expect(seen).toEqual({ id: resource.asyncId(), store: 'bound here' });
  });

  it("passes the arguments, the caller's this (or thisArg) and the result through, and keeps the length", () => {
    const resource = leanResource('test');
    function add(this: { base: number } | undefined, a: number, b: number): number {
      return (this?.base ?? 0) + a + b;
    }
    const bound = leanBind.call(resource, add as (...args: unknown[]) => unknown);
    expect(bound.call({ base: 10 }, 1, 2)).toBe(13);
    expect(leanBind.call(resource, add as (...args: unknown[]) => unknown, { base: 100 })(1, 2)).toBe(103);
    expect(bound.length).toBe(2);
    expect(Object.getOwnPropertyDescriptor(bound, 'asyncResource')).toBeUndefined();
  });

  it('lets what the function throws through', () => {
    const bound = leanResource('test').bind(() => {
      throw new RangeError('boom');
    });
    expect(bound).toThrow(RangeError);
  });
});
