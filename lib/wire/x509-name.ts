/**
 * The subject of an X.509 certificate as the identity of the `x509` auth scheme: the distinguished
 * name in the form Java's `X500Principal.getName()` prints (RFC 2253), which is what ZooKeeper's
 * `X509AuthenticationProvider.getClientId` returns, so an ACL written for Apache ZooKeeper
 * (`x509:CN=alice,OU=eng,O=Acme`) means the same client on Paddock.
 *
 * The rules, as Java applies them: relative names from last to first, joined by `,`; the values
 * of a multi-valued one joined by `+` in the order the certificate holds them; the keywords CN, C,
 * L, ST, O, OU, STREET, DC and UID, any other attribute as its dotted OID with the value's DER as
 * `#` and lower-case hex (an e-mail address among them); string values with `,=+<>#;"\` and
 * leading or trailing blanks escaped by a backslash, NUL as `\00`.
 *
 * Pure: a small DER reader over the certificate's bytes, bounds-checked, that throws
 * {@link X509NameError} on anything it cannot read.
 * @module
 */

/** A certificate whose subject cannot be read. */
export class X509NameError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(`unreadable certificate subject: ${message}`)
    this.name = 'X509NameError'
  }
}

/** One DER element: its tag, where it starts, and where its contents start and end. */
interface Element {
  tag: number
  at: number
  start: number
  end: number
}

const Tag = {
  integer: 0x02,
  oid: 0x06,
  utf8String: 0x0c,
  printableString: 0x13,
  t61String: 0x14,
  ia5String: 0x16,
  generalString: 0x1b,
  bmpString: 0x1e,
  sequence: 0x30,
  set: 0x31,
  explicitVersion: 0xa0,
} as const

/** The RFC 2253 keywords Java prints by name; every other attribute is printed as its OID. */
const keywords: ReadonlyMap<string, string> = new Map([
  ['2.5.4.3', 'CN'],
  ['2.5.4.6', 'C'],
  ['2.5.4.7', 'L'],
  ['2.5.4.8', 'ST'],
  ['2.5.4.9', 'STREET'],
  ['2.5.4.10', 'O'],
  ['2.5.4.11', 'OU'],
  ['0.9.2342.19200300.100.1.25', 'DC'],
  ['0.9.2342.19200300.100.1.1', 'UID'],
])

/** The characters a backslash escapes anywhere in a value (Java's `AVA.toRFC2253String`). */
const escapees = ',=+<>#;"\\'

/** Reads the element at `at`, which must end by `limit`. */
function element(der: Uint8Array, at: number, limit: number): Element {
  if (at + 2 > limit) throw new X509NameError(`truncated at byte ${at}`)
  const tag = der[at] as number
  if ((tag & 0x1f) === 0x1f) throw new X509NameError(`high tag number at byte ${at}`)
  let length = der[at + 1] as number
  let start = at + 2
  if (length & 0x80) {
    const bytes = length & 0x7f
    if (bytes === 0 || bytes > 4 || start + bytes > limit) throw new X509NameError(`bad length at byte ${at}`)
    length = 0
    for (let i = 0; i < bytes; i++) length = length * 256 + (der[start + i] as number)
    start += bytes
  }
  if (start + length > limit) throw new X509NameError(`element at byte ${at} runs past its parent`)
  return { tag, at, start, end: start + length }
}

/** The elements inside `parent`, in order. */
function children(der: Uint8Array, parent: Element): Element[] {
  const list: Element[] = []
  for (let at = parent.start; at < parent.end; ) {
    const child = element(der, at, parent.end)
    list.push(child)
    at = child.end
  }
  return list
}

function expect(e: Element | undefined, tag: number, what: string): Element {
  if (e === undefined || e.tag !== tag) throw new X509NameError(`expected ${what}`)
  return e
}

