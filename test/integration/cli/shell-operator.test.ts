// Method: runShell in-process with fake streams against a Paddock server on port 0: zkCli 3.9's
// version, config and whoami commands in one-shot and piped sessions, their output lines and exit
// codes compared with what zkCli prints (VersionCommand, GetConfigCommand, WhoAmICommand); the
// -c form checked on configuration texts as ZooKeeper writes them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect, createServer, type Server } from '../../../lib/index.js'
import { clientConfigString } from '../../../lib/cli/shell/config.js'
import { normalise, shell } from './shell-helpers.js'
import { TestingCluster } from '../../../lib/testing/index.js'
import { digestId } from '../../../lib/digest.js'

let server: Server
let cs: string
const run = (...command: string[]) => shell(['-server', cs, ...command])

beforeAll(async () => {
  server = await createServer({ port: 0 })
  cs = server.connectString ?? ''
})

afterAll(async () => {
  await server?.close()
})

describe('version', () => {
  it('prints zkCli\'s line with the full version srvr reports, with no server to connect to', async () => {
    const expected = { code: 0, out: 'ZooKeeper CLI version: 3.9.5-paddock-0.1.0, built on n/a\n', err: '' }
    expect(await shell(['-server', '127.0.0.1:1', 'version'])).toEqual(expected)
    expect(await run('version')).toEqual(expected)
  })

  it('takes no argument: the usage line and exit 1 otherwise', async () => {
    expect(await run('version', 'x')).toEqual({ code: 1, out: '', err: 'version \n' })
  })
})

describe('config', () => {
  it('prints the data of /zookeeper/config (empty: no dynamic configuration), and its Stat with -s', async () => {
    expect(await run('config')).toEqual({ code: 0, out: '\n', err: '' })
    const withStat = await run('config', '-s')
    const lines = withStat.out.split('\n')
    expect(lines[0]).toBe('')
    expect(lines.slice(1, -1).map((l) => l.split(' = ')[0])).toEqual(['cZxid', 'ctime', 'mZxid', 'mtime', 'pZxid', 'cversion', 'dataVersion', 'aclVersion', 'ephemeralOwner', 'dataLength', 'numChildren'])
    expect(await run('config', '-c')).toEqual({ code: 0, out: ' \n', err: '' })
  })

  it('takes -w (a watch on the node) with -s, printing the data and Stat as without it', async () => {
    const watched = await run('config', '-w', '-s')
    expect(watched.code).toBe(0)
    expect(watched.out.split('\n')).toHaveLength(13)
  })

  it('refuses a chrooted session, since ZooKeeper reads /zookeeper/config outside the chroot', async () => {
    const zk = await connect(cs)
    await zk.create('/app')
    await zk.close()
    expect(await shell(['-server', `${cs}/app`, 'config'])).toEqual({ code: 1, out: '', err: 'config reads /zookeeper/config, outside the chroot /app: connect without the chroot to read it\n' })
  })

  it('refuses an option zkCli does not take', async () => {
    expect(await run('config', '-x')).toEqual({ code: 1, out: '', err: 'Unrecognized option: -x\n' })
  })

  it('-c prints the version and each server\'s client address as ConfigUtils.getClientConfigStr does', () => {
    const dynamic = [
      'server.1=zoo1:2888:3888:participant;0.0.0.0:2181',
      'server.2=zoo2:2888:3888:participant;zoo2:2182',
      'server.3=zoo3:2888:3888:observer;2183',
      'version=100000000',
    ].join('\n')
    expect(clientConfigString(dynamic)).toBe('100000000 0.0.0.0:2181,zoo2:2182,0.0.0.0:2183')
    expect(clientConfigString('server.1=zoo1:2888:3888\nversion=1')).toBe('1 ')
    expect(clientConfigString('')).toBe(' ')
  })
})

describe('whoami', () => {
  it('prints the header and one line per identity, the digest user after addauth', async () => {
    const session = await shell(['-server', cs], 'whoami\naddauth digest alice:secret\nwhoami\n')
    expect(session.code).toBe(0)
    const answers = session.out.split('Auth scheme: User\n').slice(1).map((block) => block.split('\n').filter((l) => /^\w+: /.test(l)))
    expect(answers).toEqual([['ip: 127.0.0.1'], ['ip: 127.0.0.1', 'digest: alice']])
  })
})

describe('reconfig', () => {
  it('changes the membership as zkCli does, printing the committed configuration', async () => {
    const cluster = await TestingCluster.start({ size: 3, clientPorts: true, reconfigEnabled: true, superDigest: digestId('super:secret') })
    try {
      const leader = await cluster.waitForLeader()
      const follower = [1, 2, 3].find((id) => id !== leader.myid) as number
      const victim = [1, 2, 3].find((id) => id !== leader.myid && id !== follower) as number
      const at = cluster.member(follower).connectString ?? ''
      // As anyone, it is refused; as the super user it commits.
      expect(await shell(['-server', at, 'reconfig', '-remove', String(victim)])).toMatchObject({ code: 1, err: 'Insufficient permission : null\n' })
      const session = await shell(['-server', at], `addauth digest super:secret\nreconfig -remove ${victim}\nconfig -c\n`)
      expect(session.code, session.err).toBe(0)
      const lines = normalise(session.out).split('\n')
      const committed = lines.indexOf('Committed new configuration:')
      expect(committed).toBeGreaterThanOrEqual(0)
      const servers = lines.slice(committed + 1).filter((line) => line.startsWith('server.'))
      expect(servers.map((line) => Number(/^server\.(\d+)=/.exec(line)?.[1]))).toEqual([1, 2, 3].filter((id) => id !== victim))
      const version = lines.slice(committed + 1).find((line) => line.startsWith('version='))?.slice('version='.length)
      expect(version).toMatch(/^[0-9a-f]+$/)
      // config -c: the version and the remaining servers' client addresses.
      expect(lines.some((line) => line.startsWith(`${version} `))).toBe(true)
    } finally {
      await cluster.close()
    }
  })

  it('refuses what zkCli refuses before sending anything', async () => {
    expect(await run('reconfig')).toMatchObject({ code: 1 })
    expect(await run('reconfig', '-add', 'server.4=h:1:2;3', '-members', 'server.1=h:1:2;3')).toEqual({ code: 1, out: '', err: "Can't use -file or -members together with -add or -remove (mixing incremental and non-incremental modes is not allowed)\n" })
    expect(await run('reconfig', '-remove', '2', '-v', 'xyz')).toEqual({ code: 1, out: '', err: '-v must be followed by a long (configuration version)\n' })
    // A standalone server does not reconfigure.
    expect(await run('reconfig', '-remove', '2')).toMatchObject({ code: 1, err: expect.stringMatching(/Reconfig is disabled|Unimplemented/) })
  })
})
