// Method: runShell in-process with fake streams against a Paddock server on port 0; every command in one-shot mode, then piped interactive sessions, checking zkCli.sh's output lines and exit codes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect, createServer, type Server, type ZooKeeperClient } from '../../../lib/index.js'
import { ShellExitCode } from '../../../lib/cli/shell/index.js'
import { Shell } from '../../../lib/cli/shell/shell.js'
import { shellCommandLineCharsMax } from '../../../lib/limits.js'
import { normalise, shell } from './shell-helpers.js'

let server: Server
let cs: string
let zk: ZooKeeperClient
const run = (...command: string[]) => shell(['-server', cs, ...command])
const session = (...lines: string[]) => shell(['-server', cs], lines.join('\n') + '\n')

beforeAll(async () => {
  server = await createServer({ port: 0 })
  cs = server.connectString ?? ''
  zk = await connect(cs)
})

afterAll(async () => {
  await zk?.close()
  await server?.close()
})

const statKeys = ['cZxid', 'ctime', 'mZxid', 'mtime', 'pZxid', 'cversion', 'dataVersion', 'aclVersion', 'ephemeralOwner', 'dataLength', 'numChildren']

function statFields(lines: string[]): Record<string, string> {
  const fields = Object.fromEntries(lines.map((l) => l.split(' = ') as [string, string]))
  expect(Object.keys(fields)).toEqual(statKeys)
  return fields
}

