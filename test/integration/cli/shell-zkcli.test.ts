// Method: the same one-shot commands through zkCli.sh and through runShell against one Apache ZooKeeper server, comparing exit codes and printed lines with dates and zxids normalised (skipped when Java or zkCli.sh is missing).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startApacheZooKeeper } from '../../interop/harness/apache.js'
import { defaultSettings, hookTimeoutMs } from '../../interop/harness/targets.js'
import type { RunningServer } from '../../interop/harness/types.js'
import { zkCli, zkCliUnavailableReason } from '../../interop/harness/zkcli.js'
import { normalise, shell } from './shell-helpers.js'

const missing = zkCliUnavailableReason()
if (missing !== undefined) console.warn(`shell: skipping the zkCli.sh comparison: ${missing}`)

describe.skipIf(missing !== undefined)('paddock shell prints what zkCli.sh prints (Apache ZooKeeper 3.8)', () => {
  let apache: RunningServer

  beforeAll(async () => {
    apache = await startApacheZooKeeper(defaultSettings)
  }, hookTimeoutMs)

  afterAll(async () => {
    await apache?.stop()
  }, hookTimeoutMs)

  async function both(...command: string[]): Promise<void> {
    const expected = await zkCli(apache.connectString, ...command)
    const actual = await shell(['-server', apache.connectString, ...command])
    const tidy = (text: string) => normalise(text.trim())
    expect({ code: actual.code, out: tidy(actual.out), err: tidy(actual.err) }).toEqual({ code: expected.code, out: tidy(expected.out), err: tidy(expected.err) })
  }

  it('creates, reads, lists, stats and fails alike', async () => {
    expect((await zkCli(apache.connectString, 'create', '/cmp', 'hello world', 'world:anyone:cdrwa,ip:127.0.0.1:r')).err).toBe('Created /cmp')
    expect((await shell(['-server', apache.connectString, 'create', '/cmp/kid', 'x'])).err).toBe('Created /cmp/kid\n')
    await both('get', '-s', '/cmp')
    await both('ls', '-s', '/cmp')
    await both('getAcl', '/cmp')
    await both('get', '/nonexistent')
    await both('set', '-v', '9', '/cmp', 'stale')
    await both('create', '/cmp')
    await both('delete', '/cmp')
    await both('getAllChildrenNumber', '/cmp')
  })

  it('prints config (plain, -s and -c), whoami and version alike', async () => {
    await both('config')
    await both('config', '-s')
    await both('config', '-c')
    await both('whoami')
    const expected = await zkCli(apache.connectString, 'version')
    const actual = await shell(['-server', apache.connectString, 'version'])
    const shape = (text: string) => text.trim().replace(/^ZooKeeper CLI version: \d+\.\d+\.\d+-\S+, built on .+$/, 'ZooKeeper CLI version: <version>, built on <date>')
    expect(shape(actual.out)).toBe('ZooKeeper CLI version: <version>, built on <date>')
    expect(shape(expected.out)).toBe(shape(actual.out))
  })
})
