/**
 * Whether an `x509` ACL id is a distinguished name, as ZooKeeper's
 * `X509AuthenticationProvider.isValid` decides it: by whether Java's `new X500Principal(id)`
 * parses it. The grammar accepted is RFC 2253's (and the RFC 1779 leniencies Java keeps):
 * relative names separated by `,` or `;`, multi-valued ones by `+`, each `type=value` with a
 * keyword Java knows or a dotted OID, and a value that is `#hex`, a quoted string, or a string
 * whose special characters are escaped. The empty name is valid, as in Java.
 *
 * Valid is not the same as matching: an ACL matches only the exact text a certificate's subject
 * prints as (`CN=alice,OU=eng,O=Acme`, no blanks after the commas), so `CN=alice, OU=eng` is
 * accepted here and matches nobody, as on ZooKeeper.
 * @module
 */

/** Attribute keywords `X500Principal` parses (sun.security.x509.AVAKeyword), upper case. */
const knownKeywords = new Set([
  'CN', 'C', 'L', 'S', 'ST', 'O', 'OU', 'T', 'IP', 'STREET', 'DC', 'DNQUALIFIER', 'DNQ', 'SURNAME',
  'GIVENNAME', 'INITIALS', 'GENERATION', 'EMAIL', 'EMAILADDRESS', 'UID', 'SERIALNUMBER',
])

/** Characters that must be escaped inside an unquoted value. */
const specials = ',+"\\<>;'

/** Splits `text` at unescaped, unquoted occurrences of any of `separators`; undefined when a quote or escape is left open. */
function splitUnescaped(text: string, separators: string): string[] | undefined {
  const parts: string[] = []
  let current = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string
    if (c === '\\') {
      if (i + 1 >= text.length) return undefined
      current += c + (text[i + 1] as string)
      i++
    } else if (c === '"') {
      quoted = !quoted
      current += c
    } else if (!quoted && separators.includes(c)) {
      parts.push(current)
      current = ''
    } else {
      current += c
    }
  }
  if (quoted) return undefined
  parts.push(current)
  return parts
}

function isAttributeType(type: string): boolean {
  const t = type.trim()
  if (/^(OID\.)?\d+(\.\d+)+$/i.test(t)) return true
  return knownKeywords.has(t.toUpperCase())
}

/** An unquoted value: every special character escaped, escapes naming a special, a blank, `#`, `=` or a hex pair. */
function isPlainValue(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string
    if (c === '\\') {
      const next = value[i + 1] ?? ''
      if (/^[0-9a-fA-F]{2}$/.test(value.slice(i + 1, i + 3))) i += 2
      else if (specials.includes(next) || next === ' ' || next === '#' || next === '=') i += 1
      else return false
    } else if (specials.includes(c)) {
      return false
    }
  }
  return true
}

function isAttributeValue(raw: string): boolean {
  const value = raw.trim()
  if (value.startsWith('#')) return /^#([0-9a-fA-F]{2})+$/.test(value)
  if (value.startsWith('"')) return /^"([^"\\]|\\.)*"$/.test(value)
  return isPlainValue(value)
}

function isAttribute(text: string): boolean {
  const eq = text.indexOf('=')
  return eq > 0 && isAttributeType(text.slice(0, eq)) && isAttributeValue(text.slice(eq + 1))
}

/** Whether `text` parses as an X.500 distinguished name (see the module comment). */
export function isX500Name(text: string): boolean {
  if (text.trim() === '') return true
  const rdns = splitUnescaped(text, ',;')
  if (rdns === undefined) return false
  return rdns.every((rdn) => {
    const avas = splitUnescaped(rdn, '+')
    return avas !== undefined && avas.every(isAttribute)
  })
}
