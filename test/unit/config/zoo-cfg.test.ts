// Method: parse zoo.cfg texts as ZooKeeper's tutorial writes them, and broken ones, checking the
// values, ZooKeeper's defaults, and that each error names the file and line.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ConfigError, loadMyid, loadZooCfg, parseZooCfg } from '../../../lib/config/zoo-cfg.js'
import { serverOptionsFor } from '../../../lib/host/zoo-cfg-options.js'

const tutorial = `# The tutorial's replicated zoo.cfg
tickTime=2000
dataDir=/var/lib/zookeeper
clientPort=2181
initLimit=5
syncLimit=2
server.1=zoo1:2888:3888
server.2=zoo2:2888:3888
server.3=zoo3:2888:3888
`

const dirs: string[] = []
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true })
})

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn()
  } catch (e) {
    if (e instanceof ConfigError) return e
    throw e
  }
  throw new Error('no ConfigError thrown')
}

describe('parseZooCfg', () => {
  it('reads the tutorial’s ensemble configuration', () => {
    const config = parseZooCfg(tutorial, 'zoo.cfg')
    expect(config).toMatchObject({ tickTimeMs: 2000, initLimit: 5, syncLimit: 2, clientPort: 2181, dataDir: '/var/lib/zookeeper' })
    expect(config.servers).toEqual([1, 2, 3].map((id) => ({
      id, host: `zoo${id}`, quorumPort: 2888, electionPort: 3888, role: 'participant', clientAddress: undefined, clientPort: undefined,
    })))
    expect(config.warnings).toEqual([])
  })

  it('fills in ZooKeeper’s defaults', () => {
    const config = parseZooCfg('tickTime=100\n')
    expect(config).toMatchObject({
      minSessionTimeoutMs: 200, maxSessionTimeoutMs: 2000, maxClientCnxns: 60, globalOutstandingLimit: 1000, snapCount: 100_000,
      snapRetainCount: 3, purgeIntervalHours: 0, juteMaxBuffer: 0xfffff, fourLetterWordsWhitelist: 'srvr', servers: [],
    })
  })

  it('reads globalOutstandingLimit under either of ZooKeeper\'s names, 0 turning it off', () => {
    expect(parseZooCfg('globalOutstandingLimit=50\n').globalOutstandingLimit).toBe(50)
    expect(parseZooCfg('zookeeper.globalOutstandingLimit=0\n').globalOutstandingLimit).toBe(0)
    expect(() => parseZooCfg('globalOutstandingLimit=-1\n')).toThrow(/globalOutstandingLimit must be an integer/)
  })

  it('takes ZooKeeperServer.DEFAULT_TICK_TIME (3000 ms) when the file sets no tickTime, and its session bounds from it', () => {
    expect(parseZooCfg('dataDir=/d\n')).toMatchObject({ tickTimeMs: 3000, minSessionTimeoutMs: 6000, maxSessionTimeoutMs: 60_000, initLimit: 10, syncLimit: 5 })
  })

  it('reads localSessionsEnabled and localSessionsUpgradingEnabled, both off by default, and maps them onto the server options', () => {
    const off = parseZooCfg('dataDir=/d\n')
    expect(off).toMatchObject({ localSessionsEnabled: false, localSessionsUpgradingEnabled: false })
    expect(serverOptionsFor(off)).toMatchObject({ localSessionsEnabled: false, localSessionsUpgradingEnabled: false })
    const on = parseZooCfg('dataDir=/d\nlocalSessionsEnabled=true\nlocalSessionsUpgradingEnabled=true\n')
    expect(on).toMatchObject({ localSessionsEnabled: true, localSessionsUpgradingEnabled: true, warnings: [] })
    expect(serverOptionsFor(on)).toMatchObject({ localSessionsEnabled: true, localSessionsUpgradingEnabled: true })
    expect(parseZooCfg('localSessionsEnabled=true\n')).toMatchObject({ localSessionsEnabled: true, localSessionsUpgradingEnabled: false })
  })

  it('parses observers, client address suffixes and IPv6 hosts', () => {
    const config = parseZooCfg('dataDir=/d\nserver.1=a:1:2;3000\nserver.2=[::1]:4:5:participant;127.0.0.1:3001\nserver.3=c:6:7:observer\n')
    expect(config.servers.map((s) => [s.id, s.host, s.role, s.clientAddress, s.clientPort])).toEqual([
      [1, 'a', 'participant', undefined, 3000],
      [2, '::1', 'participant', '127.0.0.1', 3001],
      [3, 'c', 'observer', undefined, undefined],
    ])
  })

  it('warns about an even number of voters and about unknown keys, as ZooKeeper does', () => {
    const config = parseZooCfg('dataDir=/d\nserver.1=a:1:2\nserver.2=b:1:2\nfrobnicate=yes\n', 'conf/zoo.cfg')
    expect(config.warnings).toEqual([
      'conf/zoo.cfg:4: unknown key frobnicate ignored',
      'conf/zoo.cfg: 2 voting members: an even ensemble tolerates no more failures than 1; use an odd number',
    ])
  })

  it.each([
    ['tickTime=abc\n', 'zoo.cfg:1: tickTime must be an integer in [1, 9007199254740991], got "abc"'],
    ['clientPort=2181\nclientPort=2182\n', 'zoo.cfg:2: clientPort is set twice (first on line 1)'],
    ['dataDir=/d\nserver.1=a:1\n', 'zoo.cfg:2: server.1 must be host:quorumPort:electionPort[:participant|:observer], got "a:1"'],
    ['dataDir=/d\nserver.1=a:1:2:leader\n', 'zoo.cfg:2: server.1: role must be participant or observer, got "leader"'],
    ['dataDir=/d\nserver.x=a:1:2\n', 'zoo.cfg:2: server.x must be an integer in [1, 255], got "x"'],
    ['dataDir=/d\nserver.1=a:1:2\nserver.2=a:2:3\n', 'zoo.cfg:3: a:2 is used by server.1 and server.2'],
    ['dataDir=/d\nserver.1=a:99999:2\n', 'zoo.cfg:2: server.1 must be an integer in [1, 65535], got "99999"'],
    ['server.1=a:1:2\n', 'zoo.cfg: dataDir is required for an ensemble (it holds myid)'],
    ['minSessionTimeout=5000\nmaxSessionTimeout=4000\n', 'zoo.cfg:1: minSessionTimeout (5000) is over maxSessionTimeout (4000)'],
    ['just-a-word\n', 'zoo.cfg:1: expected key=value, got "just-a-word"'],
    ['localSessionsEnabled=maybe\n', 'zoo.cfg:1: localSessionsEnabled must be true or false, got "maybe"'],
    ['localSessionsUpgradingEnabled=1\n', 'zoo.cfg:1: localSessionsUpgradingEnabled must be true or false, got "1"'],
  ])('rejects %j with a message naming the line', (text, message) => {
    expect(errorOf(() => parseZooCfg(text)).message).toBe(message)
  })
})

