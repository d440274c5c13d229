/** Raw Node errors normalised into the stable failure codes that checks report. */
import type { FailureCode } from '../engine/codes.js'

export function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code
    return typeof code === 'string' ? code : undefined
  }
  return undefined
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message
  return String(error)
}

/** A socket-level error code as a TCP failure code. */
export function tcpFailureCode(code: string | undefined): FailureCode {
  switch (code) {
    case 'ECONNREFUSED':
      return 'TCP_REFUSED'
    case 'ECONNRESET':
      return 'TCP_RESET'
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
    case 'EACCES':
    case 'EPERM':
      return 'TCP_UNREACHABLE'
    default:
      return 'TCP_TIMEOUT'
  }
}

/** An OpenSSL verification code as a TLS failure code. */
export function tlsFailureCode(code: string | undefined): FailureCode {
  switch (code) {
    case 'CERT_HAS_EXPIRED':
    case 'CERT_NOT_YET_VALID':
      return 'TLS_EXPIRED'
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
    case 'HOSTNAME_MISMATCH':
      return 'TLS_HOSTNAME_MISMATCH'
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'CERT_SIGNATURE_FAILURE':
    case 'CERT_UNTRUSTED':
      return 'TLS_UNKNOWN_CA'
    default:
      return 'TLS_HANDSHAKE_FAILED'
  }
}

/** A resolver error code as a DNS failure code. */
export function dnsFailureCode(code: string | undefined): FailureCode {
  switch (code) {
    case 'ENOTFOUND':
    case 'NOTFOUND':
    case 'EAI_NONAME':
      return 'DNS_NXDOMAIN'
    case 'ENODATA':
    case 'NODATA':
      return 'DNS_NO_ANSWER'
    case 'ESERVFAIL':
    case 'SERVFAIL':
      return 'DNS_SERVFAIL'
    case 'EREFUSED':
    case 'REFUSED':
    case 'ECONNREFUSED':
      return 'DNS_REFUSED'
    default:
      return 'DNS_NO_REPLY'
  }
}
