// Method: one script of quota commands (setquota, listquota, delquota, and writes into the quota)
// piped into the shell, all in one session. The transcript below is what zkCli.sh 3.8 printed for
// it against Apache ZooKeeper 3.8 run with -Dzookeeper.enforceQuota=true. Paddock's shell must
// print it against a Paddock server with enforceQuota (always), and, when Java and zkCli.sh are
// here, zkCli.sh and Paddock's shell must both print it against that Apache ZooKeeper. Known,
// documented differences are applied to zkCli's side: Commons CLI's exception class before an
// option error, and `Quota does not exist` on stdout. One-shot runs check the exit codes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, type Server } from '../../../lib/index.js'
import { startApacheZooKeeper } from '../../interop/harness/apache.js'
import { defaultSettings, hookTimeoutMs } from '../../interop/harness/targets.js'
import type { RunningServer } from '../../interop/harness/types.js'
import { zkCli, zkCliSession, zkCliUnavailableReason } from '../../interop/harness/zkcli.js'
import { shell } from './shell-helpers.js'

/** The script, for a root `R` (R2, R-missing and R-none are other paths next to it). */
const script = [
  'create R abc',
  'create R/a 12345',
  'setquota -n 5 R',
  'listquota R',
  'setquota -N 3 R',
  'listquota R',
  'setquota -B 9 R',
  'listquota R',
  'create R/b xy',
  'create R/c',
  'set R/a 123456',
  'delquota -n R',
  'listquota R',
  'setquota -n 0 R',
  'setquota -b -1 R',
  'setquota -n x R',
  'setquota -n 1 -b 2 R',
  'setquota R',
  'setquota -n 5',
  'setquota -n 5 /zookeeper/quota/x',
  'setquota -n 5 R-missing',
  'create R/a/deep',
  'setquota -n 5 R/a',
  'delquota -x R',
  'delquota -n -b R',
  'listquota R-none',
  'delquota R-none',
  'setquota -N 1 R',
  'delquota R',
  'listquota R',
  'create R2',
  'create R2/c',
  'setquota -n 2 R2/c',
  'setquota -n 2 R2',
  'setquota -n 1 R2/c',
  'delquota -N R2/c',
  'listquota R2/c',
  'delquota R2/c',
]

/** What zkCli.sh 3.8 printed on stdout for the script (against ZooKeeper 3.8, quotas enforced). */
const expectedOut = [
  'Output quota for R count=5,bytes=-1=;byteHardLimit=-1;countHardLimit=-1',
  'Output stat for R count=2,bytes=8',
  'Output quota for R count=5,bytes=-1=;byteHardLimit=-1;countHardLimit=3',
  'Output stat for R count=2,bytes=8',
  'Output quota for R count=5,bytes=-1=;byteHardLimit=9;countHardLimit=3',
  'Output stat for R count=2,bytes=8',
  'Output quota for R count=-1,bytes=-1=;byteHardLimit=9;countHardLimit=3',
  'Output stat for R count=3,bytes=9',
  '[Warning]: the count quota you create is less than the existing count:3',
  'Output quota for R2/c count=1,bytes=-1=;byteHardLimit=-1;countHardLimit=-1',
  'Output stat for R2/c count=1,bytes=0',
]

/** What it printed on stderr; zkCli.sh prints `Quota does not exist for R-none` on stdout instead. */
const expectedErr = [
  'Created R',
  'Created R/a',
  'absolute path is /zookeeper/quotaR/zookeeper_limits',
  'absolute path is /zookeeper/quotaR/zookeeper_limits',
  'absolute path is /zookeeper/quotaR/zookeeper_limits',
  'Quota has exceeded : R/b',
  'Created R/c',
  'absolute path is /zookeeper/quotaR/zookeeper_limits',
  'the num quota must be greater than zero',
  'the bytes quota must be greater than or equal to zero',
  'NumberFormatException happens when parsing the option value',
  "The option 'b' was specified but an option from this group has already been selected: 'n'",
  'Missing required option: [-n num soft quota, -b bytes soft quota, -N num hard quota, -B bytes hard quota]',
  'setquota -n|-b|-N|-B val path',
  'cannot set a quota under the path: /zookeeper/quota',
  'R-missing does not exist.',
  'Quota has exceeded : R/a/deep',
  'R/a has a parent R which has a quota',
  'Unrecognized option: -x',
  "The option 'b' was specified but an option from this group has already been selected: 'n'",
  'absolute path is /zookeeper/quotaR-none/zookeeper_limits',
  'quota for R-none does not exist.',
  'Quota does not exist for R-none',
  'absolute path is /zookeeper/quotaR/zookeeper_limits',
  'quota for R does not exist.',
  'Created R2',
  'Created R2/c',
  'R2 has a child R2/c which has a quota',
  'absolute path is /zookeeper/quotaR2/c/zookeeper_limits',
]

/** The script for root `root`, one command a line. */
const scriptFor = (root: string): string => script.map((line) => line.replaceAll('R', root)).join('\n') + '\n'

/** Lines without the session banner and the connection event, `root` written as R again. */
function tidy(text: string, root: string): string[] {
  const banner = /^(Connecting to .*|Welcome to ZooKeeper!|JLine support is disabled|WATCHER::|WatchedEvent state:(SyncConnected|Closed) type:None path:null|SLF4J:.*|)$/
  return text
    .split('\n')
    .filter((line) => !banner.test(line))
    .map((line) => line.replaceAll(root, 'R'))
}

