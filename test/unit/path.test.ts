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
