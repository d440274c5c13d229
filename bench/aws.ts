/**
 * What the AWS clients cost, under each Node given: start-up, a healthy check, a check that reads
 * the whole AWS path (a SYN-dropping endpoint, so every EC2 read of the network layer runs), peak
 * RSS of each, the import cost of each AWS client module, and which packages the token fast path
 * loads. Fixtures are on loopback (moto, the fake EKS, a TLS API server, a SYN dropper) and are
 * stopped when it ends. Prints a markdown table per Node.
 *
 *   npm run build --silent && node --import tsx bench/aws.ts [path/to/node ...]
 *
 * EKSDOCTOR_BENCH_RUNS sets the runs per figure (default 9; the medians are printed).
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { startApiServer } from '../test/helpers/api-server.js'
import { buildWorld } from '../test/helpers/aws-world.js'
import { startFakeEks } from '../test/helpers/fake-eks.js'
import { startSynDropper } from '../test/helpers/fault-servers.js'
import { motoEnv, startMoto } from '../test/helpers/moto.js'
import { createCa, createTempDir, issueServerCert, removeTempDir } from '../test/helpers/pki.js'

// EKSDOCTOR_BENCH_ROOT measures another checkout's build (today's figures from a clean copy of HEAD, say).
const ROOT = resolve(process.env.EKSDOCTOR_BENCH_ROOT ?? resolve(import.meta.dirname, '..'))
const RUNS = Number(process.env.EKSDOCTOR_BENCH_RUNS ?? 9)
const nodes = process.argv.slice(2).length ? process.argv.slice(2) : [process.execPath]

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2
}

/**
 * One run of a command under /usr/bin/time: wall ms, peak RSS in MiB, exit code. Spawned
 * asynchronously: the fake EKS and the API server answer from this process.
 */
async function measure(argv: string[], env: Record<string, string>): Promise<{ ms: number; rssMiB: number; exit: number | null }> {
  const out = join(tmpdir(), `eksdoctor-bench-time-${process.pid}`)
  const started = performance.now()
  const child = spawn('/usr/bin/time', ['-f', '%M', '-o', out, ...argv], { env, cwd: ROOT, stdio: 'ignore' })
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
  const exit = await new Promise<number | null>((done) => child.on('close', done))
  clearTimeout(timer)
  const ms = performance.now() - started
  const kib = Number(readFileSync(out, 'utf8').trim().split('\n').pop())
  rmSync(out, { force: true })
  return { ms, rssMiB: kib / 1024, exit }
}

async function series(argv: string[], env: Record<string, string>, runs = RUNS, prepare = () => {}): Promise<{ ms: number; rssMiB: number; exits: Set<number | null> }> {
  prepare()
  await measure(argv, env) // warm the page cache and the tool-version cache
  const all: Awaited<ReturnType<typeof measure>>[] = []
  for (let i = 0; i < runs; i++) {
    prepare()
    all.push(await measure(argv, env))
  }
  return { ms: median(all.map((r) => r.ms)), rssMiB: Math.max(...all.map((r) => r.rssMiB)), exits: new Set(all.map((r) => r.exit)) }
}

/** Import modules (`a+b` for several at once) in a fresh process: ms for the import and RSS it added. */
function importCost(node: string, spec: string): { ms: number; rssMiB: number } {
  const specs = JSON.stringify(spec.split('+'))
  const script = `const r0=process.memoryUsage().rss;const t=performance.now();await Promise.all(${specs}.map((s)=>import(s)));console.log(JSON.stringify({ms:performance.now()-t,rss:(process.memoryUsage().rss-r0)/2**20}))`
  const runs = Array.from({ length: Math.max(3, Math.ceil(RUNS / 2)) }, () => {
    const r = spawnSync(node, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } })
    if (r.status !== 0) throw new Error(`import ${spec}: ${r.stderr}`)
    return JSON.parse(r.stdout) as { ms: number; rss: number }
  })
  return { ms: median(runs.map((r) => r.ms)), rssMiB: median(runs.map((r) => r.rss)) }
}

/** The packages a token cache miss loads (a require hook sees CommonJS and ESM-imported CommonJS alike). */
async function tokenPackages(node: string, env: Record<string, string>): Promise<string[]> {
  const hook = join(env.HOME as string, 'trace.cjs')
  writeFileSync(
    hook,
    `const M=require('module');const seen=new Set();const load=M._load;M._load=function(r,p,m){const x=load.apply(this,arguments);try{const f=M._resolveFilename(r,p,m);const k=/node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(f);if(k)seen.add(k[1])}catch{}return x};process.on('exit',()=>require('fs').writeFileSync(${JSON.stringify(`${hook}.out`)},[...seen].sort().join(' ')))`,
  )
  rmSync(join(env.HOME as string, '.kube'), { recursive: true, force: true })
  const child = spawn(node, ['-r', hook, 'bin/run.js', 'token', '--cluster', 'bench-healthy', '--region', 'eu-west-1'], { cwd: ROOT, env, stdio: 'ignore' })
  await new Promise((done) => child.on('close', done))
  return readFileSync(`${hook}.out`, 'utf8').split(' ').filter(Boolean)
}

