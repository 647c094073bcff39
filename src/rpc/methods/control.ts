/** Control of the node itself. `help` lives in registry.ts, which knows every method. */
import type { RpcMethodTable } from './method.ts';

export const controlMethods: RpcMethodTable = {
  stop: {
    summary: 'stop the node gracefully (mining, network, RPC, then the chain database)',
    params: [],
    result: 'a line saying the node is stopping; the process exits with status 0 once stopped',
    run: (_p, node) => {
      node.requestStop();
      return 'GradientCoin node stopping';
    },
  },

  uptime: {
    summary: 'seconds since the node started',
    params: [],
    result: 'an integer number of seconds',
    run: (_p, node) => Math.max(0, Math.floor((node.clockMs() - node.startedAtMs) / 1000)),
  },
};
