// Where a webhook may go. Only http(s), and, unless private targets are allowed
// (WEBHOOK_ALLOW_PRIVATE, for development and tests), only to public unicast addresses: a
// callback that resolves to loopback, a private or link-local range (cloud metadata, 169.254.169.254)
// or any other special range would let a caller make faena reach inside its own network. The
// check runs at submission (a 400 naming callbackUrl) and again at every connection, on the
// address actually connected to, because DNS can answer differently later.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import ipaddr from 'ipaddr.js'
import { ValidationError } from '../errors.js'

/** Why `address` may not be called, or null when it is a public unicast address. */
export function refusedAddress(address: string): string | null {
  if (!ipaddr.isValid(address)) return `${address} is not an IP address`
  const range = ipaddr.process(address).range()
  return range === 'unicast' ? null : `${address} is a ${range} address`
}

/** A URL a callback may name: http(s), no credentials in it. Throws a 400 naming callbackUrl. */
export function parseCallbackUrl(raw: string): URL {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new ValidationError('callbackUrl: is not a URL', { field: 'callbackUrl' })
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ValidationError(`callbackUrl: must be http or https, not ${url.protocol.replace(':', '')}`, {
      field: 'callbackUrl',
    })
  }
  if (url.username || url.password)
    throw new ValidationError('callbackUrl: may not carry credentials', { field: 'callbackUrl' })
  return url
}

/** Submission: the URL parses and every address its host resolves to may be called. */
export async function checkCallbackTarget(raw: string, allowPrivate: boolean): Promise<string> {
  const url = parseCallbackUrl(raw)
  if (allowPrivate) return url.toString()
  const host = url.hostname.replace(/^\[|\]$/g, '')
  let addresses: LookupAddress[]
  try {
    addresses = await new Promise((ok, fail) =>
      dnsLookup(host, { all: true }, (err, found) => (err ? fail(err) : ok(found))),
    )
  } catch (err) {
    throw new ValidationError(
      `callbackUrl: ${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      { field: 'callbackUrl' },
    )
  }
  for (const a of addresses) {
    const why = refusedAddress(a.address)
    if (why)
      throw new ValidationError(`callbackUrl: ${host} resolves to ${why}; webhooks go to public addresses only`, {
        field: 'callbackUrl',
      })
  }
  return url.toString()
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void

/**
 * A `lookup` for http.request that refuses, at connection time, an address a callback may not
 * reach: the check holds for the address actually connected to.
 */
export function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: object, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, [])
      const refused = allowPrivate ? null : addresses.map((a) => refusedAddress(a.address)).find((why) => why !== null)
      if (refused) {
        return callback(
          Object.assign(new Error(`refused: ${hostname} resolves to ${refused}`), { code: 'EADDRNOTALLOWED' }),
          [],
        )
      }
      if ((options as { all?: boolean }).all) return callback(null, addresses)
      const first = addresses[0]!
      callback(null, first.address, first.family)
    })
  }
}
