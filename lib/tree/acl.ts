/**
 * ACL rules as ZooKeeper applies them: fixing up the `auth` scheme on create/setACL
 * (PrepRequestProcessor.fixupACL) and permission checks (checkACL). The standard ACLs and ids
 * themselves are in lib/protocol/data.ts, the digest ids in lib/digest.ts.
 * @module
 */
import { OPEN_ACL_UNSAFE, Perms, type ACL, type Id } from '../protocol/data.js'
import { isX500Name } from './x500-name.js'


/**
 * True when `id` is well-formed for `scheme`, as the scheme's provider's isValid decides
 * (PrepRequestProcessor.fixupACL asks ProviderRegistry). Only `world:anyone`, `digest`, `ip`,
 * `x509` (a distinguished name, as X509AuthenticationProvider.isValid) and `sasl` (a name
 * Kerberos would parse, as SASLAuthenticationProvider.isValid) have one. `super` is none: it is the identity the server gives a superuser session (its
 * superDigest, or skipACL), never a scheme an ACL may name, so ZooKeeper answers INVALIDACL for
 * it as for any unknown scheme.
 */
export function isValidId(scheme: string, id: string): boolean {
  switch (scheme) {
    case 'world':
      return id === 'anyone'
    case 'digest':
      return id.split(':').length === 2
    case 'ip':
      return parseIpRule(id) !== undefined
    case 'x509':
      return isX500Name(id)
    case 'sasl':
      return isKerberosName(id)
    default:
      return false
  }
}

/**
 * Validates an ACL for create or setACL and replaces `auth` entries with the session's
 * authenticated ids. Returns undefined when ZooKeeper would answer INVALIDACL: an empty list,
 * an unknown scheme, a malformed id, or `auth` with no authenticated id to stand for.
 */
export function fixupACL(acl: readonly ACL[], authInfo: readonly Id[]): readonly ACL[] | undefined {
  if (acl.length === 0) return undefined
  // Most nodes are open: share one frozen list so checks can short-cut on identity.
  if (acl === OPEN_ACL_UNSAFE || (acl.length === 1 && isOpenEntry(acl[0]))) return OPEN_ACL_UNSAFE
  const fixed: ACL[] = []
  for (const entry of acl) {
    if (!Number.isInteger(entry.perms) || entry.perms < 0 || entry.perms > Perms.ALL) return undefined
    if (entry.id.scheme === 'auth') {
      // Only schemes whose provider "isAuthenticated" stand for `auth`: digest, x509 and sasl, not ip.
      const ids = authInfo.filter((id) => id.scheme === 'digest' || id.scheme === 'x509' || id.scheme === 'sasl')
      if (ids.length === 0) return undefined
      for (const id of ids) pushUnique(fixed, { perms: entry.perms, id: { scheme: id.scheme, id: id.id } })
      continue
    }
    if (!isValidId(entry.id.scheme, entry.id.id)) return undefined
    pushUnique(fixed, { perms: entry.perms, id: { scheme: entry.id.scheme, id: entry.id.id } })
  }
  return fixed
}

/** Returns the shared OPEN_ACL_UNSAFE list for an open ACL (as ZooKeeper's ACL cache shares lists), else `acl`. */
export function internACL(acl: readonly ACL[]): readonly ACL[] {
  return acl.length === 1 && isOpenEntry(acl[0]) ? OPEN_ACL_UNSAFE : acl
}

function isOpenEntry(entry: ACL | undefined): boolean {
  return entry !== undefined && entry.perms === Perms.ALL && entry.id.scheme === 'world' && entry.id.id === 'anyone'
}

function pushUnique(list: ACL[], acl: ACL): void {
  const seen = list.some((a) => a.perms === acl.perms && a.id.scheme === acl.id.scheme && a.id.id === acl.id.id)
  if (!seen) list.push(acl)
}

/** True when a session with `authInfo` holds `perm` (any of its bits) on a node with `acl`. */
export function hasPermission(acl: readonly ACL[], perm: number, authInfo: readonly Id[]): boolean {
  if (acl === OPEN_ACL_UNSAFE || acl.length === 0) return true
  for (const id of authInfo) if (id.scheme === 'super') return true
  for (const entry of acl) {
    if ((entry.perms & perm) === 0) continue
    if (entry.id.scheme === 'world' && entry.id.id === 'anyone') return true
    for (const id of authInfo) {
      if (id.scheme === entry.id.scheme && idMatches(entry.id.scheme, id.id, entry.id.id)) return true
    }
  }
  return false
}

/**
 * A name KerberosName accepts: `user`, `user/host` or `user[/host]@REALM`, with no further `@`
 * and no `/` in the realm.
 */
function isKerberosName(id: string): boolean {
  const at = id.indexOf('@')
  if (at < 0) return true
  return /^[^/@]*(\/[^/@]*)?@[^/@]*$/.test(id)
}

function idMatches(scheme: string, sessionId: string, aclId: string): boolean {
  // SASLAuthenticationProvider.matches: a SASL user named "super" matches every sasl ACL.
  if (scheme === 'sasl') return sessionId === 'super' || sessionId === aclId
  if (scheme !== 'ip') return sessionId === aclId
  const rule = parseIpRule(aclId)
  const address = parseIpRule(sessionId)
  if (rule === undefined || address === undefined || rule.bytes.length !== address.bytes.length) return false
  return prefixEquals(rule.bytes, address.bytes, rule.bits)
}

interface IpRule {
  bytes: number[]
  bits: number
}

function parseIpRule(text: string): IpRule | undefined {
  const slash = text.indexOf('/')
  const address = slash < 0 ? text : text.slice(0, slash)
  const bytes = address.includes(':') ? ipv6Bytes(address) : ipv4Bytes(address)
  if (bytes === undefined) return undefined
  const maxBits = bytes.length * 8
  const bits = slash < 0 ? maxBits : Number(text.slice(slash + 1))
  if (!Number.isInteger(bits) || bits < 0 || bits > maxBits) return undefined
  return { bytes, bits }
}

function ipv4Bytes(address: string): number[] | undefined {
  const parts = address.split('.')
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined
  return parts.map(Number)
}

function ipv6Bytes(address: string): number[] | undefined {
  const halves = address.split('::')
  if (halves.length > 2) return undefined
  const head = halves[0] === '' ? [] : (halves[0] ?? '').split(':')
  const tail = halves.length === 2 && halves[1] !== '' ? (halves[1] ?? '').split(':') : []
  const missing = 8 - head.length - tail.length
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined
  const groups = [...head, ...Array<string>(missing).fill('0'), ...tail]
  if (!groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return undefined
  return groups.flatMap((g) => {
    const n = parseInt(g, 16)
    return [n >> 8, n & 0xff]
  })
}

function prefixEquals(a: number[], b: number[], bits: number): boolean {
  for (let i = 0; i < bits; i++) {
    const byte = i >> 3
    const mask = 0x80 >> (i & 7)
    if (((a[byte] ?? 0) & mask) !== ((b[byte] ?? 0) & mask)) return false
  }
  return true
}
