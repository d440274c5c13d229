/**
 * A throwaway PKI for one test run, made with the real `openssl` CLI: EC P-256 by default, so it
 * stays fast; RSA 2048 where the size of the certificates matters (EKS's own are RSA 2048).
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A PEM certificate and its private key, in memory and on disk. */
export interface KeyPair {
  certPem: string
  keyPem: string
  certPath: string
  keyPath: string
}

/** A self-signed certificate authority; `dir` is where it keeps the certificates it issues. */
export interface Ca extends KeyPair {
  name: string
  dir: string
}

/** What a server certificate names and when it is valid. */
export interface ServerCertOptions {
  commonName: string
  dnsNames: string[]
  ipAddresses: string[]
  /** Validity from now, in days; default 1. Ignored by `expired` and `notYetValid`. */
  days?: number
  /** Valid from two days ago until one day ago. */
  expired?: boolean
  /** Valid from tomorrow on. */
  notYetValid?: boolean
  /** The key: EC P-256 (default) or RSA 2048. */
  keyType?: KeyType
}

export type KeyType = 'ec' | 'rsa'

function newKeyArgs(keyType: KeyType = 'ec'): string[] {
  return keyType === 'rsa' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']
}

const OPENSSL = '/usr/bin/openssl'
const OPENSSL_TIMEOUT_MS = 10_000
const HOUR_MS = 3_600_000
const DAY_MS = 24 * HOUR_MS
// Names land inside an openssl config file, so anything that could break its syntax is refused.
const SAFE_NAME = /^[A-Za-z0-9*][A-Za-z0-9 .*_:-]*$/

/** Makes a fresh temp directory for one run's PKI; remove it with `removeTempDir`. */
export function createTempDir(prefix = 'eksdoctor-pki-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

/** Removes a directory made by `createTempDir`. */
export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
}

/** Creates a self-signed CA (CA:TRUE, subject CN=<name>, like EKS's `CN=kubernetes`) in `dir`. */
export function createCa(dir: string, name = 'kubernetes', keyType: KeyType = 'ec'): Ca {
  assertSafeName(name)
  const caDir = mkdtempSync(join(dir, 'ca-'))
  const configPath = join(caDir, 'req.cnf')
  writeFileSync(configPath, ['[req]', 'distinguished_name = dn', 'prompt = no', '[dn]', `CN = ${name}`, ''].join('\n'))
  const certPath = join(caDir, 'ca.crt')
  const keyPath = join(caDir, 'ca.key')
  // Backdated like the leaves, so a cert "expired yesterday" is expired for its own reason, not its issuer's.
  const notBefore = new Date(Date.now() - 7 * DAY_MS)
  const csrPath = join(caDir, 'ca.csr')
  runOpenssl(caDir, [
    'req', '-new', '-config', configPath,
    ...newKeyArgs(keyType), '-nodes',
    '-keyout', keyPath, '-out', csrPath,
  ])
  writeCaConfig(caDir, ['[ca_ext]', 'basicConstraints = critical,CA:TRUE',
    'keyUsage = critical,keyCertSign,cRLSign,digitalSignature', 'subjectKeyIdentifier = hash'])
  runOpenssl(caDir, [
    'ca', '-batch', '-selfsign', '-config', join(caDir, 'ca.cnf'), '-keyfile', keyPath,
    '-in', csrPath, '-out', certPath, '-notext', '-extensions', 'ca_ext',
    '-startdate', formatAsn1Time(notBefore), '-enddate', formatAsn1Time(new Date(Date.now() + 30 * DAY_MS)),
  ])
  return { name, dir: caDir, certPath, keyPath, certPem: readPem(certPath), keyPem: readPem(keyPath) }
}

