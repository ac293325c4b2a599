/**
 * A fluent builder over multi (Curator's `transaction().forOperations(...)`, kazoo's
 * `client.transaction()`): collect operations, then commit them atomically.
 * @module
 */
import type { MultiResult } from '../server/requests.js'
import type { CreateOptions, Data, Op, ZooKeeperClient } from './client.js'

/** Operations collected for one atomic {@link ZooKeeperClient.multi}. */
export interface Transaction {
  /** The operations so far, in order. */
  readonly ops: readonly Op[]
  /** Adds a create (mode, ACL and TTL as in `create`). */
  create(path: string, data?: Data, options?: CreateOptions): Transaction
  /** Adds a delete; version -1 (the default) matches any. */
  delete(path: string, version?: number): Transaction
  /** Adds a setData; version -1 (the default) matches any. */
  setData(path: string, data: Data, version?: number): Transaction
  /** Adds a version check; version -1 only checks that the node exists. */
  check(path: string, version: number): Transaction
  /**
   * Applies every operation atomically, or none. Resolves with one result per operation;
   * rejects with the first failing operation's error (its `path` names that operation's node).
   * Paths and data are validated before anything is sent.
   */
  commit(): Promise<MultiResult[]>
}

/** The builder {@link ZooKeeperClient.transaction} returns. */
export class TransactionImpl implements Transaction {
  private readonly list: Op[] = []
  private committed = false

  constructor(private readonly client: Pick<ZooKeeperClient, 'multi'>) {}

  get ops(): readonly Op[] {
    return this.list
  }

  create(path: string, data?: Data, options: CreateOptions = {}): Transaction {
    return this.add({ op: 'create', path, data, ...options })
  }

  delete(path: string, version = -1): Transaction {
    return this.add({ op: 'delete', path, version })
  }

  setData(path: string, data: Data, version = -1): Transaction {
    return this.add({ op: 'setData', path, data, version })
  }

  check(path: string, version: number): Transaction {
    return this.add({ op: 'check', path, version })
  }

  commit(): Promise<MultiResult[]> {
    if (this.committed) return Promise.reject(new TypeError('this transaction was already committed'))
    this.committed = true
    return this.client.multi(this.list)
  }

  private add(op: Op): Transaction {
    if (this.committed) throw new TypeError('this transaction was already committed')
    this.list.push(op)
    return this
  }
}