describe('one-shot mode (zkCli.sh formats and exit codes)', () => {
  it('create prints Created on stderr; get prints the data; ls prints a Java list', async () => {
    expect(await run('create', '/one', 'my_data')).toEqual({ code: 0, out: '', err: 'Created /one\n' })
    expect(await run('get', '/one')).toEqual({ code: 0, out: 'my_data\n', err: '' })
    expect((await run('ls', '/')).out).toBe('[one, zookeeper]\n')
  })

  it('get -s, set -s and stat print the eleven Stat lines with hex zxids and Java dates', async () => {
    await run('create', '/st', 'abc')
    const get = await run('get', '-s', '/st')
    const [data, ...rest] = get.out.trimEnd().split('\n')
    expect(data).toBe('abc')
    const fields = statFields(rest)
    expect(fields).toMatchObject({ cversion: '0', dataVersion: '0', aclVersion: '0', ephemeralOwner: '0x0', dataLength: '3', numChildren: '0' })
    expect(fields['cZxid']).toMatch(/^0x[0-9a-f]+$/)
    expect(fields['ctime']).toMatch(/^(Sun|Mon|Tue|Wed|Thu|Fri|Sat) [A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2} \S+ \d{4}$/)
    const set = await run('set', '-s', '/st', 'abcd')
    expect(statFields(set.out.trimEnd().split('\n'))).toMatchObject({ dataVersion: '1', dataLength: '4' })
    expect(statFields((await run('stat', '/st')).out.trimEnd().split('\n'))['dataVersion']).toBe('1')
    expect(await run('set', '/st', 'plain')).toEqual({ code: 0, out: '', err: '' })
  })

  it('prints zkCli.sh error lines on stderr and exits 1', async () => {
    expect(await run('get', '/missing')).toEqual({ code: 1, out: '', err: 'Node does not exist: /missing\n' })
    expect(await run('stat', '/missing')).toEqual({ code: 1, out: '', err: 'Node does not exist: /missing\n' })
    await run('create', '/dup')
    expect(await run('create', '/dup')).toEqual({ code: 1, out: '', err: 'Node already exists: /dup\n' })
    expect(await run('set', '-v', '7', '/dup', 'x')).toEqual({ code: 1, out: '', err: 'version No is not valid : /dup\n' })
    expect(await run('delete', '-v', '7', '/dup')).toEqual({ code: 1, out: '', err: 'version No is not valid : /dup\n' })
    await run('create', '/dup/kid')
    expect(await run('delete', '/dup')).toEqual({ code: 1, out: '', err: 'Node not empty: /dup\n' })
    expect(await run('create', '/no/parent')).toEqual({ code: 1, out: '', err: 'Node does not exist: /no/parent\n' })
  })

  it('prints the usage line for missing arguments and exits 1; an unknown command exits 127', async () => {
    expect(await run('ls')).toEqual({ code: 1, out: '', err: 'ls [-s] [-w] [-R] path\n' })
    expect(await run('set', '/x')).toEqual({ code: 1, out: '', err: 'set [-s] [-v version] path data\n' })
    const bogus = await run('bogus')
    expect(bogus.code).toBe(ShellExitCode.commandNotFound)
    expect(bogus.err).toMatch(/Command not found: bogus\n$/)
    expect(await run('removewatches', '/x', '-q')).toEqual({ code: 1, out: '', err: 'Unrecognized option: -q\n' })
  })

  it('create -e, -s, -c and -t make the right kinds of node', async () => {
    expect((await run('create', '-s', '/seq-', 'x')).err).toMatch(/^Created \/seq-\d{10}\n$/)
    expect((await run('create', '-e', '-s', '/eseq-')).err).toMatch(/^Created \/eseq-\d{10}\n$/)
    expect((await run('create', '-c', '/container')).err).toBe('Created /container\n')
    expect((await run('create', '-t', '60000', '/ttl', 'd')).err).toBe('Created /ttl\n')
    expect(await run('create', '-c', '-e', '/bad')).toEqual({ code: 1, out: '', err: '-c cannot be combined with -s or -e. Containers cannot be ephemeral or sequential.\n' })
    expect(await run('create', '-e', '-t', '10', '/bad')).toEqual({ code: 1, out: '', err: 'TTLs cannot be used with Ephemeral znodes\n' })
    // The ephemeral went with the one-shot session.
    expect((await zk.getChildren('/')).filter((c) => c.startsWith('eseq-'))).toEqual([])
    expect((await zk.exists('/ttl'))?.ephemeralOwner).toBe(0n)
  })

  it('ls -s prints the list then the Stat; ls -R lists the subtree breadth first', async () => {
    await run('create', '/tree')
    await run('create', '/tree/b')
    await run('create', '/tree/a')
    await run('create', '/tree/a/x')
    const s = await run('ls', '-s', '/tree')
    const [list, ...stat] = s.out.trimEnd().split('\n')
    expect(list).toBe('[a, b]')
    expect(statFields(stat)['numChildren']).toBe('2')
    expect((await run('ls', '-R', '/tree')).out).toBe('/tree\n/tree/a\n/tree/b\n/tree/a/x\n')
    expect((await run('ls', '-w', '/tree')).out).toBe('[a, b]\n')
  })

  it('delete, deleteall and rmr remove nodes', async () => {
    await run('create', '/gone')
    expect(await run('delete', '/gone')).toEqual({ code: 0, out: '', err: '' })
    expect(await zk.exists('/gone')).toBeNull()
    await zk.create('/deep')
    await zk.create('/deep/a')
    await zk.create('/deep/a/b')
    expect(await run('deleteall', '/deep')).toEqual({ code: 0, out: '', err: '' })
    expect(await zk.exists('/deep')).toBeNull()
    await zk.create('/old')
    await zk.create('/old/a')
    expect(await run('rmr', '/old')).toEqual({ code: 0, out: '', err: '' })
    expect(await zk.exists('/old')).toBeNull()
    expect(await run('deleteall', '/nope')).toEqual({ code: 1, out: '', err: 'Node does not exist: /nope\n' })
  })

  it('getAcl prints each entry on two lines; setAcl parses scheme:id:perms lists, -s, -v and -R', async () => {
    await zk.create('/acl', 'x')
    await zk.create('/acl/kid', 'x')
    expect((await run('getAcl', '/acl')).out).toBe("'world,'anyone\n: cdrwa\n")
    const set = await run('setAcl', '-s', '/acl', 'world:anyone:rw,ip:127.0.0.1:cdrwa')
    expect(set.code).toBe(0)
    expect(statFields(set.out.trimEnd().split('\n'))['aclVersion']).toBe('1')
    expect((await run('getAcl', '/acl')).out).toBe("'world,'anyone\n: rw\n'ip,'127.0.0.1\n: cdrwa\n")
    const getS = await run('getAcl', '-s', '/acl')
    expect(statFields(getS.out.trimEnd().split('\n').slice(4))['aclVersion']).toBe('1')
    expect(await run('setAcl', '-v', '0', '/acl', 'world:anyone:cdrwa')).toEqual({ code: 1, out: '', err: 'version No is not valid : /acl\n' })
    expect((await run('setAcl', '-R', '/acl', 'world:anyone:r')).code).toBe(0)
    expect((await zk.getACL('/acl/kid')).acl).toEqual([{ perms: 1, id: { scheme: 'world', id: 'anyone' } }])
    const bad = await run('setAcl', '/acl', 'bogus')
    expect(bad.code).toBe(1)
    expect(bad.err).toBe('bogus does not have the form scheme:id:perm\nAcl is not valid : /acl\n')
  })

  it('getAllChildrenNumber, getEphemerals, sync and whoami print what zkCli.sh prints', async () => {
    await zk.create('/count')
    await zk.create('/count/a')
    await zk.create('/count/a/b')
    expect(await run('getAllChildrenNumber', '/count')).toEqual({ code: 0, out: '2\n', err: '' })
    expect(await run('getEphemerals')).toEqual({ code: 0, out: '[]\n', err: '' })
    expect(await run('getEphemerals', '/count')).toEqual({ code: 0, out: '[]\n', err: '' })
    expect(await run('sync', '/count')).toEqual({ code: 0, out: 'Sync is OK\n', err: '' })
    const who = await run('whoami')
    expect(who.code).toBe(0)
    expect(who.out).toMatch(/^Auth scheme: User\nip: 127\.0\.0\.1\n$/)
  })

  it('addauth, addWatch, removewatches, printwatches, close, connect, quit, history, redo and help run', async () => {
    expect(await run('addauth', 'digest', 'u:p')).toEqual({ code: 0, out: '', err: '' })
    await zk.create('/aw')
    expect(await run('addWatch', '/aw')).toEqual({ code: 0, out: '', err: '' })
    expect(await run('addWatch', '-m', 'PERSISTENT', '/aw')).toEqual({ code: 0, out: '', err: '' })
    expect((await run('addWatch', '-m', 'BOGUS', '/aw')).err).toMatch(/^addWatch \[-m mode\] path/)
    expect(await run('removewatches', '/aw')).toEqual({ code: 1, out: '', err: 'KeeperErrorCode = No such watcher for /aw\n' })
    expect(await run('printwatches')).toEqual({ code: 0, out: 'printwatches is off\n', err: '' })
    expect(await run('close')).toEqual({ code: 0, out: '', err: '' })
    expect(await run('connect', cs)).toEqual({ code: 0, out: '', err: '' })
    expect(await run('quit')).toEqual({ code: 0, out: '', err: '' })
    expect(await run('history')).toEqual({ code: 0, out: '', err: '' })
    expect(await run('redo', '3')).toEqual({ code: 1, out: '', err: 'Command index out of range\n' })
    const help = await shell(['-server', '127.0.0.1:1', 'help'])
    expect(help.code).toBe(0)
    for (const usage of ['ls [-s] [-w] [-R] path', 'create [-s] [-e] [-c] [-t ttl] path [data] [acl]', 'removewatches path [-c|-d|-a] [-l]', 'rmr path']) {
      expect(help.out).toContain(`\t${usage}\n`)
    }
  })

  it('refuses bad shell arguments with exit code 2', async () => {
    expect((await shell(['-timeout', 'soon', 'ls', '/'])).code).toBe(ShellExitCode.usage)
    expect((await shell(['-server'])).code).toBe(ShellExitCode.usage)
  })
})

