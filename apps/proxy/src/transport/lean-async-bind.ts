import { AsyncResource } from 'node:async_hooks';

type Callable = (...args: unknown[]) => unknown;
type Bind = (this: AsyncResource, fn: Callable, thisArg?: unknown) => Callable;

/** Whether this Node's AsyncResource#bind still defines the deprecated `asyncResource` accessor (DEP0172). */
export function bindDefinesDeprecatedAccessor(): boolean {
  return Object.getOwnPropertyDescriptor(new AsyncResource('probe').bind(() => undefined), 'asyncResource') !== undefined;
}

/**
 * AsyncResource#bind as Node 24 has it (nodejs/node#58618): the function runs in the resource's async scope with the
 * caller's `this` (or `thisArg`), and keeps its length, but carries no deprecated `asyncResource` accessor. Node 20
 * builds that accessor, two util.deprecate wrappers, on every bind; Fastify's body parsing binds once per request and
 * Nest's interceptor chain twice per billed request (2-3% of the proxy's CPU at saturation, bench:profile).
 */
export const leanBind: Bind = function bind(this: AsyncResource, fn, thisArg) {
  const resource = this;
  const bound =
    thisArg === undefined
      ? function (this: unknown, ...args: unknown[]) {
          return resource.runInAsyncScope(fn, this, ...args);
        }
      : (resource.runInAsyncScope.bind(resource, fn, thisArg) as Callable);
  Object.defineProperty(bound, 'length', { configurable: true, enumerable: false, value: fn.length, writable: false });
  return bound;
};

/** Installs leanBind on this process's AsyncResource when its own bind still builds the deprecated accessor. */
export function installLeanAsyncResourceBind(): void {
  if (AsyncResource.prototype.bind !== leanBind && bindDefinesDeprecatedAccessor()) {
    AsyncResource.prototype.bind = leanBind as unknown as AsyncResource['bind'];
  }
}
