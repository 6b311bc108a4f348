// The client's address as audit rows record it: what Fastify resolved (the first
// X-Forwarded-For hop only when the direct peer is a trusted proxy: TRUST_PROXY), with an
// IPv4-mapped IPv6 address shown as plain IPv4.
export function clientIp(ip: string | undefined): string | null {
  if (!ip) return null
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip)
  return mapped ? mapped[1]! : ip
}

/** TRUST_PROXY as Fastify's trustProxy: false, true, or the proxies' addresses/CIDRs. */
export function trustProxyOption(value: string): boolean | string[] {
  const v = value.trim().toLowerCase()
  if (v === '' || v === 'false') return false
  if (v === 'true') return true
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
}