describe('interactive mode through piped stdin', () => {
  it('runs several commands in one session, prints the banner and the closing event', async () => {
    const r = await session('create /i1 first', 'get /i1', 'set /i1 second', 'get /i1', 'ls /i1')
    expect(r.code).toBe(0)
    expect(r.err).toBe('Created /i1\n')
    expect(r.out).toBe(
      [
        `Connecting to ${cs}`,
        '',
        'WATCHER::',
        '',
        'WatchedEvent state:SyncConnected type:None path:null',
        'first',
        'second',
        '[]',
        '',
        'WATCHER::',
        '',
        'WatchedEvent state:Closed type:None path:null',
        '',
      ].join('\n'),
    )
  })

  it('keeps quoted data with spaces together, as zkCli.sh splits lines', async () => {
    const r = await session("create /q 'test data'", 'get /q', `set /q "double  quoted"`, 'get /q', "create /q2 it's", 'get /q2', 'set /q a"b c"d')
    expect(r.err).toBe('Created /q\nCreated /q2\nset [-s] [-v version] path data\n')
    const out = r.out.split('\n')
    expect(out).toContain('test data')
    expect(out).toContain('double  quoted')
    expect(out).toContain("it's")
  })

  it('numbers the history, shows the last eleven entries and redoes one', async () => {
    const r = await session('create /h x', 'get /h', 'set /h y', 'history', 'redo 1', 'redo 99', 'redo 5', 'history')
    const out = r.out.split('\n')
    expect(out).toContain('0 - create /h x')
    expect(out).toContain('3 - history')
    expect(out.filter((l) => l === 'y')).toHaveLength(1)
    // `redo 1` takes the place of its own line in the history, as in zkCli.sh.
    expect(out).toContain('4 - get /h')
    expect(r.err).toContain('Command index out of range\n')
    expect(r.err).toContain('No redoing redos\n')
  })

  it('prints fired watches as WATCHER:: lines, and not after printwatches off', async () => {
    await zk.create('/wt', 'a')
    await zk.create('/wt/kid')
    const r = await session('get -w /wt', 'set /wt b', 'ls -w /wt', 'create /wt/two', 'stat -w /wt/kid', 'delete /wt/kid', 'addWatch -m PERSISTENT /wt', 'set /wt c', 'printwatches off', 'set /wt d', 'printwatches')
    const events = r.out.split('\n').filter((l) => l.startsWith('WatchedEvent') && !l.includes('type:None'))
    expect(events).toEqual([
      'WatchedEvent state:SyncConnected type:NodeDataChanged path:/wt',
      'WatchedEvent state:SyncConnected type:NodeChildrenChanged path:/wt',
      'WatchedEvent state:SyncConnected type:NodeDeleted path:/wt/kid',
      'WatchedEvent state:SyncConnected type:NodeDataChanged path:/wt',
    ])
    expect(r.out).toContain('printwatches is off\n')
  })

  it('says Not connected after close, and connects again with connect', async () => {
    await zk.create('/cc', 'v')
    const r = await session('close', 'get /cc', `connect ${cs}`, 'get /cc', 'removewatches /cc')
    expect(r.err).toBe('Not connected\nKeeperErrorCode = No such watcher for /cc\n')
    expect(r.out.split('\n').filter((l) => l === 'v')).toHaveLength(1)
    expect(r.out.match(/Connecting to /g)).toHaveLength(2)
  })

  it('refuses a line over shellCommandLineCharsMax with an error, leaves it out of the history and runs the next line', async () => {
    const long = `create /long ${'x'.repeat(shellCommandLineCharsMax)}`
    const r = await session(long, 'create /after-long', 'history')
    expect(r.err).toBe(`Command line too long: ${long.length} characters, over shellCommandLineCharsMax (${shellCommandLineCharsMax})\nCreated /after-long\n`)
    expect(r.out.split('\n')).toContain('0 - create /after-long')
    expect(await zk.exists('/after-long')).not.toBeNull()
  })

  it('quit ends the session before the input does', async () => {
    const r = await session('quit', 'create /after-quit')
    expect(r.code).toBe(0)
    expect(await zk.exists('/after-quit')).toBeNull()
  })
})

