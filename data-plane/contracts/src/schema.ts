/** Argument validation for contract methods: TypeBox schemas compiled once, coded errors. */
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { type ContractContext, ContractError } from '@konsortium/ledger';

export interface MethodTable {
  readonly [method: string]: TSchema;
}

export type ArgsOf<T extends MethodTable, M extends keyof T> = Static<T[M]>;

/** check(method, args) for a contract: UNKNOWN_METHOD, or INVALID_ARGS naming the first bad field. */
export function argsChecker(contract: string, methods: MethodTable): (method: string, args: unknown) => unknown {
  const compiled = new Map(Object.entries(methods).map(([m, s]) => [m, TypeCompiler.Compile(s)]));
  return (method, args) => {
    const c = compiled.get(method);
    if (c === undefined) throw new ContractError('UNKNOWN_METHOD', `${contract} has no method "${method}"`);
    if (!c.Check(args)) {
      const e = c.Errors(args).First();
      throw new ContractError('INVALID_ARGS', `${contract}.${method}: ${e ? `${e.path || '/'} ${e.message}` : 'invalid arguments'}`);
    }
    return args;
  };
}

/** One handler per method, each taking its method's parsed arguments. */
export type HandlersOf<T extends MethodTable> = { readonly [M in keyof T]: (ctx: ContractContext, a: Static<T[M]>) => void };

/** execute(ctx, method, args) for a contract: runs the method's handler, UNKNOWN_METHOD for any other name. */
export function dispatcher<T extends MethodTable>(contract: string, handlers: HandlersOf<T>): (ctx: ContractContext, method: string, args: unknown) => void {
  return (ctx, method, args) => {
    if (!Object.hasOwn(handlers, method)) throw new ContractError('UNKNOWN_METHOD', `${contract} has no method "${method}"`);
    (handlers[method] as (ctx: ContractContext, a: unknown) => void)(ctx, args);
  };
}