/** The dotted form of an OBJECT IDENTIFIER's contents. */
function oidText(der: Uint8Array, e: Element): string {
  const arcs: bigint[] = []
  let value = 0n
  for (let i = e.start; i < e.end; i++) {
    const byte = der[i] as number
    value = (value << 7n) | BigInt(byte & 0x7f)
    if (byte & 0x80) continue
    if (arcs.length === 0) {
      const first = value < 80n ? value / 40n : 2n
      arcs.push(first, value - first * 40n)
    } else {
      arcs.push(value)
    }
    value = 0n
  }
  if (arcs.length === 0 || ((der[e.end - 1] as number) & 0x80) !== 0) throw new X509NameError('bad object identifier')
  return arcs.join('.')
}

/** A string value's text, or undefined for a value Java prints as hex. */
function stringValue(der: Uint8Array, e: Element): string | undefined {
  const bytes = der.subarray(e.start, e.end)
  switch (e.tag) {
    case Tag.utf8String:
      return new TextDecoder('utf-8').decode(bytes)
    case Tag.bmpString: {
      let text = ''
      for (let i = 0; i + 1 < bytes.length; i += 2) text += String.fromCharCode(((bytes[i] as number) << 8) | (bytes[i + 1] as number))
      return text
    }
    case Tag.printableString:
    case Tag.t61String:
    case Tag.ia5String:
    case Tag.generalString:
      return new TextDecoder('latin1').decode(bytes)
    default:
      return undefined
  }
}

/** Escapes a string value as RFC 2253 (and Java) require. */
function escapeValue(text: string): string {
  let out = ''
  for (const c of text) out += c === '\0' ? '\\00' : escapees.includes(c) ? `\\${c}` : c
  const lead = /^[ \r]*/.exec(out)?.[0].length ?? 0
  const trail = /[ \r]*$/.exec(out.slice(lead))?.[0].length ?? 0
  const middle = out.slice(lead, out.length - trail)
  const escapeBlanks = (blanks: string) => [...blanks].map((c) => `\\${c}`).join('')
  return escapeBlanks(out.slice(0, lead)) + middle + escapeBlanks(out.slice(out.length - trail))
}

function hex(der: Uint8Array, from: number, to: number): string {
  let out = ''
  for (let i = from; i < to; i++) out += (der[i] as number).toString(16).padStart(2, '0')
  return out
}

/** One `type=value` of a relative name. */
function attribute(der: Uint8Array, ava: Element): string {
  const [type, value, extra] = children(der, expect(ava, Tag.sequence, 'an AttributeTypeAndValue'))
  if (value === undefined || extra !== undefined) throw new X509NameError('an attribute is not a type and a value')
  const oid = oidText(der, expect(type, Tag.oid, 'an attribute type'))
  const keyword = keywords.get(oid)
  const text = keyword === undefined ? undefined : stringValue(der, value)
  if (keyword === undefined || text === undefined) {
    return `${keyword ?? oid}=#${hex(der, value.at, value.end)}`
  }
  return `${keyword}=${escapeValue(text)}`
}

/** The RFC 2253 text of a DER `Name`. */
function nameText(der: Uint8Array, name: Element): string {
  const rdns = children(der, expect(name, Tag.sequence, 'a Name'))
  const parts = rdns.map((rdn) => {
    const avas = children(der, expect(rdn, Tag.set, 'a RelativeDistinguishedName'))
    if (avas.length === 0) throw new X509NameError('an empty relative name')
    return avas.map((ava) => attribute(der, ava)).join('+')
  })
  return parts.reverse().join(',')
}

/**
 * The subject of a DER-encoded X.509 certificate as `X500Principal.getName()` prints it, for
 * example `CN=alice,OU=eng,O=Acme` for a certificate made with `-subj /O=Acme/OU=eng/CN=alice`.
 * @throws X509NameError when the bytes are not a certificate this reader understands.
 */
export function certificateSubject(der: Uint8Array): string {
  const certificate = element(der, 0, der.length)
  const [tbs] = children(der, expect(certificate, Tag.sequence, 'a Certificate'))
  const fields = children(der, expect(tbs, Tag.sequence, 'a TBSCertificate'))
  // version [0] is optional; then serialNumber, signature, issuer, validity, subject.
  const offset = fields[0]?.tag === Tag.explicitVersion ? 1 : 0
  expect(fields[offset], Tag.integer, 'a serialNumber')
  return nameText(der, expect(fields[offset + 4], Tag.sequence, 'a subject Name'))
}