describe('tab completion', () => {
  it('completes command names and the children of the typed parent', async () => {
    await zk.create('/comp')
    await zk.create('/comp/alpha')
    await zk.create('/comp/alps')
    await zk.create('/comp/beta')
    const sh = new Shell({ server: cs, sessionTimeoutMs: 10_000, output: { out: () => {}, err: () => {} }, printWatches: false })
    expect(await sh.connect()).toBe(true)
    try {
      expect(await sh.complete('getA')).toEqual([['getAcl', 'getAllChildrenNumber'], 'getA'])
      expect(await sh.complete('ls /comp/al')).toEqual([['/comp/alpha', '/comp/alps'], '/comp/al'])
      expect(await sh.complete('get -s /comp/b')).toEqual([['/comp/beta'], '/comp/b'])
      expect((await sh.complete('ls /co'))[0]).toContain('/comp')
      expect(await sh.complete('ls /missing/x')).toEqual([[], '/missing/x'])
    } finally {
      await sh.closeSession()
    }
  })
})

describe('normalise', () => {
  it('hides dates and zxids only', () => {
    expect(normalise('cZxid = 0x1f\nctime = Thu Nov 26 06:52:41 UTC 2026\ncversion = 0')).toBe('cZxid = <hex>\nctime = <date>\ncversion = 0')
  })
})