/** zkCli's lines with Paddock's documented differences applied. */
function asPaddockPrintsIt(out: string[], err: string[]): { out: string[]; err: string[] } {
  const moved = out.filter((line) => line.startsWith('Quota does not exist for '))
  const plainErr = err.map((line) => line.replace(/^org\.apache\.commons\.cli\.\w+Exception: /, ''))
  const at = plainErr.indexOf('quota for R-none does not exist.') + 1
  return { out: out.filter((line) => !moved.includes(line)), err: [...plainErr.slice(0, at), ...moved, ...plainErr.slice(at)] }
}

describe('paddock shell quota commands against a Paddock server with enforceQuota', () => {
  let server: Server
  beforeAll(async () => {
    server = await createServer({ port: 0, host: '127.0.0.1', enforceQuota: true })
  })
  afterAll(async () => {
    await server.close()
  })
  const connectString = (): string => `127.0.0.1:${server.address?.port ?? 0}`

  it('prints what zkCli.sh prints for the script', async () => {
    const run = await shell(['-server', connectString()], scriptFor('/pq'))
    expect({ out: tidy(run.out, '/pq'), err: tidy(run.err, '/pq') }).toEqual({ out: expectedOut, err: expectedErr })
  })

  it('exits 0 on success and 1 on every refusal, where zkCli.sh exits 0 for some', async () => {
    const one = (...command: string[]) => shell(['-server', connectString(), ...command])
    expect(await one('create', '/pq1')).toMatchObject({ code: 0 })
    expect(await one('setquota', '-B', '4', '/pq1')).toEqual({ code: 0, out: '', err: '' })
    expect(await one('listquota', '/pq1')).toEqual({ code: 0, out: 'Output quota for /pq1 count=-1,bytes=-1=;byteHardLimit=4;countHardLimit=-1\nOutput stat for /pq1 count=1,bytes=0\n', err: 'absolute path is /zookeeper/quota/pq1/zookeeper_limits\n' })
    expect(await one('create', '/pq1/x', 'hello')).toEqual({ code: 1, out: '', err: 'Quota has exceeded : /pq1/x\n' })
    expect(await one('setquota', '-n', '0', '/pq1')).toEqual({ code: 1, out: '', err: 'the num quota must be greater than zero\n' })
    expect(await one('setquota', '-n', '1', '/zookeeper')).toEqual({ code: 1, out: '', err: 'cannot set a quota on /zookeeper or under it: the server does not count that subtree\n' })
    expect(await one('setquota', '-n', '1', '/')).toEqual({ code: 1, out: '', err: 'cannot set a quota on /: set it on a node below the root\n' })
    expect(await one('setquota', '-n', '9007199254740992', '/pq1')).toMatchObject({ code: 1, err: 'NumberFormatException happens when parsing the option value\n' })
    expect(await one('setquota', '-b', '9007199254740992', '/pq1')).toMatchObject({ code: 1, err: 'the bytes quota must be at most 9007199254740991\n' })
    expect(await one('listquota', '/pq-none')).toMatchObject({ code: 1, err: 'absolute path is /zookeeper/quota/pq-none/zookeeper_limits\nquota for /pq-none does not exist.\n' })
    expect(await one('delquota', '/pq-none')).toEqual({ code: 1, out: '', err: 'Quota does not exist for /pq-none\n' })
    expect(await one('delquota', '/pq1')).toEqual({ code: 0, out: '', err: '' })
    expect(await one('ls', '/zookeeper/quota')).toMatchObject({ code: 0, out: '[]\n' })
  })
})

const missing = zkCliUnavailableReason()
if (missing !== undefined) console.warn(`shell: skipping the zkCli.sh quota comparison: ${missing}`)

describe.skipIf(missing !== undefined)('paddock shell quota commands print what zkCli.sh prints (Apache ZooKeeper 3.8, quotas enforced)', () => {
  let apache: RunningServer

  beforeAll(async () => {
    apache = await startApacheZooKeeper({ ...defaultSettings, extraJvmFlags: ['-Dzookeeper.enforceQuota=true'] })
  }, hookTimeoutMs)
  afterAll(async () => {
    await apache?.stop()
  }, hookTimeoutMs)

  it('zkCli.sh prints the transcript, and so does paddock shell, against the same server', async () => {
    const zk = await zkCliSession(apache.connectString, scriptFor('/zq').trim().split('\n'))
    const fromZkCli = asPaddockPrintsIt(tidy(zk.lines.join('\n'), '/zq'), tidy(zk.err, '/zq'))
    expect(fromZkCli).toEqual({ out: expectedOut, err: expectedErr })
    const run = await shell(['-server', apache.connectString], scriptFor('/pz'))
    expect({ out: tidy(run.out, '/pz'), err: tidy(run.err, '/pz') }).toEqual({ out: expectedOut, err: expectedErr })
  })

  it('exits as zkCli.sh does on success and on a missing path; 1 where zkCli.sh prints a refusal and exits 0', async () => {
    expect((await zkCli(apache.connectString, 'create', '/zx')).code).toBe(0)
    for (const command of [['setquota', '-n', '2', '/zx'], ['setquota', '-n', '2', '/zx-missing']]) {
      const expected = await zkCli(apache.connectString, ...command)
      const actual = await shell(['-server', apache.connectString, ...command])
      expect({ code: actual.code, out: actual.out.trim(), err: actual.err.trim() }).toEqual({ code: expected.code, out: expected.out, err: expected.err })
    }
    const refused = await zkCli(apache.connectString, 'setquota', '-n', '0', '/zx')
    expect(refused).toMatchObject({ code: 0, err: 'the num quota must be greater than zero' })
    expect(await shell(['-server', apache.connectString, 'setquota', '-n', '0', '/zx'])).toMatchObject({ code: 1, err: 'the num quota must be greater than zero\n' })
  })
})
