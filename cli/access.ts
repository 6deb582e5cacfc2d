// Access options of `racelab serve` and `racelab up`: the bearer token (--token, --token-file), HTTPS with a
// self-signed certificate (--tls), the browser and Host checks (--cors-allowed-origins, --allowed-hosts),
// and the refusal to serve a non-loopback address to anyone without a token.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { ApiServerConfig } from '../apiserver/apiserver.ts';
import type { Clock } from '../apiserver/machinery/clock.ts';
import { isLoopback } from '../apiserver/http/guard.ts';
import { kubeconfigYaml } from '../clients/kube/kubeconfig.ts';
import { CliError } from './errors.ts';

export interface AccessFlags {
  token?: string;
  tokenFile?: string;
  /** Write a random token to --token-file when the file does not exist (the Docker image does). */
  generateToken?: boolean;
  tls?: boolean;
  /** Comma-separated regular expressions. */
  corsAllowedOrigins?: string;
  /** Comma-separated host names. */
  allowedHosts?: string;
  insecureAllowAnonymous?: boolean;
}

export interface Access {
  config: Pick<ApiServerConfig, 'token' | 'corsAllowedOrigins' | 'allowedHosts' | 'tls'>;
  /** The kubeconfig for a server listening at `url`, with the token and the CA. */
  kubeconfig(url: string): string;
  /** The URL clients use: a wildcard bind address is reached on loopback. */
  clientUrl(url: string): string;
}

/** The certificate's lifetime: a year, as certutil.GenerateSelfSignedCertKey's serving certificate. */
export const selfSignedValidityMs = 365 * 24 * 3600 * 1000;

const list = (v: string | undefined): string[] => (v ?? '').split(',').map((x) => x.trim()).filter((x) => x !== '');
const isWildcard = (host: string): boolean => host === '0.0.0.0' || host === '::' || host === '';

function readToken(flags: AccessFlags): string | undefined {
  if (flags.token !== undefined && flags.tokenFile !== undefined) throw new Error('--token and --token-file exclude each other');
  if (flags.token !== undefined) return flags.token;
  if (flags.tokenFile === undefined) {
    if (flags.generateToken) throw new Error('--generate-token needs --token-file');
    return undefined;
  }
  if (!existsSync(flags.tokenFile)) {
    if (!flags.generateToken) throw new Error(`--token-file ${flags.tokenFile} does not exist`);
    writeFileSync(flags.tokenFile, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600 });
  }
  const token = readFileSync(flags.tokenFile, 'utf8').trim();
  if (token === '') throw new Error(`--token-file ${flags.tokenFile} is empty`);
  return token;
}

/** A CA and a serving certificate it signed, for loopback, the bound host and the allowed hosts. */
export async function selfSignedCertificate(hosts: readonly string[], clock: Clock): Promise<{ key: string; cert: string; ca: string }> {
  // Loaded only for --tls: the X.509 library is large.
  const { generate } = await import('selfsigned');
  const now = clock.now();
  const validity = { notBeforeDate: new Date(now - 60_000), notAfterDate: new Date(now + selfSignedValidityMs) };
  const ca = await generate([{ name: 'commonName', value: 'racelab-ca' }], {
    keyType: 'ec', curve: 'P-256', algorithm: 'sha256', ...validity,
    extensions: [{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, digitalSignature: true, critical: true }],
  });
  const names = [...new Set(['127.0.0.1', '::1', 'localhost', ...hosts.filter((h) => !isWildcard(h) && h !== '*')])];
  const altNames = names.map((h) => (/^[\d.]+$/.test(h) || h.includes(':') ? { type: 7 as const, ip: h } : { type: 2 as const, value: h }));
  const server = await generate([{ name: 'commonName', value: 'racelab' }], {
    keyType: 'ec', curve: 'P-256', algorithm: 'sha256', ...validity, ca: { key: ca.private, cert: ca.cert },
    extensions: [{ name: 'subjectAltName', altNames }, { name: 'extKeyUsage', serverAuth: true }, { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true }],
  });
  return { key: server.private, cert: server.cert, ca: ca.cert };
}

export async function resolveAccess(host: string, flags: AccessFlags, clock: Clock): Promise<Access> {
  const token = readToken(flags);
  if (!isLoopback(host) && token === undefined && !flags.insecureAllowAnonymous) {
    throw new CliError(`refusing to serve ${host} without authentication`, 'give --token or --token-file (or --insecure-allow-anonymous to serve it anyway)');
  }
  const allowedHosts = list(flags.allowedHosts);
  const tls = flags.tls ? await selfSignedCertificate([host, ...allowedHosts], clock) : undefined;
  const clientUrl = (url: string): string => url.replace(/^(https?:\/\/)(0\.0\.0\.0|\[::\])(?=:)/, '$1127.0.0.1');
  return {
    config: { token, corsAllowedOrigins: list(flags.corsAllowedOrigins), allowedHosts, tls: tls ? { key: tls.key, cert: tls.cert } : undefined },
    kubeconfig: (url) => kubeconfigYaml(clientUrl(url), 'admin', token ?? 'admin', tls?.ca),
    clientUrl,
  };
}
