// Method: the shell's pure parsers and printers on fixed inputs, each checked against zkCli.sh's behaviour as observed with ZooKeeper 3.8 (ZooKeeperMain ARGS_PATTERN, AclParser, StatPrinter, Java Date.toString).
import { describe, expect, it } from 'vitest'
import { ZooKeeperError } from '../../../lib/index.js'
import { errorLine, formatAcl, formatStat, javaDateString, parseAcl, permString } from '../../../lib/cli/shell/format.js'
import { parseOptions, tokenize } from '../../../lib/cli/shell/parse.js'

describe('tokenize (ZooKeeperMain ARGS_PATTERN)', () => {
  it('keeps single- and double-quoted words together and drops the quotes', () => {
    expect(tokenize("set /test 'test data'")).toEqual(['set', '/test', 'test data'])
    expect(tokenize('create /a "x  y" world:anyone:r')).toEqual(['create', '/a', 'x  y', 'world:anyone:r'])
    expect(tokenize('  ls   /  ')).toEqual(['ls', '/'])
    expect(tokenize("create /e ''")).toEqual(['create', '/e', ''])
  })

  it('splits quotes inside a word as zkCli.sh does', () => {
    expect(tokenize('set /q a"b c"d')).toEqual(['set', '/q', 'a"b', 'c"d'])
    expect(tokenize("create /q 'it''s'")).toEqual(['create', '/q', 'it', 's'])
  })
})

describe('parseOptions (Commons CLI)', () => {
  it('reads flags and valued options anywhere after the command', () => {
    const parsed = parseOptions(['set', '-s', '-v', '3', '/a', 'x'], { s: 'flag', v: 'value' })
    expect(parsed).toEqual({ options: new Map([['s', ''], ['v', '3']]), args: ['set', '/a', 'x'] })
    expect(parseOptions(['removewatches', '/a', '-d'], { d: 'flag' })).toEqual({ options: new Map([['d', '']]), args: ['removewatches', '/a'] })
    expect(parseOptions(['create', '-es', '/a'], { e: 'flag', s: 'flag' })).toMatchObject({ args: ['create', '/a'] })
  })

  it('treats negative numbers as data and refuses unknown options', () => {
    expect(parseOptions(['set', '/a', '-1'], {})).toEqual({ options: new Map(), args: ['set', '/a', '-1'] })
    expect(parseOptions(['get', '-x', '/a'], {})).toBe('Unrecognized option: -x')
    expect(parseOptions(['set', '-v'], { v: 'value' })).toBe('Missing argument for option: v')
  })
})

describe('ACLs (AclParser, getPermString)', () => {
  it('parses scheme:id:perms lists with colons inside the id', () => {
    expect(parseAcl('world:anyone:cdrwa,ip:10.0.0.1:r,digest:u:abc=:rw')).toEqual({
      acl: [
        { perms: 31, id: { scheme: 'world', id: 'anyone' } },
        { perms: 1, id: { scheme: 'ip', id: '10.0.0.1' } },
        { perms: 3, id: { scheme: 'digest', id: 'u:abc=' } },
      ],
      warnings: [],
    })
  })

  it('skips malformed entries and unknown letters with zkCli.sh warnings', () => {
    expect(parseAcl('bogus,world:anyone:rq')).toEqual({
      acl: [{ perms: 1, id: { scheme: 'world', id: 'anyone' } }],
      warnings: ['bogus does not have the form scheme:id:perm', 'Unknown perm type: q'],
    })
  })

  it('prints permissions in cdrwa order and an entry on two lines', () => {
    expect(permString(31)).toBe('cdrwa')
    expect(permString(1 | 16)).toBe('ra')
    expect(formatAcl({ perms: 5, id: { scheme: 'world', id: 'anyone' } })).toEqual(["'world,'anyone", ': cr'])
  })
})

describe('Stat printout (StatPrinter) and dates (Date.toString)', () => {
  it('formats the epoch and a known instant as Java does', () => {
    expect(javaDateString(0, true)).toBe('Thu Jan 01 00:00:00 UTC 1970')
    expect(javaDateString(Date.UTC(2026, 10, 26, 6, 52, 41), true)).toBe('Thu Nov 26 06:52:41 UTC 2026')
  })

  it('prints hex zxids and an unsigned session id', () => {
    const lines = formatStat({ czxid: 26, mzxid: 0x1_0000_0001, ctime: 0, mtime: 0, version: 2, cversion: -1, aversion: 0, ephemeralOwner: -1n, dataLength: 5, numChildren: 1, pzxid: 0 }, true)
    expect(lines).toEqual([
      'cZxid = 0x1a',
      'ctime = Thu Jan 01 00:00:00 UTC 1970',
      'mZxid = 0x100000001',
      'mtime = Thu Jan 01 00:00:00 UTC 1970',
      'pZxid = 0x0',
      'cversion = -1',
      'dataVersion = 2',
      'aclVersion = 0',
      'ephemeralOwner = 0xffffffffffffffff',
      'dataLength = 5',
      'numChildren = 1',
    ])
  })
})

describe('error lines (CliWrapperException)', () => {
  it('words each code as zkCli.sh does', () => {
    expect(errorLine(new ZooKeeperError('NONODE', { path: '/x' }), undefined)).toBe('Node does not exist: /x')
    expect(errorLine(new ZooKeeperError('BADVERSION', { path: '/x' }), undefined)).toBe('version No is not valid : /x')
    expect(errorLine(new ZooKeeperError('NOAUTH', { path: '/x' }), undefined)).toBe('Insufficient permission : /x')
    expect(errorLine(new ZooKeeperError('NOTEMPTY'), '/x')).toBe('Node not empty: /x')
    expect(errorLine(new ZooKeeperError('NOWATCHER', { path: '/x', message: 'No such watcher: /x' }), undefined)).toBe('KeeperErrorCode = No such watcher for /x')
  })
})
