/** Fixes for AWS credentials that are missing or not allowed. */
import type { Fix } from '../engine/types.js'

export function buildNoCredentialsFix(profile: string | undefined): Fix {
  return {
    category: 'credentials',
    title: profile ? `Log in with the profile ${profile}` : 'Give eksdoctor AWS credentials',
    why: 'Reading the cluster needs AWS credentials from the standard chain: environment, profile (SSO, assume-role, credential_process), or instance metadata.',
    commands: profile
      ? [`aws sso login --profile ${profile}`, `aws sts get-caller-identity --profile ${profile}`]
      : ['export AWS_PROFILE=<profile>', 'aws sso login', 'aws sts get-caller-identity'],
  }
}

export function buildAccessDeniedFix(action: string): Fix {
  return {
    category: 'credentials',
    title: `Allow ${action} for this principal`,
    why: `The credentials work but may not call ${action}; the README lists the minimal read-only policy eksdoctor needs.`,
    commands: ['aws sts get-caller-identity'],
  }
}