const dir = createTempDir('eksdoctor-bench-aws-')
const home = mkdtempSync(join(tmpdir(), 'eksdoctor-bench-home-'))
const ca = createCa(dir)
const leaf = issueServerCert(ca, { commonName: 'kube-apiserver', dnsNames: ['kubernetes'], ipAddresses: ['127.0.0.1'] })
const [api, moto, dropper] = await Promise.all([startApiServer({ cert: leaf.certPem, key: leaf.keyPem }), startMoto(), startSynDropper()])
const world = await buildWorld(moto, {
  region: 'eu-west-1',
  cluster: 'bench-path',
  eksVpcCidr: '10.40.0.0/16',
  eksSubnetCidrs: ['10.40.1.0/24', '10.40.2.0/24'],
  vpnVpcCidr: '10.77.0.0/16',
  vpnSubnetCidr: '10.77.0.0/24',
  endpointIps: ['10.40.1.21', '10.40.2.34'],
  vpnRouterIp: '10.77.0.5',
  roleName: 'bench-role',
  rolePath: '/bench/',
})
const eks = await startFakeEks([
  { name: 'bench-healthy', endpoint: api.url, caPem: ca.certPem },
  { name: 'bench-path', endpoint: `https://127.0.0.1:${dropper.port}`, caPem: ca.certPem, ...world.clusterVpcConfig },
])
const caFile = join(dir, 'ca.pem')
writeFileSync(caFile, ca.certPem)

const env: Record<string, string> = {
  PATH: process.env.PATH ?? '',
  HOME: home,
  LANG: 'C.UTF-8',
  NO_COLOR: '1',
  CI: '1',
  AWS_CONFIG_FILE: join(home, 'aws-config'),
  AWS_SHARED_CREDENTIALS_FILE: join(home, 'aws-credentials'),
  ...motoEnv(moto, { AWS_ENDPOINT_URL_EKS: eks.url }),
}

try {
  for (const node of nodes) {
    const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim()
    const bare = await series([node, '-e', '0'], env)
    const start = await series([node, 'bin/run.js', '--version'], env)
    const healthy = await series([node, 'bin/run.js', 'check', '--cluster', 'bench-healthy', '--region', 'eu-west-1', '--json'], env)
    const path = await series([node, 'bin/run.js', 'check', '--cluster', 'bench-path', '--region', 'eu-west-1', '--connect-timeout', '1', '--json'], env, Math.max(3, Math.ceil(RUNS / 2)))
    const dropTokenCache = () => rmSync(join(home, '.kube'), { recursive: true, force: true })
    const miss = await series([node, 'bin/run.js', 'token', '--cluster', 'bench-healthy', '--region', 'eu-west-1'], env, RUNS, dropTokenCache)
    const loaded = await tokenPackages(node, env)
    const exits = (s: { exits: Set<number | null> }) => [...s.exits].join('/')
    console.log(`\n### ${version} (${RUNS} runs, medians; RSS is the peak over the runs)\n`)
    console.log('| figure | value | budget |')
    console.log('| --- | ---: | --- |')
    console.log(`| \`node -e 0\` | ${bare.ms.toFixed(0)} ms, ${bare.rssMiB.toFixed(0)} MiB | |`)
    console.log(`| \`--version\` | ${start.ms.toFixed(0)} ms (node + ${(start.ms - bare.ms).toFixed(0)}) | ≤ node + 120 ms |`)
    console.log(`| healthy \`check --cluster\` (exit ${exits(healthy)}) | ${healthy.ms.toFixed(0)} ms (${(healthy.ms - start.ms).toFixed(0)} beyond start-up), ${healthy.rssMiB.toFixed(0)} MiB | ≤ 1 s beyond start-up, ≤ 150 MiB |`)
    console.log(`| \`check\` reading the whole AWS path (exit ${exits(path)}) | ${path.ms.toFixed(0)} ms, ${path.rssMiB.toFixed(0)} MiB | ≤ 200 MiB |`)
    console.log(`| \`token\`, cache miss | ${miss.ms.toFixed(0)} ms, ${miss.rssMiB.toFixed(0)} MiB | no SDK client loaded |`)
    const clients = loaded.filter((p) => /^@aws-sdk\/(client-|nested-clients)/.test(p))
    console.log(`| packages the token cache miss loads | ${loaded.length}; SDK clients among them: ${clients.length ? clients.join(', ') : 'none'} | none |`)
    console.log('\n| module imported alone | ms | RSS added |')
    console.log('| --- | ---: | ---: |')
    for (const spec of [
      '@aws-sdk/client-eks',
      '@aws-sdk/client-sts',
      '@aws-sdk/client-iam',
      '@aws-sdk/client-ec2',
      '@aws-sdk/credential-providers',
      '@smithy/node-http-handler',
      '@smithy/core/config',
      './dist/aws/clients.js',
      './dist/aws/ec2.js',
      './dist/aws/query-client.js',
      // What a check loads for AWS, and what it would load with the SDK's EC2 client as well.
      '@aws-sdk/client-eks+@aws-sdk/client-sts+@aws-sdk/client-iam+@aws-sdk/credential-providers+@smithy/node-http-handler',
      '@aws-sdk/client-eks+@aws-sdk/client-sts+@aws-sdk/client-iam+@aws-sdk/credential-providers+@smithy/node-http-handler+@aws-sdk/client-ec2',
    ]) {
      try {
        const cost = importCost(node, spec)
        console.log(`| \`${spec}\` | ${cost.ms.toFixed(0)} | ${cost.rssMiB.toFixed(0)} MiB |`)
      } catch {
        console.log(`| \`${spec}\` | (not present) | |`)
      }
    }
  }
} finally {
  await Promise.all([api.close(), moto.stop(), dropper.close(), eks.close()])
  removeTempDir(dir)
  rmSync(home, { recursive: true, force: true })
}
