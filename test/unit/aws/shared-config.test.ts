/**
 * The shared files read as the SDK reads them. Each case's files are written to disk for the
 * SDK's own loaders (loadConfig with the SDK's region selector, parseKnownFiles), and handed to
 * eksdoctor through `readText` the way ProbeEnv does: both must agree. The cases are where a
 * hand-written INI parser went wrong: duplicated sections, [default] beside [profile default],
 * `[name]` in the config file, comments, sub-sections, the region in the credentials file.
 */
import { writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { loadConfig, NODE_REGION_CONFIG_FILE_OPTIONS, NODE_REGION_CONFIG_OPTIONS, parseKnownFiles } from '@smithy/core/config'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defaultRegion, profileRegion } from '../../../src/aws/config-file.js'
import { listProfiles } from '../../../src/aws/profiles.js'
import { createTempDir, removeTempDir } from '../../helpers/pki.js'

interface Case {
  name: string
  config: string
  credentials?: string
  profile: string
  region: string | undefined
  profiles: string[]
}

const CASES: Case[] = [
  {
    name: 'a section written twice: the later key wins, the earlier keys stay',
    config: '[profile ops]\nregion = eu-west-1\noutput = json\n\n[profile ops]\nregion = eu-central-1\n',
    profile: 'ops',
    region: 'eu-central-1',
    profiles: ['ops'],
  },
  {
    name: '[profile default] replaces [default]',
    config: '[default]\nregion = us-east-1\n\n[profile default]\nregion = us-west-2\n',
    profile: 'default',
    region: 'us-west-2',
    profiles: ['default'],
  },
  {
    name: '[name] in the config file is not a profile (only [profile name] and [default] are)',
    config: '[ops]\nregion = ap-south-1\n\n[profile dev]\nregion = eu-north-1\n',
    profile: 'ops',
    region: undefined,
    profiles: ['dev'],
  },
  {
    name: 'a comment after whitespace is dropped; a # inside a value is not',
    config: '[profile a]\nregion = eu-west-1 ; primary\n[profile b]\nregion=eu-west-1#x\n',
    profile: 'b',
    region: 'eu-west-1#x',
    profiles: ['a', 'b'],
  },
  {
    name: 'an indented key under a sub-section (s3 =) is not the profile region',
    config: '[profile ops]\ns3 =\n  region = us-east-1\nregion = eu-north-1\n',
    profile: 'ops',
    region: 'eu-north-1',
    profiles: ['ops'],
  },
  {
    name: 'the region of the credentials file wins, as the SDK region loader prefers that file',
    config: '[profile ops]\nregion = eu-west-1\n',
    credentials: '[ops]\naws_access_key_id = AKIDEXAMPLE\nregion = sa-east-1\n',
    profile: 'ops',
    region: 'sa-east-1',
    profiles: ['ops'],
  },
  {
    name: 'sso-session and services sections are not profiles; quoted profile names are',
    config: "[profile 'team-a']\nregion = ca-central-1\n[sso-session corp]\nsso_region = eu-west-1\n[services local]\neks =\n  endpoint_url = http://127.0.0.1:4566\n",
    credentials: '[ci]\naws_access_key_id = AKIDEXAMPLE\n',
    profile: 'team-a',
    region: 'ca-central-1',
    profiles: ['team-a', 'ci'],
  },
]

let dir: string
beforeAll(() => {
  dir = createTempDir('eksdoctor-ini-')
})
afterAll(() => removeTempDir(dir))

function write(c: Case, index: number): { configFilepath: string; filepath: string } {
  const configFilepath = join(dir, `config-${index}`)
  const filepath = join(dir, `credentials-${index}`)
  writeFileSync(configFilepath, c.config)
  writeFileSync(filepath, c.credentials ?? '')
  return { configFilepath, filepath }
}

/** What the SDK's own loaders answer from disk: the region and the profile names. */
async function sdkReads(paths: { configFilepath: string; filepath: string }, profile: string) {
  const region = await loadConfig(
    { environmentVariableSelector: () => undefined, configFileSelector: NODE_REGION_CONFIG_OPTIONS.configFileSelector, default: undefined },
    { ...NODE_REGION_CONFIG_FILE_OPTIONS, profile, ...paths, ignoreCache: true },
  )()
  const known = await parseKnownFiles({ ...paths, ignoreCache: true })
  return { region, profiles: Object.keys(known).filter((k) => !/^(sso-session|services)\./.test(k)) }
}

describe('config-file.ts and profiles.ts read the shared files as the SDK does', () => {
  it.each(CASES.map((c, i) => ({ ...c, index: i })))('$name', async (c) => {
    const paths = write(c, c.index)
    const reads: string[] = []
    const source = {
      vars: { AWS_CONFIG_FILE: paths.configFilepath, AWS_SHARED_CREDENTIALS_FILE: paths.filepath },
      homedir: '/nonexistent-home',
      readText: async (path: string) => (reads.push(path), readFile(path, 'utf8').catch(() => undefined)),
    }
    const sdk = await sdkReads(paths, c.profile)
    expect(sdk).toEqual({ region: c.region, profiles: c.profiles })
    expect(await profileRegion(c.profile, source)).toBe(sdk.region)
    expect((await listProfiles(source)).names.sort()).toEqual([...sdk.profiles].sort())
    expect(reads).toContain(paths.configFilepath)
  })
})

describe('defaultRegion', () => {
  const source = (vars: Record<string, string | undefined>, files: Record<string, string>) => ({ vars, homedir: '/home/op', readText: async (path: string) => files[path] })
  const CONFIG = { '/home/op/.aws/config': '[default]\nregion = eu-north-1\n[profile team]\nregion = ca-central-1\n' }

  it.each([
    { vars: { AWS_REGION: 'us-east-2', AWS_DEFAULT_REGION: 'us-west-1' }, profile: undefined, want: { region: 'us-east-2', source: 'AWS_REGION' } },
    { vars: { AWS_DEFAULT_REGION: 'us-west-1' }, profile: undefined, want: { region: 'us-west-1', source: 'AWS_DEFAULT_REGION' } },
    { vars: {}, profile: undefined, want: { region: 'eu-north-1', source: 'profile default' } },
    { vars: {}, profile: 'team', want: { region: 'ca-central-1', source: 'profile team' } },
    { vars: { AWS_PROFILE: 'team' }, profile: undefined, want: { region: 'ca-central-1', source: 'profile team' } },
    { vars: {}, profile: 'missing', want: undefined },
  ])('$vars, profile $profile → $want', async ({ vars, profile, want }) => {
    expect(await defaultRegion(profile, source(vars, CONFIG))).toEqual(want)
  })

  it('AWS_CONFIG_FILE with ~/ is the home directory given, not the process one', async () => {
    const found = await defaultRegion(undefined, source({ AWS_CONFIG_FILE: '~/corp/aws.cfg' }, { '/home/op/corp/aws.cfg': '[default]\nregion = me-central-1\n' }))
    expect(found).toEqual({ region: 'me-central-1', source: 'profile default' })
  })

  it('the contents given are not left behind for the SDK: it reads the disk again', async () => {
    const paths = write({ name: '', config: '[default]\nregion = af-south-1\n', profile: 'default', region: undefined, profiles: [] }, 99)
    const fake = { vars: { AWS_CONFIG_FILE: paths.configFilepath, AWS_SHARED_CREDENTIALS_FILE: paths.filepath }, homedir: '/x', readText: async () => '[default]\nregion = il-central-1\n' }
    expect(await profileRegion(undefined, fake)).toBe('il-central-1')
    expect((await sdkReads(paths, 'default')).region).toBe('af-south-1')
  })
})
