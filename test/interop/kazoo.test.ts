// Method: Python kazoo (Debian python3-kazoo under /usr/bin/python3) runs scripts from test/interop/python against each target; they print JSON that is asserted here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { digestId } from './harness/digest.js'
import { kazooUnavailableReason, runKazooScript } from './harness/python.js'
import { defaultSettings, hookTimeoutMs, targets, type RunningServer } from './harness/targets.js'

const missing = kazooUnavailableReason()
if (missing !== undefined && process.env['CI'] === 'true') throw new Error(`interop: kazoo is required in CI: ${missing}`)
if (missing !== undefined) console.warn(`interop: skipping the kazoo checks: ${missing}`)

describe.skipIf(missing !== undefined).each(targets)('$name: kazoo', (target) => {
  let server: RunningServer
  const run = <T>(script: string, ...args: string[]) => runKazooScript<T>(script, server.connectString, ...args)

  beforeAll(async () => {
    server = await target.start(defaultSettings)
  }, hookTimeoutMs)

  afterAll(async () => {
    await server?.stop()
  }, hookTimeoutMs)

  it('performs the basic operations, transactions, DataWatch and digest ACLs as kazoo expects', async () => {
    const out = await run<Record<string, unknown>>('operations.py')
    expect(out['makepath']).toBe('/kz/a/b')
    expect(out['sequence']).toEqual(['/kz/seq/n-0000000000', '/kz/seq/n-0000000001'])
    expect(out['ephemeral_owner_is_session']).toBe(true)
    expect(out['get']).toEqual({ data: 'deep', version: 0, dataLength: 4 })
    expect(out['children']).toEqual(['a', 'eph', 'seq'])
    // Each kazoo exception class comes from the error code the server sent.
    for (const [expected, actual] of Object.entries(out['errors'] as Record<string, string | null>)) {
      expect(actual, expected).toBe(expected)
    }
    expect(out['failed_transaction']).toEqual(['RolledBackError', 'BadVersionError', 'RuntimeInconsistency'])
    expect(out['failed_transaction_applied']).toBe(false)
    expect(out['transaction']).toEqual(['/kz/tx-ok', 'ZnodeStat', true])
    expect(out['data_watch']).toEqual([
      [null, null],
      ['v1', 'CREATED'],
      ['v2', 'CHANGED'],
      [null, 'DELETED'],
    ])
    expect(out['private_without_auth']).toBe('NoAuthError')
    expect(out['private_acl_without_auth']).toBe('NoAuthError')
    expect(out['private_with_auth']).toBe('s')
    expect(out['private_acl']).toEqual([[31, 'digest', digestId('bob', 'pw')]])
  })

  it('Lock: four sessions taking the lock five times each never hold it together', async () => {
    const out = await run<{ finished: boolean; max_holders: number; final: number; leftover: string[] }>('recipes.py', 'lock')
    expect(out).toEqual({ finished: true, max_holders: 1, final: 20, leftover: [] })
  })

  it('Election: three candidates are leaders one at a time, each in turn after the previous one resigns', async () => {
    const out = await run<{ leaders: string[]; max_active: number; contenders: string[] }>('recipes.py', 'election')
    expect([...out.leaders].sort()).toEqual(['node-0', 'node-1', 'node-2'])
    expect(out.max_active).toBe(1)
    expect(out.contenders).toEqual(['node-0', 'node-1', 'node-2'])
  })

  it('Counter: a hundred concurrent increments from four sessions and one decrement add up', async () => {
    const out = await run('recipes.py', 'counter')
    expect(out).toEqual({ finished: true, value: 90, pre: 100, post: 90 })
  })

  it('Barrier and DoubleBarrier: waiters pass only once the barrier is removed or everyone has arrived', async () => {
    const out = await run('recipes.py', 'barrier')
    expect(out).toEqual({
      released_before_remove: 0,
      released: [true, true, true],
      double_entered_before_last: 0,
      double_finished: true,
      double_entered: [1, 2, 3],
      double_left: [],
    })
  })

  it('Queue: three consumers take thirty items exactly once, priorities order the queue, LockingQueue hands out distinct items', async () => {
    const out = await run<Record<string, unknown>>('recipes.py', 'queue')
    expect(out['finished']).toBe(true)
    expect(out['count']).toBe(30)
    expect(out['consumed']).toEqual(Array.from({ length: 30 }, (_, n) => `item-${String(n).padStart(2, '0')}`))
    expect(out['priority_order']).toEqual(['high', 'high-2', 'mid', 'low'])
    expect(out['locking_taken']).toEqual(['a', 'b'])
    expect(out['locking_remaining']).toBe(0)
  })
})
