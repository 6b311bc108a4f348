// The client address audit rows record: X-Forwarded-For only behind a trusted proxy, and
// IPv4-mapped IPv6 shown as IPv4.
import t from 'tap'
import { clientIp, trustProxyOption } from '../../src/http/client-ip.js'
import { startTestFaena } from '../support/faena.js'

t.test('addresses and TRUST_PROXY values', async (t) => {
  t.equal(clientIp('::ffff:10.1.2.3'), '10.1.2.3')
  t.equal(clientIp('::FFFF:192.168.0.1'), '192.168.0.1')
  t.equal(clientIp('2001:db8::1'), '2001:db8::1')
  t.equal(clientIp('127.0.0.1'), '127.0.0.1')
  t.equal(clientIp(undefined), null)
  t.equal(trustProxyOption('false'), false)
  t.equal(trustProxyOption('true'), true)
  t.same(trustProxyOption('10.0.0.0/8, 127.0.0.1'), ['10.0.0.0/8', '127.0.0.1'])
})

t.test('X-Forwarded-For counts only when the peer is a trusted proxy', async (t) => {
  const body = { filters: { from: '2020-01-01', to: '2020-01-02' } }
  const ipOf = async (f: Awaited<ReturnType<typeof startTestFaena>>, remoteAddress: string) => {
    const res = await f.faena.app.inject({
      method: 'POST',
      url: '/jobs/kpi-export',
      payload: body,
      remoteAddress,
      headers: { authorization: `Bearer ${f.token('alice')}`, 'x-forwarded-for': '203.0.113.7, 10.0.0.2' },
    })
    const { rows } = await f.faena.db.pool.query('SELECT client_ip FROM kpi_auditoria_export WHERE id_export = $1', [
      res.json().idExport,
    ])
    return rows[0].client_ip
  }
  const direct = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0 } })
  t.equal(await ipOf(direct, '::ffff:198.51.100.4'), '198.51.100.4', 'no trusted proxy: the peer, as IPv4')
  const behind = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0, TRUST_PROXY: 'true' } })
  t.equal(await ipOf(behind, '10.0.0.1'), '203.0.113.7', 'behind a trusted proxy: the first hop')
})
