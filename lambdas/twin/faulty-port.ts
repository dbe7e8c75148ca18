import { type FaultPlan, InjectedFaultError } from './fault-plan.js';

/** Method names that only read: a crash after a read loses nothing, so only writes crash. */
const READ = /^(get|list|find|describe|receive|has)/;

/**
 * A port whose calls fail as a flaky cloud's do: before a call, `throttle` throws the SDK's
 * throttling error and nothing happens; after a write that succeeded, `crash` throws as if the
 * process had died there, so the caller never learns the write took place. Everything else goes
 * to the port unchanged (bound to it, so private fields keep working).
 */
export const faultyPort = <T extends object>(target: T, plan: FaultPlan, port: string): T =>
  new Proxy(target, {
    get: (t, property) => {
      const value: unknown = Reflect.get(t, property, t);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      const method = value as (...args: unknown[]) => unknown;
      return async (...args: unknown[]) => {
        if (plan.hit('throttle')) throw new InjectedFaultError('ThrottlingException', port, property);
        const result = await method.apply(t, args);
        if (!READ.test(property) && plan.hit('crash'))
          throw new InjectedFaultError('SimulatedCrash', port, property);
        return result;
      };
    },
  });