/** Issues a server certificate signed by `ca`, with DNS and IP SANs and the serverAuth EKU. */
export function issueServerCert(ca: Ca, opts: ServerCertOptions): KeyPair {
  assertSafeName(opts.commonName)
  for (const dnsName of opts.dnsNames) assertSafeName(dnsName)
  for (const ip of opts.ipAddresses) {
    if (isIP(ip) === 0) throw new Error(`not an IP address: ${ip}`)
  }
  const sans = [...opts.dnsNames.map((n) => `DNS:${n}`), ...opts.ipAddresses.map((ip) => `IP:${ip}`)]
  if (sans.length === 0) throw new Error('a server certificate needs at least one DNS name or IP address')

  const leafDir = mkdtempSync(join(ca.dir, 'leaf-'))
  const reqConfigPath = join(leafDir, 'req.cnf')
  writeFileSync(
    reqConfigPath,
    ['[req]', 'distinguished_name = dn', 'prompt = no', '[dn]', `CN = ${opts.commonName}`, ''].join('\n'),
  )
  const csrPath = join(leafDir, 'server.csr')
  const keyPath = join(leafDir, 'server.key')
  const certPath = join(leafDir, 'server.crt')
  runOpenssl(leafDir, [
    'req', '-new', '-config', reqConfigPath,
    ...newKeyArgs(opts.keyType), '-nodes',
    '-keyout', keyPath, '-out', csrPath,
  ])
  writeCaConfig(leafDir, [
    '[server_ext]',
    'basicConstraints = critical,CA:FALSE',
    'keyUsage = critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage = serverAuth',
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid',
    `subjectAltName = ${sans.join(',')}`,
  ])
  const { notBefore, notAfter } = computeValidity(opts)
  // `openssl ca` rather than `x509 -req`: OpenSSL 3.0 has no -not_before/-not_after, but `ca` takes exact dates.
  runOpenssl(leafDir, [
    'ca', '-batch', '-config', join(leafDir, 'ca.cnf'), '-cert', ca.certPath, '-keyfile', ca.keyPath,
    '-in', csrPath, '-out', certPath, '-notext', '-extensions', 'server_ext',
    '-startdate', formatAsn1Time(notBefore), '-enddate', formatAsn1Time(notAfter),
  ])
  return { certPath, keyPath, certPem: readPem(certPath), keyPem: readPem(keyPath) }
}

function computeValidity(opts: ServerCertOptions): { notBefore: Date; notAfter: Date } {
  const now = Date.now()
  if (opts.expired) return { notBefore: new Date(now - 2 * DAY_MS), notAfter: new Date(now - DAY_MS) }
  if (opts.notYetValid) return { notBefore: new Date(now + DAY_MS), notAfter: new Date(now + 2 * DAY_MS) }
  // An hour of slack so a second's clock difference between openssl and the verifier cannot fail a test.
  return { notBefore: new Date(now - HOUR_MS), notAfter: new Date(now + (opts.days ?? 1) * DAY_MS) }
}

/** Writes the minimal `openssl ca` config (own database, random serials) plus the extension section. */
function writeCaConfig(dir: string, extensionSection: string[]): void {
  writeFileSync(join(dir, 'index.txt'), '')
  writeFileSync(
    join(dir, 'ca.cnf'),
    [
      '[ca]',
      'default_ca = issuer',
      '[issuer]',
      `database = ${join(dir, 'index.txt')}`,
      `new_certs_dir = ${dir}`,
      'default_md = sha256',
      'policy = any_policy',
      'unique_subject = no',
      'rand_serial = yes',
      'email_in_dn = no',
      '[any_policy]',
      'commonName = supplied',
      ...extensionSection,
      '',
    ].join('\n'),
  )
}

function runOpenssl(cwd: string, args: string[]): void {
  try {
    execFileSync(OPENSSL, args, {
      cwd,
      timeout: OPENSSL_TIMEOUT_MS,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Hermetic: the system openssl.cnf must not add or change extensions.
      env: { ...process.env, OPENSSL_CONF: '/dev/null' },
    })
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim() ?? ''
    throw new Error(`openssl ${args[0] ?? ''} failed: ${stderr || String(error)}`)
  }
}

function formatAsn1Time(date: Date): string {
  // GeneralizedTime YYYYMMDDHHMMSSZ, which `openssl ca -startdate/-enddate` accepts.
  return `${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`
}

function readPem(path: string): string {
  return readFileSync(path, 'utf8')
}

function assertSafeName(name: string): void {
  if (!SAFE_NAME.test(name)) throw new Error(`unsupported name for a test certificate: ${JSON.stringify(name)}`)
}