describe('files', () => {
  async function dir(): Promise<string> {
    const d = await mkdtemp(join(tmpdir(), 'paddock-cfg-'))
    dirs.push(d)
    return d
  }

  it('loads zoo.cfg and myid from dataDir', async () => {
    const d = await dir()
    await writeFile(join(d, 'zoo.cfg'), `dataDir=${d}\nserver.1=a:1:2\nserver.2=b:1:2\nserver.3=c:1:2\n`)
    await writeFile(join(d, 'myid'), '2\n')
    const config = await loadZooCfg(join(d, 'zoo.cfg'))
    expect(await loadMyid(config)).toBe(2)
  })

  it('says which file is missing', async () => {
    const d = await dir()
    await expect(loadZooCfg(join(d, 'nope.cfg'))).rejects.toThrow(`${join(d, 'nope.cfg')}: cannot read the configuration`)
    const config = parseZooCfg(`dataDir=${d}\nserver.1=a:1:2\n`, 'zoo.cfg')
    await expect(loadMyid(config)).rejects.toThrow(`${join(d, 'myid')}: cannot read myid (write this member's id, e.g. "echo 1 > ${join(d, 'myid')}")`)
  })

  it('refuses a myid that is not among the servers, listing them', async () => {
    const d = await dir()
    await writeFile(join(d, 'myid'), '7')
    const config = parseZooCfg(`dataDir=${d}\nserver.1=a:1:2\nserver.2=b:1:2\nserver.3=c:1:2\n`, 'conf/zoo.cfg')
    await expect(loadMyid(config)).rejects.toThrow('myid 7 is not among the servers of conf/zoo.cfg (server.1, server.2, server.3)')
    await writeFile(join(d, 'myid'), 'one')
    await expect(loadMyid(config)).rejects.toThrow('myid must hold an integer in [1, 255], got "one"')
  })

  it('reads peerType, lets the server line decide the role and warns when they disagree (ZooKeeper QuorumPeerConfig)', async () => {
    const d = await dir()
    await writeFile(join(d, 'myid'), '4')
    const servers = `dataDir=${d}\nserver.1=a:1:2\nserver.2=b:1:2\nserver.3=c:1:2\nserver.4=d:1:2:observer\n`
    const agreeing = parseZooCfg(`${servers}peerType=Observer\n`, 'zoo.cfg')
    expect(agreeing.peerType).toBe('observer')
    expect(await loadMyid(agreeing)).toBe(4)
    expect(agreeing.warnings).toEqual([])
    await writeFile(join(d, 'myid'), '1')
    const disagreeing = parseZooCfg(`${servers}peerType=observer\n`, 'zoo.cfg')
    expect(await loadMyid(disagreeing)).toBe(1)
    expect(disagreeing.servers.find((s) => s.id === 1)?.role).toBe('participant')
    expect(disagreeing.warnings).toEqual(['zoo.cfg: peerType=observer, but server.1 makes this member a participant: the server line decides, as in ZooKeeper'])
    expect(() => parseZooCfg(`${servers}peerType=voter\n`, 'zoo.cfg')).toThrow('zoo.cfg:6: peerType=voter: expected participant or observer')
  })
})
