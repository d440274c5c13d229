/**
 * Loopback fixtures for the benchmarks: a TLS API server (healthy), a silent server (accepts,
 * answers nothing), the EKS endpoint that describes them, and moto for STS and EC2. Prints one JSON line
 * with what it started, then serves until killed.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startApiServer } from '../test/helpers/api-server.js'
import { startFakeEks } from '../test/helpers/fake-eks.js'
import { startSilentServer } from '../test/helpers/fault-servers.js'
import { startMoto } from '../test/helpers/moto.js'
import { createCa, createTempDir, issueServerCert } from '../test/helpers/pki.js'

const dir = createTempDir('eksdoctor-bench-')
const ca = createCa(dir)
const leaf = issueServerCert(ca, { commonName: 'kube-apiserver', dnsNames: ['kubernetes'], ipAddresses: ['127.0.0.1'] })
const api = await startApiServer({ cert: leaf.certPem, key: leaf.keyPem })
const silent = await startSilentServer()
const eks = await startFakeEks([{ name: 'bench-healthy', endpoint: api.url, caPem: ca.certPem }])
const moto = await startMoto()
// Fleets of 1, 10 and 50 healthy clusters, for check --all.
const fleets = await Promise.all(
  [1, 10, 50].map((n) =>
    startFakeEks(Array.from({ length: n }, (_, i) => ({ name: `fleet-${String(i + 1).padStart(2, '0')}`, endpoint: api.url, caPem: ca.certPem }))),
  ),
)
writeFileSync(join(dir, 'ca.pem'), ca.certPem)
process.stdout.write(`${JSON.stringify({ api: api.url, silent: `https://127.0.0.1:${silent.port}`, eks: eks.url, moto: moto.url, fleets: fleets.map((f) => f.url), ca: join(dir, 'ca.pem'), dir })}\n`)
const stop = async () => {
  await Promise.all([api.close(), silent.close(), eks.close(), moto.stop(), ...fleets.map((f) => f.close())])
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
