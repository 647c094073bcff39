/**
 * The software's version, read from package.json, the one place it is written: the CLI's
 * --version, the node's RPC answers (getnetworkinfo's version and subversion) and its logs use it.
 */
import packageJson from '../package.json' with { type: 'json' };

export const VERSION: string = packageJson.version;
