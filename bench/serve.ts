/**
 * Loopback fixtures for the benchmarks: a TLS API server (healthy), a silent server (accepts,
 * answers nothing), a listener that drops SYNs (as a security group does), the EKS endpoint that
 * describes clusters at them, moto for STS and EC2, and kubeconfigs whose current context points at
 * the healthy server and at the SYN dropper. Prints one JSON line with what it started, then serves
 * until killed.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startApiServer } from '../test/helpers/api-server.js'
import { startFakeEks } from '../test/helpers/fake-eks.js'
import { startSilentServer, startSynDropper } from '../test/helpers/fault-servers.js'
import { startMoto } from '../test/helpers/moto.js'
import { createCa, createTempDir, issueServerCert } from '../test/helpers/pki.js'

const dir = createTempDir('eksdoctor-bench-')
const ca = createCa(dir)
const leaf = issueServerCert(ca, { commonName: 'kube-apiserver', dnsNames: ['kubernetes'], ipAddresses: ['127.0.0.1'] })
const api = await startApiServer({ cert: leaf.certPem, key: leaf.keyPem })
const silent = await startSilentServer()
const dropper = await startSynDropper()
const dropped = `https://127.0.0.1:${dropper.port}`
const eks = await startFakeEks([
  { name: 'bench-healthy', endpoint: api.url, caPem: ca.certPem },
  { name: 'bench-sg-drop', endpoint: dropped, caPem: ca.certPem },
])
/** A kubeconfig whose current context is the server at `server`, with a static token user. */
const kubeconfig = (name: string, server: string) => {
  const path = join(dir, `${name}.kubeconfig`)
  const caData = Buffer.from(ca.certPem).toString('base64')
  writeFileSync(
    path,
    `apiVersion: v1\nkind: Config\ncurrent-context: ${name}\nclusters:\n- name: ${name}\n  cluster: {server: "${server}", certificate-authority-data: ${caData}}\ncontexts:\n- name: ${name}\n  context: {cluster: ${name}, user: ${name}}\nusers:\n- name: ${name}\n  user: {token: bench-static-token}\n`,
    { mode: 0o600 },
  )
  return path
}
const moto = await startMoto()
// Fleets of 1, 10 and 50 healthy clusters, for check --all.
const fleets = await Promise.all(
  [1, 10, 50].map((n) =>
    startFakeEks(Array.from({ length: n }, (_, i) => ({ name: `fleet-${String(i + 1).padStart(2, '0')}`, endpoint: api.url, caPem: ca.certPem }))),
  ),
)
writeFileSync(join(dir, 'ca.pem'), ca.certPem)
process.stdout.write(
  `${JSON.stringify({
    api: api.url,
    silent: `https://127.0.0.1:${silent.port}`,
    silentHttp: `http://127.0.0.1:${silent.port}`,
    dropped,
    eks: eks.url,
    moto: moto.url,
    fleets: fleets.map((f) => f.url),
    ca: join(dir, 'ca.pem'),
    kubeconfigHealthy: kubeconfig('bench-context', api.url),
    kubeconfigDropped: kubeconfig('bench-context-drop', dropped),
    dir,
  })}\n`,
)
const stop = async () => {
  await Promise.all([api.close(), silent.close(), dropper.close(), eks.close(), moto.stop(), ...fleets.map((f) => f.close())])
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
