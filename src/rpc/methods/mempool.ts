/** The mempool: what waits for a block, and submitting a signed transfer. */
import { DecodeError } from '../../../chain/errors.ts';
import { decodeTransfer, MAX_TRANSFER_BYTES } from '../../../chain/tx.ts';
import { transferId } from '../../../consensus/ids.ts';
import { toHex } from '../../../consensus/hash.ts';
import type { Transfer } from '../../../consensus/types.ts';
import { MempoolError } from '../../mempool/errors.ts';
import { RpcServerError } from '../errors.ts';
import type { RpcMethodTable } from './method.ts';
import { transferView } from './views.ts';

export const mempoolMethods: RpcMethodTable = {
  sendrawtransaction: {
    summary: 'submit a signed transfer (hex of its encoding) to the mempool and announce it to peers',
    params: [{ name: 'hexstring', description: 'the encoded transfer in hex' }],
    result: 'the transaction id; a transfer already pending gives its id again',
    run: (p, node) => {
      const bytes = p.hex('hexstring', MAX_TRANSFER_BYTES);
      let tx: Transfer;
      try {
        tx = decodeTransfer(bytes);
      } catch (err) {
        if (err instanceof DecodeError) throw new RpcServerError('deserialization-error', `transfer decode failed: ${err.reason}`);
        throw err;
      }
      const id = toHex(transferId(tx));
      try {
        node.submitTransfer(tx);
      } catch (err) {
        if (!(err instanceof MempoolError)) throw err;
        if (err.code === 'duplicate') return id;
        throw new RpcServerError('verify-rejected', `transfer ${id} rejected: ${err.message}`, {
          reason: err.code,
          ...(err.verifyCode ? { verifyCode: err.verifyCode } : {}),
        });
      }
      return id;
    },
  },

  getmempoolinfo: {
    summary: "the mempool's size and policy",
    params: [],
    result: '{size, bytes, maxbytes, minfeerate, dustamount, maxpersender}',
    run: (_p, node) => {
      const pool = node.mempool;
      return {
        size: pool.size,
        bytes: pool.bytes,
        maxbytes: pool.options.maxBytes,
        minfeerate: pool.options.minFeeRate.toString(),
        dustamount: pool.options.dustAmount.toString(),
        maxpersender: pool.options.maxPerSender,
      };
    },
  },

  getrawmempool: {
    summary: 'the pending transfers: ids, or details by id when verbose',
    params: [{ name: 'verbose', description: 'false (default) for ids, true for details', optional: true }],
    result: '[txid] or {txid: {txid, from, to, amount, fee, nonce, size, ...}}',
    run: (p, node) => {
      const txs = node.mempool.all();
      if (!p.boolean('verbose', false)) return txs.map((tx) => toHex(transferId(tx)));
      const out: Record<string, unknown> = {};
      for (const tx of txs) {
        const view = transferView(node.chain.params, tx);
        out[view['txid'] as string] = view;
      }
      return out;
    },
  },
};
