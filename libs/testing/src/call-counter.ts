/**
 * `target` seen through a proxy that counts how often the named properties are read: a database
 * client through which a test counts the statements a writer sends (`$queryRaw`, `$executeRaw`,
 * a model delegate such as `payment`; each read is one call). The count is what the claim "one
 * statement per chunk" is tested with.
 */
export function countingCalls<T extends object>(
  target: T,
  names: readonly string[],
): { readonly proxy: T; readonly calls: () => number } {
  const counted = new Set(names);
  let calls = 0;
  const proxy = new Proxy(target, {
    get(object, name, receiver) {
      if (typeof name === 'string' && counted.has(name)) calls += 1;
      return Reflect.get(object, name, receiver) as unknown;
    },
  });
  return { proxy, calls: () => calls };
}
