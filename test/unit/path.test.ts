// Method: table-driven checks of the path rules against apache/zookeeper common/PathUtils.
import { describe, expect, it } from 'vitest'
import { ZooKeeperError } from '../../lib/errors.js'
import { baseName, childPath, isAtOrBelow, parentPath, pathProblem, validatePath } from '../../lib/path.js'

describe('validatePath (ZooKeeper PathUtils.validatePath)', () => {
  it.each(['/', '/a', '/a/b', '/a-b_c.d', '/a/.b', '/a/..b', '/zookeeper', '/ü/日本'])('accepts %j', (path) => {
    expect(pathProblem(path)).toBeUndefined()
  })

  it.each([
    ['', 'path length must be > 0'],
    ['a', 'path must start with / character'],
    ['/a/', 'path must not end with / character'],
    ['//a', 'empty node name specified @1'],
    ['/a//b', 'empty node name specified @3'],
    ['/a/.', 'relative paths not allowed @3'],
    ['/a/../b', 'relative paths not allowed @4'],
    ['/a\u0000b', 'null character not allowed @2'],
    ['/a\u0001', 'invalid character @2'],
    ['/a\u007f', 'invalid character @2'],
    ['/a\ud800', 'invalid character @2'],
    ['/a\ufff5', 'invalid character @2'],
  ])('rejects %j: %s', (path, problem) => {
    expect(pathProblem(path)).toBe(problem)
  })

  it('agrees with the rules on every path made of their edge characters', () => {
    // An oracle written from the rules alone, against pathProblem's fast check and its loop.
    const rejected = (c: number) => c <= 0x1f || (c >= 0x7f && c <= 0x9f) || (c >= 0xd800 && c <= 0xf8ff) || c >= 0xfff0
    const valid = (path: string): boolean => {
      if (path === '/') return true
      if (!path.startsWith('/') || path.endsWith('/')) return false
      if (path.slice(1).split('/').some((name) => name === '' || name === '.' || name === '..')) return false
      return [...path].every((_, i) => !rejected(path.charCodeAt(i)))
    }
    const alphabet = ['/', '.', 'a', ' ', '~', '\u0000', '\u001f', '\u007f', '\u009f', '\u00a0', '\ud7ff', '\ud800', '\udfff', '\uf8ff', '\uf900', '\uffef', '\ufff0', '\uffff']
    let seed = 7
    const next = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), Math.floor(seed / 2 ** 16) % n)
    let validSeen = 0
    for (let k = 0; k < 20_000; k++) {
      const length = next(9)
      let path = next(4) === 0 ? '' : '/'
      for (let i = 0; i < length; i++) path += next(2) === 0 ? 'a' : alphabet[next(5) === 0 ? next(alphabet.length) : next(3)]
      if (valid(path)) validSeen++
      expect({ path, valid: pathProblem(path) === undefined }).toEqual({ path, valid: valid(path) })
    }
    expect(validSeen).toBeGreaterThan(2_000)
  })

  it('throws BADARGUMENTS naming the path', () => {
    const error = (() => {
      try {
        validatePath('/a/')
      } catch (e) {
        return e
      }
      return undefined
    })()
    expect(error).toBeInstanceOf(ZooKeeperError)
    expect(error).toMatchObject({ code: 'BADARGUMENTS', errno: -8, path: '/a/' })
  })

  it('allows a trailing slash for sequential creates, as ZooKeeper appends the suffix', () => {
    expect(() => validatePath('/queue/', true)).not.toThrow()
    expect(() => validatePath('/queue/', false)).toThrow(ZooKeeperError)
  })

  it('throws TypeError for a non-string', () => {
    expect(() => validatePath(3 as unknown as string)).toThrow(TypeError)
  })
})

describe('path helpers', () => {
  it('splits and joins paths', () => {
    expect(parentPath('/a/b')).toBe('/a')
    expect(parentPath('/a')).toBe('/')
    expect(parentPath('/')).toBe('')
    expect(baseName('/a/b')).toBe('b')
    expect(childPath('/', 'a')).toBe('/a')
    expect(childPath('/a', 'b')).toBe('/a/b')
  })

  it('tells descendants from siblings sharing a prefix', () => {
    expect(isAtOrBelow('/a/b', '/a')).toBe(true)
    expect(isAtOrBelow('/a', '/a')).toBe(true)
    expect(isAtOrBelow('/ab', '/a')).toBe(false)
    expect(isAtOrBelow('/x', '/')).toBe(true)
  })
})
